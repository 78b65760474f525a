# PORTRAIT_SANITIZE=ON: AddressSanitizer + UndefinedBehaviorSanitizer (gcc) on everything
# this tree builds. All of it, because plugins are dlopen'ed into the host and share its
# C++ types and heap. tests/sanitize/run.sh configures such a tree (build-asan) and builds
# only the target `hostile_tests`. UB fails the test instead of printing and going on.
option(PORTRAIT_SANITIZE "Build with -fsanitize=address,undefined (the sanitizer test tree)" OFF)
if(PORTRAIT_SANITIZE)
  set(_portrait_sanitize -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
  add_compile_options(${_portrait_sanitize})
  add_link_options(${_portrait_sanitize})
endif()
