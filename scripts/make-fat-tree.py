#!/usr/bin/env python3
"""Write the topology file of a k-ary fat tree (k even) for nslab.

    python3 scripts/make-fat-tree.py 4 > topologies/fat-tree-k4.ini

k pods, each with k/2 edge and k/2 aggregation routers; (k/2)^2 core routers;
k/2 hosts per edge router on an Ethernet LAN. Aggregation router a of every
pod has a p2p link to cores (a-1)*k/2+1 ... a*k/2. Names: core<c>,
agg<pod>-<a>, edge<pod>-<e>, hosts h1 ... h<k^3/4> numbered pod by pod.
Links come in this order: the hosts' LANs (10.0.1.0/24 ...), edge to
aggregation, aggregation to core, so that every router's first interface
faces down.
"""
import sys


def main():
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 4
    if k < 2 or k % 2:
        sys.exit("k must be even and at least 2")
    half = k // 2
    rate, delay = "1Gbps", "10us"
    out = []
    host = 1
    for pod in range(1, k + 1):
        for e in range(1, half + 1):
            out += [f"[link.lan{pod}-{e}]", "type = ethernet",
                    f"nodes = h[{host}..{host + half - 1}] edge{pod}-{e}",
                    f"rate = {rate}", f"delay = {delay}", ""]
            host += half
    for pod in range(1, k + 1):
        for e in range(1, half + 1):
            for a in range(1, half + 1):
                out += [f"[link.edge{pod}-{e}-agg{pod}-{a}]", "type = p2p",
                        f"nodes = edge{pod}-{e} agg{pod}-{a}", f"rate = {rate}", f"delay = {delay}", ""]
    for pod in range(1, k + 1):
        for a in range(1, half + 1):
            for c in range((a - 1) * half + 1, a * half + 1):
                out += [f"[link.agg{pod}-{a}-core{c}]", "type = p2p",
                        f"nodes = agg{pod}-{a} core{c}", f"rate = {rate}", f"delay = {delay}", ""]
    print("\n".join(out).rstrip())


if __name__ == "__main__":
    main()
