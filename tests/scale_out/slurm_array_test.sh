#!/usr/bin/env bash
# The Slurm job array of docs/scale-out.md, run for real on a one-machine cluster:
# munged, slurmctld and slurmd started here (generated slurm.conf in a temp folder,
# loopback only, no systemd), the script printed in the doc submitted as an array of 4
# over 40 real images, then checked against a one-process run; then one task requeued
# after deleting two of its outputs, which --resume must redo, and nothing else.
# The daemons are stopped by their process ids whatever happens (trap EXIT).
#   slurm_array_test.sh PORTRAIT_EXE SOURCE_DIR
# Exit 77 (ctest: skipped) only where Slurm cannot run here: not installed or not root.
set -euo pipefail
PORTRAIT=$(readlink -f "$1")
SRC=$(readlink -f "$2")
CACHE=${PORTRAIT_CACHE:-$HOME/.cache/portrait}
TASKS=4
IMAGES=40
TIMEOUT_S=${PORTRAIT_SLURM_TIMEOUT:-300}

say() { printf 'slurm test [%s]: %s\n' "$(date +%T)" "$*"; }
fail() { say "FAIL: $*"; exit 1; }

for t in munged slurmctld slurmd sbatch scontrol squeue; do
  command -v "$t" >/dev/null || { say "SKIP: $t is not installed (./setup.sh deps installs slurm-wlm and munge)"; exit 77; }
done
[ "$(id -u)" = 0 ] || { say "SKIP: slurmd must run as root to start jobs; run the suite as root"; exit 77; }

