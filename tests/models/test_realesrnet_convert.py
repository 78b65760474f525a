"""RealESRNet (BasicSR RRDBNet) converter: checkpoints -> TorchScript, proved against references.

rrdbnet_tiny: the saved and reloaded TorchScript must reproduce the original output within 1e-4
(fixtures/README.md), also at batch 2. Odd sizes follow the pipeline's rule (reflect-pad
bottom/right to even, crop the result). Full-size x2/x4 layouts built with the weight recipe:
the configuration must be inferred as recorded. Malformed sources are refused with exit code 2
and a message naming the file and the offending keys.
"""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from converter_test_util import REPO, SHARED, load_module, run_main  # noqa: E402
FIXTURE = SHARED / 'fixtures' / 'rrdbnet_tiny'
LAYOUTS = SHARED / 'fixtures' / 'layouts' / 'full_size_layouts.json'
RECIPE = SHARED / 'fixtures' / 'weight_recipe.py'
TOL = 1e-4

if not (FIXTURE / 'fixture.json').is_file() or not LAYOUTS.is_file() or not RECIPE.is_file():
    pytest.skip(f'shared fixtures not found at {SHARED} (set PORTRAIT_SHARED or check out ../shared)',
                allow_module_level=True)


conv = load_module('portrait_convert_realesrnet', REPO / 'models' / 'convert' / 'realesrnet.py')
recipe = load_module('portrait_weight_recipe', RECIPE)


def fixture_sd():
    obj = torch.load(str(FIXTURE / 'realesrnet_x2.pth'), map_location='cpu', weights_only=True)
    return obj['params_ema']


def reference():
    return torch.from_numpy(np.load(FIXTURE / 'input.npy')), torch.from_numpy(np.load(FIXTURE / 'output.npy'))


def run(args, capsys):
    return run_main(conv, args, capsys)


@pytest.fixture(scope='module')
def tiny_pt(tmp_path_factory):
    out = tmp_path_factory.mktemp('rrdb') / 'realesrnet_tiny.pt'
    assert conv.main([str(FIXTURE / 'realesrnet_x2.pth'), '-o', str(out)]) == 0
    return out


@pytest.fixture(scope='module')
def tiny(tiny_pt):
    return torch.jit.load(str(tiny_pt), map_location='cpu')


def test_fixture_equivalence(tiny):
    x, ref = reference()
    with torch.inference_mode():
        y = tiny(x)
    assert y.shape == ref.shape
    err = (y - ref).abs().max().item()
    assert err <= TOL, f'max abs {err}'


def test_batch_of_two(tiny):
    x, ref = reference()
    with torch.inference_mode():
        y = tiny(torch.cat([x, x.flip(3)]))
    assert y.shape == (2, 3, 96, 80)
    assert (y[:1] - ref).abs().max().item() <= TOL
    # the mirrored input gives the mirrored reference only up to the network's own asymmetry,
    # so batch independence is checked against the same sample run alone
    with torch.inference_mode():
        assert (y[1:] - tiny(x.flip(3))).abs().max().item() <= TOL


def test_odd_sizes_follow_the_pipeline_padding(tiny):
    # sr_process reflect-pads bottom/right to even sizes and crops the x2 result: an odd input
    # must give exactly the crop of the result for its reflect-padded version.
    x, ref = reference()
    x = x.clone()
    x[:, :, 47, :] = x[:, :, 45, :]           # rows 46/47 become what reflect padding of 47 rows gives
    x[:, :, :, 39] = x[:, :, :, 37]
    odd = x[:, :, :47, :39]
    padded = F.pad(odd, [0, 1, 0, 1], mode='reflect')
    assert torch.equal(padded, x)
    with torch.inference_mode():
        y_odd = tiny(odd)
        y_full = tiny(x)
    assert y_odd.shape == (1, 3, 94, 78)
    assert (y_odd - y_full[:, :, :94, :78]).abs().max().item() <= TOL
    # any size works, down to 1x1 (too small to reflect: replicated instead)
    with torch.inference_mode():
        for h, w in [(1, 1), (3, 5), (17, 2)]:
            assert tiny(torch.rand(2, 3, h, w)).shape == (2, 3, 2 * h, 2 * w)


