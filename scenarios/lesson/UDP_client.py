#!/usr/bin/env python3
"""The lesson's UDP client: sendto, COUNT datagrams of SIZE bytes, one every INTERVAL seconds.

Usage: UDP_client.py ADDRESS PORT COUNT SIZE INTERVAL
"""
import socket
import sys
import time


def main():
    address, port = sys.argv[1], int(sys.argv[2])
    count, size, interval = int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    client = socket.socket(family, socket.SOCK_DGRAM)
    start = time.monotonic()
    for i in range(count):
        # On schedule, not after a sleep each: the rate does not drift.
        time.sleep(max(0.0, start + i * interval - time.monotonic()))
        client.sendto(i.to_bytes(4, "big") + b"x" * (size - 4), (address, port))
    print(f"sent {count} datagrams of {size} bytes", flush=True)


if __name__ == "__main__":
    main()
