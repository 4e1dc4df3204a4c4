#!/usr/bin/env bash
# nslab's overhead over hand-written ns-3 programs: bench/p2p-bulk.ini against
# bench/plain-p2p-bulk.cc (100 Mbps / 5 ms p2p, TCP NewReno bulk transfer from
# 1 s to 10 s, 4 MiB buffers, MSS 1448, checksums on, pcap on both ends), run
# three ways:
#   plain   BulkSend to PacketSink, nothing measured;
#   traced  plus the TCP trace sinks a program needs to report what nslab
#           reports (retransmissions, duplicate ACKs, RTT, window);
#   header  plus messages that carry a sequence number and send time, read
#           back one by one by the sink: the per-message loss and latency
#           nslab measures. This is the program doing nslab's work, and the
#           target (at most 1.05) applies to it.
# plain and traced send zero-filled payloads that ns-3 never copies; any
# program whose messages carry a header pays for TCP copying every segment it
# hands to the reader (TcpRxBuffer::Extract): header takes about 3 % longer
# than traced here.
# Runs are interleaved and pinned to one core; prints the median and the best
# of each and the ratios.
# Usage: bash bench/overhead.sh [REPETITIONS] (default 15)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-15}
pin=""
command -v taskset >/dev/null && pin="taskset -c $(($(nproc) - 1))"
cmake --build build --target nslab plain-p2p-bulk >/dev/null
# Pcaps go to memory (tmpfs) when there is one: both sides write the same
# 230 MB per run, and a disk's write-back made batches differ by 5 % or more.
shm=/dev/shm
[ -d "$shm" ] && [ -w "$shm" ] || shm=${TMPDIR:-/tmp}
out=$(mktemp -d -p "$shm")
trap 'rm -rf "$out"' EXIT

wall() { # command... -> seconds of wall time
  local t0 t1
  rm -rf "$out/run" && sync
  t0=$(date +%s.%N)
  "$@" >/dev/null
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}'
}
stat() { sort -g "$1" | awk '{a[NR]=$1} END {printf "%.4f %.4f", a[int((NR+1)/2)], a[1]}'; } # median best

: >"$out/plain"; : >"$out/traced"; : >"$out/header"; : >"$out/nslab"
for ((i = 0; i < reps; i++)); do
  wall $pin build/bench/plain-p2p-bulk --out="$out/run" >>"$out/plain"
  wall $pin build/bench/plain-p2p-bulk --out="$out/run" --trace=1 >>"$out/traced"
  wall $pin build/bench/plain-p2p-bulk --out="$out/run" --trace=1 --header=1 >>"$out/header"
  wall $pin build/nslab run bench/p2p-bulk.ini --quiet --out "$out/run" >>"$out/nslab"
done
build/bench/plain-p2p-bulk --out="$out/run" | sed 's/^/plain: /'
build/nslab run bench/p2p-bulk.ini --quiet --out "$out/run"
grep -o '"bytes_received": [0-9]*' "$out/run/summary.json" | sed 's/^/nslab: /'

read -r pm pb <<<"$(stat "$out/plain")"
read -r tm tb <<<"$(stat "$out/traced")"
read -r hm hb <<<"$(stat "$out/header")"
read -r nm nb <<<"$(stat "$out/nslab")"
echo "wall time over $reps runs (median / best): plain $pm / $pb s, traced $tm / $tb s, header $hm / $hb s, nslab $nm / $nb s"
awk -v n="$nm" -v p="$pm" -v t="$tm" -v h="$hm" -v nb="$nb" -v pb="$pb" -v tb="$tb" -v hb="$hb" 'BEGIN {
  printf "nslab/plain:  median %.3f, best %.3f\n", n / p, nb / pb
  printf "nslab/traced: median %.3f, best %.3f\n", n / t, nb / tb
  printf "nslab/header: median %.3f, best %.3f (the same work; target: at most 1.05)\n", n / h, nb / hb
  printf "header/traced: median %.3f, best %.3f (what per-message headers cost a plain program)\n", h / t, hb / tb }'
