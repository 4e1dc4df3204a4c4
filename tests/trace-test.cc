// nslab analyze (analysis/trace.h): a capture written here with known
// content, nslab's own lossy captures, and the command line. Every TCP count
// is also compared with tshark's tcp.analysis.* flags on the same file.
// Links only nslab-trace, not ns-3; nslab itself runs as a separate process.
#include "pcap-source.h"
#include "test-util.h"
#include "trace.h"

#include <pcap/pcap.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <set>

using namespace nslab::test;
using namespace nslab::trace;

namespace
{

// ---------------------------------------------------------------- a tiny pcap writer

std::string
Be(uint64_t value, int bytes)
{
    std::string out(bytes, '\0');
    for (int i = bytes - 1; i >= 0; --i, value >>= 8)
    {
        out[i] = static_cast<char>(value & 0xFF);
    }
    return out;
}

std::string
Le32(uint32_t v)
{
    std::string b = Be(v, 4);
    return std::string(b.rbegin(), b.rend());
}

/** A classic pcap (microsecond timestamps) of one link type, built in memory. */
class PcapWriter
{
  public:
    explicit PcapWriter(uint32_t linkType) : m_linkType(linkType) {}
    /** \brief A frame at time + 1 s (tshark takes a SYN at time 0 for no SYN: no iRTT). */
    void Add(double time, const std::string& frame) { m_frames.emplace_back(time + 1, frame); }
    /** \brief Insert a copy of frame `index` (0-based) right after it, dt later, changed by edit. */
    template <typename Edit>
    void Repeat(size_t index, double dt, Edit edit)
    {
        auto copy = m_frames.at(index);
        copy.first += dt;
        edit(copy.second);
        m_frames.insert(m_frames.begin() + index + 1, copy);
    }
    /** \brief Leave out frame `index` (0-based), as a capture at the other end of a lossy link would. */
    void Erase(size_t index) { m_frames.erase(m_frames.begin() + index); }
    std::string Bytes() const
    {
        std::string bytes = Le32(0xA1B2C3D4) + std::string("\x02\x00\x04\x00", 4) + Le32(0) + Le32(0) +
                            Le32(65535) + Le32(m_linkType);
        for (const auto& [time, frame] : m_frames)
        {
            auto us = static_cast<uint64_t>(std::llround(time * 1e6));
            bytes += Le32(uint32_t(us / 1000000)) + Le32(uint32_t(us % 1000000)) + Le32(uint32_t(frame.size())) +
                     Le32(uint32_t(frame.size())) + frame;
        }
        return bytes;
    }
    void Write(const std::string& path) const { std::ofstream(path, std::ios::binary) << Bytes(); }

