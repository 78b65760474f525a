#!/usr/bin/env python3
"""Build synthetic checkpoints in an original file layout from the shared weight recipe.

    /usr/bin/python3 models/convert/make_recipe_checkpoint.py --layout skin_retouching|eqface -o DIR
        [--shared PATH] [--salt 0]

The real ModelScope files are 270 MB and need a model hub; these stand-ins have the same keys,
shapes, dtypes and container layout, with deterministic weights (../shared/fixtures/weight_recipe.py),
so converters, tests and the C++ stages can run end to end offline. The shared folder comes from
--shared, else $PORTRAIT_SHARED, else ../shared beside the repository.
"""
import argparse
import importlib.util
import json
import os
import sys
from pathlib import Path

import torch


def shared_dir(explicit=None) -> Path:
    if explicit:
        return Path(explicit)
    if os.environ.get('PORTRAIT_SHARED'):
        return Path(os.environ['PORTRAIT_SHARED'])
    return Path(__file__).resolve().parents[2].parent / 'shared'


def load_recipe(shared: Path):
    path = shared / 'fixtures' / 'weight_recipe.py'
    if not path.is_file():
        raise FileNotFoundError(f'weight recipe not found: {path} (set --shared or PORTRAIT_SHARED)')
    spec = importlib.util.spec_from_file_location('portrait_weight_recipe', path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def skin_retouching_state_dicts(shared: Path, salt: int = 0) -> dict:
    """{'generator': sd, 'detection_net': sd, 'inpainting_net': sd} from fixture.json layouts."""
    recipe = load_recipe(shared)
    layouts = json.loads((shared / 'fixtures' / 'skin_retouching' / 'fixture.json').read_text())['state_dicts']
    return {name: recipe.recipe_state_dict(layouts[name], salt)
            for name in ('generator', 'detection_net', 'inpainting_net')}


def write_skin_retouching(sds: dict, out: Path) -> None:
    """Write the two files exactly as ModelScope's model folder holds them."""
    out.mkdir(parents=True, exist_ok=True)
    torch.save({'generator': sds['generator']}, out / 'pytorch_model.pt')
    torch.save({'inpainting_net': sds['inpainting_net'], 'detection_net': sds['detection_net']},
               out / 'joint_20210926.pth')


def build_skin_retouching(shared: Path, out: Path, salt: int = 0) -> None:
    write_skin_retouching(skin_retouching_state_dicts(shared, salt), out)


def build_eqface(shared: Path, out: Path, salt: int = 0) -> None:
    """GPEN's face_quality/eqface_backbone.pth and eqface_quality.pth (fixtures/eqface), bare
    state_dicts; the backbone's keys carry `module.` as a DataParallel save does."""
    recipe = load_recipe(shared)
    layouts = json.loads((shared / 'fixtures' / 'eqface' / 'fixture.json').read_text())
    folder = out / 'face_quality'
    folder.mkdir(parents=True, exist_ok=True)
    backbone = recipe.recipe_state_dict(layouts['backbone']['state_dict'], salt)
    torch.save({'module.' + k: v for k, v in backbone.items()}, folder / 'eqface_backbone.pth')
    del backbone
    torch.save(recipe.recipe_state_dict(layouts['quality']['state_dict'], salt), folder / 'eqface_quality.pth')


LAYOUTS = {'skin_retouching': build_skin_retouching, 'eqface': build_eqface}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('--layout', required=True, choices=sorted(LAYOUTS))
    ap.add_argument('-o', '--output', required=True, help='folder to write the checkpoint files into')
    ap.add_argument('--shared', help='path of the shared folder (default: $PORTRAIT_SHARED or ../shared)')
    ap.add_argument('--salt', type=int, default=0, help='recipe salt (fixtures use 0)')
    args = ap.parse_args(argv)
    try:
        LAYOUTS[args.layout](shared_dir(args.shared), Path(args.output), args.salt)
    except (FileNotFoundError, KeyError) as e:
        print(f'make_recipe_checkpoint: error: {e}', file=sys.stderr)
        return 2
    for p in sorted(q for q in Path(args.output).rglob('*') if q.is_file()):
        print(f'{p}  {p.stat().st_size} bytes')
    return 0


if __name__ == '__main__':
    sys.exit(main())
