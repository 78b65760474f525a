"""A loopback stand-in for the ModelScope hub's HTTP API, for the downloader tests.

    python3 hub_server.py ROOT --port-file FILE [--lifetime S] [--log FILE]
                          [--drop-at BYTES] [--drop-times N] [--ignore-range]
                          [--sha-override JSON]

Serves ROOT/<org>/<name>/<path> in the hub's URL layout, on 127.0.0.1 only, port chosen by
the system (written to FILE once listening):
  GET /api/v1/models/<org>/<name>/repo/files?Revision=R&Recursive=True   -> JSON listing
  GET /api/v1/models/<org>/<name>/repo?Revision=R&FilePath=P              -> the bytes (Range ok)
--drop-at closes the connection after that many body bytes, for the first N plain downloads of
each file (a dropped transfer); --ignore-range answers 200 with the whole file to Range requests;
--sha-override maps "org/name/path" to the Sha256 the listing claims. Every request is appended
to --log as one JSON line. Stdlib only; exits by itself after --lifetime seconds.
"""
import argparse
import hashlib
import json
import os
import sys
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

PREFIX = '/api/v1/models/'


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


class Hub(BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'
    timeout = 10  # a stuck client cannot hold the (single-threaded) server past its lifetime for long
    cfg = None
    drops = {}

    def log_message(self, *args):  # quiet: the request log file is what tests read
        pass

    def record(self, **extra):
        if self.cfg.log:
            entry = {'path': self.path, 'range': self.headers.get('Range')}
            entry.update(extra)
            with open(self.cfg.log, 'a') as f:
                f.write(json.dumps(entry) + '\n')

    def send_json(self, code, obj):
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if not url.path.startswith(PREFIX):
            self.record(status=404)
            return self.send_json(404, {'Code': 404, 'Message': 'not found'})
        parts = url.path[len(PREFIX):].split('/')
        if len(parts) < 3 or parts[2] != 'repo' or '..' in parts[:2]:
            self.record(status=404)
            return self.send_json(404, {'Code': 404, 'Message': 'bad path'})
        model_dir = os.path.join(self.cfg.root, parts[0], parts[1])
        if not os.path.isdir(model_dir):
            self.record(status=404)
            return self.send_json(404, {'Code': 10010205001, 'Message': 'model not found'})
        if parts[3:] == ['files']:
            return self.listing(parts[0] + '/' + parts[1], model_dir, query)
        if len(parts) == 3:
            return self.file(parts[0] + '/' + parts[1], model_dir, query.get('FilePath', ''))
        self.record(status=404)
        return self.send_json(404, {'Code': 404, 'Message': 'bad path'})

    def listing(self, model_id, model_dir, query):
        files = []
        for dirpath, dirnames, filenames in os.walk(model_dir):
            dirnames.sort()
            rel_dir = os.path.relpath(dirpath, model_dir)
            for d in dirnames:
                p = os.path.normpath(os.path.join(rel_dir, d))
                files.append({'Name': d, 'Path': p, 'Type': 'tree', 'Size': 0, 'Sha256': ''})
            for name in sorted(filenames):
                full = os.path.join(dirpath, name)
                p = os.path.normpath(os.path.join(rel_dir, name))
                sha = self.cfg.sha_override.get(model_id + '/' + p, sha256_of(full))
                files.append({'Name': name, 'Path': p, 'Type': 'blob', 'Size': os.path.getsize(full),
                              'Sha256': sha, 'Revision': 'f00dfeed' * 5})
        self.record(status=200, kind='listing', revision=query.get('Revision'))
        self.send_json(200, {'Code': 200, 'Data': {'Files': files}, 'Success': True})

    def file(self, model_id, model_dir, rel):
        full = os.path.normpath(os.path.join(model_dir, rel))
        if not rel or not full.startswith(model_dir + os.sep) or not os.path.isfile(full):
            self.record(status=404, kind='file', file=rel)
            return self.send_json(404, {'Code': 404, 'Message': 'file not found'})
        with open(full, 'rb') as f:
            data = f.read()
        size = len(data)
        start = 0
        rng = self.headers.get('Range')
        if rng and not self.cfg.ignore_range:
            if not rng.startswith('bytes=') or not rng[6:].rstrip('-').isdigit():
                self.record(status=400, kind='file', file=rel)
                return self.send_json(400, {'Code': 400, 'Message': 'bad range'})
            start = int(rng[6:].rstrip('-'))
            if start >= size:
                self.record(status=416, kind='file', file=rel)
                self.send_response(416)
                self.send_header('Content-Range', f'bytes */{size}')
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            self.send_response(206)
            self.send_header('Content-Range', f'bytes {start}-{size - 1}/{size}')
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(len(body)))
        self.send_header('Accept-Ranges', 'bytes')
        self.end_headers()
        key = model_id + '/' + rel
        drop = (self.cfg.drop_at is not None and not rng and self.drops.get(key, 0) < self.cfg.drop_times
                and self.cfg.drop_at < len(body))
        # Logged before the body goes out, so the log is complete when the client has the bytes.
        if drop:
            self.drops[key] = self.drops.get(key, 0) + 1
            self.record(status=206 if start else 200, kind='file', file=rel, sent=self.cfg.drop_at, dropped=True)
            self.wfile.write(body[:self.cfg.drop_at])
            self.wfile.flush()
            self.close_connection = True
            try:
                self.connection.shutdown(2)
            except OSError:
                pass
            return
        self.record(status=206 if start else 200, kind='file', file=rel, sent=len(body))
        self.wfile.write(body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('root')
    ap.add_argument('--port-file', required=True)
    ap.add_argument('--lifetime', type=float, default=60.0)
    ap.add_argument('--log')
    ap.add_argument('--drop-at', type=int)
    ap.add_argument('--drop-times', type=int, default=1)
    ap.add_argument('--ignore-range', action='store_true')
    ap.add_argument('--sha-override', default='{}')
    cfg = ap.parse_args()
    cfg.root = os.path.abspath(cfg.root)
    cfg.sha_override = json.loads(cfg.sha_override)
    Hub.cfg = cfg
    server = HTTPServer(('127.0.0.1', 0), Hub)
    server.timeout = 0.2
    tmp = cfg.port_file + '.tmp'
    with open(tmp, 'w') as f:
        f.write(str(server.server_address[1]))
    os.replace(tmp, cfg.port_file)
    deadline = time.monotonic() + cfg.lifetime
    while time.monotonic() < deadline:
        server.handle_request()
    server.server_close()
    return 0


if __name__ == '__main__':
    sys.exit(main())