  private:
    uint32_t m_linkType;
    std::vector<std::pair<double, std::string>> m_frames;
};

std::string
V4(const std::string& dotted)
{
    unsigned a, b, c, d;
    sscanf(dotted.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d);
    return Be(a, 1) + Be(b, 1) + Be(c, 1) + Be(d, 1);
}

/** 2001:db8::N */
std::string
V6(unsigned n)
{
    return std::string("\x20\x01\x0d\xb8", 4) + std::string(10, '\0') + Be(n, 2);
}

/** The link layers the analyser reads, with their pcap link type numbers. */
enum class Link : uint32_t
{
    Ethernet = 1,
    Ppp = 9,
    RawIp = 101,
    LinuxCooked = 113,
    Radiotap = 127
};

Link g_link = Link::Ethernet; //!< how KnownCapture frames its packets

/** Radiotap (flags: FCS at the end) + 802.11 QoS data to the AP + LLC/SNAP, as ns-3's WiFi pcaps. */
std::string
Wifi(const std::string& ip, uint16_t etherType)
{
    static uint16_t sequence = 0;
    std::string radiotap = std::string("\x00\x00\x09\x00\x02\x00\x00\x00\x10", 9);
    std::string mac = std::string("\x88\x01\x00\x00", 4) + std::string(6, '\x02') + std::string(6, '\x01') +
                      std::string(6, '\x02') + Be(uint16_t(sequence++ << 4), 2) + std::string(2, '\0');
    std::string snap = std::string("\xAA\xAA\x03\x00\x00\x00", 6) + Be(etherType, 2);
    return radiotap + mac + snap + ip + std::string(4, '\0'); // and the FCS
}

/** An IP packet framed for g_link. */
std::string
Ethernet(const std::string& ip, bool v6)
{
    uint16_t etherType = v6 ? 0x86DD : 0x0800;
    switch (g_link)
    {
    case Link::Ppp:
        return Be(v6 ? 0x57 : 0x21, 2) + ip;
    case Link::RawIp:
        return ip;
    case Link::LinuxCooked:
        return std::string(14, '\0') + Be(etherType, 2) + ip;
    case Link::Radiotap:
        return Wifi(ip, etherType);
    default:
        return std::string("\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x01", 12) + Be(etherType, 2) + ip;
    }
}

std::string
Ipv4(const std::string& src, const std::string& dst, uint8_t protocol, const std::string& payload, uint16_t id = 1,
     uint32_t fragmentOffset = 0, bool more = false)
{
    return "\x45" + Be(0, 1) + Be(20 + payload.size(), 2) + Be(id, 2) +
           Be((more ? 0x2000 : 0) | (fragmentOffset / 8), 2) + Be(64, 1) + Be(protocol, 1) + Be(0, 2) + V4(src) +
           V4(dst) + payload;
}

std::string
Ipv6(unsigned src, unsigned dst, uint8_t next, const std::string& payload)
{
    return std::string("\x60\x00\x00\x00", 4) + Be(payload.size(), 2) + Be(next, 1) + Be(64, 1) + V6(src) + V6(dst) +
           payload;
}

std::string
Ipv6Fragment(unsigned src, unsigned dst, uint8_t next, uint32_t id, uint32_t offset, bool more,
             const std::string& part)
{
    return Ipv6(src, dst, 44, Be(next, 1) + Be(0, 1) + Be(offset | (more ? 1 : 0), 2) + Be(id, 4) + part);
}

constexpr uint8_t FIN = 0x01, SYN = 0x02, ACK = 0x10;

std::string
Tcp(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t window, size_t length,
    uint16_t mss = 0)
{
    std::string options = mss ? std::string("\x02\x04", 2) + Be(mss, 2) : "";
    return Be(sport, 2) + Be(dport, 2) + Be(seq, 4) + Be(ack, 4) + Be((20 + options.size()) / 4 << 4, 1) +
           Be(flags, 1) + Be(window, 2) + Be(0, 4) + options + std::string(length, 'x');
}

std::string
Udp(uint16_t sport, uint16_t dport, const std::string& payload)
{
    return Be(sport, 2) + Be(dport, 2) + Be(8 + payload.size(), 2) + Be(0, 2) + payload;
}

/** nslab's app header (apps/nslab-header.h) and padding. */
std::string
NslabPayload(uint32_t seq, int64_t sentNs, size_t size = 40)
{
    return std::string("NS\x01\x00", 4) + Be(3, 4) + Be(seq, 4) + Be(size, 4) + Be(uint64_t(sentNs), 8) +
           std::string(size - 24, '.');
}

// ---------------------------------------------------------------- the known capture

const double kIrtt = 0.020;

/**
 * An IPv4 TCP connection (client 10.0.0.1:40000, server 10.0.0.2:80;
 * relative sequence numbers in the comments) that shows one case of
 * each flag; an IPv6 TCP connection; a UDP stream with nslab's header; IPv4
 * and IPv6 UDP datagrams in fragments, one of each missing a fragment.
 */
PcapWriter
KnownCapture(Link link = Link::Ethernet)
{
    g_link = link;
    PcapWriter w(static_cast<uint32_t>(link));
    const std::string c = "10.0.0.1", s = "10.0.0.2";
    auto cs = [&](double t, uint32_t rseq, uint32_t rack, uint8_t flags, uint16_t win, size_t len, uint16_t mss = 0) {
        w.Add(t, Ethernet(Ipv4(c, s, 6, Tcp(40000, 80, 1000 + rseq, 5000 + rack, flags, win, len, mss)), false));
    };
    auto sc = [&](double t, uint32_t rseq, uint32_t rack, uint8_t flags, uint16_t win, size_t len, uint16_t mss = 0) {
        w.Add(t, Ethernet(Ipv4(s, c, 6, Tcp(80, 40000, 5000 + rseq, 1000 + rack, flags, win, len, mss)), false));
    };
    cs(0.000, 0, 0, SYN, 8192, 0, 1460);
    sc(0.010, 0, 1, SYN | ACK, 8192, 0, 1400);
    cs(0.020, 1, 1, ACK, 8192, 0); // iRTT 20 ms
    cs(0.100, 1, 1, ACK, 8192, 100);
    // 101:201 is lost before the capture point
    cs(0.101, 201, 1, ACK, 8192, 100); // previous segment not captured
    cs(0.102, 301, 1, ACK, 8192, 100);
    sc(0.110, 1, 101, ACK, 8192, 0);   // RTT 10 ms
    sc(0.111, 1, 101, ACK, 8192, 0);   // duplicate ACK 1
    sc(0.112, 1, 101, ACK, 8192, 0);   // duplicate ACK 2
    cs(0.115, 101, 1, ACK, 8192, 100); // fast retransmission
    sc(0.125, 1, 401, ACK, 8192, 0);   // RTT 23 ms (to the segment 301:401)
    cs(0.300, 101, 1, ACK, 8192, 100); // spurious retransmission (already acked)
    sc(0.301, 1, 401, ACK, 8192, 0);   // duplicate ACK 3
    cs(0.400, 401, 1, ACK, 8192, 100);
    cs(0.700, 401, 1, ACK, 8192, 100); // retransmission (after a timeout)
    sc(0.710, 1, 501, ACK, 0, 0);      // zero window; RTT 310 ms (from the first copy)
    sc(0.900, 1, 501, ACK, 8192, 0);   // window update
    cs(0.950, 500, 1, ACK, 8192, 0);   // keep-alive
    sc(0.951, 1, 501, ACK, 8192, 0);   // keep-alive ACK
    cs(1.000, 501, 1, FIN | ACK, 8192, 0);
    sc(1.010, 1, 502, FIN | ACK, 8192, 0); // RTT 10 ms
    cs(1.020, 502, 2, ACK, 8192, 0);       // RTT 10 ms

    // IPv6: the server's window of 50 bytes is filled, then closed; the client probes it.
    auto v6 = [&](double t, bool fromClient, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win, size_t len) {
        w.Add(t, Ethernet(Ipv6(fromClient ? 1 : 2, fromClient ? 2 : 1, 6,
                               Tcp(fromClient ? 40001 : 80, fromClient ? 80 : 40001, seq, ack, flags, win, len)),
                          true));
    };
    v6(1.100, true, 100, 0, SYN, 4096, 0);
    v6(1.104, false, 900, 101, SYN | ACK, 50, 0);
    v6(1.108, true, 101, 901, ACK, 4096, 0);
    v6(1.110, true, 101, 901, ACK, 4096, 50); // window full
    v6(1.114, false, 901, 151, ACK, 0, 0);    // zero window
    v6(1.300, true, 151, 901, ACK, 4096, 1);  // zero window probe
    v6(1.304, false, 901, 151, ACK, 0, 0);    // zero window probe ACK (and zero window)

    // nslab UDP: sequence numbers 0 1 3 2 3 5: 4 lost, one duplicate, one reordered; latency 5 ms, once 7 ms.
    int i = 0;
    for (uint32_t seq : {0, 1, 3, 2, 3, 5})
    {
        double t = 2.0 + 0.01 * i++;
        int64_t sent = std::llround((t + 1) * 1e9) - (seq == 2 ? 7'000'000 : 5'000'000);
        w.Add(t, Ethernet(Ipv4(c, s, 17, Udp(50000, 6000, NslabPayload(seq, sent))), false));
    }

    // IPv4: datagram 100 in three fragments, all there; datagram 101 loses its middle one.
    std::string big = Udp(50001, 7000, std::string(3000, 'u')); // 3008 bytes
    for (uint16_t id : {100, 101})
    {
        for (uint32_t offset : {0u, 1480u, 2960u})
        {
            if (id == 101 && offset == 1480)
            {
                continue;
            }
            w.Add(3.0 + id * 0.01 + offset * 1e-6,
                  Ethernet(Ipv4(c, s, 17, big.substr(offset, 1480), id, offset, offset < 2960), false));
        }
    }
    // IPv6: datagram 7 in two fragments; datagram 8 in three, the middle one lost.
    std::string big6 = Udp(50002, 7001, std::string(2000, 'v')); // 2008 bytes
    w.Add(4.00, Ethernet(Ipv6Fragment(1, 2, 17, 7, 0, true, big6.substr(0, 1232)), true));
    w.Add(4.01, Ethernet(Ipv6Fragment(1, 2, 17, 7, 1232, false, big6.substr(1232)), true));
    w.Add(4.10, Ethernet(Ipv6Fragment(1, 2, 17, 8, 0, true, big6.substr(0, 800)), true));
    w.Add(4.12, Ethernet(Ipv6Fragment(1, 2, 17, 8, 1600, false, big6.substr(1600)), true));
    return w;
}

// ---------------------------------------------------------------- tshark side

const std::vector<std::string> kFlags = {
    "retransmission", "fast_retransmission", "spurious_retransmission", "out_of_order", "duplicate_ack",
    "lost_segment", "ack_lost_segment", "zero_window", "zero_window_probe", "zero_window_probe_ack",
    "window_full", "window_update", "keep_alive", "keep_alive_ack"};

/** What tshark says of a capture: frames per tcp.analysis flag, and the ack_rtt samples. */
struct TsharkCounts
{
    std::map<std::string, uint64_t> flags;
    uint64_t rttCount = 0;
    double rttSum = 0;
    std::set<std::string> initialRtts;
};

TsharkCounts
TsharkAnalysis(const std::string& pcap)
{
    std::string fields;
    for (const auto& f : kFlags)
    {
        fields += " -e tcp.analysis." + f;
    }
    std::string out = Shell("tshark -n -r " + pcap + " -Y tcp -T fields -E separator='|' -E occurrence=f" + fields +
                            " -e tcp.analysis.ack_rtt -e tcp.analysis.initial_rtt")
                          .out;
    TsharkCounts counts;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
    {
        std::vector<std::string> cells;
        std::istringstream cellStream(line);
        for (std::string cell; std::getline(cellStream, cell, '|');)
        {
            cells.push_back(cell);
        }
        cells.resize(kFlags.size() + 2);
        for (size_t i = 0; i < kFlags.size(); ++i)
        {
            counts.flags[kFlags[i]] += !cells[i].empty();
        }
        if (!cells[kFlags.size()].empty())
        {
            ++counts.rttCount;
            counts.rttSum += std::stod(cells[kFlags.size()]);
        }
        if (!cells[kFlags.size() + 1].empty())
        {
            counts.initialRtts.insert(cells[kFlags.size() + 1]);
        }
    }
    return counts;
}

/** The same numbers from nslab's report, summed over flows and directions. */
TsharkCounts
OurAnalysis(const TraceReport& report)
{
    TsharkCounts counts;
    nlohmann::json json = ReportJson(report);
    for (const auto& flow : json.at("flows"))
    {
        if (flow.at("protocol") != "TCP")
        {
            continue;
        }
        for (const char* dir : {"a_to_b", "b_to_a"})
        {
            for (const auto& f : kFlags)
            {
                counts.flags[f] += flow.at(dir).at("analysis").at(f).get<uint64_t>();
            }
            const auto& rtt = flow.at(dir).at("ack_rtt_s");
            counts.rttCount += rtt.at("count").get<uint64_t>();
            counts.rttSum += rtt.at("mean").get<double>() * rtt.at("count").get<double>();
        }
        if (!flow.at("initial_rtt_s").is_null())
        {
            char text[32];
            snprintf(text, sizeof text, "%.9f", flow.at("initial_rtt_s").get<double>());
            counts.initialRtts.insert(text);
        }
    }
    return counts;
}

void
ExpectSameAsTshark(const std::string& pcap)
{
    SCOPED_TRACE(pcap);
    TsharkCounts theirs = TsharkAnalysis(pcap);
    TsharkCounts ours = OurAnalysis(AnalyzeFile(pcap).report);
    for (const auto& f : kFlags)
    {
        EXPECT_EQ(ours.flags[f], theirs.flags[f]) << "tcp.analysis." << f;
    }
    EXPECT_EQ(ours.rttCount, theirs.rttCount) << "tcp.analysis.ack_rtt samples";
    EXPECT_NEAR(ours.rttSum, theirs.rttSum, 1e-6) << "sum of tcp.analysis.ack_rtt";
    EXPECT_EQ(ours.initialRtts, theirs.initialRtts) << "tcp.analysis.initial_rtt";
}

const Flow&
FlowOf(const TraceReport& r, uint16_t port)
{
    for (const Flow& f : r.flows)
    {
        if (f.b.port == port)
        {
            return f;
        }
    }
    throw std::runtime_error("no flow to port " + std::to_string(port));
}

// ---------------------------------------------------------------- the known capture, known answers

class KnownCaptureTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        KnownCapture().Write(m_dir / "known.pcap");
        m_trace = AnalyzeFile(m_dir / "known.pcap", TraceOptions{1});
    }
    TempDir m_dir;
    Trace m_trace;
};

