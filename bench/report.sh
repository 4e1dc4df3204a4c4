#!/usr/bin/env bash
# What writing report.html costs (issue 18: at most 5 % of the run time of
# the default scenario): nslab run of scenarios/tcp-vs-udp.ini with the page
# and with --no-report, interleaved, results on tmpfs when there is one.
# Prints the median wall time of each and their ratio; then the same for a
# scenario given as the first argument, if any (e.g. a big campus).
# Usage: bash bench/report.sh [SCENARIO.ini] [REPETITIONS] (default 31)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/tcp-vs-udp.ini}
reps=${2:-31}
nslab=${NSLAB:-build/nslab}
[ -x "$nslab" ] || { echo "report.sh: $nslab is missing: build it first" >&2; exit 2; }
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
out=$(mktemp -d -p "$shm")
trap 'rm -rf "$out"' EXIT
python3 - "$nslab" "$scenario" "$reps" "$out" <<'PY'
import shutil, statistics, subprocess, sys, time
nslab, scenario, reps, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def run(extra):
    shutil.rmtree(out + "/run", ignore_errors=True)
    start = time.perf_counter()
    subprocess.run([nslab, "run", scenario, "--quiet", "--out", out + "/run"] + extra, check=True)
    return time.perf_counter() - start
page, bare = [], []
for _ in range(reps):
    page.append(run([]))
    bare.append(run(["--no-report"]))
p, b = statistics.median(page), statistics.median(bare)
print(f"{scenario}: {reps} runs each, median {b * 1000:.1f} ms without the report, {p * 1000:.1f} ms with it: "
      f"ratio {p / b:.3f} (target at most 1.05 for the default scenario)")
PY
