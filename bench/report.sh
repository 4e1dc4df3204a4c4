#!/usr/bin/env bash
# What writing report.html costs (issue 18: at most 5 % of the run time of
# the default scenario): nslab run of scenarios/tcp-vs-udp.ini with the page
# and with --no-report, interleaved, results on tmpfs when there is one.
# Prints the median wall time of each and their ratio (and CPU time); then the same for a
# scenario given as the first argument, if any (e.g. a big campus).
# Usage: bash bench/report.sh [SCENARIO.ini] [REPETITIONS] (default 41)
set -euo pipefail
cd "$(dirname "$0")/.."
scenario=${1:-scenarios/tcp-vs-udp.ini}
reps=${2:-41}
nslab=${NSLAB:-build/nslab}
[ -x "$nslab" ] || { echo "report.sh: $nslab is missing: build it first" >&2; exit 2; }
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
out=$(mktemp -d -p "$shm")
trap 'rm -rf "$out"' EXIT
python3 - "$nslab" "$scenario" "$reps" "$out" <<'PY'
import os, shutil, statistics, subprocess, sys, time
nslab, scenario, reps, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
def run(extra):
    """Wall time and CPU time (user + system, all threads) of one run."""
    shutil.rmtree(out + "/run", ignore_errors=True)
    start = time.perf_counter()
    child = subprocess.Popen([nslab, "run", scenario, "--quiet", "--out", out + "/run"] + extra)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        sys.exit(f"report.sh: nslab run {scenario} failed ({status})")
    return wall, usage.ru_utime + usage.ru_stime
page, bare = [], []
for i in range(reps):
    # Pairs in alternating order (ABBA): neither kind always runs second.
    if i % 2:
        bare.append(run(["--no-report"]))
        page.append(run([]))
    else:
        page.append(run([]))
        bare.append(run(["--no-report"]))
def medians(i):
    p, b = statistics.median(x[i] for x in page), statistics.median(x[i] for x in bare)
    # Each pair ran back to back: the median of their ratios sees less of the machine's drift.
    return p, b, statistics.median(x[i] / y[i] for x, y in zip(page, bare))
p, b, paired = medians(0)
cp, cb, cpaired = medians(1)
print(f"{scenario}: {reps} runs each, median {b * 1000:.1f} ms without the report, {p * 1000:.1f} ms with it: "
      f"ratio {p / b:.3f}, median of the pairs' ratios {paired:.3f} (target at most 1.05 for the default scenario)")
print(f"  CPU time (all threads): {cb * 1000:.1f} ms without, {cp * 1000:.1f} ms with: ratio {cp / cb:.3f}, "
      f"pairs {cpaired:.3f} (part of the page is read in a second thread while the results are written)")
PY
