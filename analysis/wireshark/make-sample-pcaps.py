#!/usr/bin/env python3
"""Write small sample pcaps carrying nslab traffic, for testing nslab.lua.

Usage: make-sample-pcaps.py OUTDIR

Standard library only. Every file is classic pcap (microsecond timestamps,
LINKTYPE_ETHERNET) with Ethernet/IPv4/UDP or Ethernet/IPv4/TCP frames and
correct IPv4/UDP/TCP checksums. Files written:

  nslab-udp.pcap          UDP app 1 -> port 6000 (port table), UDP app 2 ->
                          port 7000 (outside the default range: heuristic).
  nslab-udp-other.pcap    not valid nslab: plain bytes on 6001 and a 4-byte
                          datagram on 6003 (must not decode), a header whose
                          length != datagram size on 7001 (heuristic must
                          reject it) and on 6002 (port table: decoded with an
                          nslab.len_mismatch warning, the only expected
                          expert item from nslab in all these files).
  nslab-tcp.pcap          TCP app 3 -> port 5000: messages spanning segments,
                          several messages per segment, one 3000-byte message
                          over 6 segments (MSS 536, as ns-3's default).
  nslab-tcp-heur.pcap     same stream shape on port 7002 (outside the range:
                          found by the TCP heuristic, then by conversation).
  nslab-tcp-gap.pcap      the port-5000 stream with two data segments never
                          captured (messages touching them cannot be decoded).
  nslab-tcp-retrans.pcap  the port-5000 stream with the same two segments lost
                          and each retransmitted after three dup ACKs.
  nslab-tcp-gap-short.pcap
                          100-byte messages with two segments lost so that the
                          next segments start < 24 bytes before a header.
  nslab-tcp-other.pcap    a non-nslab TCP stream on port 5001 (must not decode).

For each pcap of valid nslab traffic, NAME.expected.tsv lists every message
sent, one per line:
  seq  sent_ns  app  len  complete
where complete=1 when every byte of the message is in the capture (at least
once), i.e. a dissector that reassembles correctly should show that message.
"""

import os
import struct
import sys

MAGIC = 0x4E53
VERSION = 1
HDR_LEN = 24
MSS = 536  # ns-3 TcpSocket default SegmentSize

CLIENT_MAC = bytes.fromhex("020000000001")
SERVER_MAC = bytes.fromhex("020000000002")
CLIENT_IP = bytes([10, 1, 1, 1])
SERVER_IP = bytes([10, 1, 2, 2])
CLIENT_PORT = 49153  # first ns-3 ephemeral port


# --------------------------------------------------------------------------
# nslab application header
# --------------------------------------------------------------------------

def nslab_message(app, seq, length, sent_ns, flags=0):
    """24-byte header (network byte order) followed by zero padding."""
    assert length >= HDR_LEN
    hdr = struct.pack("!HBBIIIq", MAGIC, VERSION, flags, app, seq, length, sent_ns)
    return hdr + bytes(length - HDR_LEN)


# --------------------------------------------------------------------------
# Frame building
# --------------------------------------------------------------------------

def inet_checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


_ip_id = [0]


def ipv4(src, dst, proto, payload):
    _ip_id[0] = (_ip_id[0] + 1) & 0xFFFF
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), _ip_id[0],
                      0x4000, 64, proto, 0, src, dst)
    hdr = hdr[:10] + struct.pack("!H", inet_checksum(hdr)) + hdr[12:]
    return hdr + payload


def pseudo_header(src, dst, proto, length):
    return struct.pack("!4s4sBBH", src, dst, 0, proto, length)


def udp(src, dst, sport, dport, payload):
    length = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    csum = inet_checksum(pseudo_header(src, dst, 17, length) + hdr + payload) or 0xFFFF
    hdr = hdr[:6] + struct.pack("!H", csum)
    return ipv4(src, dst, 17, hdr + payload)


TCP_FIN, TCP_SYN, TCP_PSH, TCP_ACK = 0x01, 0x02, 0x08, 0x10


def tcp(src, dst, sport, dport, seq, ack, flags, payload=b"", mss=None):
    opts = struct.pack("!BBH", 2, 4, mss) if mss else b""
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq & 0xFFFFFFFF,
                      ack & 0xFFFFFFFF, off << 4, flags, 65535, 0, 0) + opts
    seg = hdr + payload
    csum = inet_checksum(pseudo_header(src, dst, 6, len(seg)) + seg)
    seg = seg[:16] + struct.pack("!H", csum) + seg[18:]
    return ipv4(src, dst, 6, seg)


def ether(src_mac, dst_mac, ip_packet):
    return dst_mac + src_mac + b"\x08\x00" + ip_packet


