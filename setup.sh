#!/usr/bin/env bash
# One entry point for a fresh Debian 12 machine (see README.md):
#   ./setup.sh run    install what is missing, build, fetch and convert the default
#                     pipeline's models, then run pipelines/default.yaml on bundled portraits
#   ./setup.sh test   the same set-up, then the whole test suite (ctest), the sanitizer
#                     build's hostile-input tests and the fuzzers (docs/testing.md)
#   ./setup.sh deps | build | models | asan | fuzz    one step alone
# Idempotent: a second run installs and downloads nothing and rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$PWD
BUILD=${PORTRAIT_BUILD_DIR:-$ROOT/build}
OUT=${PORTRAIT_DEMO_OUT:-$ROOT/out}
CACHE=${PORTRAIT_CACHE:-$HOME/.cache/portrait}

# Debian packages the build, the converters and the tests need.
PACKAGES=(
  cmake ninja-build g++ pkgconf git ca-certificates
  libtorch-dev libopencv-dev libboost-dev libboost-program-options-dev
  libyaml-cpp-dev libspdlog-dev libfmt-dev libtbb-dev nlohmann-json3-dev
  libssl-dev libcurl4-openssl-dev libexiv2-dev liblcms2-dev
  libjpeg-dev libpng-dev libwebp-dev libtiff-dev util-linux python3-pil webp pngcheck groff-base man-db
  libgtest-dev libgmock-dev googletest libbenchmark-dev
  python3-torch python3-numpy python3-pytest python3-onnx python3-skimage python3-yaml
  slurm-wlm munge
  qt6-base-dev
  clang libclang-rt-14-dev
)

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  # Node and npm fetch the face models; any install of them will do (NodeSource's nodejs
  # ships npm and conflicts with Debian's npm package).
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  if ((${#missing[@]} == 0)); then log "Debian packages: all present"; return; fi
  log "installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo=sudo
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    log "configuring $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release
  fi
  log "building"
  cmake --build "$BUILD"
}

models() {
  log "models for the default pipeline (cache: $CACHE)"
  # esrgan-medium: pipelines/enhance.yaml's 2x super-resolution (MIT weights from npm, 3 MB)
  "$BUILD/bin/portrait" models fetch blazeface facemesh esrgan-medium
}

astronaut() {
  /usr/bin/python3 -c 'import os, skimage; print(os.path.join(os.path.dirname(skimage.__file__), "data", "astronaut.png"))'
}

run_demo() {
  local inputs=("$(astronaut)")
  [ -f "$CACHE/samples/samples.jpg" ] && inputs+=("$CACHE/samples/samples.jpg")
  mkdir -p "$OUT"
  log "running pipelines/default.yaml on ${inputs[*]}"
  "$BUILD/bin/portrait" run -p "$ROOT/pipelines/default.yaml" "${inputs[@]}" -o "$OUT" --report "$OUT/report.json"
  log "running pipelines/enhance.yaml (skin retouching + 2x ESRGAN) on $(basename "${inputs[0]}")"
  "$BUILD/bin/portrait" run -p "$ROOT/pipelines/enhance.yaml" "${inputs[0]}" -o "$OUT/enhanced"
  log "results in $OUT/ (report: $OUT/report.json; enhanced 2x: $OUT/enhanced/)"
}

run_tests() {
  log "running the test suite"
  ctest --test-dir "$BUILD" --output-on-failure -j2 "$@"
}

# ASan + UBSan tree (build-asan) running the hostile-input tests; see docs/testing.md.
sanitize() {
  log "sanitizer build: hostile-input tests under ASan + UBSan"
  "$ROOT/tests/sanitize/run.sh"
}

# libFuzzer targets (build-fuzz): replay tests/fuzz/regressions, then fuzz each a while.
fuzz() {
  log "fuzzing (${PORTRAIT_FUZZ_SECONDS:-60}s per target)"
  "$ROOT/tests/fuzz/run.sh"
}

case "${1:-}" in
  run) deps; build; models; run_demo ;;
  test) shift; deps; build; models; run_tests "$@"; sanitize; fuzz ;;
  deps) deps ;;
  build) build ;;
  models) models ;;
  asan) sanitize ;;
  fuzz) fuzz ;;
  *) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
