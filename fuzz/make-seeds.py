#!/usr/bin/env python3
"""Re-frame an Ethernet pcap (e.g. the capture tests/trace-test.cc writes) as
raw IP, PPP, Linux cooked and 802.11+radiotap seeds for the fuzz corpus.
Usage: fuzz/make-seeds.py ETHERNET.pcap OUTDIR"""
import struct
import sys


def frames(path):
    data = open(path, "rb").read()
    assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4, "classic little-endian pcap expected"
    pos = 24
    while pos + 16 <= len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[pos:pos + 16])
        yield sec, usec, data[pos + 16:pos + 16 + incl]
        pos += 16 + incl


def write(path, linktype, records):
    with open(path, "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, linktype))
        for sec, usec, frame in records:
            out.write(struct.pack("<IIII", sec, usec, len(frame), len(frame)) + frame)


def radiotap(ip, ethertype, seq):
    # radiotap with flags (FCS at the end), 802.11 QoS data frame to the DS, LLC/SNAP
    rt = struct.pack("<BBHI", 0, 0, 9, 0x2) + bytes([0x10])
    hdr = struct.pack("<BBH", 0x88, 0x01, 0) + bytes(6) + bytes([0, 0, 0, 0, 0, 1]) + bytes(6)
    hdr += struct.pack("<H", seq << 4) + b"\x00\x00"
    return rt + hdr + b"\xaa\xaa\x03\x00\x00\x00" + ethertype + ip + b"\x00\x00\x00\x00"


src, outdir = sys.argv[1], sys.argv[2]
eth = list(frames(src))
ip = [(s, u, f[14:], f[12:14]) for s, u, f in eth]
write(f"{outdir}/known-rawip.pcap", 101, [(s, u, p) for s, u, p, _ in ip])
write(f"{outdir}/known-ppp.pcap", 9,
      [(s, u, (b"\x00\x21" if t == b"\x08\x00" else b"\x00\x57") + p) for s, u, p, t in ip])
write(f"{outdir}/known-sll.pcap", 113, [(s, u, bytes(14) + t + p) for s, u, p, t in ip])
write(f"{outdir}/known-radiotap.pcap", 127, [(s, u, radiotap(p, t, i)) for i, (s, u, p, t) in enumerate(ip)])
