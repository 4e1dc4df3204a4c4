// The capture loop: frame -> IP (reassembling fragments) -> flow -> TCP
// analysis or UDP/nslab statistics. Per frame it decodes in place, looks the
// flow up in a hash table (with a one-entry cache, since frames of a flow come
// in bursts), and allocates nothing once the flow exists.
#include "fragments.h"
#include "packet-decode.h"
#include "pcap-source.h"
#include "tcp-analysis.h"
#include "trace.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace nslab::trace
{

std::string
Address::ToString() const
{
    char text[INET6_ADDRSTRLEN] = "";
    inet_ntop(family == 4 ? AF_INET : AF_INET6, bytes.data(), text, sizeof text);
    return text;
}

std::string
Endpoint::ToString() const
{
    return (addr.family == 4 ? addr.ToString() : "[" + addr.ToString() + "]") + ":" + std::to_string(port);
}

std::string
Endpoint::ToStringOrAddress() const
{
    return port ? ToString() : addr.ToString();
}

void
Samples::Add(double v)
{
    min = count ? std::min(min, v) : v;
    max = count ? std::max(max, v) : v;
    sum += v;
    ++count;
}

void
TcpFlags::operator+=(const TcpFlags& o)
{
    retransmission += o.retransmission;
    fastRetransmission += o.fastRetransmission;
    spuriousRetransmission += o.spuriousRetransmission;
    outOfOrder += o.outOfOrder;
    duplicateAck += o.duplicateAck;
    lostSegment += o.lostSegment;
    ackLostSegment += o.ackLostSegment;
    zeroWindow += o.zeroWindow;
    zeroWindowProbe += o.zeroWindowProbe;
    zeroWindowProbeAck += o.zeroWindowProbeAck;
    windowFull += o.windowFull;
    windowUpdate += o.windowUpdate;
    keepAlive += o.keepAlive;
    keepAliveAck += o.keepAliveAck;
}

double
Flow::Goodput(const DirectionStats& d) const
{
    double bytes = protocol == Protocol::Tcp ? d.uniquePayload : d.payload;
    return Duration() > 0 ? bytes / Duration() : 0;
}

namespace detail
{

namespace
{

constexpr size_t kMaxFlows = 1u << 20;     //!< beyond this a capture is hostile: stop tracking new flows
constexpr size_t kMaxNslabApps = 16;       //!< nslab app ids tracked per flow direction
constexpr uint32_t kMaxSeqBitmap = 1u << 20; //!< sequence numbers tracked for duplicates (128 KiB of bits)

/** Both endpoints in a canonical order, so that both directions find the same flow. */
struct FlowKey
{
    uint8_t family = 0, protocol = 0;
    uint16_t portLo = 0, portHi = 0;
    std::array<uint8_t, 16> lo{}, hi{};
    bool operator==(const FlowKey& o) const
    {
        return portLo == o.portLo && portHi == o.portHi && protocol == o.protocol && family == o.family &&
               lo == o.lo && hi == o.hi;
    }
};

struct FlowKeyHash
{
    size_t operator()(const FlowKey& k) const
    {
        uint64_t h = Hash64(k.lo.data(), 16, uint64_t(k.portLo) << 16 | k.portHi | uint64_t(k.protocol) << 32);
        return Hash64(k.hi.data(), 16, h);
    }
};

FlowKey
MakeKey(Protocol protocol, const Endpoint& src, const Endpoint& dst)
{
    int order = std::memcmp(src.addr.bytes.data(), dst.addr.bytes.data(), 16);
    bool srcFirst = order < 0 || (order == 0 && src.port <= dst.port);
    const Endpoint& lo = srcFirst ? src : dst;
    const Endpoint& hi = srcFirst ? dst : src;
    FlowKey key;
    key.family = src.addr.family;
    key.protocol = static_cast<uint8_t>(protocol);
    key.portLo = lo.port;
    key.portHi = hi.port;
    key.lo = lo.addr.bytes;
    key.hi = hi.addr.bytes;
    return key;
}

/** nslab sequence numbers of one app in one direction. */
struct NslabSeqState
{
    uint32_t app = 0;
    uint32_t maxSeq = 0;
    uint64_t distinct = 0;
    bool any = false;
    std::vector<uint64_t> seen; //!< bitmap by sequence number

    /** \return true if seq was seen before */
    bool Mark(uint32_t seq)
    {
        if (seq >= kMaxSeqBitmap)
        {
            ++distinct; // too high to remember: assume new
            return false;
        }
        if (seen.size() <= seq / 64)
        {
            seen.resize(std::max<size_t>(seq / 64 + 1, seen.size() * 2));
        }
        uint64_t bit = uint64_t(1) << (seq % 64);
        bool old = seen[seq / 64] & bit;
        seen[seq / 64] |= bit;
        distinct += !old;
        return old;
    }
};

struct FlowState
{
    Flow flow;
    TcpAnalysis tcp;
    std::vector<NslabSeqState> nslabAb, nslabBa;
};

void
CountBits(uint32_t bits, TcpFlags& f)
{
    f.retransmission += (bits & (kRetransmission | kFastRetransmission | kSpuriousRetransmission)) != 0;
    f.fastRetransmission += (bits & kFastRetransmission) != 0;
    f.spuriousRetransmission += (bits & kSpuriousRetransmission) != 0;
    f.outOfOrder += (bits & kOutOfOrder) != 0;
    f.duplicateAck += (bits & kDuplicateAck) != 0;
    f.lostSegment += (bits & kLostSegment) != 0;
    f.ackLostSegment += (bits & kAckLostSegment) != 0;
    f.zeroWindow += (bits & kZeroWindow) != 0;
    f.zeroWindowProbe += (bits & kZeroWindowProbe) != 0;
    f.zeroWindowProbeAck += (bits & kZeroWindowProbeAck) != 0;
    f.windowFull += (bits & kWindowFull) != 0;
    f.windowUpdate += (bits & kWindowUpdate) != 0;
    f.keepAlive += (bits & kKeepAlive) != 0;
    f.keepAliveAck += (bits & kKeepAliveAck) != 0;
}

/** One transport segment or datagram, whole (reassembled if it came in fragments). */
struct Transport
{
    const IpPacket* ip = nullptr;
    const uint8_t* data = nullptr;
    uint32_t declared = 0, captured = 0;
    int64_t timeNs = 0;
    uint64_t frame = 0, frameBytes = 0;
};

class Analyzer
{
  public:
    Analyzer(const TraceOptions& options, Trace& out) : m_options(options), m_out(out), m_report(out.report)
    {
        m_table.reserve(1024);
    }

    void Add(int dlt, const Frame& frame);
    void Finish();

  private:
    void AddTcp(const Transport& t);
    void AddUdp(const Transport& t);
    FlowState& Lookup(Protocol protocol, const Endpoint& src, const Endpoint& dst, bool& fromA);
    FlowState& NewFlow(const FlowKey& key, Protocol protocol, const Endpoint& src, const Endpoint& dst);
    void CountNslab(FlowState& state, bool fromA, const UdpHeader& udp, int64_t timeNs);
    void Touch(FlowState& state, bool fromA, const Transport& t, uint32_t payload);

    const TraceOptions& m_options;
    Trace& m_out;
    TraceReport& m_report;
    Reassembler m_fragments;
    std::vector<std::unique_ptr<FlowState>> m_flows;
    std::unordered_map<FlowKey, uint32_t, FlowKeyHash> m_table;
    FlowKey m_lastKey;
    FlowState* m_last = nullptr;
    bool m_tooManyFlows = false;
};

void
Analyzer::Add(int dlt, const Frame& frame)
{
    double time = frame.timeNs * 1e-9;
    m_report.first = m_report.frames ? std::min(m_report.first, time) : time;
    m_report.last = m_report.frames ? std::max(m_report.last, time) : time;
    ++m_report.frames;
    NetworkLayer net;
    if (!FindNetworkLayer(dlt, frame.data, frame.captured, nullptr, net))
    {
        ++m_report.skipped;
        return;
    }
    IpPacket ip;
    if (!DecodeIp(net.data, net.length, ip))
    {
        ++m_report.malformed;
        return;
    }
    ++m_report.ipPackets;
    Transport t{&ip, ip.payload, ip.payloadLength, ip.payloadCaptured, frame.timeNs, frame.number, frame.wireLength};
    Reassembled whole;
    if (ip.fragment)
    {
        if (!m_fragments.Add(ip, frame.timeNs, frame.wireLength, whole))
        {
            return;
        }
        t.data = whole.head;
        t.declared = whole.length;
        t.captured = whole.captured;
        t.frameBytes = whole.frameBytes;
    }
    if (ip.protocol == 6)
    {
        AddTcp(t);
    }
    else if (ip.protocol == 17)
    {
        AddUdp(t);
    }
}

FlowState&
Analyzer::NewFlow(const FlowKey& key, Protocol protocol, const Endpoint& src, const Endpoint& dst)
{
    auto state = std::make_unique<FlowState>();
    state->flow.index = static_cast<uint32_t>(m_flows.size() + 1);
    state->flow.protocol = protocol;
    state->flow.a = src;
    state->flow.b = dst;
    m_flows.push_back(std::move(state));
    m_table[key] = m_flows.back()->flow.index;
    return *m_flows.back();
}

FlowState&
Analyzer::Lookup(Protocol protocol, const Endpoint& src, const Endpoint& dst, bool& fromA)
{
    FlowKey key = MakeKey(protocol, src, dst);
    if (!(m_last && key == m_lastKey))
    {
        auto it = m_table.find(key);
        if (it != m_table.end())
        {
            m_last = m_flows[it->second - 1].get();
        }
        else if (m_flows.size() < kMaxFlows)
        {
            m_last = &NewFlow(key, protocol, src, dst);
        }
        else
        {
            m_tooManyFlows = true;
            m_last = m_flows.back().get(); // counted into the last flow; the warning says so
        }
        m_lastKey = key;
    }
    fromA = m_last->flow.a == src;
    return *m_last;
}

void
Analyzer::Touch(FlowState& state, bool fromA, const Transport& t, uint32_t payload)
{
    Flow& flow = state.flow;
    double time = t.timeNs * 1e-9;
    if (flow.ab.packets + flow.ba.packets == 0)
    {
        flow.first = time;
    }
    flow.last = std::max(flow.last, time);
    DirectionStats& d = fromA ? flow.ab : flow.ba;
    ++d.packets;
    d.bytes += t.frameBytes;
    d.payload += payload;
}

void
Analyzer::AddTcp(const Transport& t)
{
    TcpHeader tcp;
    if (!DecodeTcp(t.data, t.declared, t.captured, tcp))
    {
        ++m_report.malformed;
        return;
    }
    Endpoint src{t.ip->src, tcp.srcPort}, dst{t.ip->dst, tcp.dstPort};
    bool fromA = true;
    FlowState* state = &Lookup(Protocol::Tcp, src, dst, fromA);
    if ((tcp.flags & (kSyn | kAck)) == kSyn && (state->flow.sawFin || state->flow.sawRst) &&
        m_flows.size() < kMaxFlows)
    {
        // A new SYN after FIN or RST: the ports are reused by a new connection.
        m_last = state = &NewFlow(m_lastKey, Protocol::Tcp, src, dst);
        fromA = true;
    }
    Touch(*state, fromA, t, tcp.payloadLength);
    Flow& flow = state->flow;
    DirectionStats& d = fromA ? flow.ab : flow.ba;
    flow.sawSyn |= (tcp.flags & (kSyn | kAck)) == kSyn;
    flow.sawSynAck |= (tcp.flags & (kSyn | kAck)) == (kSyn | kAck);
    flow.sawFin |= tcp.flags & kFin;
    flow.sawRst |= tcp.flags & kRst;
    d.fin |= tcp.flags & kFin;
    if ((tcp.flags & kSyn) && tcp.mss)
    {
        d.mss = tcp.mss;
    }
    TcpSegment segment{t.timeNs, tcp.seq, tcp.ack, tcp.payloadLength, tcp.flags, tcp.window, tcp.windowScale};
    TcpVerdict verdict = state->tcp.Analyze(fromA, segment);
    CountBits(verdict.bits, d.flags);
    if (verdict.ackRttNs >= 0)
    {
        (fromA ? flow.ba : flow.ab).ackRtt.Add(verdict.ackRttNs * 1e-9);
    }
    if (flow.index == m_options.segmentsOfFlow)
    {
        m_out.segments.push_back({t.frame, t.timeNs * 1e-9, fromA, tcp.flags, verdict.relSeq, verdict.relAck,
                                  tcp.payloadLength, verdict.window, verdict.bits, false});
    }
}

void
Analyzer::CountNslab(FlowState& state, bool fromA, const UdpHeader& udp, int64_t timeNs)
{
    NslabHeader header;
    if (!DecodeNslab(udp.payload, udp.payloadCaptured, header))
    {
        return;
    }
    auto& apps = fromA ? state.nslabAb : state.nslabBa;
    auto it = std::find_if(apps.begin(), apps.end(), [&](const NslabSeqState& s) { return s.app == header.app; });
    if (it == apps.end())
    {
        if (apps.size() >= kMaxNslabApps)
        {
            return;
        }
        apps.push_back(NslabSeqState{});
        it = apps.end() - 1;
        it->app = header.app;
    }
    NslabUdpStats& stats = fromA ? state.flow.nslabAb : state.flow.nslabBa;
    ++stats.datagrams;
    stats.latency.Add((double(timeNs) - double(header.sentNs)) * 1e-9); // a foreign sentNs may be anything
    if (it->Mark(header.seq))
    {
        ++stats.duplicates;
    }
    else if (it->any && header.seq < it->maxSeq)
    {
        ++stats.reordered;
    }
    it->maxSeq = it->any ? std::max(it->maxSeq, header.seq) : header.seq;
    it->any = true;
}

void
Analyzer::AddUdp(const Transport& t)
{
    UdpHeader udp;
    if (!DecodeUdp(t.data, t.declared, t.captured, udp))
    {
        ++m_report.malformed;
        return;
    }
    bool fromA = true;
    FlowState& state = Lookup(Protocol::Udp, {t.ip->src, udp.srcPort}, {t.ip->dst, udp.dstPort}, fromA);
    Touch(state, fromA, t, udp.payloadLength);
    CountNslab(state, fromA, udp, t.timeNs);
}

void
Analyzer::Finish()
{
    for (auto& state : m_flows)
    {
        Flow& flow = state->flow;
        if (flow.protocol == Protocol::Tcp)
        {
            int64_t irtt = state->tcp.InitialRttNs();
            flow.initialRtt = irtt >= 0 ? irtt * 1e-9 : -1;
            for (bool fromA : {true, false})
            {
                DirectionStats& d = fromA ? flow.ab : flow.ba;
                uint64_t rel = state->tcp.HighestRelSeq(fromA);
                uint64_t overhead = 1 + (d.fin ? 1 : 0); // SYN (or the mid-stream start) and FIN take a number each
                d.uniquePayload = rel > overhead ? rel - overhead : 0;
            }
        }
        for (bool fromA : {true, false})
        {
            NslabUdpStats& stats = fromA ? flow.nslabAb : flow.nslabBa;
            for (const auto& app : fromA ? state->nslabAb : state->nslabBa)
            {
                stats.lost += uint64_t(app.maxSeq) + 1 - std::min<uint64_t>(app.distinct, uint64_t(app.maxSeq) + 1);
            }
        }
        m_report.flows.push_back(std::move(flow));
    }
    m_report.fragmented = m_fragments.Finish();
    if (m_fragments.Overflowed())
    {
        m_report.warnings.push_back(m_report.file + ": too many fragmented datagrams pending; some were not tracked");
    }
    if (m_tooManyFlows)
    {
        m_report.warnings.push_back(m_report.file + ": more than " + std::to_string(kMaxFlows) +
                                    " flows; packets of later flows are counted in the last one");
    }
}

Trace
Analyze(PcapSource& source, const std::string& name, const TraceOptions& options)
{
    Trace trace;
    trace.report.file = name;
    trace.report.linkType = source.LinkTypeName();
    Analyzer analyzer(options, trace);
    int dlt = source.LinkType();
    for (Frame frame; source.Next(frame);)
    {
        analyzer.Add(dlt, frame);
    }
    if (!source.Error().empty())
    {
        trace.report.warnings.push_back(name + ": " + source.Error() + "; the report covers the frames before it");
    }
    analyzer.Finish();
    return trace;
}

} // namespace

} // namespace detail

Trace
AnalyzeFile(const std::string& path, const TraceOptions& options)
{
    detail::PcapSource source(path);
    return detail::Analyze(source, path, options);
}

Trace
AnalyzeBuffer(const uint8_t* data, size_t size, const std::string& name, const TraceOptions& options)
{
    detail::PcapSource source(data, size, name);
    return detail::Analyze(source, name, options);
}

uint32_t
SelectFlow(const TraceReport& report, const std::string& spec)
{
    const Flow* best = nullptr;
    for (const Flow& flow : report.flows)
    {
        if (flow.protocol != Protocol::Tcp)
        {
            continue;
        }
        if (spec.empty())
        {
            if (!best || flow.ab.bytes + flow.ba.bytes > best->ab.bytes + best->ba.bytes)
            {
                best = &flow;
            }
            continue;
        }
        std::string a = flow.a.ToString(), b = flow.b.ToString();
        bool endsWith = (a.size() >= spec.size() && a.compare(a.size() - spec.size(), spec.size(), spec) == 0) ||
                        (b.size() >= spec.size() && b.compare(b.size() - spec.size(), spec.size(), spec) == 0);
        if (spec == std::to_string(flow.index) || a == spec || b == spec || (spec[0] == ':' && endsWith))
        {
            return flow.index;
        }
    }
    return best ? best->index : 0;
}

} // namespace nslab::trace
