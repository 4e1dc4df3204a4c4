// Frames lost between two captures of one link: every IP packet is reduced
// to a 64-bit hash of its bytes (link headers differ between the ends, the IP
// packet does not); the packets one capture holds and the other lacks, by
// count, are the losses in one direction or the other. An 802.11 retry that
// a capture holds twice is counted once.
#include "io.h"
#include "packet-decode.h"
#include "pcap-source.h"
#include "trace.h"

#include <algorithm>
#include <sstream>
#include <unordered_map>

namespace nslab::trace
{

namespace
{

using namespace detail;

/** What identifies a packet and what names it in the report. */
struct PacketId
{
    uint64_t hash = 0;
    uint64_t frame = 0;
    int64_t timeNs = 0;
    uint32_t wireLength = 0;
    Address src, dst;
    uint8_t protocol = 0;
    uint16_t srcPort = 0, dstPort = 0;
    uint32_t seq = 0, ack = 0, length = 0;
    uint8_t tcpFlags = 0;
    bool fragment = false, nslab = false;
    uint32_t nslabSeq = 0, fragmentOffset = 0, fragmentId = 0;
};

void
NameTransport(const IpPacket& ip, PacketId& id)
{
    if (ip.fragment && ip.fragmentOffset > 0)
    {
        return;
    }
    TcpHeader tcp;
    UdpHeader udp;
    NslabHeader nslab;
    if (ip.protocol == 6 && DecodeTcp(ip.payload, ip.payloadLength, ip.payloadCaptured, tcp))
    {
        id.srcPort = tcp.srcPort;
        id.dstPort = tcp.dstPort;
        id.seq = tcp.seq;
        id.ack = tcp.ack;
        id.length = tcp.payloadLength;
        id.tcpFlags = tcp.flags;
    }
    else if (ip.protocol == 17 && DecodeUdp(ip.payload, ip.payloadLength, ip.payloadCaptured, udp))
    {
        id.srcPort = udp.srcPort;
        id.dstPort = udp.dstPort;
        id.length = udp.payloadLength;
        id.nslab = DecodeNslab(udp.payload, udp.payloadCaptured, nslab);
        id.nslabSeq = nslab.seq;
    }
}

/** \return what identifies an IP packet and names it, from its headers. */
PacketId
IdOf(const IpPacket& ip)
{
    PacketId id;
    // The first 128 bytes and the length: the IP and transport headers, whose checksums cover the rest.
    id.hash = Hash64(ip.header, std::min<uint32_t>(ip.captured, 128), ip.captured);
    id.src = ip.src;
    id.dst = ip.dst;
    id.protocol = ip.protocol;
    id.fragment = ip.fragment;
    id.fragmentOffset = ip.fragmentOffset;
    id.fragmentId = ip.fragmentId;
    NameTransport(ip, id);
    return id;
}

/** \return a packet as the report shows it (a later fragment has no ports: NameTransport left them 0). */
CapturedPacket
PacketOf(const PacketId& id)
{
    return {id.frame,
            id.timeNs,
            id.hash,
            id.wireLength,
            id.src,
            id.dst,
            id.protocol,
            id.srcPort,
            id.dstPort,
            id.seq,
            id.ack,
            id.length,
            id.tcpFlags,
            id.nslab ? int64_t{id.nslabSeq} : -1,
            id.fragment ? int64_t{id.fragmentOffset} : -1};
}

/** \return the next IP packet of a capture as a PacketId (false at its end). */
bool
NextId(PcapSource& source, WifiRetries& retries, PacketId& id)
{
    for (Frame frame; source.Next(frame);)
    {
        NetworkLayer net;
        IpPacket ip;
        if (!FindNetworkLayer(source.LinkType(), frame.data, frame.captured, &retries, net) ||
            !DecodeIp(net.data, net.length, ip))
        {
            continue;
        }
        id = IdOf(ip);
        id.frame = frame.number;
        id.timeNs = frame.timeNs;
        id.wireLength = frame.wireLength;
        return true;
    }
    return false;
}

std::vector<PacketId>
ReadIds(const std::string& path, std::vector<std::string>* warnings)
{
    PcapSource source(path);
    WifiRetries retries;
    std::vector<PacketId> ids;
    for (PacketId id; NextId(source, retries, id);)
    {
        ids.push_back(id);
    }
    if (!source.Error().empty() && warnings)
    {
        warnings->push_back(path + ": " + source.Error() + "; frames after it are not compared");
    }
    return ids;
}

/** \return whether a packet's ends have ports: TCP and UDP, but not a later fragment (no transport header). */
bool
HasPorts(const PacketId& id)
{
    return (id.protocol == 6 || id.protocol == 17) && !(id.fragment && id.fragmentOffset > 0);
}

std::string
Describe(const PacketId& id)
{
    std::ostringstream s;
    const char* protocol = id.protocol == 6 ? "TCP" : id.protocol == 17 ? "UDP" : "IP";
    bool ports = HasPorts(id);
    s << protocol << " " << (ports ? Endpoint{id.src, id.srcPort}.ToString() : id.src.ToString()) << " -> "
      << (ports ? Endpoint{id.dst, id.dstPort}.ToString() : id.dst.ToString());
    if (id.protocol == 6 && ports)
    {
        s << " seq=" << id.seq << " len=" << id.length << ((id.tcpFlags & kAck) ? " ack=" + std::to_string(id.ack) : "");
        static const char* names[] = {"FIN", "SYN", "RST", "PSH", "ACK"};
        for (int bit = 0; bit < 5; ++bit)
        {
            s << ((id.tcpFlags >> bit) & 1 ? std::string(" ") + names[bit] : "");
        }
    }
    else if (id.protocol == 17 && ports)
    {
        s << " len=" << id.length << (id.nslab ? " nslab seq=" + std::to_string(id.nslabSeq) : "");
    }
    if (id.fragment)
    {
        s << " (fragment id=" << id.fragmentId << " offset=" << id.fragmentOffset << ")";
    }
    return s.str();
}

/** Packets of `from` that `other` does not hold as many times. */
void
Unmatched(const std::vector<PacketId>& from, const std::vector<PacketId>& other, bool inFirst,
          std::vector<LostFrame>& lost)
{
    std::unordered_map<uint64_t, uint32_t> count;
    count.reserve(other.size());
    for (const auto& id : other)
    {
        ++count[id.hash];
    }
    for (const auto& id : from)
    {
        auto it = count.find(id.hash);
        if (it != count.end() && it->second > 0)
        {
            --it->second;
            continue;
        }
        // Its ends and numbers as drops.csv words a dropped frame's (DescribeBytes), for ExplainLost.
        CapturedPacket p = PacketOf(id);
        lost.push_back({id.frame, id.timeNs * 1e-9, inFirst, Describe(id), Endpoint{p.src, p.srcPort}.ToStringOrAddress(),
                        Endpoint{p.dst, p.dstPort}.ToStringOrAddress(), p.protocol == 6 && p.srcPort ? int64_t{p.seq} : -1,
                        p.nslabSeq, ""});
    }
}

} // namespace

bool
DescribeBytes(const uint8_t* data, size_t size, CapturedPacket& out)
{
    constexpr int kEthernet = 1, kPpp = 9, kWifi = 105;
    auto u16 = [&](size_t at) { return size >= at + 2 ? Be16(data + at) : 0; };
    NetworkLayer net;
    IpPacket ip;
    bool found = false;
    auto tryIp = [&](const uint8_t* at, size_t length) { return !found && (found = DecodeIp(at, length, ip)); };
    auto tryLink = [&](int dlt, size_t offset) {
        return !found && size > offset && FindNetworkLayer(dlt, data + offset, size - offset, nullptr, net) &&
               tryIp(net.data, net.length);
    };
    uint8_t version = size ? data[0] >> 4 : 0;
    if (version == 4 || version == 6)
    {
        tryIp(data, size);
    }
    if (u16(12) == 0x0800 || u16(12) == 0x86DD)
    {
        tryLink(kEthernet, 0);
    }
    if (u16(0) == 0x0021 || u16(0) == 0x0057)
    {
        tryLink(kPpp, 0);
    }
    if (size > 8 && data[0] == 0xAA && data[1] == 0xAA && data[2] == 0x03)
    {
        tryIp(data + 8, size - 8); // an MSDU: LLC/SNAP, then the packet
    }
    tryLink(kWifi, 0);
    tryLink(kWifi, 4); // an A-MPDU subframe: its delimiter first
    if (!found)
    {
        return false;
    }
    out = PacketOf(IdOf(ip));
    return true;
}

struct PacketReader::State
{
    // Mapped page by page, as read: a reader of many captures often reads only their start.
    explicit State(const std::string& path) : source(path, false) {}
    PcapSource source;
    WifiRetries retries;
};

PacketReader::PacketReader(const std::string& path) : m_state(std::make_unique<State>(path)) {}
PacketReader::~PacketReader() = default;
PacketReader::PacketReader(PacketReader&&) noexcept = default;

bool
PacketReader::Next(CapturedPacket& packet)
{
    PacketId id;
    if (!NextId(m_state->source, m_state->retries, id))
    {
        return false;
    }
    packet = PacketOf(id);
    return true;
}

std::string
PacketReader::Error() const
{
    return m_state->source.Error();
}

size_t
ExplainLost(std::vector<LostFrame>& lost, const std::string& dropsCsv)
{
    struct Row
    {
        double time;
        std::string cause;
        bool taken = false;
    };
    std::string error;
    std::string text = ReadText(dropsCsv, error);
    if (!error.empty())
    {
        return 0;
    }
    // The rows of each frame (its ends and sequence numbers), in the file's time order.
    auto key = [](const std::string& source, const std::string& destination, const std::string& tcpSeq,
                  const std::string& nslabSeq) { return source + ' ' + destination + ' ' + tcpSeq + ' ' + nslabSeq; };
    std::unordered_map<std::string, std::vector<Row>> rows;
    std::istringstream lines(text);
    std::string line;
    std::getline(lines, line); // time_s,link,direction,node,interface,cause,protocol,source,destination,tcp_seq,tcp_len,nslab_seq
    while (std::getline(lines, line))
    {
        std::vector<std::string> f = CsvCells(line);
        if (f.size() >= 12)
        {
            rows[key(f[7], f[8], f[9], f[11])].push_back({std::strtod(f[0].c_str(), nullptr), f[5] + " at " + f[3]});
        }
    }
    size_t explained = 0;
    auto number = [](int64_t v) { return v < 0 ? std::string() : std::to_string(v); };
    for (auto& l : lost)
    {
        auto same = rows.find(key(l.source, l.destination, number(l.tcpSeq), number(l.nslabSeq)));
        if (same == rows.end())
        {
            continue;
        }
        // The first row not yet taken, dropped no earlier than the frame was captured.
        for (auto& r : same->second)
        {
            if (!r.taken && r.time + 1e-9 >= l.time)
            {
                r.taken = true;
                l.cause = r.cause;
                ++explained;
                break;
            }
        }
    }
    return explained;
}

std::vector<LostFrame>
FindLostFrames(const std::string& first, const std::string& second, std::vector<std::string>* warnings)
{
    std::vector<PacketId> a = ReadIds(first, warnings);
    std::vector<PacketId> b = ReadIds(second, warnings);
    std::vector<LostFrame> lost;
    Unmatched(a, b, true, lost);
    Unmatched(b, a, false, lost);
    return lost;
}

} // namespace nslab::trace
