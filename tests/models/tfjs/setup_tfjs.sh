#!/usr/bin/env bash
# Install the pinned TF.js (package-lock.json beside this script, integrity-checked by npm ci)
# into ${PORTRAIT_CACHE:-~/.cache/portrait}/node/tfjs and print that folder. No-op when the
# installed lock file already matches.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${PORTRAIT_CACHE:-$HOME/.cache/portrait}/node/tfjs
if [ -f "$dir/package-lock.json" ] && cmp -s "$dir/package-lock.json" "$here/package-lock.json" \
   && [ -d "$dir/node_modules/@tensorflow/tfjs-converter" ]; then
    echo "$dir"
    exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "setup_tfjs: npm not found" >&2; exit 1; }
mkdir -p "$dir"
cp "$here/package.json" "$here/package-lock.json" "$dir/"
# --ignore-scripts: these packages need no install hooks; we never run third-party hooks.
(cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund --silent) >&2
echo "$dir"
