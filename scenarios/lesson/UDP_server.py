#!/usr/bin/env python3
"""The lesson's UDP server: bind, then recvfrom in a loop.

Usage: UDP_server.py ADDRESS PORT
Prints the count of datagrams and bytes so far after each datagram's arrival
("datagrams N bytes B"), so the last line is the total when it is stopped.
"""
import socket
import sys


def main():
    address, port = sys.argv[1], int(sys.argv[2])
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    server = socket.socket(family, socket.SOCK_DGRAM)
    server.bind((address, port))
    print(f"bound to {address} port {port}", flush=True)
    datagrams = received = 0
    while True:
        data, peer = server.recvfrom(65535)
        datagrams += 1
        received += len(data)
        print(f"datagrams {datagrams} bytes {received} from {peer[0]}", flush=True)


if __name__ == "__main__":
    main()
