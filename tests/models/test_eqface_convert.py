"""EQFace converter: GPEN's face_quality/ checkpoints -> one TorchScript file, proved against the
outputs of the original code (fixtures/eqface).

The checkpoints are built from fixture.json's layouts with the weight recipe (salt 0), the
backbone saved with `module.` prefixes as a DataParallel checkpoint is. The converted module,
saved and reloaded, must reproduce feature, fc and the quality logits within a relative error
of 1e-4 (max|got-want| / max|want|, fixtures/README.md: recipe activations reach 1e24) and the
quality within 1e-4 absolute. Every key must be found: a missing key or a wrong shape is refused
with exit code 2 and named; keys the networks lack are ignored with a note, as the original does.
"""
import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
import torch

from converter_test_util import REPO, SHARED, load_module, run_main  # noqa: E402

FIXTURE = SHARED / 'fixtures' / 'eqface'
RECIPE = SHARED / 'fixtures' / 'weight_recipe.py'
REL_TOL = 1e-4

if not (FIXTURE / 'fixture.json').is_file() or not RECIPE.is_file():
    pytest.skip(f'shared fixtures not found at {SHARED} (set PORTRAIT_SHARED or check out ../shared)',
                allow_module_level=True)

conv = load_module('portrait_convert_eqface', REPO / 'models' / 'convert' / 'eqface.py')
maker = load_module('portrait_make_recipe_checkpoint', REPO / 'models' / 'convert' / 'make_recipe_checkpoint.py')


def want(name):
    return torch.from_numpy(np.load(FIXTURE / f'{name}.npy'))


def rel(got, ref):
    assert got.shape == ref.shape, (got.shape, ref.shape)
    return ((got - ref).abs().max() / ref.abs().max()).item()


@pytest.fixture(scope='module')
def gpen_folder(tmp_path_factory):
    """A ModelScope GPEN folder holding only face_quality/ (recipe weights)."""
    folder = tmp_path_factory.mktemp('gpen_modelscope')
    maker.build_eqface(SHARED, folder, 0)
    return folder


@pytest.fixture(scope='module')
def converted(gpen_folder, tmp_path_factory):
    out = tmp_path_factory.mktemp('eqface') / 'model.pt'
    assert conv.main([str(gpen_folder), '-o', str(out)]) == 0
    return out


def test_checkpoints_look_like_the_originals(gpen_folder):
    sd = torch.load(gpen_folder / 'face_quality' / 'eqface_backbone.pth', weights_only=True)
    assert all(k.startswith('module.') for k in sd)
    layout = json.loads((FIXTURE / 'fixture.json').read_text())['backbone']['state_dict']
    assert [k[len('module.'):] for k in sd] == [e[0] for e in layout]


def test_fixture_equivalence(converted):
    m = torch.jit.load(str(converted), map_location='cpu')
    x = want('input')
    with torch.inference_mode():
        feature, fc = m.features(x)
        logits = m.quality_logits(x)
        f2, quality = m(x)
    assert rel(feature, want('feature')) <= REL_TOL
    assert rel(fc, want('fc')) <= REL_TOL
    assert rel(logits, want('quality_logits')) <= REL_TOL
    assert torch.equal(f2, feature)
    assert quality.shape == (1,)
    assert (quality - want('quality').reshape(1)).abs().max().item() <= 1e-4
    # softmax column 0 of the logits, as the original's head returns it
    assert torch.allclose(quality, torch.softmax(logits.double(), 1)[:, 0].float(), atol=1e-6)


def test_input_convention():
    # fixture.json 'calls': the original feeds the RGB crop as CHW, flipped to BGR, (x-127.5)/128.
    rgb = np.load(FIXTURE / 'input_rgb112.npy')
    x = (torch.from_numpy(rgb.astype(np.float32)).permute(2, 0, 1)[None].flip(1) - 127.5) / 128
    assert torch.equal(x, want('input'))