TEST_F(KnownCaptureTest, FlowTable)
{
    const TraceReport& r = m_trace.report;
    EXPECT_EQ(r.linkType, "EN10MB");
    EXPECT_EQ(r.frames, 22u + 7 + 6 + 5 + 4);
    EXPECT_TRUE(r.warnings.empty());
    ASSERT_EQ(r.flows.size(), 5u); // TCP v4, TCP v6, nslab UDP, two reassembled UDP flows
    const Flow& tcp = r.flows[0];
    EXPECT_EQ(tcp.a.ToString(), "10.0.0.1:40000");
    EXPECT_EQ(tcp.b.ToString(), "10.0.0.2:80");
    EXPECT_EQ(tcp.ab.packets, 12u);
    EXPECT_EQ(tcp.ba.packets, 10u);
    EXPECT_EQ(tcp.ab.payload, 700u);   // 7 data segments of 100 bytes, 3 of them resent
    EXPECT_EQ(tcp.ab.uniquePayload, 500u); // sequence numbers 1..500
    EXPECT_EQ(tcp.ab.mss, 1460u);
    EXPECT_EQ(tcp.ba.mss, 1400u);
    EXPECT_NEAR(tcp.Duration(), 1.020, 1e-9);
    EXPECT_NEAR(tcp.Goodput(tcp.ab), 500 / 1.020, 1e-6);
    EXPECT_NEAR(tcp.initialRtt, kIrtt, 1e-9);
    EXPECT_TRUE(tcp.sawSyn && tcp.sawSynAck && tcp.sawFin && !tcp.sawRst);
    const Flow& v6 = r.flows[1];
    EXPECT_EQ(v6.a.ToString(), "[2001:db8::1]:40001");
    EXPECT_EQ(v6.b.ToString(), "[2001:db8::2]:80");
    EXPECT_EQ(v6.ab.uniquePayload, 50u);
    EXPECT_NEAR(v6.initialRtt, 0.008, 1e-9);
}

TEST_F(KnownCaptureTest, TcpFlagsOneOfEach)
{
    const Flow& tcp = m_trace.report.flows[0];
    const TcpFlags& c = tcp.ab.flags;
    EXPECT_EQ(c.lostSegment, 1u);
    EXPECT_EQ(c.fastRetransmission, 1u);
    EXPECT_EQ(c.spuriousRetransmission, 1u);
    EXPECT_EQ(c.retransmission, 3u); // fast, spurious and the timeout one, as tshark's filter counts them
    EXPECT_EQ(c.keepAlive, 1u);
    EXPECT_EQ(c.duplicateAck + c.zeroWindow + c.outOfOrder + c.windowUpdate, 0u);
    const TcpFlags& s = tcp.ba.flags;
    EXPECT_EQ(s.duplicateAck, 3u);
    EXPECT_EQ(s.zeroWindow, 1u);
    EXPECT_EQ(s.windowUpdate, 1u);
    EXPECT_EQ(s.keepAliveAck, 1u);
    EXPECT_EQ(s.retransmission + s.lostSegment, 0u);
    // RTT of the client's data: SYN 10, 10, 23, 310 (first copy), FIN 10 ms; of the server's: SYN-ACK 10, FIN 10.
    EXPECT_EQ(tcp.ab.ackRtt.count, 5u);
    EXPECT_NEAR(tcp.ab.ackRtt.min, 0.010, 1e-9);
    EXPECT_NEAR(tcp.ab.ackRtt.max, 0.310, 1e-9);
    EXPECT_NEAR(tcp.ab.ackRtt.sum, 0.363, 1e-9);
    EXPECT_EQ(tcp.ba.ackRtt.count, 2u);

    const Flow& v6 = m_trace.report.flows[1];
    EXPECT_EQ(v6.ab.flags.windowFull, 1u);
    EXPECT_EQ(v6.ab.flags.zeroWindowProbe, 1u);
    EXPECT_EQ(v6.ba.flags.zeroWindow, 2u);
    EXPECT_EQ(v6.ba.flags.zeroWindowProbeAck, 1u);
    EXPECT_EQ(v6.ba.flags.duplicateAck, 0u);
}

TEST_F(KnownCaptureTest, SameCountsAsTshark)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    ExpectSameAsTshark(m_dir / "known.pcap");
}

TEST_F(KnownCaptureTest, NslabUdpLossReorderLatency)
{
    const Flow& udp = FlowOf(m_trace.report, 6000);
    EXPECT_EQ(udp.protocol, Protocol::Udp);
    EXPECT_EQ(udp.ab.packets, 6u);
    EXPECT_EQ(udp.nslabAb.datagrams, 6u);
    EXPECT_EQ(udp.nslabAb.lost, 1u);       // 4
    EXPECT_EQ(udp.nslabAb.duplicates, 1u); // the second 3
    EXPECT_EQ(udp.nslabAb.reordered, 1u);  // 2 after 3
    EXPECT_NEAR(udp.nslabAb.latency.min, 0.005, 1e-9);
    EXPECT_NEAR(udp.nslabAb.latency.max, 0.007, 1e-9);
    EXPECT_EQ(udp.nslabBa.datagrams, 0u);
}

TEST_F(KnownCaptureTest, FragmentsReassembledAndIncomplete)
{
    const auto& frags = m_trace.report.fragmented;
    ASSERT_EQ(frags.size(), 4u);
    std::map<uint32_t, FragmentedDatagram> byId;
    for (const auto& d : frags)
    {
        byId[d.id] = d;
    }
    EXPECT_TRUE(byId[100].complete);
    EXPECT_EQ(byId[100].fragments, 3u);
    EXPECT_EQ(byId[100].length, 3008u);
    EXPECT_FALSE(byId[101].complete);
    EXPECT_EQ(byId[101].fragments, 2u);
    EXPECT_EQ(byId[101].missingBytes, 1480u);
    EXPECT_TRUE(byId[7].complete);
    EXPECT_EQ(byId[7].src.family, 6);
    EXPECT_EQ(byId[7].length, 2008u);
    EXPECT_FALSE(byId[8].complete);
    EXPECT_EQ(byId[8].missingBytes, 800u);
    // A reassembled datagram is one UDP packet of its flow; an incomplete one is none.
    EXPECT_EQ(FlowOf(m_trace.report, 7000).ab.packets, 1u);
    EXPECT_EQ(FlowOf(m_trace.report, 7000).ab.payload, 3000u);
    EXPECT_EQ(FlowOf(m_trace.report, 7001).ab.packets, 1u);
    if (HaveTshark())
    {
        std::string pcap = m_dir / "known.pcap";
        EXPECT_EQ(Lines(Shell("tshark -n -r " + pcap + " -Y 'ip.reassembled.length || ipv6.reassembled.length'").out),
                  2u);
    }
}

