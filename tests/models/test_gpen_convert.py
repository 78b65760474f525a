"""GPEN converter: checkpoints -> TorchScript, proved against the reference outputs.

gpen_tiny: the saved and reloaded TorchScript must reproduce the original ModelScope output
within 1e-4 (fixtures/README.md), at batch 1 and 2, and through the accepted wrappers.
Full-size layouts (512/1024/2048) built with the weight recipe: the configuration must be
inferred as recorded in full_size_layouts.json. Malformed sources are refused with exit code 2
and a message that names the file and the offending keys.
"""
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import pytest
import torch

from converter_test_util import REPO, SHARED, load_module, run_main  # noqa: E402
FIXTURE = SHARED / 'fixtures' / 'gpen_tiny'
LAYOUTS = SHARED / 'fixtures' / 'layouts' / 'full_size_layouts.json'
RECIPE = SHARED / 'fixtures' / 'weight_recipe.py'
TOL = 1e-4  # fixtures/README.md: max abs difference
SLOW = pytest.mark.skipif(os.environ.get('PORTRAIT_SLOW_TESTS') != '1', reason='slow; set PORTRAIT_SLOW_TESTS=1')

if not (FIXTURE / 'fixture.json').is_file() or not LAYOUTS.is_file() or not RECIPE.is_file():
    pytest.skip(f'shared fixtures not found at {SHARED} (set PORTRAIT_SHARED or check out ../shared)',
                allow_module_level=True)


conv = load_module('portrait_convert_gpen', REPO / 'models' / 'convert' / 'gpen.py')
recipe = load_module('portrait_weight_recipe', RECIPE)


def fixture_sd():
    return torch.load(str(FIXTURE / 'pytorch_model.pt'), map_location='cpu', weights_only=True)


def reference():
    x = torch.from_numpy(np.load(FIXTURE / 'input.npy'))
    y = torch.from_numpy(np.load(FIXTURE / 'output.npy'))
    return x, y


def run(args, capsys):
    return run_main(conv, args, capsys)


@pytest.fixture(scope='module')
def tiny_pt(tmp_path_factory):
    out = tmp_path_factory.mktemp('gpen') / 'gpen_tiny.pt'
    assert conv.main([str(FIXTURE), '-o', str(out)]) == 0   # the folder form: finds pytorch_model.pt
    return out


def test_fixture_equivalence(tiny_pt):
    x, ref = reference()
    m = torch.jit.load(str(tiny_pt), map_location='cpu')
    with torch.inference_mode():
        y = m(x)
    assert y.shape == ref.shape
    err = (y - ref).abs().max().item()
    assert err <= TOL, f'max abs {err}'


def test_batch_of_two(tiny_pt):
    x, ref = reference()
    m = torch.jit.load(str(tiny_pt), map_location='cpu')
    with torch.inference_mode():
        y = m(torch.cat([x, x]))
    assert y.shape == (2, 3, 64, 64)
    assert (y - ref).abs().max().item() <= TOL


def test_sidecars(tiny_pt):
    digest = hashlib.sha256(tiny_pt.read_bytes()).hexdigest()
    assert Path(str(tiny_pt) + '.sha256').read_text() == f'{digest}  {tiny_pt.name}\n'
    meta = json.loads(Path(str(tiny_pt) + '.json').read_text())
    want = json.loads((FIXTURE / 'fixture.json').read_text())
    assert meta['size'] == 64
    for k in ('size', 'style_dim', 'n_mlp', 'channel_multiplier', 'narrow'):
        assert meta['config'][k] == want[k], k
    assert meta['sha256'] == digest


def test_scripted_not_traced(tiny_pt):
    # no dead custom-op branches and no tracer artefacts: the graph holds plain aten ops only
    code = torch.jit.load(str(tiny_pt)).code
    assert 'upfirdn' not in code and 'fused_bias_act' not in code and 'conv_transpose' not in code


