#!/usr/bin/env bash
# The Kubernetes Indexed Job of docs/scale-out.md without a cluster: the container's
# command is taken from the doc and run by sh once per completion index, with
# JOB_COMPLETION_INDEX set as Kubernetes sets it, /data pointed at a temp folder and the
# real portrait. Checks that the doc's "/32" matches `completions`, that the indexes
# together write every image once, and that the rc line turns "some images failed" (1)
# into a completed index (0) while a configuration error (2) stays a failure.
#   k8s_indexed_job_test.sh PORTRAIT_EXE SOURCE_DIR
set -euo pipefail
PORTRAIT=$(readlink -f "$1")
SRC=$(readlink -f "$2")
T=$(mktemp -d /tmp/portrait-k8s.XXXXXX)
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/bin" "$T/data/photos/a" "$T/data/photos/b" "$T/data/pipelines" "$T/data/reports"
ln -s "$PORTRAIT" "$T/bin/portrait"
export PATH=$T/bin:$PATH

/usr/bin/python3 - "$SRC/docs/scale-out.md" "$T" <<'EOF'
import re, sys, yaml
doc, t = sys.argv[1:]
text = open(doc, encoding="utf-8").read()
block = re.search(r"## Kubernetes Indexed Job\n.*?```yaml\n(.*?)```", text, re.S).group(1)
job = yaml.safe_load(block)
spec = job["spec"]
assert spec["completionMode"] == "Indexed", spec
c = spec["template"]["spec"]["containers"][0]
assert c["command"] == ["sh", "-c"], c["command"]
args = c["args"][0]
m = re.search(r'--shard "\$\{JOB_COMPLETION_INDEX\}/(\d+)"', args)
assert m, "the doc's command has no --shard ${JOB_COMPLETION_INDEX}/N"
assert int(m.group(1)) == spec["completions"], "--shard .../%s but completions: %s" % (m.group(1), spec["completions"])
open(t + "/cmd.sh", "w").write(args.replace("/data/", t + "/data/"))
open(t + "/completions", "w").write(str(spec["completions"]))
EOF
N=$(cat "$T/completions")

# 60 small real images (one of them broken, so an index exits 1) and an empty pipeline: this
# checks the mapping, not the stages.
/usr/bin/python3 - "$T/data/photos" <<'EOF'
import os, sys, skimage
from PIL import Image
out = sys.argv[1]
im = Image.open(os.path.join(os.path.dirname(skimage.__file__), "data", "astronaut.png")).convert("RGB")
for i in range(60):
    c = im.crop((i * 3, i * 2, i * 3 + 200, i * 2 + 200)).resize((64, 64))
    c.save(os.path.join(out, "ab"[i % 2], "p%02d.jpg" % i), quality=85)
open(os.path.join(out, "a", "broken.jpg"), "wb").write(b"\xff\xd8\xff\xe0 not a jpeg")
EOF
printf 'version: 1\nname: empty\nstages: []\n' > "$T/data/pipelines/studio.yaml"

failed_index=""
for ((i = 0; i < N; i++)); do
  rc=0
  JOB_COMPLETION_INDEX=$i sh -c "$(cat "$T/cmd.sh")" >"$T/index-$i.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { echo "index $i exited $rc:"; cat "$T/index-$i.log"; exit 1; }
  grep -q '"failed": 1' "$T/data/reports/shard-$i.json" && failed_index=$i
done
[ -n "$failed_index" ] || { echo "no index saw the broken image"; exit 1; }
echo "index $failed_index had the broken image and still completed (rc line: 1 -> 0)"

/usr/bin/python3 - "$T/data" "$N" <<'EOF'
import json, os, sys
data, n = sys.argv[1], int(sys.argv[2])
seen = {}
for i in range(n):
    r = json.load(open(os.path.join(data, "reports", "shard-%d.json" % i)))
    assert r["shard"] == {"index": i, "count": n}, r["shard"]
    for it in r["items"]:
        assert it["input"] not in seen, it["input"] + " in indexes %d and %d" % (seen[it["input"]], i)
        seen[it["input"]] = i
assert len(seen) == 61, "the indexes listed %d of 61 images" % len(seen)
outs = [f for d, _, fs in os.walk(os.path.join(data, "retouched")) if "/." not in d for f in fs if not f.startswith(".")]
assert len(outs) == 60, "%d outputs for 60 good images" % len(outs)
print("%d indexes: 61 images, each in one index; 60 written" % n)
EOF

# A configuration error is not papered over by the rc line.
rc=0
JOB_COMPLETION_INDEX=$N sh -c "$(cat "$T/cmd.sh")" >"$T/bad.log" 2>&1 || rc=$?
[ "$rc" = 2 ] || { echo "index $N of $N: expected exit 2, got $rc"; cat "$T/bad.log"; exit 1; }
echo "index out of range: exit 2 ($(tail -1 "$T/bad.log"))"
echo "k8s test: ok"
