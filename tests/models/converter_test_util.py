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
