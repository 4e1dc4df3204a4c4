#!/usr/bin/env bash
# A campus at scale: nslab against bench/plain-campus.cc (issue 16).
# R routers in a chain of 1 Gbit/s, 1 ms point-to-point links, each with a
# 100 Mbit/s Ethernet LAN of H hosts plus the router: R * (H + 1) nodes. Every
# host but the server (the first host of the last LAN) sends UDP to the server
# (200-byte datagrams every 20 ms), every tenth host also 200 KB over TCP;
# clients start at 1 s (+ 0..19 ms), 3 s simulated, a full-frame pcap on every
# interface. nslab runs the scenario bench/campus.py writes (switched Ethernet,
# nslab's default; MEDIUM=shared for CSMA as the plain program uses); the plain
# program is ns-3 by hand (CSMA LANs, global routing). Sizes (nodes = R x H):
#   104 = 4 x (25+1), 408 = 8 x (50+1), 1010 = 10 x (100+1), 10040 = 40 x (250+1)
# Load: the server's 100 Mbit/s port gets (hosts - 1) x 50 datagrams/s of 246 B
# on the wire (200 B payload, UDP, IP, Ethernet), 39 Mbit/s at 408 nodes and
# 98 Mbit/s at 1010 (10x that at 10040), plus the TCP transfers: from 1010
# nodes on the server's LAN is saturated, and the counts differ with the LAN
# model (nslab's switch drops at its port queue, CSMA backs off at the senders).
# Each size runs RUNS times (default 3; 1 for sizes above 5000 nodes), nslab
# and plain interleaved; a line per run gives the wall time, the max RSS and
# what the server received (nslab: summary.json; plain: its UdpServer and
# PacketSink). Then a table of medians: nodes, nslab s, ns-3 s, ratio,
# nslab MB, ns-3 MB, ratio (nslab / ns-3; MB: max RSS from /usr/bin/time).
# Builds nothing: expects build/nslab and build/bench/plain-campus.
# Usage: bash bench/scale.sh [--sizes 104,408,1010] [--runs N]
#   a size is a node count above or RxH (e.g. 6x30)
# nslab runs with --no-report: the hand-written program draws no page either
# (what report.html costs is bench/report.sh's to say).
# Environment: NSLAB, PLAIN (binaries), RUNS, MEDIUM (switched), NSLAB_TIMEOUT
# (600 s), PLAIN_TIMEOUT (900 s), NSLAB_ARGS (extra words for nslab run).
set -euo pipefail
cd "$(dirname "$0")/.."
sizes=104,408,1010
runs_opt=""
while [ $# -gt 0 ]; do
  case "$1" in
  -h | --help)
    sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
    exit 0
    ;;
  --sizes) sizes=$2; shift 2 ;;
  --sizes=*) sizes=${1#--sizes=}; shift ;;
  --runs) runs_opt=$2; shift 2 ;;
  --runs=*) runs_opt=${1#--runs=}; shift ;;
  *) echo "scale.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done
runs_opt=${runs_opt:-${RUNS:-}}
nslab=${NSLAB:-build/nslab}
plain=${PLAIN:-build/bench/plain-campus}
medium=${MEDIUM:-switched}
nslab_limit=${NSLAB_TIMEOUT:-600}
plain_limit=${PLAIN_TIMEOUT:-900}
for f in "$nslab" "$plain"; do
  [ -x "$f" ] || { echo "scale.sh: $f is missing: build it first (make -C build nslab plain-campus)" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "scale.sh: needs GNU time (/usr/bin/time; apt-get install time)" >&2; exit 2; }

shape() { # size -> "R H"
  case "$1" in
  104) echo 4 25 ;;
  408) echo 8 50 ;;
  1010) echo 10 100 ;;
  10040) echo 40 250 ;;
  *x*) echo "${1%x*}" "${1#*x}" ;;
  *) return 1 ;;
  esac
}
IFS=, read -r -a size_list <<<"$sizes"
for s in "${size_list[@]}"; do
  shape "$s" >/dev/null || { echo "scale.sh: unknown size $s (104, 408, 1010, 10040 or RxH)" >&2; exit 2; }
done

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

measure() { # LIMIT command... -> prints "seconds KB user sys"; returns the command's status (124: timeout)
  local limit=$1 rc=0
  shift
  /usr/bin/time -f '%e %M %U %S' -o "$out/time" timeout "$limit" "$@" >"$out/stdout" 2>"$out/stderr" || rc=$?
  tail -n 1 "$out/time"
  return "$rc"
}
median() { # FILE COLUMN
  sort -g -k"$2","$2" "$1" | awk -v c="$2" '{a[NR] = $c} END {print a[int((NR + 1) / 2)]}'
}
nslab_counts() { # summary.json -> "udp_received=N tcp_bytes=B"
  python3 - "$1" <<'EOF'
import json, sys
apps = {a["name"]: a for a in json.load(open(sys.argv[1]))["apps"]}
print(f"udp_received={apps['udp-sink']['packets_received']} tcp_bytes={apps['tcp-sink']['bytes_received']}")
EOF
}