def c2s(ip_packet):
    return ether(CLIENT_MAC, SERVER_MAC, ip_packet)


def s2c(ip_packet):
    return ether(SERVER_MAC, CLIENT_MAC, ip_packet)


def write_pcap(path, frames):
    """frames: list of (time_ns, frame_bytes)."""
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for t_ns, data in frames:
            sec, usec = divmod(t_ns // 1000, 1000000)
            f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
            f.write(data)


def write_expected(path, messages, captured_ranges=None):
    """messages: list of (seq, sent_ns, app, length[, stream_offset])."""
    with open(path, "w") as f:
        f.write("seq\tsent_ns\tapp\tlen\tcomplete\n")
        for m in messages:
            seq, sent, app, length = m[:4]
            complete = 1
            if captured_ranges is not None:
                start = m[4]
                complete = int(all(any(a <= b < e for a, e in captured_ranges)
                                   for b in range(start, start + length)))
            f.write("%d\t%d\t%d\t%d\t%d\n" % (seq, sent, app, length, complete))


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------

SIM_START_NS = 1_000_000_000  # apps start at t = 1 s
LINK_DELAY_NS = 2_000_000      # frames are "captured" 2 ms after sending


def udp_scenario(outdir):
    frames, exp = [], []
    sizes = [24, 100, 512, 1000, 1472, 64, 200, 24]
    for seq, size in enumerate(sizes):
        sent = SIM_START_NS + seq * 10_000_000 + 123
        frames.append((sent + LINK_DELAY_NS,
                       c2s(udp(CLIENT_IP, SERVER_IP, CLIENT_PORT, 6000,
                               nslab_message(1, seq, size, sent)))))
        exp.append((seq, sent, 1, size))
    # App 2 on a port outside the default range: only the heuristic finds it.
    for seq in range(3):
        sent = SIM_START_NS + 5_000_000 + seq * 20_000_000
        frames.append((sent + LINK_DELAY_NS,
                       c2s(udp(CLIENT_IP, SERVER_IP, CLIENT_PORT + 1, 7000,
                               nslab_message(2, seq, 300, sent)))))
        exp.append((seq, sent, 2, 300))
    frames.sort(key=lambda x: x[0])
    write_pcap(os.path.join(outdir, "nslab-udp.pcap"), frames)
    write_expected(os.path.join(outdir, "nslab-udp.expected.tsv"), exp)


def udp_other_scenario(outdir):
    """Datagrams that are not (valid) nslab."""
    t = SIM_START_NS
    frames = []
    # plain bytes on an in-range port: the port dissector must return 0
    frames.append((t, c2s(udp(CLIENT_IP, SERVER_IP, CLIENT_PORT, 6001,
                              b"hello, this is not nslab at all....."))))
    # nslab header whose length (100) != datagram size (60):
    bad = nslab_message(9, 0, 100, t)[:60]
    # ... outside the range: the heuristic must reject it
    frames.append((t + 1_000_000, c2s(udp(CLIENT_IP, SERVER_IP, CLIENT_PORT, 7001, bad))))
    # ... inside the range: decoded, with an nslab.len_mismatch warning
    frames.append((t + 2_000_000, c2s(udp(CLIENT_IP, SERVER_IP, CLIENT_PORT, 6002, bad))))
    # too short to hold a header, in range
    frames.append((t + 3_000_000, c2s(udp(CLIENT_IP, SERVER_IP, CLIENT_PORT, 6003, b"NS\x01\x00"))))
    write_pcap(os.path.join(outdir, "nslab-udp-other.pcap"), frames)


def tcp_stream_messages(app, sizes=None):
    """(seq, sent_ns, app, length, stream_offset) and the concatenated bytes."""
    sizes = sizes or ([1000] * 4          # each spans 2-3 segments
             + [100] * 12        # ~5 per segment
             + [3000]            # spans 6+ segments
             + [24] * 6          # header-only messages
             + [536, 536]        # exactly one segment each (if aligned)
             + [700, 50, 50]     # seq 27's header straddles a segment end
             + [50, 1516]        # seq 29 spans 3 segments and ends 10 bytes
             + [100, 50])        # before a segment end: 30's header is split
    msgs, stream, off = [], b"", 0
    for seq, size in enumerate(sizes):
        sent = SIM_START_NS + seq * 1_000_000 + 7
        msgs.append((seq, sent, app, size, off))
        stream += nslab_message(app, seq, size, sent)
        off += size
    return msgs, stream


def tcp_scenario(outdir, name, server_port, app, lose=(), retransmit=False,
                 stream=None, msgs=None):
    """One client->server TCP connection carrying nslab messages.

    lose:       indexes of data segments that are not captured.
    retransmit: if set, each lost segment is captured again after the
                receiver's third duplicate ACK (keep losses >= 4 apart).
    """
    if stream is None:
        msgs, stream = tcp_stream_messages(app)
    cisn, sisn = 1000, 5000
    t = SIM_START_NS - 1_000_000
    frames = []

    def add(frame, dt=100_000):
        nonlocal t
        t += dt
        frames.append((t, frame))

    sp, dp = CLIENT_PORT, server_port

    def data_frame(off, data):
        return c2s(tcp(CLIENT_IP, SERVER_IP, sp, dp, cisn + 1 + off, sisn + 1,
                       TCP_ACK | TCP_PSH, data))

    def ack(off):
        return s2c(tcp(SERVER_IP, CLIENT_IP, dp, sp, sisn + 1, cisn + 1 + off, TCP_ACK))

    add(c2s(tcp(CLIENT_IP, SERVER_IP, sp, dp, cisn, 0, TCP_SYN, mss=MSS)))
    add(s2c(tcp(SERVER_IP, CLIENT_IP, dp, sp, sisn, cisn + 1, TCP_SYN | TCP_ACK, mss=MSS)))
    add(c2s(tcp(CLIENT_IP, SERVER_IP, sp, dp, cisn + 1, sisn + 1, TCP_ACK)))

    segs = [(o, stream[o:o + MSS]) for o in range(0, len(stream), MSS)]
    captured = []     # stream byte ranges present in the capture
    hole = None       # (offset, data) of the lost segment awaiting retransmission
    dupacks = 0
    for i, (o, data) in enumerate(segs):
        if i in lose:
            hole = (o, data) if retransmit else None
            dupacks = 0
            t += 100_000  # it was sent, just not captured
            continue
        add(data_frame(o, data))
        captured.append((o, o + len(data)))
        if hole is not None:
            # the receiver keeps acking the hole; after 3 dup ACKs: retransmit
            add(ack(hole[0]), 20_000)
            dupacks += 1
            if dupacks == 3:
                add(data_frame(*hole))
                captured.append((hole[0], hole[0] + len(hole[1])))
                hole = None
                add(ack(o + len(data)), 20_000)
        elif i % 2 == 1:
            add(ack(o + len(data)), 20_000)
    end = cisn + 1 + len(stream)
    add(c2s(tcp(CLIENT_IP, SERVER_IP, sp, dp, end, sisn + 1, TCP_FIN | TCP_ACK)))
    add(s2c(tcp(SERVER_IP, CLIENT_IP, dp, sp, sisn + 1, end + 1, TCP_FIN | TCP_ACK)))
    add(c2s(tcp(CLIENT_IP, SERVER_IP, sp, dp, end + 1, sisn + 2, TCP_ACK)))
    write_pcap(os.path.join(outdir, name + ".pcap"), frames)
    if msgs is not None:
        write_expected(os.path.join(outdir, name + ".expected.tsv"), msgs, captured)


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: %s OUTDIR" % sys.argv[0])
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    udp_scenario(outdir)
    udp_other_scenario(outdir)
    tcp_scenario(outdir, "nslab-tcp", 5000, 3)
    tcp_scenario(outdir, "nslab-tcp-heur", 7002, 4)
    # Segment 3 (stream bytes 1608..2144) holds the end of message 1 and the
    # start of message 2.  Segment 19 (10184..10720) holds the end of 27, all
    # of 28 and the start of 29 (1516 bytes); so after it, segment 20 is all
    # inside 29 and segment 21 ends with the first 10 bytes of 30's header.
    tcp_scenario(outdir, "nslab-tcp-gap", 5000, 3, lose=(3, 19))
    tcp_scenario(outdir, "nslab-tcp-retrans", 5000, 3, lose=(3, 19), retransmit=True)
    # 100-byte messages: after losing segment 4 (resp. 10) the next captured
    # segment starts 20 (resp. 4) bytes before a header, i.e. with a run of
    # unaligned bytes shorter than a header.
    msgs, stream = tcp_stream_messages(5, [100] * 70)
    tcp_scenario(outdir, "nslab-tcp-gap-short", 5000, 5, lose=(4, 10),
                 stream=stream, msgs=msgs)
    junk = bytes((i * 37 + 11) & 0xFF for i in range(2000))
    tcp_scenario(outdir, "nslab-tcp-other", 5001, 0, stream=junk)
    for n in sorted(os.listdir(outdir)):
        if n.startswith("nslab-"):
            print(os.path.join(outdir, n))


if __name__ == "__main__":
    main()
