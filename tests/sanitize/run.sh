#!/usr/bin/env bash
# The sanitizer build: host, CLI, test plugins and the hostile-input tests with ASan + UBSan
# (gcc, -DPORTRAIT_SANITIZE=ON) in their own tree, then `ctest -L hostile` there.
# Called by ./setup.sh test and ./setup.sh asan; extra arguments go to ctest.
# Env: PORTRAIT_ASAN_BUILD_DIR (default build-asan).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${PORTRAIT_ASAN_BUILD_DIR:-$ROOT/build-asan}
# The build runs the test executables too (gtest discovery), so the options apply to it.
source "$HERE/env.sh"

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
        -DPORTRAIT_SANITIZE=ON -DPORTRAIT_BUILD_STUDIO=OFF
fi
cmake --build "$BUILD" --target hostile_tests
ctest --test-dir "$BUILD" -L hostile --output-on-failure -j2 "$@"
