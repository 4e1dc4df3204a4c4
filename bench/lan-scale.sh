#!/usr/bin/env bash
# Idle LANs at scale: nslab against bench/plain-idle-lan.cc.
# For each node count N, an idle `type = ethernet` LAN of N hosts (h1 ... hN on
# 10.128.0.0/16, 1 s simulated, capture = none, no apps) run by nslab, and the
# same LAN written by hand in ns-3 (CSMA at 100 Mbps, InternetStackHelper,
# Ipv4AddressHelper, global routing, no pcap). Each is run 3 times, nslab and
# plain interleaved; prints the median wall time and the median max RSS
# (/usr/bin/time), the size of nslab's summary.json and the ratio of the
# wall times, then the issue's targets:
#   400 nodes: nslab under 3 s and summary.json under 1 MB (1,000,000 bytes);
#   every N (1000 included): nslab runs and writes its summary.
# The plain program's global routing grows about as nodes^3 (400 nodes about
# 2 s, 800 about 16 s); a run is stopped after PLAIN_TIMEOUT seconds (120) and
# shown as '>120', and the remaining runs at that N and above are skipped.
# Usage: bash bench/lan-scale.sh [N...] (default 400 1000)
# Environment: NSLAB, PLAIN (binaries to use instead of building build/nslab
# and build/bench/plain-idle-lan), RUNS (3), PLAIN_TIMEOUT (120).
set -euo pipefail
cd "$(dirname "$0")/.."
case "${1:-}" in
-h | --help)
  sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit 0
  ;;
esac
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(400 1000)
for n in "${sizes[@]}"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "lan-scale.sh: not a node count: $n" >&2; exit 2; }
done
runs=${RUNS:-3}
limit=${PLAIN_TIMEOUT:-120}
[ -x /usr/bin/time ] || { echo "lan-scale.sh: needs GNU time (/usr/bin/time)" >&2; exit 2; }
if [ -z "${NSLAB:-}" ] || [ -z "${PLAIN:-}" ]; then
  cmake --build build --target nslab plain-idle-lan >/dev/null
fi
nslab=${NSLAB:-build/nslab}
plain=${PLAIN:-build/bench/plain-idle-lan}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

scenario() { # N -> an idle LAN of N hosts
  echo "name = idle-lan-$1"
  echo "duration = 1s"
  echo "capture = none"
  echo
  echo "[link.lan]"
  echo "type = ethernet"
  echo "subnet = 10.128.0.0/16"
  printf 'nodes ='
  seq -f ' h%g' 1 "$1" | tr -d '\n'
  echo
}
measure() { # FILE command... -> appends "seconds KB" to FILE; returns the command's status
  local file=$1 rc=0
  shift
  /usr/bin/time -f '%e %M' -o "$out/time" "$@" >/dev/null 2>"$out/stderr" || rc=$?
  if [ "$rc" -eq 0 ]; then
    tail -n 1 "$out/time" >>"$file.tmp"
  fi
  return "$rc"
}
median() { # FILE COLUMN -> median of that column
  sort -g -k"$2","$2" "$1" | awk -v c="$2" '{a[NR] = $c} END {print a[int((NR + 1) / 2)]}'
}

plain_over=0 # the smallest N at which the plain program timed out: larger N would too
nslab_ok=1
pass400=""
rows=()
for n in "${sizes[@]}"; do
  scenario "$n" >"$out/lan.ini"
  : >"$out/nslab.tmp"; : >"$out/plain.tmp"
  ran=1
  plain_state=ok
  [ "$plain_over" -eq 0 ] || [ "$n" -lt "$plain_over" ] || plain_state=timeout
  for ((i = 0; i < runs; i++)); do
    rm -rf "$out/run"
    if ! measure "$out/nslab" "$nslab" run "$out/lan.ini" --quiet --out "$out/run" ||
      [ ! -s "$out/run/summary.json" ]; then
      echo "nslab failed at $n nodes:" >&2
      cat "$out/stderr" >&2
      ran=0
      break
    fi
    if [ "$plain_state" = ok ]; then
      rc=0
      measure "$out/plain" timeout "$limit" "$plain" --nodes="$n" || rc=$?
      if [ "$rc" -eq 124 ]; then
        plain_state=timeout
        [ "$plain_over" -ne 0 ] && [ "$plain_over" -le "$n" ] || plain_over=$n
      elif [ "$rc" -ne 0 ]; then
        echo "plain-idle-lan failed at $n nodes:" >&2
        cat "$out/stderr" >&2
        plain_state=failed
      fi
    fi
  done
  if [ "$ran" -eq 0 ]; then
    nslab_ok=0
    rows+=("$(printf '%6s %9s %9s %14s %9s %9s %8s' "$n" failed - - - - -)")
    [ "$n" -ne 400 ] || pass400=FAIL
    continue
  fi
  ns=$(median "$out/nslab.tmp" 1)
  nkb=$(median "$out/nslab.tmp" 2)
  bytes=$(wc -c <"$out/run/summary.json")
  if [ "$plain_state" = ok ]; then
    ps=$(median "$out/plain.tmp" 1)
    pkb=$(median "$out/plain.tmp" 2)
    pmb=$(awk -v k="$pkb" 'BEGIN {printf "%.1f", k / 1024}')
    ratio=$(awk -v a="$ns" -v b="$ps" 'BEGIN {if (b > 0) printf "%.3f", a / b; else print "-"}')
  elif [ "$plain_state" = timeout ]; then
    ps=">$limit" pmb=- ratio="<$(awk -v a="$ns" -v b="$limit" 'BEGIN {printf "%.3f", a / b}')"
  else
    ps=failed pmb=- ratio=-
  fi
  nmb=$(awk -v k="$nkb" 'BEGIN {printf "%.1f", k / 1024}')
  rows+=("$(printf '%6s %9s %9s %14s %9s %9s %8s' "$n" "$ns" "$nmb" "$bytes" "$ps" "$pmb" "$ratio")")
  if [ "$n" -eq 400 ]; then
    pass400=$(awk -v s="$ns" -v b="$bytes" 'BEGIN {print (s < 3 && b < 1000000) ? "PASS" : "FAIL"}')
    detail400="$ns s, summary $bytes bytes"
  fi
done

echo "idle LAN, 1 s simulated, capture = none / no pcap; median of $runs runs ($(nproc) CPUs)"
printf '%6s %9s %9s %14s %9s %9s %8s\n' nodes "nslab s" "nslab MB" "summary bytes" "plain s" "plain MB" ratio
printf '%s\n' "${rows[@]}"
echo "ratio: nslab s / plain ns-3 s; MB: max RSS"
if [ -n "$pass400" ]; then
  echo "$pass400: 400 nodes: under 3 s and summary under 1 MB${detail400:+ ($detail400)}"
else
  echo "(400 nodes not measured: no verdict on the 3 s / 1 MB target)"
fi
if [ "$nslab_ok" -eq 1 ]; then
  echo "PASS: nslab ran every LAN (${sizes[*]} nodes)"
else
  echo "FAIL: nslab did not run every LAN (${sizes[*]} nodes)"
fi
[ "$nslab_ok" -eq 1 ] && [ "$pass400" != FAIL ]
