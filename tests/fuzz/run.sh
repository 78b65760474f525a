#!/usr/bin/env bash
# Builds the libFuzzer targets with clang in their own tree, replays every file in
# regressions/<target>/ (must pass), then fuzzes each target for a bounded time.
# Called by ./setup.sh test and ./setup.sh fuzz. Env: PORTRAIT_FUZZ_BUILD_DIR (build-fuzz),
# PORTRAIT_FUZZ_SECONDS (per target, 60; 0 = replay only).
# A crash leaves its input in $BUILD/crashes/<target>/: copy it into regressions/<target>/.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${PORTRAIT_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
SECONDS_EACH=${PORTRAIT_FUZZ_SECONDS:-60}

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
  cmake -S "$HERE" -B "$BUILD" -G Ninja -DCMAKE_CXX_COMPILER=clang++
fi
cmake --build "$BUILD"

# Seed folders: the committed ones, and the project's own pipelines for the YAML loader.
seeds_for() {
  [ -d "$HERE/seeds/$1" ] && echo "$HERE/seeds/$1"
  [ "$1" = pipeline ] && echo "$ROOT/pipelines" "$ROOT/tests/batch/pipelines"
  return 0
}

for dir in "$HERE"/regressions/*/; do
  target=$(basename "$dir")
  exe=$BUILD/fuzz_$target
  log=$BUILD/logs/$target.log
  mkdir -p "$BUILD/corpus/$target" "$BUILD/crashes/$target" "$BUILD/logs"
  echo "fuzz_$target: replaying $(find "$dir" -type f ! -name '.*' | wc -l) regression files"
  "$exe" -runs=0 "$dir" >"$log" 2>&1 || { cat "$log" >&2; exit 1; }  # -runs=0: each file once
  ((SECONDS_EACH > 0)) || continue
  dict=()
  [ -f "$HERE/$target.dict" ] && dict=("-dict=$HERE/$target.dict")
  # shellcheck disable=SC2046  # seeds_for lists folders
  if ! "$exe" -max_total_time="$SECONDS_EACH" -timeout=10 -print_final_stats=1 "${dict[@]}" \
       -artifact_prefix="$BUILD/crashes/$target/" "$BUILD/corpus/$target" "$dir" $(seeds_for "$target") \
       >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    echo "fuzz_$target found a crash (log $log); copy $BUILD/crashes/$target/* into tests/fuzz/regressions/$target/" >&2
    exit 1
  fi
  echo "fuzz_$target: $(grep -m1 '^Done' "$log") (log $log)"
done
