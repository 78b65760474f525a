# Runtime options of the sanitizer tree (build-asan); `source` it to run its binaries by hand.
# halt_on_error: the first report of either sanitizer fails the process, with its stack.
# handle_segv/sigbus/sigfpe=0: the plugin checks load a crashing plugin in a child on purpose
# and name the signal it died of; ASan's handler would turn that death into exit(1). Bad
# accesses that do not fault are still reported; one that faults still fails the test.
# LSan stays on; lsan.supp lists what is not ours.
_san_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export ASAN_OPTIONS=halt_on_error=1:handle_segv=0:handle_sigbus=0:handle_sigfpe=0
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export LSAN_OPTIONS=suppressions=$_san_dir/lsan.supp:print_suppressions=0
unset _san_dir