// The line of an incomplete datagram says which fragments the capture holds
// and which are missing, numbered by the fragments' size, at the capture time
// of its first fragment (the known capture's frames are at 1 s and later).
TEST_F(KnownCaptureTest, FragmentLinesSayWhichFragmentIsMissing)
{
    std::string text = ReportText(m_trace.report);
    EXPECT_NE(text.find("\n  10.0.0.1 -> 10.0.0.2 id=101 proto 17 at 5.010000 s: fragments 1 and 3 of 3 captured, "
                        "fragment 2 (offset 1480) missing; length 3008, 1480 bytes missing\n"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("\n  2001:db8::1 -> 2001:db8::2 id=8 proto 17 at 5.100000 s: fragments 1 and 3 of 3 captured, "
                        "fragment 2 (offset 800) missing; length 2008, 800 bytes missing\n"),
              std::string::npos)
        << text;
    nlohmann::json json = ReportJson(m_trace.report);
    for (const auto& d : json.at("fragmented"))
    {
        if (d.at("id") == 101)
        {
            EXPECT_EQ(d.at("missing_ranges"), nlohmann::json::parse(R"([{"offset": 1480, "bytes": 1480}])"));
            EXPECT_EQ(d.at("last_fragment_captured"), true);
            EXPECT_NEAR(d.at("first_s").get<double>(), 5.01, 1e-9);
        }
    }
}

/** \return the fragment line ReportText prints for a datagram of `length` bytes (0: last fragment not captured). */
std::string
FragmentLine(std::vector<std::pair<uint32_t, uint32_t>> captured, uint32_t length)
{
    TraceReport r;
    FragmentedDatagram d;
    d.src.bytes[0] = 10;
    d.dst.bytes[0] = 11;
    d.id = 7;
    d.protocol = 17;
    d.first = 2.5;
    d.lastSeen = length > 0;
    d.length = length;
    d.fragments = static_cast<uint32_t>(captured.size());
    uint32_t covered = 0, reach = 0;
    for (const auto& [begin, end] : captured)
    {
        covered += end - begin;
        reach = std::max(reach, end);
    }
    d.missingBytes = (length ? length : reach) - covered;
    d.captured = captured;
    r.fragmented.push_back(d);
    std::string text = ReportText(r);
    size_t at = text.find("  10.0.0.0 -> 11.0.0.0 id=7 proto 17 at 2.500000 s: ");
    return at == std::string::npos ? text : text.substr(at + 52, text.find('\n', at) - at - 52);
}

TEST(Fragments, TheLineNamesTheMissingFragments)
{
    // 1480-byte fragments of a 5928-byte datagram: 5 fragments, the last of 8 bytes.
    EXPECT_EQ(FragmentLine({{0, 1480}, {5920, 5928}}, 5928), "fragments 1 and 5 of 5 captured, fragments 2 to 4 "
                                                             "(offsets 1480 to 4440) missing; length 5928, 4440 bytes "
                                                             "missing");
    EXPECT_EQ(FragmentLine({{1480, 2960}, {5920, 5928}}, 5928),
              "fragments 2 and 5 of 5 captured, fragments 1 (offset 0), 3 (offset 2960) and 4 (offset 4440) missing; "
              "length 5928, 4440 bytes missing");
    EXPECT_EQ(FragmentLine({{0, 1480}, {2960, 4440}, {4440, 5920}, {5920, 5928}}, 5928),
              "fragments 1 and 3 to 5 of 5 captured, fragment 2 (offset 1480) missing; length 5928, 1480 bytes missing");
    EXPECT_EQ(FragmentLine({{0, 1480}, {1480, 2960}, {2960, 4440}}, 0),
              "fragments 1 to 3 captured, fragment 4 (offset 4440) and any after it missing; length unknown (its last "
              "fragment is missing)");
    EXPECT_EQ(FragmentLine({{1480, 2960}}, 0),
              "fragment 2 captured, fragments 1 (offset 0) and 3 (offset 2960) and any after it missing; length "
              "unknown (its last fragment is missing), 1480 bytes missing before byte 2960");
    // Only the last fragment: nothing says how the rest was cut. Fragments of
    // different sizes (cut again on the way): bytes, not numbers.
    EXPECT_EQ(FragmentLine({{2960, 3008}}, 3008),
              "fragment at offset 2960 captured, bytes 0 to 2959 missing; length 3008, 2960 bytes missing");
    EXPECT_EQ(FragmentLine({{0, 1480}, {1480, 2200}, {2960, 3008}}, 3008),
              "fragments at offsets 0, 1480 and 2960 captured, bytes 2200 to 2959 missing; length 3008, 760 bytes "
              "missing");
}

TEST_F(KnownCaptureTest, LadderShowsHandshakeLossesAndFin)
{
    const Flow& tcp = m_trace.report.flows[0];
    ASSERT_EQ(m_trace.segments.size(), 22u);
    std::string text = LadderText(tcp, m_trace.segments, 0);
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
    {
        lines.push_back(line);
    }
    ASSERT_EQ(lines.size(), 2u + 22);
    // Frame N is on line N + 1, after the title and the column heads.
    EXPECT_EQ(lines[2], "      1     1.000000  |------------------ SYN seq=0 win=8192 ----------------->|");
    EXPECT_EQ(lines[3], "      2     1.010000  |<------------ SYN,ACK seq=0 ack=1 win=8192 -------------|");
    EXPECT_EQ(lines[6], "      5     1.101000  |------------ ACK seq=201:301 ack=1 win=8192 ----------->|  "
                        "PREVIOUS SEGMENT NOT CAPTURED");
    EXPECT_EQ(lines[11], "     10     1.115000  |------------ ACK seq=101:201 ack=1 win=8192 ----------->|  "
                         "FAST RETRANSMISSION, resent in frame 12");
    EXPECT_NE(lines[13].find("SPURIOUS RETRANSMISSION"), std::string::npos) << lines[13];
    EXPECT_NE(lines[15].find("resent in frame 15"), std::string::npos) << lines[15];
    EXPECT_NE(lines[17].find("ZERO WINDOW"), std::string::npos) << lines[17];
    EXPECT_NE(lines[21].find("FIN,ACK seq=501 ack=1"), std::string::npos) << lines[21];
    std::string svg = LadderSvg(tcp, m_trace.segments, 0);
    EXPECT_EQ(svg.rfind("<svg", 0), 0u);
    EXPECT_EQ(Lines(svg), 8u + 22 * 3 + 12 /* notes */ + 1);
}

/** Every link layer gives the same report of the same packets, apart from frame bytes. */
class KnownCaptureOnLink : public ::testing::TestWithParam<Link>
{
};

TEST_P(KnownCaptureOnLink, SameAnalysisAsOnEthernet)
{
    auto withoutFrameBytes = [](nlohmann::json report) {
        for (auto& flow : report.at("flows"))
        {
            flow.at("a_to_b").erase("bytes");
            flow.at("b_to_a").erase("bytes");
        }
        return std::make_pair(report.at("flows"), report.at("fragmented"));
    };
    std::string bytes = KnownCapture().Bytes();
    Trace ethernet = AnalyzeBuffer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "ethernet");
    bytes = KnownCapture(GetParam()).Bytes();
    Trace other = AnalyzeBuffer(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "other");
    EXPECT_EQ(other.report.ipPackets, 44u);
    EXPECT_EQ(other.report.skipped + other.report.malformed, 0u);
    EXPECT_EQ(withoutFrameBytes(ReportJson(other.report)), withoutFrameBytes(ReportJson(ethernet.report)));
}

