// libjpeg reports errors through a callback that must not return: the runtime's JPEG readers
// jump back out of it with this manager. Internal to framework/src.
#pragma once

#include <csetjmp>
#include <cstdio>
#include <string>

#include <jpeglib.h>

namespace portrait {

struct JpegError {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
    // Set by the caller: a warning that means pixels were lost or guessed (libjpeg fills
    // them with grey and goes on) jumps out like an error, with `corrupt` set.
    bool fail_on_corrupt_data = false;
    bool corrupt = false;
};

// Points `err` at the jumping error handler, with warnings silenced; returns the manager
// for cinfo.err. The caller then does `if (setjmp(err.jump)) { ...destroy, throw... }`.
jpeg_error_mgr* jpeg_error_manager(JpegError& err);

// "corrupt JPEG data: premature end of data segment", from libjpeg's message after a jump
// with `corrupt` set.
std::string corrupt_jpeg_reason(const JpegError& err);

}  // namespace portrait
