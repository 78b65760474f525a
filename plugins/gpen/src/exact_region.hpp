// Parts of whole-image OpenCV operations, computed bit for bit as the whole-image call
// computes them. The original pipeline resizes and warps whole images (spec §3.3, §3.5,
// §3.8); the stage touches only the faces' surroundings and still gets the same pixels.
//
// Why not simply warp into a sub-rectangle with a shifted matrix: cv::warpAffine rounds
// x- and y-terms of its fixed-point source coordinates separately (1/1024 px, then 1/32 px
// bilinear steps), so a shifted origin moves some samples by one 1/32 step; on a sharp
// restored face that is several grey levels.
#pragma once

#include <opencv2/core.hpp>

namespace portrait::gpen {

// cv::warpAffine(whole_src, src_to_dst, whole_dst_size, INTER_LINEAR, BORDER_CONSTANT, 0)
// restricted to dst_rect of the destination. `src` is whole_src(Rect(src_origin, src.size())):
// it must hold every pixel of whole_src the warp reads for dst_rect (see warp_source_rect);
// samples outside it count as border, which is right only where they are outside whole_src.
// Types: CV_8UC1/3 or CV_32FC1/3.
cv::Mat warp_affine_region(const cv::Mat& src, cv::Point src_origin, const cv::Matx23d& src_to_dst,
                           cv::Rect dst_rect);

// The rectangle of a source of size `src_size` that a bilinear warp of dst_rect reads,
// plus a pixel of margin, clipped to the source.
cv::Rect warp_source_rect(const cv::Matx23d& src_to_dst, cv::Rect dst_rect, cv::Size src_size);

// Region `rect` of cv::resize(image, image.size() * factor, INTER_LINEAR), resizing only
// the part of `image` it needs (rect is clipped to the enlarged image). factor 1, 2 or 4:
// there 1/factor is exact in binary, so OpenCV's interpolation weights do not depend on
// where the part starts (at 3, float images differ by about 1e-3).
cv::Mat resize_region(const cv::Mat& image, int factor, cv::Rect rect);

}  // namespace portrait::gpen
