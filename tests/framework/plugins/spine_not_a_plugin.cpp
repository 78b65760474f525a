// A valid shared library without the portrait entry point.
extern "C" __attribute__((visibility("default"))) int spine_some_function() { return 42; }
