#!/bin/sh
# Full-size synthetic models for bench_gpen: checkpoints in the original layouts built with
# the shared weight recipe, converted by the project's converters.
#   tests/plugins/gpen/make_bench_models.sh OUT_DIR [512 1024 2048 sr]
# writes OUT_DIR/gpen-512/model.pt, gpen-1024/model.pt, realesrnet-x2/model.pt (+ sidecars), and
# beside each, $name-original/model.pt (--layout original, the baseline the bench times ours
# against; GPEN's is traced, batch 1 only; its self check is skipped: three more 15-50 s
# forwards, and the tiny-fixture test proves the layout). GPEN_BENCH_NO_ORIGINAL=1 skips those.
set -e
OUT=${1:?usage: make_bench_models.sh OUT_DIR [512 1024 2048 sr]}
shift
WHAT=${*:-512 1024 sr}
SHARED=${PORTRAIT_SHARED:-$(cd "$(dirname "$0")/../../../.." && pwd)/shared}
REPO=$(cd "$(dirname "$0")/../../.." && pwd)
SRC="$OUT/checkpoints"
mkdir -p "$SRC"
for w in $WHAT; do
    case $w in
        sr) layout=realesrnet_x2; ckpt="$SRC/realesrnet_x2.pth"; name=realesrnet-x2; conv=realesrnet ;;
        *) layout=gpen_$w; ckpt="$SRC/gpen_$w.pt"; name=gpen-$w; conv=gpen ;;
    esac
    /usr/bin/python3 - "$SHARED" "$layout" "$ckpt" <<'PY'
import importlib.util, json, sys, torch
shared, layout, out = sys.argv[1:4]
spec = importlib.util.spec_from_file_location('recipe', f'{shared}/fixtures/weight_recipe.py')
recipe = importlib.util.module_from_spec(spec); spec.loader.exec_module(recipe)
entry = json.load(open(f'{shared}/fixtures/layouts/full_size_layouts.json'))[layout]
sd = recipe.recipe_state_dict(entry['state_dict'], 0)
torch.save({'params_ema': sd} if layout.startswith('realesrnet') else sd, out)
print(f'{out}: {len(sd)} tensors')
PY
    mkdir -p "$OUT/$name"
    /usr/bin/python3 "$REPO/models/convert/$conv.py" "$ckpt" -o "$OUT/$name/model.pt"
    if [ "${GPEN_BENCH_NO_ORIGINAL:-0}" != 1 ]; then
        mkdir -p "$OUT/$name-original"
        /usr/bin/python3 "$REPO/models/convert/$conv.py" "$ckpt" -o "$OUT/$name-original/model.pt" --layout original --no-check
    fi
done
