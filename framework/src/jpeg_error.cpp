#include "jpeg_error.hpp"

namespace portrait {
namespace {

void jump_out(j_common_ptr cinfo) {
    auto* err = reinterpret_cast<JpegError*>(cinfo->err);
    (*cinfo->err->format_message)(cinfo, err->message);
    std::longjmp(err->jump, 1);
}

void silent(j_common_ptr) {}

}  // namespace

jpeg_error_mgr* jpeg_error_manager(JpegError& err) {
    jpeg_error_mgr* mgr = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jump_out;
    err.mgr.output_message = silent;
    err.message[0] = '\0';
    return mgr;
}

}  // namespace portrait
