// libjpeg reports errors through a callback that must not return: the runtime's JPEG readers
// jump back out of it with this manager. Internal to framework/src.
#pragma once

#include <csetjmp>
#include <cstdio>

#include <jpeglib.h>

namespace portrait {

struct JpegError {
    jpeg_error_mgr mgr;
    std::jmp_buf jump;
    char message[JMSG_LENGTH_MAX];
};

// Points `err` at the jumping error handler, with warnings silenced; returns the manager
// for cinfo.err. The caller then does `if (setjmp(err.jump)) { ...destroy, throw... }`.
jpeg_error_mgr* jpeg_error_manager(JpegError& err);

}  // namespace portrait