INSTANTIATE_TEST_SUITE_P(Links, KnownCaptureOnLink,
                         ::testing::Values(Link::Ppp, Link::RawIp, Link::LinuxCooked, Link::Radiotap),
                         [](const ::testing::TestParamInfo<Link>& info) {
                             switch (info.param)
                             {
                             case Link::Ppp:
                                 return "Ppp";
                             case Link::RawIp:
                                 return "RawIp";
                             case Link::LinuxCooked:
                                 return "LinuxCooked";
                             default:
                                 return "Radiotap";
                             }
                         });

/**
 * An 802.11 retry that the capture holds twice: tshark passes both copies to
 * TCP (the second is a TCP retransmission), and so does nslab analyze; the
 * lost-frame finder counts the packet once.
 */
TEST(WifiRetry, AnalysedAsTsharkDoesCountedOnceForLosses)
{
    TempDir dir;
    PcapWriter radio = KnownCapture(Link::Radiotap);
    radio.Repeat(3, 0.0001, [](std::string& frame) { frame[9 + 1] |= 0x08; }); // the 100-byte segment, retry bit
    radio.Write(dir / "radio.pcap");
    KnownCapture(Link::Ethernet).Write(dir / "wire.pcap");
    TraceReport report = AnalyzeFile(dir / "radio.pcap").report;
    EXPECT_EQ(report.ipPackets, 45u);
    EXPECT_EQ(report.flows.at(0).ab.flags.retransmission, 4u);
    if (HaveTshark())
    {
        ExpectSameAsTshark(dir / "radio.pcap");
    }
    EXPECT_TRUE(FindLostFrames(dir / "radio.pcap", dir / "wire.pcap").empty());
}

// ---------------------------------------------------------------- nslab's captures

/** One run of a shipped scenario, with overrides. */
struct ScenarioRun
{
    ScenarioRun(const std::string& scenario, const std::string& args)
    {
        outcome = Nslab("run " + Scenario(scenario) + " --quiet --out " + dir.Path() + " " + args);
    }
    std::string Pcap(const std::string& name) const { return dir / name; }
    TempDir dir;
    Outcome outcome;
};

TEST(NslabCaptures, SameTcpCountsAsTsharkOnLossyEthernetP2pAndWifi)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    ScenarioRun ethernet("tcp-vs-udp.ini", "--set link.lan.loss=5% --run 3");
    ASSERT_EQ(ethernet.outcome.status, 0) << ethernet.outcome.err;
    ScenarioRun p2p("socket-lesson.ini", "--set link.wire.loss=5%");
    ASSERT_EQ(p2p.outcome.status, 0) << p2p.outcome.err;
    ScenarioRun wifi("wifi-cell.ini", "");
    ASSERT_EQ(wifi.outcome.status, 0) << wifi.outcome.err;
    for (const auto& pcap : {ethernet.Pcap("alice-eth0.pcap"), ethernet.Pcap("bob-eth0.pcap"),
                             p2p.Pcap("alice-ppp0.pcap"), p2p.Pcap("bob-ppp0.pcap"), wifi.Pcap("bob-wlan0.pcap")})
    {
        ExpectSameAsTshark(pcap);
    }
    // The lossy runs really exercised the rules.
    TraceReport lossy = AnalyzeFile(ethernet.Pcap("bob-eth0.pcap")).report;
    EXPECT_GT(lossy.flows.at(0).ab.flags.retransmission, 10u);
    EXPECT_GT(lossy.flows.at(0).ab.flags.lostSegment, 5u);
    EXPECT_GT(lossy.flows.at(0).ba.flags.duplicateAck, 50u);
}

// ---------------------------------------------------------------- reading in place

/** \return every frame of a capture and how its reading ended, as PcapSource gives them. */
std::string
FramesOf(nslab::trace::detail::PcapSource& source)
{
    std::ostringstream out;
    for (nslab::trace::detail::Frame f; source.Next(f);)
    {
        out << f.number << " " << f.timeNs << " " << f.wireLength << " " << f.captured << " "
            << std::hash<std::string>()(std::string(reinterpret_cast<const char*>(f.data), f.captured)) << "\n";
    }
    return out.str() + "end: " + source.Error();
}

/** \return the same, read by libpcap alone (through a FILE, as tcpdump reads). */
std::string
FramesByLibpcap(const std::string& bytes)
{
    FILE* file = fmemopen(const_cast<char*>(bytes.data()), bytes.size(), "rb");
    char error[PCAP_ERRBUF_SIZE] = "";
    pcap_t* pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, error);
    if (!pcap)
    {
        fclose(file);
        return std::string("not opened: ") + error;
    }
    std::ostringstream out;
    pcap_pkthdr* h = nullptr;
    const u_char* data = nullptr;
    uint64_t n = 0;
    int status;
    while ((status = pcap_next_ex(pcap, &h, &data)) == 1)
    {
        int64_t ns = std::clamp<int64_t>(h->ts.tv_sec, 0, UINT32_MAX) * 1000000000 +
                     std::clamp<int64_t>(h->ts.tv_usec, 0, 999999999);
        out << ++n << " " << ns << " " << h->len << " " << h->caplen << " "
            << std::hash<std::string>()(std::string(reinterpret_cast<const char*>(data), h->caplen)) << "\n";
    }
    std::string end = status == PCAP_ERROR ? "frame " + std::to_string(n + 1) + ": " + pcap_geterr(pcap) : "";
    pcap_close(pcap);
    return out.str() + "end: " + end;
}

std::string
Mutated(std::string bytes, size_t offset, uint32_t value)
{
    std::memcpy(&bytes[offset], &value, sizeof value);
    return bytes;
}

// nslab's own captures (classic pcap, this machine's byte order) are read in
// place, not through libpcap's copies; every frame and every way a broken
// file ends must come out exactly as libpcap gives them.
TEST(PcapSource, ReadingInPlaceGivesWhatLibpcapGives)
{
    ScenarioRun run("tcp-vs-udp.ini", "--set duration=2s");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    std::string nslab = Slurp(run.Pcap("alice-eth0.pcap"));
    ASSERT_EQ(nslab.substr(0, 4), std::string("\xd4\xc3\xb2\xa1", 4)) << "microsecond pcap, little-endian";
    std::vector<std::pair<std::string, std::string>> captures{{"nslab", nslab}};
    for (const char* name : {"known-ethernet.pcap", "known-radiotap.pcap", "tvu-alice-eth0.pcap"})
    {
        captures.emplace_back(name, Slurp(std::string(NSLAB_SOURCE_DIR) + "/fuzz/corpus/" + name));
    }
    // Its first frames, cut at every 7th byte; records claiming more than the
    // snapshot length or the file holds; an older version; nanoseconds.
    std::string head = nslab.substr(0, 24);
    for (size_t at = 24, frames = 0; frames < 6; ++frames)
    {
        uint32_t caplen;
        std::memcpy(&caplen, &nslab[at + 8], 4);
        at += 16 + caplen;
        head = nslab.substr(0, at);
    }
    for (size_t cut = 24; cut < head.size(); cut += 7)
    {
        captures.emplace_back("cut at " + std::to_string(cut), head.substr(0, cut));
    }
    uint32_t first;
    std::memcpy(&first, &head[24 + 8], 4);
    size_t second = 24 + 16 + first; // the second record's header
    for (uint32_t caplen : {0u, 65535u, 65536u, 262144u, 262145u, 0xFFFFFFFFu})
    {
        captures.emplace_back("caplen " + std::to_string(caplen), Mutated(head, second + 8, caplen));
    }
    captures.emplace_back("snaplen 100", Mutated(head, 16, 100));
    captures.emplace_back("snaplen 0", Mutated(head, 16, 0));
    captures.emplace_back("version 2.3", Mutated(head, 4, 0x00030002));
    captures.emplace_back("nanoseconds", Mutated(head, 0, 0xA1B23C4D));
    captures.emplace_back("fraction 2e9", Mutated(head, 24 + 4, 2000000000u));
    captures.emplace_back("fraction 2e9 ns", Mutated(Mutated(head, 0, 0xA1B23C4D), 24 + 4, 2000000000u));
    for (const auto& [name, bytes] : captures)
    {
        SCOPED_TRACE(name);
        std::string expected = FramesByLibpcap(bytes);
        try
        {
            nslab::trace::detail::PcapSource memory(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), name);
            EXPECT_EQ(FramesOf(memory), expected);
            TempDir dir;
            std::ofstream(dir / "c.pcap", std::ios::binary) << bytes;
            nslab::trace::detail::PcapSource file(dir / "c.pcap", false);
            EXPECT_EQ(FramesOf(file), expected);
        }
        catch (const TraceInputError& e)
        {
            EXPECT_EQ(expected.rfind("not opened", 0), 0u) << e.what();
        }
    }
    EXPECT_GT(Occurrences(FramesByLibpcap(nslab), "\n"), 1000u);
}

