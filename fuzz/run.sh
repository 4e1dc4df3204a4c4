#!/usr/bin/env bash
# Fuzz nslab's capture reader and analyses (analysis/trace.h) with libFuzzer
# under AddressSanitizer and UBSan, starting from the committed seed corpus.
# Usage: bash fuzz/run.sh [SECONDS] (default 600). New inputs go to
# build/fuzz/corpus (not the repository); a crash is written to
# build/fuzz/crash-* and the run stops: add it to fuzz/corpus once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
dpkg-query -W -f='${Status}' libfuzzer-14-dev 2>/dev/null | grep -q "ok installed" || need+=(libfuzzer-14-dev)
dpkg-query -W -f='${Status}' libpcap-dev 2>/dev/null | grep -q "ok installed" || need+=(libpcap-dev)
dpkg-query -W -f='${Status}' nlohmann-json3-dev 2>/dev/null | grep -q "ok installed" || need+=(nlohmann-json3-dev)
if ((${#need[@]})); then
  echo "fuzz: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

out=build/fuzz
mkdir -p "$out/corpus"
sources=(analysis/pcap-source.cc analysis/packet-decode.cc analysis/tcp-analysis.cc analysis/fragments.cc
         analysis/trace.cc analysis/lost-frames.cc analysis/trace-report.cc analysis/ladder.cc)
clang++-14 -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Ianalysis fuzz/trace-fuzzer.cc "${sources[@]}" -lpcap -o "$out/trace-fuzzer"

# One core (the machine is shared); inputs up to 64 KiB; a hang is a finding (-timeout).
"$out/trace-fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" fuzz/corpus
