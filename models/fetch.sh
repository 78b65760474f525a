#!/usr/bin/env bash
# Fetch (and convert) catalogue models into the cache: `portrait models fetch`, for scripts.
#
#   models/fetch.sh [--convert] [--list] [NAME...]     (no NAME: every npm model not marked
#                                                       on_request: true)
#
# The catalogue is read by one parser, the CLI's: this script finds the portrait binary
# ($PORTRAIT, then build/bin/portrait beside this checkout, then PATH) and hands over.
# Models are always converted after fetching (--convert is accepted for older scripts);
# --list prints the catalogue (portrait models list).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)

list=0 names=()
for a in "$@"; do
    case $a in
        --convert) ;;
        --list) list=1 ;;
        -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        -*) echo "fetch.sh: unknown option $a" >&2; exit 2 ;;
        *) names+=("$a") ;;
    esac
done

portrait=${PORTRAIT:-}
if [ -z "$portrait" ]; then
    if [ -x "$repo/build/bin/portrait" ]; then portrait=$repo/build/bin/portrait
    elif command -v portrait >/dev/null 2>&1; then portrait=$(command -v portrait)
    else
        echo "fetch.sh: the portrait CLI reads the catalogue and was not found; build it first" \
             "(./setup.sh build) or set PORTRAIT=/path/to/portrait" >&2
        exit 2
    fi
fi
if [ $list = 1 ]; then exec "$portrait" models list; fi
if [ ${#names[@]} -eq 0 ]; then exec "$portrait" models fetch --default-set; fi
exec "$portrait" models fetch "${names[@]}"