@pytest.mark.parametrize('wrap', ['g_ema', 'module', 'params_ema+module'])
def test_wrappers(wrap, tmp_path, capsys):
    sd = fixture_sd()
    if 'module' in wrap:
        sd = {'module.' + k: v for k, v in sd.items()}
    if wrap.startswith('g_ema'):
        sd = {'g_ema': sd}
    elif wrap.startswith('params_ema'):
        sd = {'params_ema': sd}
    torch.save(sd, tmp_path / 'ckpt.pth')
    rc, _, err = run([tmp_path / 'ckpt.pth', '-o', tmp_path / 'g.pt', '--no-check'], capsys)
    assert rc == 0, err
    x, ref = reference()
    with torch.inference_mode():
        y = torch.jit.load(str(tmp_path / 'g.pt'))(x)
    assert (y - ref).abs().max().item() <= TOL


def _refused(sd_or_bytes, tmp_path, capsys):
    src = tmp_path / 'bad.pt'
    if isinstance(sd_or_bytes, bytes):
        src.write_bytes(sd_or_bytes)
    else:
        torch.save(sd_or_bytes, src)
    rc, _, err = run([src, '-o', tmp_path / 'out.pt'], capsys)
    assert rc == 2
    assert str(src) in err
    assert not (tmp_path / 'out.pt').exists()
    return err


def test_refuses_missing_key(tmp_path, capsys):
    sd = fixture_sd()
    del sd['generator.convs.3.noise.weight']
    err = _refused(sd, tmp_path, capsys)
    assert 'missing keys (1): generator.convs.3.noise.weight' in err


def test_refuses_missing_config_key(tmp_path, capsys):
    sd = fixture_sd()
    del sd['generator.input.input']
    err = _refused(sd, tmp_path, capsys)
    assert 'cannot infer' in err and 'generator.input.input' in err


def test_refuses_extra_key(tmp_path, capsys):
    sd = fixture_sd()
    sd['generator.convs.1.extra.weight'] = torch.zeros(3)
    err = _refused(sd, tmp_path, capsys)
    assert 'unexpected keys (1): generator.convs.1.extra.weight' in err


def test_refuses_wrong_shape(tmp_path, capsys):
    sd = fixture_sd()
    sd['generator.to_rgbs.0.bias'] = torch.zeros(1, 4, 1, 1)
    err = _refused(sd, tmp_path, capsys)
    assert 'wrong shapes (1): generator.to_rgbs.0.bias [1, 4, 1, 1] (expected [1, 3, 1, 1])' in err


def test_refuses_not_a_checkpoint(tmp_path, capsys):
    err = _refused(b'this is not a checkpoint\n', tmp_path, capsys)
    assert 'not a PyTorch checkpoint' in err


def test_refuses_folder_without_model(tmp_path, capsys):
    rc, _, err = run([tmp_path, '-o', tmp_path / 'out.pt'], capsys)
    assert rc == 2 and 'no pytorch_model.pt' in err


def _full_size(size, tmp_path, capsys):
    entry = json.loads(LAYOUTS.read_text())[f'gpen_{size}']
    sd = recipe.recipe_state_dict(entry['state_dict'], 0)
    folder = tmp_path / 'modelscope'
    folder.mkdir()
    torch.save(sd, folder / 'pytorch_model.pt')   # ModelScope layout: a plain state_dict
    del sd
    out = tmp_path / f'gpen_{size}.pt'
    rc, _, err = run([folder, '-o', out, '--no-check'], capsys)
    assert rc == 0, err
    meta = json.loads(Path(str(out) + '.json').read_text())
    for k, v in entry['config'].items():
        assert meta['config'][k] == v, k
    assert meta['size'] == size
    return out


def test_full_size_512(tmp_path, capsys):
    out = _full_size(512, tmp_path, capsys)
    m = torch.jit.load(str(out))
    x = torch.rand(1, 3, 512, 512) * 2 - 1
    with torch.inference_mode():
        y = m(x)
    assert y.shape == (1, 3, 512, 512) and torch.isfinite(y).all()


def test_full_size_1024(tmp_path, capsys):
    _full_size(1024, tmp_path, capsys)


@pytest.mark.slow
@SLOW
def test_full_size_2048(tmp_path, capsys):
    _full_size(2048, tmp_path, capsys)