T=$(mktemp -d /tmp/portrait-slurm.XXXXXX)
PIDS=()
cleanup() {
  local rc=$?
  if [ -n "${JOB:-}" ]; then scancel "$JOB" 2>/dev/null || true; fi
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null || true
  done
  if [ "$rc" != 0 ] && [ "$rc" != 77 ]; then
    say "logs kept in $T"
    for f in "$T"/log/*.log "$T"/submit/logs/*.log; do [ -f "$f" ] && { echo "--- $f"; tail -20 "$f"; }; done
  else
    rm -rf "$T"
  fi
}
trap cleanup EXIT
trap "exit 130" INT
trap "exit 143" TERM HUP

mkdir -p "$T"/{etc,state,spool,log,run,bin,submit/logs,shared/photos,shared/pipelines,shared/reports,shared/retouched,single}
ln -s "$PORTRAIT" "$T/bin/portrait"

# --- the photos: crops, scales and mirrors of the two bundled portraits, in subfolders
ASTRONAUT=$(/usr/bin/python3 -c 'import os, skimage; print(os.path.join(os.path.dirname(skimage.__file__), "data", "astronaut.png"))')
SAMPLES=$CACHE/samples/samples.jpg
/usr/bin/python3 - "$T/shared/photos" "$IMAGES" "$ASTRONAUT" "$SAMPLES" <<'EOF'
import os, sys
from PIL import Image, ImageOps
out, n = sys.argv[1], int(sys.argv[2])
sources = [Image.open(p).convert("RGB") for p in sys.argv[3:] if os.path.exists(p)]
for i in range(n):
    im = sources[i % len(sources)]
    w, h = im.size
    f = 0.6 + 0.4 * ((i * 7) % 10) / 9           # crop share
    cw, ch = int(w * f), int(h * f)
    x, y = (w - cw) * (i % 3) // 2, (h - ch) * ((i // 3) % 3) // 2
    c = im.crop((x, y, x + cw, y + ch))
    c = c.resize((max(64, cw * 360 // max(cw, ch)), max(64, ch * 360 // max(cw, ch))), Image.LANCZOS)
    if i % 2: c = ImageOps.mirror(c)
    sub = os.path.join(out, "set%d" % (i % 4))
    os.makedirs(sub, exist_ok=True)
    if i % 5 == 0: c.save(os.path.join(sub, "img%02d.png" % i))
    else: c.save(os.path.join(sub, "img%02d.jpg" % i), quality=88)
EOF
cp "$SRC/pipelines/default.yaml" "$T/shared/pipelines/studio.yaml"

# --- munge: its own key and socket
dd if=/dev/urandom of="$T/etc/munge.key" bs=1024 count=1 status=none
chmod 400 "$T/etc/munge.key"
munged --force --key-file="$T/etc/munge.key" --socket="$T/run/munge.sock" --pid-file="$T/run/munged.pid" \
  --log-file="$T/log/munged.log" --seed-file="$T/run/munge.seed"
for _ in $(seq 50); do [ -s "$T/run/munged.pid" ] && break; sleep 0.1; done
PIDS+=("$(cat "$T/run/munged.pid")")

# --- slurm.conf for this machine alone
HOST=$(hostname -s)
read -r CPUS MEM < <(slurmd -C | awk '/^NodeName/ {for (i = 1; i <= NF; i++) {split($i, kv, "="); v[kv[1]] = kv[2]} print v["CPUs"], v["RealMemory"]}')
BASE=$((20000 + $$ % 20000))
export SLURM_CONF=$T/etc/slurm.conf
cat > "$SLURM_CONF" <<EOF
ClusterName=portraittest
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$BASE
SlurmdPort=$((BASE + 1))
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$T/run/munge.sock
CredType=cred/munge
StateSaveLocation=$T/state
SlurmdSpoolDir=$T/spool
SlurmctldPidFile=$T/run/slurmctld.pid
SlurmdPidFile=$T/run/slurmd.pid
SlurmctldLogFile=$T/log/slurmctld.log
SlurmdLogFile=$T/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
SwitchType=switch/none
MpiDefault=none
ReturnToService=2
MinJobAge=3600
PlugStackConfig=$T/etc/plugstack.conf
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$((MEM * 9 / 10)) State=UNKNOWN
PartitionName=test Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF
: > "$T/etc/plugstack.conf"

slurmctld -D -i -f "$SLURM_CONF" >"$T/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" -N "$HOST" >"$T/log/slurmd.out" 2>&1 &
PIDS+=($!)
for i in $(seq 60); do
  state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
  case "$state" in idle*|mix*|alloc*) break ;; esac
  [ "$i" = 60 ] && fail "the node never became idle (state '$state')"
  sleep 1
done
say "cluster up: node $HOST ($CPUS CPUs), slurmctld :$BASE"

# --- the job script, taken from the doc so the doc cannot drift; /shared -> this test's folder
/usr/bin/python3 - "$SRC/docs/scale-out.md" "$T/submit/job.sh" "$T/shared" <<'EOF'
import re, sys
doc, out, shared = sys.argv[1:]
text = open(doc, encoding="utf-8").read()
section = text.split("## Slurm job array", 1)[1]
script = re.search(r"```sh\n(.*?)```", section, re.S).group(1)
assert "#SBATCH --array" in script and "--shard" in script, "the doc's Slurm script lost its array or --shard"
open(out, "w").write(script.replace("/shared/", shared + "/"))
EOF
export PATH=$T/bin:$PATH

wait_job() {  # JOB: until no task of it is pending or running
  local deadline=$((SECONDS + TIMEOUT_S))
  while squeue -h -j "$1" 2>/dev/null | grep -q .; do
    [ "$SECONDS" -lt "$deadline" ] || fail "job $1 still running after ${TIMEOUT_S}s: $(squeue -h -j "$1")"
    sleep 1
  done
}
task_states() {  # JOB: "TASK STATE EXITCODE" per array task
  scontrol -o show job "$1" | sed -n 's/.*ArrayTaskId=\([0-9]*\) .*JobState=\([A-Z_]*\) .*ExitCode=\([0-9:]*\).*/\1 \2 \3/p' | sort -n
}

# The doc's --cpus-per-task and --mem are for a real cluster; command-line options win
# over #SBATCH lines, so the same script fits this machine.
cd "$T/submit"
JOB=$(sbatch --parsable --array=0-$((TASKS - 1)) --cpus-per-task=1 --mem=2G --export=ALL job.sh)
JOB=${JOB%%;*}
say "submitted array job $JOB (${TASKS} tasks over $IMAGES images)"
portrait run "$T/shared/photos" -o "$T/single" -p "$T/shared/pipelines/studio.yaml" --threads 1 \
  --progress never -q
say "one-process run done"
wait_job "$JOB"
say "array done"