def test_sidecars(tiny_pt):
    digest = hashlib.sha256(tiny_pt.read_bytes()).hexdigest()
    assert Path(str(tiny_pt) + '.sha256').read_text() == f'{digest}  {tiny_pt.name}\n'
    meta = json.loads(Path(str(tiny_pt) + '.json').read_text())
    want = json.loads((FIXTURE / 'fixture.json').read_text())
    for k in ('num_feat', 'num_block', 'num_grow_ch', 'scale'):
        assert meta['config'][k] == want[k], k
    assert meta['scale'] == 2 and meta['sha256'] == digest


@pytest.mark.parametrize('wrap', ['bare', 'params', 'module'])
def test_wrappers(wrap, tmp_path, capsys):
    sd = fixture_sd()
    if wrap == 'params':
        sd = {'params': sd}
    elif wrap == 'module':
        sd = {'params_ema': {'module.' + k: v for k, v in sd.items()}}
    torch.save(sd, tmp_path / 'x2.pth')
    rc, _, err = run([tmp_path / 'x2.pth', '-o', tmp_path / 'sr.pt', '--no-check'], capsys)
    assert rc == 0, err
    x, ref = reference()
    with torch.inference_mode():
        assert (torch.jit.load(str(tmp_path / 'sr.pt'))(x) - ref).abs().max().item() <= TOL


def test_modelscope_folder(tmp_path, capsys):
    (tmp_path / 'super_resolution').mkdir()
    torch.save({'params_ema': fixture_sd()}, tmp_path / 'super_resolution' / 'realesrnet_x2.pth')
    rc, _, err = run([tmp_path, '-o', tmp_path / 'sr.pt', '--no-check'], capsys)
    assert rc == 0, err


def _refused(obj, tmp_path, capsys):
    src = tmp_path / 'bad.pth'
    if isinstance(obj, bytes):
        src.write_bytes(obj)
    else:
        torch.save(obj, src)
    rc, _, err = run([src, '-o', tmp_path / 'out.pt'], capsys)
    assert rc == 2
    assert str(src) in err
    assert not (tmp_path / 'out.pt').exists()
    return err


def test_refuses_missing_key(tmp_path, capsys):
    sd = fixture_sd()
    del sd['body.1.rdb2.conv3.bias']
    assert 'missing keys (1): body.1.rdb2.conv3.bias' in _refused({'params_ema': sd}, tmp_path, capsys)


def test_refuses_extra_key(tmp_path, capsys):
    sd = fixture_sd()
    sd['conv_up3.weight'] = torch.zeros(16, 16, 3, 3)
    assert 'unexpected keys (1): conv_up3.weight' in _refused({'params_ema': sd}, tmp_path, capsys)


def test_refuses_wrong_shape(tmp_path, capsys):
    sd = fixture_sd()
    sd['conv_hr.weight'] = torch.zeros(16, 16, 1, 1)
    err = _refused({'params_ema': sd}, tmp_path, capsys)
    assert 'wrong shapes (1): conv_hr.weight [16, 16, 1, 1] (expected [16, 16, 3, 3])' in err


def test_refuses_unknown_scale(tmp_path, capsys):
    sd = fixture_sd()
    sd['conv_first.weight'] = torch.zeros(16, 7, 3, 3)
    assert 'fit no scale' in _refused({'params_ema': sd}, tmp_path, capsys)


def test_refuses_not_a_checkpoint(tmp_path, capsys):
    assert 'not a PyTorch checkpoint' in _refused(b'PK\x03\x04 broken zip', tmp_path, capsys)


def test_refuses_non_tensor_entries(tmp_path, capsys):
    assert 'not a state_dict' in _refused({'params_ema': {'conv_first.weight': 3}}, tmp_path, capsys)


@pytest.mark.parametrize('layout', ['realesrnet_x2', 'realesrnet_x4'])
def test_full_size_layouts(layout, tmp_path, capsys):
    entry = json.loads(LAYOUTS.read_text())[layout]
    sd = recipe.recipe_state_dict(entry['state_dict'], 0)
    torch.save({'params_ema': sd}, tmp_path / f'{layout}.pth')   # the released file layout
    out = tmp_path / f'{layout}.pt'
    rc, _, err = run([tmp_path / f'{layout}.pth', '-o', out], capsys)   # with the reload self-check
    assert rc == 0, err
    meta = json.loads(Path(str(out) + '.json').read_text())
    for k, v in entry['config'].items():
        assert meta['config'][k] == v, k
    s = entry['config']['scale']
    with torch.inference_mode():
        y = torch.jit.load(str(out))(torch.rand(2, 3, 21, 16))
    assert y.shape == (2, 3, 21 * s, 16 * s)   # values: the recipe's weights make them explode at x4
