#!/usr/bin/env bash
# nslab's overhead over a hand-written ns-3 program doing the same work:
# bench/p2p-bulk.ini against bench/plain-p2p-bulk.cc (100 Mbps / 5 ms p2p,
# TCP NewReno bulk transfer from 1 s to 10 s, 4 MiB buffers, MSS 1448,
# checksums on, pcap on both ends). Prints the median wall time of each and
# their ratio. Usage: bash bench/overhead.sh [REPETITIONS] (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-15}
# Both on the same core, so that the scheduler moves neither around.
pin=""
command -v taskset >/dev/null && pin="taskset -c $(($(nproc) - 1))"
cmake --build build --target nslab plain-p2p-bulk >/dev/null
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

wall() { # command... -> seconds of wall time
  local t0 t1
  rm -rf "$out/run" && sync
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

: >"$out/nslab.txt"; : >"$out/plain.txt"
for ((i = 0; i < reps; i++)); do   # interleaved, so that drift hits both alike
  wall $pin build/bench/plain-p2p-bulk --out="$out/run" >>"$out/plain.txt"
  wall $pin build/nslab run bench/p2p-bulk.ini --quiet --out "$out/run" >>"$out/nslab.txt"
done
build/bench/plain-p2p-bulk --out="$out/run"
build/nslab run bench/p2p-bulk.ini --quiet --out "$out/run"
grep -o '"bytes_received": [0-9]*' "$out/run/summary.json" | sed 's/^/nslab /'

plain=$(median <"$out/plain.txt")
nslab=$(median <"$out/nslab.txt")
printf 'median wall time over %d runs: plain ns-3 %.3f s, nslab %.3f s\n' "$reps" "$plain" "$nslab"
awk -v n="$nslab" -v p="$plain" 'BEGIN {printf "overhead ratio nslab/plain: %.3f (target: at most 1.05)\n", n / p}'
