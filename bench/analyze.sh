#!/usr/bin/env bash
# nslab analyze against tshark and tcptrace on one capture of a 100 Mbit/s
# TCP transfer: bench/p2p-bulk.ini run for 10.3 s gives alice-ppp0.pcap,
# about 120 MB (116 000 frames). Times, on a warm page cache and pinned to
# one core, interleaved:
#   nslab analyze F            flow table and TCP analysis (via the nslab binary)
#   tshark -q -z conv,tcp -r F conversation table (tshark dissects every frame)
#   tcptrace -l F              long per-connection statistics
# and prints the median and best wall time of each and the ratios
# (target: nslab at least 10x faster than tshark, no slower than tcptrace).
# Usage: bash bench/analyze.sh [REPETITIONS] (default 7)
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-7}
if ! command -v tcptrace >/dev/null; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "bench: installing tcptrace" >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tcptrace >/dev/null
fi
command -v tshark >/dev/null || { echo "bench: tshark missing (bash scripts/setup.sh installs it)" >&2; exit 1; }
pin=""
command -v taskset >/dev/null && pin="taskset -c $(($(nproc) - 1))"
cmake --build build --target nslab nslab-analyze >/dev/null

dir=build/bench-analyze
pcap=$dir/alice-ppp0.pcap
if [ ! -s "$pcap" ]; then
  build/nslab run bench/p2p-bulk.ini --set duration=10.3s --quiet --out "$dir"
fi
echo "capture: $pcap, $(stat -c %s "$pcap") bytes, $(build/nslab analyze "$pcap" | head -1 | grep -o '[0-9]* frames')"
cat "$pcap" >/dev/null # warm the page cache

times=$(mktemp -d)
trap 'rm -rf "$times"' EXIT
wall() { # name command... -> appends seconds of wall time to $times/name
  local name=$1 t0 t1
  shift
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>&1
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.4f\n", b - a}' >>"$times/$name"
}
for ((i = 0; i < reps; i++)); do
  wall nslab $pin build/nslab analyze "$pcap"
  wall tshark $pin tshark -q -z conv,tcp -r "$pcap"
  wall tcptrace $pin tcptrace -l "$pcap"
done
stat() { sort -g "$times/$1" | awk '{a[NR]=$1} END {printf "%.4f %.4f", a[int((NR+1)/2)], a[1]}'; } # median best
read -r nm nb <<<"$(stat nslab)"
read -r sm sb <<<"$(stat tshark)"
read -r tm tb <<<"$(stat tcptrace)"
echo "wall time over $reps runs (median / best): nslab analyze $nm / $nb s, tshark $sm / $sb s, tcptrace $tm / $tb s"
awk -v n="$nm" -v s="$sm" -v t="$tm" -v nb="$nb" -v sb="$sb" -v tb="$tb" 'BEGIN {
  printf "tshark/nslab:   median %.1fx, best %.1fx (target: at least 10x)\n", s / n, sb / nb
  printf "tcptrace/nslab: median %.2fx, best %.2fx (target: at least 1x)\n", t / n, tb / nb }'