def test_batch_of_two(converted):
    m = torch.jit.load(str(converted), map_location='cpu')
    x = want('input')
    with torch.inference_mode():
        feature, _ = m(torch.cat([x, x.flip(3)]))
    assert feature.shape == (2, 512)
    assert rel(feature[:1], want('feature')) <= REL_TOL


def test_sidecars(converted):
    digest = hashlib.sha256(converted.read_bytes()).hexdigest()
    assert Path(str(converted) + '.sha256').read_text() == f'{digest}  model.pt\n'
    meta = json.loads(Path(str(converted) + '.json').read_text())
    assert meta['model'] == 'eqface' and meta['size'] == 112 and meta['sha256'] == digest
    assert meta['parameters'] == 65_156_160 + 12_847_104   # spec §1: backbone + head
    assert meta['self_check_relative'] <= REL_TOL


def _copy_with(gpen_folder, tmp_path, which, edit):
    """A face_quality folder whose `which` checkpoint went through edit(sd); the other is linked."""
    out = tmp_path / 'face_quality'
    out.mkdir()
    for name in ('eqface_backbone.pth', 'eqface_quality.pth'):
        src = gpen_folder / 'face_quality' / name
        if name == which:
            sd = torch.load(src, weights_only=True)
            edit(sd)
            torch.save(sd, out / name)
        else:
            (out / name).symlink_to(src)
    return out


def test_refuses_a_missing_key(gpen_folder, tmp_path, capsys):
    folder = _copy_with(gpen_folder, tmp_path, 'eqface_backbone.pth',
                        lambda sd: sd.pop('module.layer3.17.res_layer.3.weight'))
    rc, _, err = run_main(conv, [folder, '-o', tmp_path / 'out.pt'], capsys)
    assert rc == 2
    assert str(folder / 'eqface_backbone.pth') in err
    assert 'missing keys (1): layer3.17.res_layer.3.weight' in err
    assert not (tmp_path / 'out.pt').exists()


def test_refuses_a_wrong_shape(gpen_folder, tmp_path, capsys):
    def edit(sd):
        sd['qualtiy.3.weight'] = torch.zeros(3, 512)
    folder = _copy_with(gpen_folder, tmp_path, 'eqface_quality.pth', edit)
    rc, _, err = run_main(conv, [folder, '-o', tmp_path / 'out.pt'], capsys)
    assert rc == 2
    assert 'wrong shapes (1): qualtiy.3.weight [3, 512] (expected [2, 512])' in err


def test_ignores_extra_keys_with_a_note(gpen_folder, tmp_path, capsys):
    def edit(sd):
        sd['module.qualtiy.9.weight'] = torch.zeros(4)   # prefixed key by key, as the original strips them
    folder = _copy_with(gpen_folder, tmp_path, 'eqface_quality.pth', edit)
    rc, _, err = run_main(conv, [folder, '-o', tmp_path / 'out.pt', '--no-check'], capsys)
    assert rc == 0, err
    assert 'ignoring 1 keys' in err and 'qualtiy.9.weight' in err
    m = torch.jit.load(str(tmp_path / 'out.pt'))
    with torch.inference_mode():
        assert rel(m.quality_logits(want('input')), want('quality_logits')) <= REL_TOL


def test_refuses_sources_without_the_files(tmp_path, capsys):
    rc, _, err = run_main(conv, [tmp_path, '-o', tmp_path / 'out.pt'], capsys)
    assert rc == 2 and 'eqface_backbone.pth' in err and 'eqface_quality.pth' in err
    (tmp_path / 'face_quality').mkdir()
    (tmp_path / 'face_quality' / 'eqface_backbone.pth').write_bytes(b'not a checkpoint\n')
    (tmp_path / 'face_quality' / 'eqface_quality.pth').write_bytes(b'not a checkpoint\n')
    rc, _, err = run_main(conv, [tmp_path, '-o', tmp_path / 'out.pt'], capsys)
    assert rc == 2 and 'not a PyTorch checkpoint' in err
