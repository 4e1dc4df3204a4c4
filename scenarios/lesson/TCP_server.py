#!/usr/bin/env python3
"""The lesson's TCP server: bind, listen, accept, recv until the client closes.

Usage: TCP_server.py ADDRESS PORT
Prints each connection's byte count and duration, one line per connection,
and serves connections until it is stopped.
"""
import socket
import sys
import time


def main():
    address, port = sys.argv[1], int(sys.argv[2])
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    server = socket.socket(family, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind((address, port))
    server.listen()
    print(f"listening on {address} port {port}", flush=True)
    while True:
        connection, peer = server.accept()
        started = time.monotonic()
        received = 0
        with connection:
            while True:
                data = connection.recv(65536)
                if not data:
                    break
                received += len(data)
        seconds = time.monotonic() - started
        print(f"received {received} bytes from {peer[0]} port {peer[1]} in {seconds:.3f} s", flush=True)


if __name__ == "__main__":
    main()
