#!/usr/bin/env bash
# Parallel efficiency of nslab sweep: 8 runs of a scenario that takes about
# 1 s each (bench/p2p-bulk.ini for 6 s: a 100 Mbit/s TCP transfer, pcaps on
# both ends), once with --jobs 1 and once with --jobs 2, each into a fresh
# folder, and prints time(2 jobs) / time(1 job).
# Target on 2 free cores: at most 0.55.
# Usage: bash bench/sweep.sh [JOBS] (default 2; the ratio is time(JOBS) / time(1))
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${1:-2}
cmake --build build --target nslab >/dev/null
dir=$(mktemp -d "${TMPDIR:-/tmp}/nslab-bench-sweep-XXXXXX")
trap 'rm -rf "$dir"' EXIT
sweep() { # JOBS -> wall seconds of a sweep of 8 runs
  local t0 t1
  t0=$(date +%s.%N)
  build/nslab sweep bench/p2p-bulk.ini --set duration=6s --runs 8 --jobs "$1" --quiet --out "$dir/j$1" >/dev/null
  t1=$(date +%s.%N)
  rm -rf "$dir/j$1" # 8 x 120 MB of pcaps
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}'
}
one=$(sweep 1)
many=$(sweep "$jobs")
echo "8 runs of p2p-bulk (6 s simulated): --jobs 1 $one s, --jobs $jobs $many s on $(nproc) cores (load before: $(cut -d' ' -f1 /proc/loadavg))"
awk -v a="$one" -v b="$many" -v j="$jobs" 'BEGIN {printf "ratio time(%d jobs)/time(1 job): %.3f (target: at most 0.55 for 2 jobs on 2 cores)\n", j, b / a}'
