#!/usr/bin/env python3
"""The lesson's TCP client: connect, sendall, close.

Usage: TCP_client.py ADDRESS PORT BYTES
Sends BYTES bytes and prints how long connect and the whole transfer took.
Exits with status 1 if connect fails (the error is printed).
"""
import socket
import sys
import time


def main():
    address, port, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    client = socket.socket(family, socket.SOCK_STREAM)
    started = time.monotonic()
    try:
        client.connect((address, port))
    except OSError as error:
        print(f"connect: {error}", flush=True)
        sys.exit(1)
    connected = time.monotonic()
    client.sendall(b"x" * size)
    client.shutdown(socket.SHUT_WR)
    client.recv(1)  # the server's FIN: everything arrived
    client.close()
    done = time.monotonic()
    print(f"connected in {1000 * (connected - started):.1f} ms; sent {size} bytes in {done - connected:.3f} s "
          f"({8 * size / (done - connected) / 1e6:.2f} Mbit/s)", flush=True)


if __name__ == "__main__":
    main()
