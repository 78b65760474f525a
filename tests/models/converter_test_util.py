"""What the converter tests share: where the repository and ../shared are, loading a script
as a module, and running a converter's main() with its output captured."""
import importlib.util
import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get('PORTRAIT_SHARED') or REPO.parent / 'shared')


def load_module(name, path):
    """Import the Python file at `path` under `name` (converters are scripts, not a package)."""
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def run_main(module, args, capsys):
    """module.main(args) -> (exit code, stdout, stderr)."""
    rc = module.main([str(a) for a in args])
    cap = capsys.readouterr()
    return rc, cap.out, cap.err


# Where Debian's python3-skimage (or imageio) puts the astronaut photo the proofs run on.
ASTRONAUT_PATHS = ["/usr/lib/python3/dist-packages/skimage/data/astronaut.png",
                   "/usr/share/imageio/images/astronaut.png",
                   "/usr/lib/python3/dist-packages/imageio/resources/images/astronaut.png"]


def tfjs_dir():
    """Folder of the pinned TF.js (tests/models/tfjs, installed once by setup_tfjs.sh) that the
    reference runners load; skips the calling test when node/npm or the packages are missing."""
    import shutil
    import subprocess
    import pytest
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node/npm not installed: cannot run the TF.js reference (apt-get install nodejs npm)")
    r = subprocess.run([str(REPO / "tests" / "models" / "tfjs" / "setup_tfjs.sh")], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip("could not install the pinned TF.js from npm: " + r.stderr.strip()[-300:])
    return r.stdout.strip().splitlines()[-1]
