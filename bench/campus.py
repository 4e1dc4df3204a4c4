#!/usr/bin/env python3
"""Write the campus of bench/plain-campus.cc as an nslab scenario.

usage: bench/campus.py R H [--medium switched|shared] [--capture full|headers|none] > campus.ini

R routers r1..rR in a chain of p2p links (1 Gbit/s, 1 ms), router ri with an
Ethernet LAN (100 Mbit/s) of H hosts hi-1..hi-H: R * (H + 1) nodes. The
server is hR-1, the first host of the last LAN. Every other host streams UDP
to it (200-byte datagrams every 20 ms, the 24-byte nslab header included),
every tenth host (global index 10, 20, ...) also sends 200 KB (200000 bytes)
over TCP. Clients start at 1 s + (index mod 20) ms; the run lasts 3 s; every
interface has a full-frame pcap (capture = full). LAN i (from 0) is
10.<1 + i/256>.<i mod 256>.0/24, backbone link i is 10.200.i.0/24, as in
plain-campus.cc. Every node and app is written out (no ranges).
"""
import argparse
import sys


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("routers", type=int)
    ap.add_argument("hosts", type=int)
    ap.add_argument("--medium", choices=["switched", "shared"], default="switched")
    ap.add_argument("--capture", choices=["full", "headers", "none"], default="full")
    ap.add_argument("--interval", type=int, default=20, help="ms between a host's datagrams")
    a = ap.parse_args()
    r, h = a.routers, a.hosts
    if r < 1 or r > 199 or h < 2 or h > 253:
        sys.exit("campus.py: need 1 <= R <= 199 and 2 <= H <= 253 (a LAN is a /24)")
    w = sys.stdout.write
    w(f"# Campus: {r} routers x {h} hosts = {r * (h + 1)} nodes (bench/campus.py {r} {h})\n")
    w(f"name = campus-{r}x{h}\nduration = 3s\ncapture = {a.capture}\n\n")
    for i in range(r - 1):
        w(f"[link.wan{i + 1}]\ntype = p2p\nnodes = r{i + 1} r{i + 2}\nrate = 1Gbps\ndelay = 1ms\n"
          f"subnet = 10.200.{i}.0/24\n\n")
    for i in range(r):
        names = " ".join([f"r{i + 1}"] + [f"h{i + 1}-{j + 1}" for j in range(h)])
        w(f"[link.lan{i + 1}]\ntype = ethernet\n")
        if a.medium != "switched":
            w(f"medium = {a.medium}\n")
        w(f"nodes = {names}\nrate = 100Mbps\nsubnet = 10.{1 + i // 256}.{i % 256}.0/24\n\n")
    server = f"h{r}-1"
    w(f"[app.udp-sink]\ntype = udp-server\nnode = {server}\nport = 9000\n\n")
    w(f"[app.tcp-sink]\ntype = tcp-server\nnode = {server}\nport = 5000\nbuffer = 128KiB\n\n")
    index = 0
    for i in range(r):
        for j in range(h):
            index += 1
            node = f"h{i + 1}-{j + 1}"
            if node == server:
                continue
            start = 1000 + index % 20
            w(f"[app.u{index}]\ntype = udp-client\nnode = {node}\npeer = {server}:9000\n"
              f"size = 200B\ninterval = {a.interval}ms\nstart = {start}ms\n\n")
            if index % 10 == 0:
                w(f"[app.t{index}]\ntype = tcp-client\nnode = {node}\npeer = {server}:5000\n"
                  f"bytes = 200KB\nbuffer = 128KiB\nstart = {start}ms\n\n")


if __name__ == "__main__":
    main()
