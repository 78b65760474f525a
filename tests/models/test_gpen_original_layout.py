"""GPEN converter, --layout original: the benchmark's baseline must be the original network.

gpen_tiny: the traced original layout reproduces output.npy (made by the ModelScope code) from
input.npy, and the default inference layout agrees with it on the same input. Measured on
torch 1.13 CPU: original vs output.npy 0 (bit-exact), inference vs original 3.8e-6.
"""
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from converter_test_util import REPO, SHARED, load_module  # noqa: E402
FIXTURE = SHARED / 'fixtures' / 'gpen_tiny'
TOL_ORIGINAL = 1e-6   # measured 0; headroom for other CPU kernels
TOL_LAYOUTS = 1e-5    # measured 3.8e-6 (rearranged float sums)

if not (FIXTURE / 'fixture.json').is_file():
    pytest.skip(f'shared fixtures not found at {SHARED} (set PORTRAIT_SHARED or check out ../shared)',
                allow_module_level=True)

conv = load_module('portrait_convert_gpen_layouts', REPO / 'models' / 'convert' / 'gpen.py')


def reference():
    return torch.from_numpy(np.load(FIXTURE / 'input.npy')), torch.from_numpy(np.load(FIXTURE / 'output.npy'))


@pytest.fixture(scope='module')
def converted(tmp_path_factory):
    """{layout: path} for both layouts of gpen_tiny, converted with the self check on."""
    d = tmp_path_factory.mktemp('gpen_layouts')
    out = {}
    for layout in ('original', 'inference'):
        out[layout] = d / f'{layout}.pt'
        assert conv.main([str(FIXTURE), '-o', str(out[layout]), '--layout', layout]) == 0
    return out


def run(path, x):
    with torch.inference_mode():
        return torch.jit.load(str(path), map_location='cpu')(x)


def test_original_layout_reproduces_reference(converted):
    x, ref = reference()
    y = run(converted['original'], x)
    assert y.shape == ref.shape
    err = (y - ref).abs().max().item()
    assert err <= TOL_ORIGINAL, f'max abs {err}'


def test_inference_layout_agrees_with_original(converted):
    x, _ = reference()
    err = (run(converted['inference'], x) - run(converted['original'], x)).abs().max().item()
    assert err <= TOL_LAYOUTS, f'max abs {err}'


def test_sidecars_name_the_layout(converted):
    for layout, path in converted.items():
        meta = json.loads(Path(str(path) + '.json').read_text())
        assert meta['layout'] == layout
        assert ('traced' in meta) == (layout == 'original')
    assert '[1,3,64,64]' in json.loads(Path(str(converted['original']) + '.json').read_text())['input']


def test_original_trace_is_batch_one_only(converted):
    # spec §2.6: groups = batch is baked into the trace; the sidecar says so
    x, _ = reference()
    with pytest.raises(RuntimeError):
        run(converted['original'], torch.cat([x, x]))


def test_original_module_has_checkpoint_names():
    sd = torch.load(str(FIXTURE / 'pytorch_model.pt'), map_location='cpu', weights_only=True)
    want = json.loads((FIXTURE / 'fixture.json').read_text())
    model = conv.OriginalFullGenerator(64, want['style_dim'], want['n_mlp'], want['channel_multiplier'],
                                       want['narrow'])
    got = model.state_dict()
    assert list(got) == list(sd) == [k for k, _ in want['state_dict']]
    assert [list(v.shape) for v in got.values()] == [s for _, s in want['state_dict']]