TEST(NslabCaptures, LostFramesAreTheOnesTheReceiverNeverSaw)
{
    ScenarioRun run("tcp-vs-udp.ini", "--set link.lan.loss=5%");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    std::string alice = run.Pcap("alice-eth0.pcap"), bob = run.Pcap("bob-eth0.pcap");
    std::vector<LostFrame> lost = FindLostFrames(alice, bob);
    // Loss is drawn at the receiving interface: what alice sent and bob lacks, and the other way.
    uint64_t udpLost = 0, tcpFromAlice = 0, tcpFromBob = 0;
    for (const auto& l : lost)
    {
        bool udp = l.what.rfind("UDP 10.0.1.1:", 0) == 0 && l.what.find(":6000 ") != std::string::npos;
        udpLost += udp && l.inFirst;
        tcpFromAlice += l.inFirst && l.what.rfind("TCP 10.0.1.1:", 0) == 0;
        tcpFromBob += !l.inFirst && l.what.rfind("TCP 10.0.1.2:", 0) == 0;
        EXPECT_TRUE(udp || l.what.rfind("TCP", 0) == 0) << l.what;
    }
    nlohmann::json summary = ReadJson(run.dir / "summary.json");
    // The server counts datagrams sent too late to judge as unresolved, not lost.
    const auto& sink = App(summary, "voice-sink");
    EXPECT_EQ(udpLost, sink.at("packets_lost").get<uint64_t>() + sink.at("packets_unresolved").get<uint64_t>());
    EXPECT_GT(udpLost, 0u);
    // The UDP stream's nslab loss in bob's capture is the same count.
    EXPECT_EQ(FlowOf(AnalyzeFile(bob).report, 6000).nslabAb.lost, udpLost);
    if (HaveTshark())
    {
        auto count = [](const std::string& pcap, const std::string& filter) {
            return Lines(Shell("tshark -n -r " + pcap + " -Y '" + filter + "'").out);
        };
        EXPECT_EQ(tcpFromAlice, count(alice, "tcp && ip.src == 10.0.1.1") - count(bob, "tcp && ip.src == 10.0.1.1"));
        EXPECT_EQ(tcpFromBob, count(bob, "tcp && ip.src == 10.0.1.2") - count(alice, "tcp && ip.src == 10.0.1.2"));
    }
    EXPECT_GT(tcpFromAlice, 0u);
    // The run's drops.csv says why: every one of them was the cable's random loss, at its receiver.
    EXPECT_EQ(ExplainLost(lost, run.dir / "drops.csv"), lost.size());
    for (const auto& l : lost)
    {
        EXPECT_EQ(l.cause, std::string("random at ") + (l.inFirst ? "bob" : "alice")) << l.what;
    }
    auto text = Shell(std::string(NSLAB_BIN) + " analyze " + alice + " " + bob + " --lost").out;
    EXPECT_EQ(Occurrences(text, " [dropped: random at bob]\n"), tcpFromAlice + udpLost);
}

// ---------------------------------------------------------------- the command line

std::string
Analyze(const std::string& args)
{
    return std::string(NSLAB_BIN) + " analyze " + args;
}

TEST(AnalyzeCli, BadInputExitsTwoWithFileAndMessage)
{
    TempDir dir;
    Outcome missing = Shell(Analyze(dir / "none.pcap"));
    EXPECT_EQ(missing.status, 2);
    EXPECT_EQ(missing.err, (dir / "none.pcap") + ": No such file or directory\n");
    std::ofstream(dir / "text.pcap") << "hello, not a capture\n";
    Outcome text = Shell(Analyze(dir / "text.pcap"));
    EXPECT_EQ(text.status, 2);
    EXPECT_EQ(text.err, (dir / "text.pcap") + ": unknown file format\n");
    PcapWriter usb(189); // USB_LINUX
    usb.Add(0, "xxxx");
    usb.Write(dir / "usb.pcap");
    Outcome link = Shell(Analyze(dir / "usb.pcap"));
    EXPECT_EQ(link.status, 2);
    EXPECT_EQ(link.err, (dir / "usb.pcap") + ": unsupported link type USB_LINUX (supported: Ethernet, PPP, raw IP, "
                                              "Linux cooked, loopback, 802.11, radiotap)\n");
    Outcome noFile = Shell(Analyze(""));
    EXPECT_EQ(noFile.status, 2);
    EXPECT_EQ(noFile.err, "nslab analyze: missing PCAP (see 'nslab analyze --help')\n");
}

TEST(AnalyzeCli, TruncatedCaptureGivesPartialResultAndWarning)
{
    TempDir dir;
    std::string bytes = KnownCapture().Bytes();
    // Cut 30 bytes into the 4th frame's data: a 24-byte file header, then SYN and SYN-ACK of
    // 16 + 58 bytes (MSS option) and an ACK of 16 + 54.
    std::ofstream(dir / "cut.pcap", std::ios::binary) << bytes.substr(0, 24 + 2 * (16 + 58) + (16 + 54) + 16 + 30);
    Outcome o = Shell(Analyze((dir / "cut.pcap") + " --json"));
    EXPECT_EQ(o.status, 0) << o.err;
    EXPECT_NE(o.err.find((dir / "cut.pcap") + ": frame 4: truncated dump file"), std::string::npos) << o.err;
    EXPECT_NE(o.err.find("the report covers the frames before it (warning)"), std::string::npos) << o.err;
    nlohmann::json j = nlohmann::json::parse(o.out);
    EXPECT_EQ(j.at("captures").at(0).at("frames"), 3);
    EXPECT_EQ(j.at("captures").at(0).at("flows").at(0).at("a_to_b").at("packets"), 2);
}

TEST(AnalyzeCli, HelpTablesJsonLadderAndPlot)
{
    TempDir dir;
    KnownCapture().Write(dir / "known.pcap");
    Outcome help = Shell(Analyze("--help"));
    EXPECT_EQ(help.status, 0);
    EXPECT_NE(help.out.find("examples:\n  nslab analyze results/tcp-vs-udp/alice-eth0.pcap"), std::string::npos);

    Outcome text = Shell(Analyze(dir / "known.pcap"));
    EXPECT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("   1 TCP  10.0.0.1:40000           10.0.0.2:80"), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("IP fragments: 4 datagrams in fragments, 2 reassembled, 2 incomplete"), std::string::npos);

    Outcome json = Shell(Analyze((dir / "known.pcap") + " --json --ladder :40000 --out " + (dir / "out")));
    ASSERT_EQ(json.status, 0) << json.err;
    nlohmann::json j = nlohmann::json::parse(json.out);
    const auto& capture = j.at("captures").at(0);
    EXPECT_EQ(capture.at("flows").size(), 5u);
    EXPECT_EQ(capture.at("ladder").at("flow"), 1);
    EXPECT_EQ(capture.at("ladder").at("segments").size(), 22u);
    EXPECT_EQ(capture.at("ladder").at("segments").at(9).at("analysis"), "FAST RETRANSMISSION");
    EXPECT_TRUE(std::filesystem::exists(dir / "out/known.flow1.ladder.svg"));

    Outcome plot = Shell(Analyze((dir / "known.pcap") + " --plot 1 --out " + (dir / "out")));
    ASSERT_EQ(plot.status, 0) << plot.err;
    for (const char* ext : {"png", "svg", "gp"})
    {
        std::string file = dir / (std::string("out/known.flow1.tsg.") + ext);
        EXPECT_GT(std::filesystem::file_size(file), 1000u) << file;
    }
    EXPECT_EQ(Lines(Slurp(dir / "out/known.flow1.tsg.data.dat")), 1u + 7); // header and 7 data segments
}

