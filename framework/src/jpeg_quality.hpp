// The quality a JPEG was written at, estimated from its quantisation tables, so a batch
// can re-encode at the input's own quality instead of a fixed one (a quality-60 photo
// written at 95 doubles in size for nothing). Internal to framework/src.
#pragma once

#include <cstdio>  // jpeglib.h needs FILE

#include <jpeglib.h>

namespace portrait {

// Fits the IJG quality scaling (the one libjpeg, and so most software, uses) to the tables
// of a file whose header has been read (jpeg_read_header): the quality 1..100 whose scaled
// standard luminance and chrominance tables are closest (sum of absolute differences) to
// the file's. Exact for files written through libjpeg's jpeg_set_quality, the nearest fit
// for other tables (cameras, Photoshop). 0 when the file has no luminance table.
int jpeg_quality_of_header(const jpeg_decompress_struct& c);

}  // namespace portrait
