#!/usr/bin/env bash
# Fetch (and optionally convert) catalogue models into the cache.
#
#   models/fetch.sh [--convert] [--list] [NAME...]     (no NAME: every npm model not marked
#                                                       on_request: true)
#
# Reads models/catalogue.yaml with a line parser that relies on its documented layout,
# and calls models/fetch_npm.sh per model. With --convert, runs the model's `convert`
# command when its output or the output's .sha256 sidecar is missing or does not match.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
catalogue=$here/catalogue.yaml
cache=${PORTRAIT_CACHE:-$HOME/.cache/portrait}

convert=0 list=0 names=()
for a in "$@"; do
    case $a in
        --convert) convert=1 ;;
        --list) list=1 ;;
        -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fetch.sh: unknown option $a" >&2; exit 2 ;;
        *) names+=("$a") ;;
    esac
done

# One record per model: name|kind|package|version|integrity|convert-command|convert-output|on-request|files
# files = space-separated PATH[:DEST]=SHA256 (DEST relative to the cache root).
records=$(awk '
    function val(line) { sub(/^[^:]*:[ ]*/, "", line); gsub(/^'\''|'\''$/, "", line); return line }
    function flush() {
        if (name != "") {
            if (path != "") files = files " " path (dest != "" ? ":" dest : "") "=" sha
            print name "|" kind "|" pkg "|" ver "|" integ "|" ccmd "|" cout "|" onreq "|" substr(files, 2)
        }
        name = kind = pkg = ver = integ = ccmd = cout = onreq = files = path = dest = sha = ""
    }
    /^[ ]*#/ || /^[ ]*$/ { next }
    /^models:/ { inmodels = 1; next }
    /^[^ ]/ { flush(); inmodels = 0; next }
    !inmodels { next }
    /^  [^ ]/ { flush(); name = $1; sub(/:$/, "", name); next }
    /^    on_request:/ { onreq = val($0); next }
    /^      kind:/ { kind = val($0); next }
    /^      package:/ { pkg = val($0); next }
    /^      version:/ { ver = val($0); next }
    /^      integrity:/ { integ = val($0); next }
    /^      command:/ { ccmd = val($0); next }
    /^      output:/ { cout = val($0); next }
    /^      - path:/ {
        if (path != "") files = files " " path (dest != "" ? ":" dest : "") "=" sha
        path = val($0); dest = sha = ""; next }
    /^        sha256:/ { sha = val($0); next }
    /^        dest:/ { dest = val($0); next }
    END { flush() }
' "$catalogue")

if [ $list = 1 ]; then
    echo "$records" | cut -d'|' -f1,3,4 | tr '|' ' '
    exit 0
fi

found=0
while IFS='|' read -r name kind pkg ver integ ccmd cout onreq files; do
    [ -n "$name" ] || continue
    if [ ${#names[@]} -gt 0 ]; then
        want=0
        for n in "${names[@]}"; do [ "$n" = "$name" ] && want=1; done
        [ $want = 1 ] || continue
    elif [ "$onreq" = true ]; then
        echo "fetch.sh: $name: fetched only when named (on_request), skipped"
        continue
    fi
    found=$((found + 1))
    [ "$kind" = npm ] || { echo "fetch.sh: $name: source kind '$kind' not handled here, skipped"; continue; }
    dir=$cache/models/$name
    specs=()
    for f in $files; do
        src=${f%%=*} digest=${f##*=}
        if [[ $src == *:* ]]; then specs+=("${src%%:*}:$cache/${src#*:}=$digest")
        else specs+=("$f"); fi
    done
    "$here/fetch_npm.sh" "$pkg@$ver" "$integ" "$dir" "${specs[@]}"

    if [ $convert = 1 ] && [ -n "$ccmd" ]; then
        out=$dir/$cout
        # The recipe: the command and the converter scripts it names. A changed converter
        # converts again; an unchanged one with a good output converts nothing.
        recipe=$(cd "$repo" && { echo "$ccmd"; for w in $ccmd; do if [[ $w == *.py && -f $w ]]; then sha256sum "$w"; fi; done; } | sha256sum | cut -d' ' -f1)
        if [ -f "$out" ] && [ -f "$out.sha256" ] && (cd "$dir" && sha256sum --status -c "$out.sha256") &&
            [ "$(cat "$out.recipe" 2>/dev/null)" = "$recipe" ]; then
            echo "fetch.sh: $name: $cout present and matches its sidecar and converter"
        else
            cmd=${ccmd//\{src\}/$dir}
            cmd=${cmd//\{out\}/$out}
            echo "fetch.sh: $name: $cmd"
            (cd "$repo" && eval "$cmd")
            echo "$recipe" >"$out.recipe"
        fi
    fi
done <<<"$records"

if [ ${#names[@]} -gt 0 ] && [ $found -lt ${#names[@]} ]; then
    echo "fetch.sh: some of '${names[*]}' are not in $catalogue" >&2
    exit 1
fi
