#include "jpeg_error.hpp"

#include <cctype>
#include <cstring>

#include <jerror.h>

namespace portrait {
namespace {

void jump_out(j_common_ptr cinfo) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

void silent(j_common_ptr) {}

// Warnings after which the pixels are not what the file meant: scan data missing or
// undecodable, filled in by libjpeg. Others (an unknown JFIF revision, stray bytes between
// complete segments, a bad ICC marker, odd but decodable scan parameters) leave the image
// as its writer made it and stay silent, as every viewer treats them.
bool loses_pixels(int code) {
    switch (code) {
    case JWRN_HIT_MARKER:
    case JWRN_JPEG_EOF:
    case JWRN_HUFF_BAD_CODE:
    case JWRN_ARITH_BAD_CODE:
    case JWRN_MUST_RESYNC: return true;
    default: return false;
    }
}

// libjpeg calls this with level -1 for a warning, 0.. for trace messages.
void on_message(j_common_ptr cinfo, int level) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    if (level >= 0) return;
    ++cinfo->err->num_warnings;
    if (!err->fail_on_corrupt_data || !loses_pixels(cinfo->err->msg_code)) return;
    err->corrupt = true;
    jump_out(cinfo);
}

}  // namespace

jpeg_error_mgr* jpeg_error_manager(JpegError& err) {
    jpeg_error_mgr* mgr = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jump_out;
    err.mgr.emit_message = on_message;
    err.mgr.output_message = silent;
    err.message[0] = '\0';
    err.corrupt = false;
    return mgr;
}

std::string corrupt_jpeg_reason(const JpegError& err) {
    std::string m = err.message;
    const char* prefix = "Corrupt JPEG data: ";
    if (m.compare(0, std::strlen(prefix), prefix) == 0) m.erase(0, std::strlen(prefix));
    if (!m.empty()) m[0] = char(std::tolower(static_cast<unsigned char>(m[0])));
    return "corrupt JPEG data: " + m;
}

}  // namespace portrait