/** A capture of one IPv4 TCP flow 10.0.0.1:40000 -> 10.0.0.2:80: the first `count` of SYN, SYN-ACK, ACK. */
PcapWriter
Handshake(int count)
{
    g_link = Link::Ethernet;
    PcapWriter w(static_cast<uint32_t>(Link::Ethernet));
    const std::string c = "10.0.0.1", s = "10.0.0.2";
    std::vector<std::string> frames{Ipv4(c, s, 6, Tcp(40000, 80, 1000, 0, SYN, 8192, 0, 1460)),
                                    Ipv4(s, c, 6, Tcp(80, 40000, 5000, 1001, SYN | ACK, 8192, 0, 1460)),
                                    Ipv4(c, s, 6, Tcp(40000, 80, 1001, 5001, ACK, 8192, 0))};
    for (int i = 0; i < count; ++i)
    {
        w.Add(0.01 * i, Ethernet(frames[i], false));
    }
    return w;
}

TEST(AnalyzeCli, PlotOfAFlowWithoutDataExitsTwoAndWritesNothing)
{
    TempDir dir;
    for (int frames : {1, 3})
    {
        std::string pcap = dir / ("hs" + std::to_string(frames) + ".pcap");
        Handshake(frames).Write(pcap);
        // With --ladder too: the ladder, asked first, is not written either.
        Outcome o = Shell(Analyze(pcap + " --ladder --plot 1 --out " + (dir / "out")));
        EXPECT_EQ(o.status, 2) << o.err;
        EXPECT_EQ(o.err, pcap + ": --plot: TCP flow 1 carried no data (" +
                             (frames == 1 ? "1 segment" : "3 segments") + " without payload): nothing to plot\n");
        EXPECT_EQ(o.out, "");
        EXPECT_FALSE(std::filesystem::exists(dir / "out")) << "no file for a request that cannot be met";
    }
}

TEST(AnalyzeCli, NegativeRowsIsBadInput)
{
    TempDir dir;
    KnownCapture().Write(dir / "known.pcap");
    for (const char* rows : {"-1", "-60"})
    {
        Outcome o = Shell(Analyze((dir / "known.pcap") + " --ladder --rows " + rows));
        EXPECT_EQ(o.status, 2) << rows;
        EXPECT_EQ(o.err, std::string("nslab analyze: --rows must be 0 (all) or more, got ") + rows + "\n");
        EXPECT_EQ(o.out, "");
    }
    Outcome all = Shell(Analyze((dir / "known.pcap") + " --ladder --rows 0 --out " + (dir / "out")));
    EXPECT_EQ(all.status, 0) << all.err;
}

// ---------------------------------------------------------------- every printed time is the capture's

/** What tshark says of one frame. */
struct TsharkFrame
{
    double time = 0;         //!< frame.time_epoch
    std::string src, dst;    //!< ip.src / ipv6.src, ip.dst / ipv6.dst
    std::string protocol;    //!< "TCP", "UDP" where tshark dissects that header (a reassembled datagram's last fragment), else ""
    unsigned sport = 0, dport = 0;
    long fragmentId = -1;    //!< IPv4 id of a fragment (more fragments or an offset), IPv6 fragment header id
    unsigned ipProtocol = 0; //!< ip.proto or the fragment header's next header
};

/** \return every frame of a capture as tshark reads it, index = frame number - 1. */
std::vector<TsharkFrame>
TsharkFrames(const std::string& pcap)
{
    std::string out = Shell("tshark -n -r " + pcap + " -T fields -E separator='|' -E occurrence=f" +
                            " -e frame.time_epoch -e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport" +
                            " -e tcp.dstport -e udp.srcport -e udp.dstport -e ip.id -e ip.flags.mf" +
                            " -e ip.frag_offset -e ipv6.fraghdr.ident -e ip.proto -e ipv6.fraghdr.nxt")
                          .out;
    std::vector<TsharkFrame> frames;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
    {
        std::vector<std::string> c;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, '|');)
        {
            c.push_back(cell);
        }
        c.resize(15);
        TsharkFrame f;
        f.time = std::stod(c[0]);
        f.src = c[1].empty() ? c[2] : c[1];
        f.dst = c[3].empty() ? c[4] : c[3];
        bool tcp = !c[5].empty(), udp = !c[7].empty();
        f.protocol = tcp ? "TCP" : udp ? "UDP" : "";
        f.sport = tcp ? std::stoul(c[5]) : udp ? std::stoul(c[7]) : 0;
        f.dport = tcp ? std::stoul(c[6]) : udp ? std::stoul(c[8]) : 0;
        bool v4Fragment = c[10] == "1" || c[10] == "True" || (!c[11].empty() && std::stoul(c[11]) > 0);
        f.fragmentId = v4Fragment ? std::stol(c[9], nullptr, 0) : !c[12].empty() ? std::stol(c[12], nullptr, 0) : -1;
        f.ipProtocol = !c[14].empty() ? std::stoul(c[14]) : !c[13].empty() ? std::stoul(c[13]) : 0;
        frames.push_back(f);
    }
    return frames;
}

/** "10.0.0.1:40000" or "[2001:db8::1]:40001" as an address and a port. */
std::pair<std::string, unsigned>
SplitEndpoint(const std::string& endpoint)
{
    size_t colon = endpoint.rfind(':');
    std::string address = endpoint.substr(0, colon);
    if (!address.empty() && address.front() == '[')
    {
        address = address.substr(1, address.size() - 2);
    }
    return {address, static_cast<unsigned>(std::stoul(endpoint.substr(colon + 1)))};
}

/** How many printed times of each kind were checked. */
struct CheckedTimes
{
    size_t spans = 0, flows = 0, fragments = 0, ladder = 0, lost = 0;
};

/**
 * Check every time nslab analyze printed (the capture's first and last frame,
 * each flow's start, each incomplete datagram's first fragment, each ladder
 * row, each lost frame) against tshark's frame.time_epoch of that frame.
 */
