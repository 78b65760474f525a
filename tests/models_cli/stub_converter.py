"""Stands in for a models/convert/<kind>.py converter in the CLI tests: SOURCE -o OUT.

Appends its arguments to $STUB_LOG. With $STUB_EXIT set it prints an error and exits with
that status. Otherwise it writes OUT with a .sha256 sidecar: a folder OUT (no suffix) gets
the three skin-retouching files, a file OUT a copy of SOURCE (or a marker if SOURCE is a
folder). Stdlib only.
"""
import hashlib
import json
import os
import shutil
import sys


def sidecar(path):
    with open(path, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    with open(path + '.sha256', 'w') as f:
        f.write(f'{digest}  {os.path.basename(path)}\n')


def main():
    name = os.path.basename(sys.argv[0])
    if len(sys.argv) != 4 or sys.argv[2] != '-o':
        print(f'{name}: usage: SOURCE -o OUT', file=sys.stderr)
        return 2
    source, out = sys.argv[1], sys.argv[3]
    if os.environ.get('STUB_LOG'):
        with open(os.environ['STUB_LOG'], 'a') as f:
            f.write(json.dumps({'script': name, 'source': source, 'out': out}) + '\n')
    if os.environ.get('STUB_EXIT'):
        print(f'{name}: error: {source}: not a checkpoint this converter accepts', file=sys.stderr)
        return int(os.environ['STUB_EXIT'])
    if not os.path.splitext(out)[1]:
        os.makedirs(out, exist_ok=True)
        for f in ('generator.pt', 'inpainting_net.pt', 'detection_net.pt'):
            p = os.path.join(out, f)
            with open(p, 'w') as fh:
                fh.write(f'converted {f} from {source}\n')
            sidecar(p)
    else:
        os.makedirs(os.path.dirname(out) or '.', exist_ok=True)
        if os.path.isfile(source):
            shutil.copyfile(source, out)
        else:
            with open(out, 'w') as fh:
                fh.write(f'converted from {source}\n')
        sidecar(out)
    print(f'{name}: wrote {out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
