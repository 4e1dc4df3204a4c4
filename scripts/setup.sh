#!/usr/bin/env bash
# Install what nslab needs from Debian 12 (only what is missing), then
# configure and build it into build/. Run as root, or as a user with sudo.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(cmake g++ make python3
          libns3-dev ns3 libgsl-dev            # ns-3.37; find_package(ns3) needs all three
          libboost-program-options-dev nlohmann-json3-dev libpcap-dev
          libxxhash-dev                        # XXH3: hashing packets to match them between captures
          libgtest-dev tshark gnuplot-nox
          parallel                             # GNU parallel: the sweep tests run its job lists
          chromium)                            # headless: the report tests render report.html
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "nslab setup: installing ${missing[*]}" >&2
  # tshark asks whether non-root users may capture; answer no, silently.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $sudo debconf-set-selections
  $sudo apt-get update -qq
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
