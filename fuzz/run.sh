#!/usr/bin/env bash
# Fuzz nslab's capture reader and analyses (analysis/trace.h), then its
# scenario loader (parse -> load -> ToIni -> reload), with libFuzzer under
# AddressSanitizer and UBSan, each from its committed seed corpus.
# Usage: bash fuzz/run.sh [SECONDS] (default 600, for each target). New inputs
# go to build/fuzz/corpus and build/fuzz/scenario-corpus (not the
# repository); a crash is written to build/fuzz/crash-* and the run stops:
# add it to fuzz/corpus (or fuzz/scenario-corpus) once fixed.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
need=()
command -v clang++-14 >/dev/null || need+=(clang-14)
dpkg-query -W -f='${Status}' libfuzzer-14-dev 2>/dev/null | grep -q "ok installed" || need+=(libfuzzer-14-dev)
dpkg-query -W -f='${Status}' libpcap-dev 2>/dev/null | grep -q "ok installed" || need+=(libpcap-dev)
dpkg-query -W -f='${Status}' libxxhash-dev 2>/dev/null | grep -q "ok installed" || need+=(libxxhash-dev)
dpkg-query -W -f='${Status}' nlohmann-json3-dev 2>/dev/null | grep -q "ok installed" || need+=(nlohmann-json3-dev)
dpkg-query -W -f='${Status}' libns3-dev 2>/dev/null | grep -q "ok installed" || need+=(libns3-dev)
if ((${#need[@]})); then
  echo "fuzz: installing ${need[*]}" >&2
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

out=build/fuzz
mkdir -p "$out/corpus"
sources=(analysis/pcap-source.cc analysis/packet-decode.cc analysis/tcp-analysis.cc analysis/fragments.cc
         analysis/trace.cc analysis/lost-frames.cc analysis/trace-report.cc analysis/ladder.cc io/io.cc)
clang++-14 -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -Ianalysis -Iio fuzz/trace-fuzzer.cc "${sources[@]}" -lpcap -o "$out/trace-fuzzer"

# The scenario loader links ns-3 (Debian's libns3-dev, not instrumented: ASan
# and UBSan check our sources, ns-3 runs as built); --no-as-needed keeps the
# libraries whose static initialisers register ns-3's TypeIds.
mkdir -p "$out/scenario-corpus" "$out/scenario-seeds"
cp scenarios/*.ini tests/data/*.ini fuzz/scenario-corpus/* "$out/scenario-seeds/"
ns3libs=(-lns3-core -lns3-network -lns3-internet -lns3-csma -lns3-point-to-point -lns3-wifi -lns3-mobility
         -lns3-traffic-control -lns3-propagation -lns3-applications -lns3-bridge -lns3-spectrum -lns3-antenna
         -lns3-energy -lns3-stats -lns3-config-store -lns3-fd-net-device)
scenario_sources=(testbed/units.cc testbed/command.cc testbed/ini.cc testbed/expand.cc testbed/keys.cc
                  testbed/scenario.cc testbed/addresses.cc
                  topologies/topology.cc topologies/impairments.cc topologies/netem-queue-disc.cc
                  topologies/receive-impairment.cc topologies/neighbor-discovery.cc topologies/host-drops.cc
                  topologies/ethernet-wire.cc topologies/tap-port.cc topologies/wifi-cells.cc
                  "${sources[@]}") # the trace library: drops are described from their bytes
clang++-14 -std=c++17 -g -O1 -fno-omit-frame-pointer \
  -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -DNSLAB_WIFI_PLUGIN='"none"' \
  -Itestbed -Itopologies -Iio -Ianalysis fuzz/scenario-fuzzer.cc "${scenario_sources[@]}" -lpcap -ldl \
  -Wl,--no-as-needed "${ns3libs[@]}" -o "$out/scenario-fuzzer"

# One core (the machine is shared); a hang is a finding (-timeout).
# Captures up to 64 KiB; scenarios up to 16 KiB (the loader's checks, not its bounds, are the target).
"$out/trace-fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/corpus" fuzz/corpus
"$out/scenario-fuzzer" -max_total_time="$seconds" -max_len=16384 -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 -artifact_prefix="$out/" "$out/scenario-corpus" "$out/scenario-seeds"