CheckedTimes
ExpectPrintedTimesAreTsharks(const std::string& text, const std::vector<std::string>& captures)
{
    std::vector<std::vector<TsharkFrame>> frames;
    for (const auto& pcap : captures)
    {
        frames.push_back(TsharkFrames(pcap));
    }
    const std::regex header(R"(^(\S+): \S+, \d+ frames \(.*\), (\d+\.\d{6}) s to (\d+\.\d{6}) s \(\d+\.\d{6} s\)$)");
    const std::regex flow(R"(^ +\d+ (TCP|UDP) +(\S+) +(\S+) +.* (\d+\.\d{6}) +\d+\.\d{3} +\S+ +\S+$)");
    const std::regex fragment(R"(^  (\S+) -> (\S+) id=(\d+) proto (\d+) at (\d+\.\d{6}) s: )");
    const std::regex ladder(R"(^ +(\d+) +(\d+\.\d{6})  [|])");
    const std::regex lost(R"(^  (first |second) frame (\d+) at (\d+\.\d{6}) s: )");
    CheckedTimes checked;
    size_t capture = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
    {
        SCOPED_TRACE(line);
        std::smatch m;
        if (std::regex_match(line, m, header))
        {
            capture = std::find(captures.begin(), captures.end(), m[1].str()) - captures.begin();
            EXPECT_LT(capture, captures.size());
            EXPECT_NEAR(std::stod(m[2]), frames.at(capture).front().time, 1e-6);
            EXPECT_NEAR(std::stod(m[3]), frames.at(capture).back().time, 1e-6);
            ++checked.spans;
        }
        else if (std::regex_search(line, m, flow))
        {
            auto [a, aPort] = SplitEndpoint(m[2]);
            auto [b, bPort] = SplitEndpoint(m[3]);
            auto first = std::find_if(frames.at(capture).begin(), frames.at(capture).end(), [&](const TsharkFrame& f) {
                return f.protocol == m[1].str() && ((f.src == a && f.sport == aPort && f.dst == b && f.dport == bPort) ||
                                                    (f.src == b && f.sport == bPort && f.dst == a && f.dport == aPort));
            });
            if (first == frames.at(capture).end())
            {
                ADD_FAILURE() << "tshark has no packet of this flow";
                continue;
            }
            EXPECT_NEAR(std::stod(m[4]), first->time, 1e-6) << "the flow's first packet";
            ++checked.flows;
        }
        else if (std::regex_search(line, m, fragment))
        {
            auto first = std::find_if(frames.at(capture).begin(), frames.at(capture).end(), [&](const TsharkFrame& f) {
                return f.fragmentId == std::stol(m[3]) && f.ipProtocol == std::stoul(m[4]) && f.src == m[1].str() &&
                       f.dst == m[2].str();
            });
            if (first == frames.at(capture).end())
            {
                ADD_FAILURE() << "tshark has no fragment of this datagram";
                continue;
            }
            EXPECT_NEAR(std::stod(m[5]), first->time, 1e-6) << "the datagram's first fragment";
            ++checked.fragments;
        }
        else if (std::regex_search(line, m, ladder))
        {
            EXPECT_NEAR(std::stod(m[2]), frames.at(capture).at(std::stoul(m[1]) - 1).time, 1e-6);
            ++checked.ladder;
        }
        else if (std::regex_search(line, m, lost))
        {
            size_t holder = m[1].str() == "first " ? 0 : 1;
            EXPECT_NEAR(std::stod(m[3]), frames.at(holder).at(std::stoul(m[2]) - 1).time, 1e-6);
            ++checked.lost;
        }
    }
    return checked;
}

// The known capture starts at 1 s: a time from its first frame would be 1 s off.
TEST(AnalyzeTimes, EveryPrintedTimeIsTsharksFrameTime)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    TempDir dir;
    PcapWriter known = KnownCapture();
    known.Write(dir / "known.pcap");
    known.Erase(36); // the IPv4 fragment at offset 2960 of datagram 100: incomplete at the far end
    known.Erase(5);  // the segment 301:401
    known.Write(dir / "far.pcap");
    Outcome o = Shell(Analyze((dir / "known.pcap") + " " + (dir / "far.pcap") + " --lost --ladder 1 --rows 0 --out " +
                              (dir / "out")));
    ASSERT_EQ(o.status, 0) << o.err;
    CheckedTimes checked = ExpectPrintedTimesAreTsharks(o.out, {dir / "known.pcap", dir / "far.pcap"});
    EXPECT_EQ(checked.spans, 2u);
    EXPECT_EQ(checked.flows, 5u + 4); // far.pcap lacks the fragment that completes datagram 100 (port 7000)
    EXPECT_EQ(checked.fragments, 2u + 3);
    EXPECT_EQ(checked.ladder, 22u + 21);
    EXPECT_EQ(checked.lost, 2u);
    // The time-sequence graph's data segments at their capture times, too.
    ASSERT_EQ(Shell(Analyze((dir / "known.pcap") + " --plot 1 --out " + (dir / "out"))).status, 0);
    std::vector<TsharkFrame> frames = TsharkFrames(dir / "known.pcap");
    std::istringstream data(Slurp(dir / "out/known.flow1.tsg.data.dat"));
    std::string line;
    std::getline(data, line);
    std::vector<double> times, expected;
    for (double t = 0; data >> t >> line >> line >> line;)
    {
        times.push_back(t);
    }
    for (double t : {0.100, 0.101, 0.102, 0.115, 0.300, 0.400, 0.700})
    {
        expected.push_back(1 + t);
    }
    ASSERT_EQ(times.size(), expected.size());
    for (size_t i = 0; i < times.size(); ++i)
    {
        EXPECT_NEAR(times[i], expected[i], 1e-9);
    }
    std::string gp = Slurp(dir / "out/known.flow1.tsg.gp");
    EXPECT_NE(gp.find("set xlabel 'time (s), as in the capture'\nset xrange [1:2.1]\n"), std::string::npos) << gp;
    // 100 ms bins from time 0; the last row closes the last bin, 2.0-2.1 s (the FIN at 2.0 s).
    std::string rate = Slurp(dir / "out/known.flow1.tsg.rate.dat");
    EXPECT_EQ(rate.substr(rate.find('\n') + 1, 12), "1.000000000 ");
    EXPECT_NE(rate.find("\n2.000000000 0.000000000 0.000000000\n2.100000000 0.000000000 0.000000000\n"),
              std::string::npos)
        << rate;
}

// nslab's captures carry simulated time: the analysis prints it as tshark
// reads it, and the throughput of a time-sequence graph falls in the same
// 100 ms bins as the tcp-client's own throughput series.
TEST(AnalyzeTimes, NslabCapturesInSimulatedTime)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    ScenarioRun run("fragmentation.ini", "--set duration=3s");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    std::string alice = run.Pcap("alice-eth0.pcap"), bob = run.Pcap("bob-eth0.pcap");
    Outcome o = Shell(Analyze(alice + " " + bob + " --lost --ladder :5000 --rows 0 --plot :5000 --out " +
                              (run.dir / "out")));
    ASSERT_EQ(o.status, 0) << o.err;
    CheckedTimes checked = ExpectPrintedTimesAreTsharks(o.out, {alice, bob});
    EXPECT_EQ(checked.spans, 2u);
    EXPECT_EQ(checked.flows, 6u);
    EXPECT_GT(checked.fragments, 5u);
    EXPECT_GT(checked.ladder, 1000u);
    EXPECT_GT(checked.lost, 50u);
    // Acknowledged data per bin, from alice's capture, is file.throughput.csv.
    std::map<std::string, double> acked;
    std::istringstream csv(Slurp(run.dir / "file.throughput.csv"));
    std::string line;
    std::getline(csv, line);
    while (std::getline(csv, line))
    {
        acked[line.substr(0, line.find(','))] = std::stod(line.substr(line.rfind(',') + 1)) / 1e6;
    }
    std::istringstream rate(Slurp(run.dir / "out/alice-eth0.flow3.tsg.rate.dat"));
    std::getline(rate, line);
    std::vector<std::pair<double, double>> rows;
    for (double t, sent, ack; rate >> t >> sent >> ack;)
    {
        rows.emplace_back(t, ack);
    }
    ASSERT_GT(rows.size(), 1u);
    // The last row closes the last bin: its end, with the last bin's rates.
    EXPECT_NEAR(rows.back().first, rows[rows.size() - 2].first + 0.1, 1e-9);
    EXPECT_EQ(rows.back().second, rows[rows.size() - 2].second);
    rows.pop_back();
    size_t bins = 0;
    double total = 0;
    for (const auto& [t, ack] : rows)
    {
        char key[32];
        std::snprintf(key, sizeof key, "%g", std::round(t * 10) / 10);
        ASSERT_TRUE(acked.count(key)) << key;
        EXPECT_NEAR(ack, acked[key], 1e-9) << key;
        total += ack;
        ++bins;
    }
    EXPECT_GT(bins, 2u);
    EXPECT_GT(total, 0);
}

} // namespace
