#!/bin/sh
# Converts the shared tiny GPEN and RRDBNet fixtures with the project's converters into
# OUT/gpen_tiny/model.pt and OUT/rrdbnet_tiny/model.pt, and builds the full-size EQFace
# checkpoints from the weight recipe (fixtures/eqface) into OUT/eqface/model.pt, for the
# C++ tests. Never fails:
# when a converter or the fixtures are missing it says so and the tests that need the
# models skip.
OUT=${1:?usage: convert_tiny_models.sh OUT_DIR}
SHARED=${PORTRAIT_SHARED:-../shared}
PY=/usr/bin/python3
convert() {  # name converter source
    if [ ! -f "models/convert/$2.py" ]; then echo "skip $1: models/convert/$2.py not found"; return; fi
    if [ ! -f "$3" ]; then echo "skip $1: fixture $3 not found"; return; fi
    mkdir -p "$OUT/$1"
    if [ -f "$OUT/$1/model.pt" ] && [ "$OUT/$1/model.pt" -nt "$3" ] && [ "$OUT/$1/model.pt" -nt "models/convert/$2.py" ]; then
        echo "$1: up to date"; return
    fi
    if $PY "models/convert/$2.py" "$3" -o "$OUT/$1/model.pt" >"$OUT/$1/convert.log" 2>&1; then
        echo "$1: converted"
    else
        echo "skip $1: conversion failed (see $OUT/$1/convert.log)"; rm -f "$OUT/$1/model.pt"
        tail -5 "$OUT/$1/convert.log"
    fi
}
convert gpen_tiny gpen "$SHARED/fixtures/gpen_tiny/pytorch_model.pt"
convert rrdbnet_tiny realesrnet "$SHARED/fixtures/rrdbnet_tiny/realesrnet_x2.pth"

# EQFace: 78 M parameters, so the checkpoints are made here (about 310 MB, deleted after
# the conversion) rather than shipped.
eqface() {
    layout="$SHARED/fixtures/eqface/fixture.json"
    if [ ! -f "$layout" ]; then echo "skip eqface: fixture $layout not found"; return; fi
    model="$OUT/eqface/model.pt"
    if [ -f "$model" ] && [ "$model" -nt "$layout" ] && [ "$model" -nt models/convert/eqface.py ] &&
       [ "$model" -nt models/convert/nets/eqface.py ] && [ "$model" -nt models/convert/make_recipe_checkpoint.py ]; then
        echo "eqface: up to date"; return
    fi
    mkdir -p "$OUT/eqface"
    src="$OUT/eqface/recipe_checkpoints"
    if PORTRAIT_SHARED="$SHARED" $PY models/convert/make_recipe_checkpoint.py --layout eqface -o "$src" >"$OUT/eqface/convert.log" 2>&1 &&
       $PY models/convert/eqface.py "$src" -o "$model" >>"$OUT/eqface/convert.log" 2>&1; then
        echo "eqface: converted"
    else
        echo "skip eqface: conversion failed (see $OUT/eqface/convert.log)"; rm -f "$model"
        tail -5 "$OUT/eqface/convert.log"
    fi
    rm -rf "$src"
}
eqface
exit 0