rows=()
echo "campus: medium $medium (nslab), CSMA (ns-3); 3 s simulated, full pcaps; UDP interval scaled to offer the server at most 25 Mbit/s; $(nproc) CPUs"
for s in "${size_list[@]}"; do
  read -r R H < <(shape "$s")
  nodes=$((R * (H + 1)))
  runs=${runs_opt:-$([ "$nodes" -gt 5000 ] && echo 1 || echo 3)}
  # UDP at most 25 Mbit/s offered to the server's 100 Mbit/s port (246 B per
  # datagram on the wire), so that the runs measure a network, not an overload.
  interval=$(awk -v n="$((R * H - 1))" 'BEGIN { i = n * 246 * 8 / 25e6 * 1000; i = (i == int(i)) ? i : int(i) + 1; print (i < 20 ? 20 : i) }')
  python3 bench/campus.py "$R" "$H" --medium "$medium" --interval "$interval" >"$out/campus.ini"
  : >"$out/nslab.tmp"; : >"$out/plain.tmp"
  nstate=ok pstate=ok
  for ((i = 1; i <= runs; i++)); do
    if [ "$nstate" = ok ]; then
      rm -rf "$out/run"
      rc=0
      # shellcheck disable=SC2086
      tm=$(measure "$nslab_limit" "$nslab" run "$out/campus.ini" --quiet --no-report --out "$out/run" ${NSLAB_ARGS:-}) || rc=$?
      if [ "$rc" -eq 0 ] && [ -s "$out/run/summary.json" ]; then
        echo "$tm" >>"$out/nslab.tmp"
        read -r wall kb user sys <<<"$tm"
        echo "$nodes nodes run $i nslab: $wall s (cpu $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') s) $((kb / 1024)) MB $(nslab_counts "$out/run/summary.json")"
      elif [ "$rc" -eq 124 ]; then
        nstate=">$nslab_limit"
        echo "$nodes nodes run $i nslab: over $nslab_limit s, stopped"
      else
        nstate=failed
        echo "$nodes nodes run $i nslab: failed (status $rc):" >&2
        tail -n 20 "$out/stderr" >&2
      fi
      rm -rf "$out/run"
    fi
    if [ "$pstate" = ok ]; then
      rm -rf "$out/plain"; mkdir "$out/plain"
      rc=0
      tm=$(measure "$plain_limit" "$plain" --routers="$R" --hosts="$H" --interval="$interval" --out="$out/plain") || rc=$?
      if [ "$rc" -eq 0 ]; then
        echo "$tm" >>"$out/plain.tmp"
        counts=$(grep -o 'udp_received=.*' "$out/stdout")
        read -r wall kb user sys <<<"$tm"
        echo "$nodes nodes run $i ns-3:  $wall s (cpu $(awk -v u="$user" -v s="$sys" 'BEGIN {print u + s}') s) $((kb / 1024)) MB $counts"
      elif [ "$rc" -eq 124 ]; then
        pstate=">$plain_limit"
        echo "$nodes nodes run $i ns-3:  over $plain_limit s, stopped"
      else
        pstate=failed
        echo "$nodes nodes run $i ns-3: failed (status $rc):" >&2
        tail -n 20 "$out/stderr" >&2
      fi
      rm -rf "$out/plain"
    fi
  done
  ns=$nstate nmb=- ps=$pstate pmb=- tratio=- mratio=-
  if [ -s "$out/nslab.tmp" ]; then
    ns=$(median "$out/nslab.tmp" 1)
    nmb=$(awk -v k="$(median "$out/nslab.tmp" 2)" 'BEGIN {printf "%.0f", k / 1024}')
  fi
  if [ -s "$out/plain.tmp" ]; then
    ps=$(median "$out/plain.tmp" 1)
    pmb=$(awk -v k="$(median "$out/plain.tmp" 2)" 'BEGIN {printf "%.0f", k / 1024}')
  fi
  if [ -s "$out/nslab.tmp" ] && [ -s "$out/plain.tmp" ]; then
    tratio=$(awk -v a="$ns" -v b="$ps" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
    mratio=$(awk -v a="$nmb" -v b="$pmb" 'BEGIN {printf "%.2f", (b > 0 ? a / b : 0)}')
  elif [ -s "$out/nslab.tmp" ] && [[ $pstate == '>'* ]]; then
    tratio="<$(awk -v a="$ns" -v b="$plain_limit" 'BEGIN {printf "%.2f", a / b}')"
  fi
  rows+=("$(printf '%6s %5s %9s %9s %6s %9s %9s %6s' "$nodes" "$runs" "$ns" "$ps" "$tratio" "$nmb" "$pmb" "$mratio")")
done
echo
printf '%6s %5s %9s %9s %6s %9s %9s %6s\n' nodes runs "nslab s" "ns-3 s" ratio "nslab MB" "ns-3 MB" ratio
printf '%s\n' "${rows[@]}"
echo "medians; ratio: nslab / ns-3 (wall time, max RSS)"
