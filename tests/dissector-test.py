#!/usr/bin/env python3
"""The Wireshark dissector (analysis/wireshark/nslab.lua) against captures
with known contents, written by analysis/wireshark/make-sample-pcaps.py:
every complete message is decoded exactly once with its header fields, and
no capture, including TCP with lost segments, yields malformed packets."""
import pathlib
import shutil
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
LUA = ROOT / "analysis/wireshark/nslab.lua"
SKIP = 77


def tshark(pcap, *args):
    cmd = ["tshark", "-n", "-X", f"lua_script:{LUA}", "-r", str(pcap), *args]
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


def decoded(pcap):
    """(seq, sent_ns, app, len) of every message the dissector shows."""
    out = tshark(pcap, "-Y", "nslab.seq", "-T", "fields", "-E", "occurrence=a",
                 "-e", "nslab.seq", "-e", "nslab.sent_ns", "-e", "nslab.app", "-e", "nslab.len")
    messages = []
    for line in out.splitlines():
        columns = [c.split(",") for c in line.split("\t")]
        messages += list(zip(*columns))
    return sorted(tuple(int(v) for v in m) for m in messages)


def expected(tsv):
    rows = [line.split("\t") for line in tsv.read_text().splitlines()[1:]]
    return sorted(tuple(int(v) for v in r[:4]) for r in rows if r[4] == "1")


def main():
    if shutil.which("tshark") is None:
        print("tshark not installed: skipped")
        return SKIP
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, str(ROOT / "analysis/wireshark/make-sample-pcaps.py"), tmp],
                       check=True, capture_output=True)
        for pcap in sorted(pathlib.Path(tmp).glob("*.pcap")):
            tsv = pcap.with_suffix(".expected.tsv")
            if not tsv.exists():
                continue  # deliberately foreign or broken payloads
            errors = tshark(pcap, "-Y", "_ws.malformed || _ws.expert.severity == error || _ws.lua.error")
            if errors.strip():
                print(f"FAIL {pcap.name}: malformed or error frames:\n{errors}")
                failures += 1
                continue
            # With Wireshark's default TCP settings, a message that starts in a
            # retransmitted segment is not shown: that capture is checked for errors only.
            if "retrans" in pcap.name:
                print(f"ok   {pcap.name}: no errors")
                continue
            got, want = decoded(pcap), expected(tsv)
            if got != want:
                print(f"FAIL {pcap.name}: decoded {len(got)} messages, expected {len(want)}")
                failures += 1
            else:
                print(f"ok   {pcap.name}: {len(got)} messages decoded, none malformed")
    print(f"dissector: {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