states=$(task_states "$JOB")
echo "$states"
[ "$(echo "$states" | grep -c ' COMPLETED 0:0$')" = "$TASKS" ] || fail "not every task COMPLETED with exit 0: $states"

check_outputs() {
  /usr/bin/python3 - "$T/shared/retouched" "$T/single" "$T/shared/photos" <<'EOF'
import filecmp, os, sys
from PIL import Image
out, single, photos = sys.argv[1:]
def files(root):
    r = set()
    for d, dirs, fs in os.walk(root):
        dirs[:] = [x for x in dirs if not x.startswith(".")]
        r |= {os.path.relpath(os.path.join(d, f), root) for f in fs if not f.startswith(".")}
    return r
got, want = files(out), files(single)
n_in = len(files(photos))
assert len(want) == n_in, "the one-process run wrote %d of %d" % (len(want), n_in)
assert got == want, "sharded outputs differ from the one-process run: missing %s, extra %s" % (
    sorted(want - got), sorted(got - want))
for f in sorted(got):
    Image.open(os.path.join(out, f)).load()
    assert filecmp.cmp(os.path.join(out, f), os.path.join(single, f), shallow=False), f + ": bytes differ"
print("outputs: %d, each once, decodable, byte-identical to the one-process run" % len(got))
EOF
}
check_outputs

/usr/bin/python3 - "$T/shared/reports" "$TASKS" "$IMAGES" <<'EOF'
import json, os, sys
rdir, tasks, images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
seen = {}
for i in range(tasks):
    r = json.load(open(os.path.join(rdir, "shard-%d.json" % i)))
    assert r["shard"] == {"index": i, "count": tasks}, r["shard"]
    for it in r["items"]:
        assert it["status"] == "ok", it
        assert it["input"] not in seen, it["input"] + " in two shards"
        seen[it["input"]] = i
assert len(seen) == images, "the shards' reports list %d of %d images" % (len(seen), images)
print("reports: %d shards, %d images, disjoint and complete" % (tasks, len(seen)))
EOF

portrait report merge "$T"/shared/reports/shard-*.json -o "$T/all.json" -q
/usr/bin/python3 - "$T/all.json" "$TASKS" "$IMAGES" <<'EOF'
import json, sys
m, tasks, images = json.load(open(sys.argv[1])), int(sys.argv[2]), int(sys.argv[3])
assert m["totals"]["images"] == images and m["totals"]["ok"] == images, m["totals"]
assert [s["index"] for s in m["shards"]] == list(range(tasks)) and m["shards_missing"] == [], m["shards"]
assert sum(s["ok"] for s in m["shards"]) == images
print("merged report: %d images from %d shards" % (images, tasks))
EOF

# --- requeue one task after deleting two of its outputs: --resume redoes exactly those
REQ=1
mapfile -t victims < <(/usr/bin/python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
for it in r["items"][:2]: print(it["output"])' "$T/shared/reports/shard-$REQ.json")
[ "${#victims[@]}" = 2 ] || fail "shard $REQ has fewer than 2 images"
rm -f "${victims[@]}"
scontrol requeue "${JOB}_${REQ}"
# A requeued job waits out a begin-time delay (minutes) before it may start again; a
# preempted task on a real cluster would too. The test has no reason to wait.
scontrol update JobId="${JOB}_${REQ}" StartTime=now
say "requeued task $REQ"
sleep 1
wait_job "$JOB"
say "requeued task done"
states=$(task_states "$JOB")
echo "$states"
echo "$states" | grep -q "^$REQ COMPLETED 0:0$" || fail "requeued task $REQ did not complete: $states"
/usr/bin/python3 - "$T/shared/reports/shard-$REQ.json" "${victims[@]}" <<'EOF'
import json, sys
r, victims = json.load(open(sys.argv[1])), set(sys.argv[2:])
redone = {it["output"] for it in r["items"] if it["status"] == "ok"}
skipped = [it for it in r["items"] if it["status"] == "skipped"]
assert redone == victims, "requeued shard redid %s, expected %s" % (sorted(redone), sorted(victims))
assert len(skipped) == len(r["items"]) - 2, r["totals"]
print("requeue: redid exactly the 2 deleted outputs, skipped %d" % len(skipped))
EOF
check_outputs
say "ok"
