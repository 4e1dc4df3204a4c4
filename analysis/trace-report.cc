// The report's tables, for the terminal and as JSON. Both show the same
// numbers; the JSON keeps every one, the text keeps what fits a line.
#include "trace.h"

#include <algorithm>
#include <cstdarg>
#include <cstdint>
#include <cstdio>

namespace nslab::trace
{

namespace
{

using Json = nlohmann::json;

std::string
Format(const char* format, ...) __attribute__((format(printf, 1, 2)));

std::string
Format(const char* format, ...)
{
    char line[512];
    va_list args;
    va_start(args, format);
    vsnprintf(line, sizeof line, format, args);
    va_end(args);
    return line;
}

const char*
Name(Protocol p)
{
    return p == Protocol::Tcp ? "TCP" : "UDP";
}

/** Bytes with an SI unit, as the other nslab tables print them. */
std::string
Bytes(double bytes)
{
    return bytes >= 1e6 ? Format("%.2f MB", bytes / 1e6) : bytes >= 1e3 ? Format("%.1f kB", bytes / 1e3)
                                                                         : Format("%.0f B", bytes);
}

std::string
Ms(const Samples& s)
{
    return s.count ? Format("%.3f/%.3f/%.3f", s.min * 1e3, s.Mean() * 1e3, s.max * 1e3) : "-";
}

std::string
FlowTable(const TraceReport& r)
{
    std::string out = "Flows (A sent the first packet; bytes are frame bytes, goodput is payload without retransmissions)\n";
    out += Format("%4s %-4s %-24s %-24s %15s %21s %11s %9s %11s %11s\n", "#", "", "A", "B", "packets A>B/B>A",
                  "bytes A>B/B>A", "start s", "dur s", "Mbit/s A>B", "Mbit/s B>A");
    for (const Flow& f : r.flows)
    {
        out += Format("%4u %-4s %-24s %-24s %15s %21s %11.6f %9.3f %11.3f %11.3f\n", f.index, Name(f.protocol),
                      f.a.ToString().c_str(), f.b.ToString().c_str(),
                      Format("%llu/%llu", (unsigned long long)f.ab.packets, (unsigned long long)f.ba.packets).c_str(),
                      (Bytes(f.ab.bytes) + "/" + Bytes(f.ba.bytes)).c_str(), f.first, f.Duration(),
                      f.Goodput(f.ab) * 8e-6, f.Goodput(f.ba) * 8e-6);
    }
    return out;
}

std::string
TcpTable(const TraceReport& r)
{
    std::string out = "\nTCP analysis per direction (tshark's tcp.analysis.* flags; RTT: ack_rtt of that direction's data)\n";
    out += Format("%4s %-3s %8s %6s %6s %6s %7s %6s %6s %6s %6s %6s %8s %26s %6s\n", "#", "dir", "retrans", "fast",
                  "spur", "ooo", "dupack", "lost", "unseen", "zerow", "wfull", "kalive", "iRTT ms", "RTT ms min/mean/max",
                  "MSS");
    for (const Flow& f : r.flows)
    {
        if (f.protocol != Protocol::Tcp)
        {
            continue;
        }
        for (bool ab : {true, false})
        {
            const DirectionStats& d = ab ? f.ab : f.ba;
            const TcpFlags& x = d.flags;
            auto n = [](uint64_t v) { return (unsigned long long)v; };
            out += Format("%4u %-3s %8llu %6llu %6llu %6llu %7llu %6llu %6llu %6llu %6llu %6llu %8s %26s %6llu\n",
                          f.index, ab ? "A>B" : "B>A", n(x.retransmission), n(x.fastRetransmission),
                          n(x.spuriousRetransmission), n(x.outOfOrder), n(x.duplicateAck), n(x.lostSegment),
                          n(x.ackLostSegment), n(x.zeroWindow), n(x.windowFull), n(x.keepAlive),
                          ab && f.initialRtt >= 0 ? Format("%.3f", f.initialRtt * 1e3).c_str() : "-",
                          Ms(d.ackRtt).c_str(), n(d.mss));
        }
    }
    return out;
}

std::string
UdpTable(const TraceReport& r)
{
    std::string rows;
    for (const Flow& f : r.flows)
    {
        for (bool ab : {true, false})
        {
            const NslabUdpStats& u = ab ? f.nslabAb : f.nslabBa;
            if (f.protocol != Protocol::Udp || u.datagrams == 0)
            {
                continue;
            }
            rows += Format("%4u %-3s %10llu %8llu %8llu %10llu %30s\n", f.index, ab ? "A>B" : "B>A",
                           (unsigned long long)u.datagrams, (unsigned long long)u.lost,
                           (unsigned long long)u.duplicates, (unsigned long long)u.reordered, Ms(u.latency).c_str());
        }
    }
    if (rows.empty())
    {
        return "";
    }
    return "\nUDP with nslab's header (latency: capture time - send time in the header)\n" +
           Format("%4s %-3s %10s %8s %8s %10s %30s\n", "#", "dir", "datagrams", "lost", "dup", "reordered",
                  "latency ms min/mean/max") +
           rows;
}

/** "1", "1 and 3", "1, 2 and 4": words joined as in a sentence. */
std::string
JoinWords(const std::vector<std::string>& words)
{
    std::string out;
    for (size_t i = 0; i < words.size(); ++i)
    {
        out += (i == 0 ? "" : i + 1 == words.size() ? " and " : ", ") + words[i];
    }
    return out;
}

/** The bytes of a datagram that no captured fragment holds: [begin, end), end UINT32_MAX for "from here on". */
std::vector<std::pair<uint32_t, uint32_t>>
MissingRanges(const FragmentedDatagram& d)
{
    std::vector<std::pair<uint32_t, uint32_t>> holes;
    uint32_t reach = 0;
    for (const auto& [begin, end] : d.captured) // in offset order
    {
        if (begin > reach)
        {
            holes.emplace_back(reach, begin);
        }
        reach = std::max(reach, end);
    }
    if (d.lastSeen && reach < d.length)
    {
        holes.emplace_back(reach, d.length);
    }
    if (!d.lastSeen)
    {
        holes.emplace_back(reach, UINT32_MAX);
    }
    return holes;
}

/**
 * \return the size f by which a datagram's captured fragments are numbered:
 * every one but the last holds f bytes and starts at a multiple of f, as a
 * sender cutting to one MTU makes them; 0 if they do not, or if only the last
 * was captured (nothing then says how the rest was cut).
 */
uint32_t
FragmentSize(const FragmentedDatagram& d)
{
    uint32_t f = 0;
    for (const auto& [begin, end] : d.captured)
    {
        if (!(d.lastSeen && end == d.length))
        {
            f = f == 0 || f == end - begin ? end - begin : UINT32_MAX;
        }
    }
    if (f == 0 || f == UINT32_MAX)
    {
        return 0;
    }
    for (const auto& [begin, end] : d.captured)
    {
        if (begin % f != 0 || end - begin > f || (d.lastSeen && end > d.length))
        {
            return 0; // also a fragment beyond the last one: a capture nobody's stack wrote
        }
    }
    return f;
}

/** "2 (offset 1480)", "2 to 4 (offsets 1480 to 4440)": fragment numbers first to last, 1-based. */
std::string
FragmentRun(uint32_t first, uint32_t last, uint32_t f)
{
    if (first == last)
    {
        return Format("%u (offset %u)", first, (first - 1) * f);
    }
    return Format("%u to %u (offsets %u to %u)", first, last, (first - 1) * f, (last - 1) * f);
}

/**
 * \return which fragments of an incomplete datagram the capture holds and
 * which are missing: "fragments 1 and 3 of 3 captured, fragment 2 (offset
 * 1480) missing"; by byte ranges when the fragments are not of one size.
 */
std::string
FragmentsMissing(const FragmentedDatagram& d)
{
    uint32_t f = FragmentSize(d);
    std::vector<std::pair<uint32_t, uint32_t>> holes = MissingRanges(d);
    std::vector<std::string> captured, missing;
    if (f == 0)
    {
        for (const auto& range : d.captured)
        {
            captured.push_back(std::to_string(range.first));
        }
        for (const auto& [begin, end] : holes)
        {
            missing.push_back(end == UINT32_MAX ? Format("from %u on", begin) : Format("%u to %u", begin, end - 1));
        }
        return (captured.size() == 1 ? "fragment at offset " : "fragments at offsets ") + JoinWords(captured) +
               " captured, bytes " + JoinWords(missing) + " missing";
    }
    uint32_t count = 0; // fragments known to be missing
    for (size_t i = 0; i < d.captured.size();)
    {
        // Runs of consecutive fragments: "1 to 3".
        size_t j = i;
        while (j + 1 < d.captured.size() && d.captured[j + 1].first == d.captured[j].first + f)
        {
            ++j;
        }
        uint32_t first = d.captured[i].first / f + 1, last = d.captured[j].first / f + 1;
        captured.push_back(last > first + 1 ? Format("%u to %u", first, last) : std::to_string(first));
        if (last == first + 1)
        {
            captured.push_back(std::to_string(last));
        }
        i = j + 1;
    }
    for (const auto& [begin, end] : holes)
    {
        if (end == UINT32_MAX)
        {
            missing.push_back(FragmentRun(begin / f + 1, begin / f + 1, f) + " and any after it");
            ++count;
            continue;
        }
        uint32_t first = begin / f + 1, last = (end - 1) / f + 1;
        missing.push_back(FragmentRun(first, last == first + 1 ? first : last, f));
        if (last == first + 1)
        {
            missing.push_back(FragmentRun(last, last, f)); // two: "2 (offset 1480) and 3 (offset 2960)"
        }
        count += last - first + 1;
    }
    std::string of = d.lastSeen ? Format(" of %u", (d.length + f - 1) / f) : "";
    bool one = d.captured.size() == 1;
    return (one ? "fragment " : "fragments ") + JoinWords(captured) + of + " captured, " +
           (count == 1 ? "fragment " : "fragments ") + JoinWords(missing) + " missing";
}

std::string
FragmentTable(const TraceReport& r)
{
    if (r.fragmented.empty())
    {
        return "";
    }
    size_t complete = 0;
    for (const auto& d : r.fragmented)
    {
        complete += d.complete;
    }
    std::string out = Format("\nIP fragments: %zu datagrams in fragments, %zu reassembled, %zu incomplete\n",
                             r.fragmented.size(), complete, r.fragmented.size() - complete);
    size_t shown = 0;
    for (const auto& d : r.fragmented)
    {
        if (d.complete || ++shown > 20)
        {
            continue;
        }
        uint32_t reach = 0;
        for (const auto& range : d.captured)
        {
            reach = std::max(reach, range.second);
        }
        std::string length = d.lastSeen ? Format("length %u, %u bytes missing", d.length, d.missingBytes)
                                        : "length unknown (its last fragment is missing)" +
                                              (d.missingBytes ? Format(", %u bytes missing before byte %u",
                                                                       d.missingBytes, reach)
                                                              : "");
        // Not through Format: a datagram of many fragments makes a long line.
        out += Format("  %s -> %s id=%u proto %u at %.6f s: ", d.src.ToString().c_str(), d.dst.ToString().c_str(), d.id,
                      d.protocol, d.first) +
               FragmentsMissing(d) + "; " + length + "\n";
    }
    if (shown > 20)
    {
        out += Format("  ... and %zu more (--json lists all)\n", shown - 20);
    }
    return out;
}

/** The bytes no captured fragment holds: [{"offset", "bytes"}], bytes null for "from here on" (no last fragment). */
Json
MissingRangesJson(const FragmentedDatagram& d)
{
    Json list = Json::array();
    for (const auto& [begin, end] : d.complete ? std::vector<std::pair<uint32_t, uint32_t>>{} : MissingRanges(d))
    {
        list.push_back({{"offset", begin}, {"bytes", end == UINT32_MAX ? Json(nullptr) : Json(end - begin)}});
    }
    return list;
}

Json
SamplesJson(const Samples& s)
{
    return {{"count", s.count}, {"min", s.min}, {"mean", s.Mean()}, {"max", s.max}};
}

Json
FlagsJson(const TcpFlags& f)
{
    return {{"retransmission", f.retransmission},
            {"fast_retransmission", f.fastRetransmission},
            {"spurious_retransmission", f.spuriousRetransmission},
            {"out_of_order", f.outOfOrder},
            {"duplicate_ack", f.duplicateAck},
            {"lost_segment", f.lostSegment},
            {"ack_lost_segment", f.ackLostSegment},
            {"zero_window", f.zeroWindow},
            {"zero_window_probe", f.zeroWindowProbe},
            {"zero_window_probe_ack", f.zeroWindowProbeAck},
            {"window_full", f.windowFull},
            {"window_update", f.windowUpdate},
            {"keep_alive", f.keepAlive},
            {"keep_alive_ack", f.keepAliveAck}};
}

Json
DirectionJson(const Flow& f, const DirectionStats& d, const NslabUdpStats& u)
{
    Json j = {{"packets", d.packets}, {"bytes", d.bytes}, {"payload_bytes", d.payload}, {"goodput_bps", f.Goodput(d) * 8}};
    if (f.protocol == Protocol::Tcp)
    {
        j["unique_payload_bytes"] = d.uniquePayload;
        j["mss"] = d.mss;
        j["analysis"] = FlagsJson(d.flags);
        j["ack_rtt_s"] = SamplesJson(d.ackRtt);
    }
    else if (u.datagrams)
    {
        j["nslab"] = {{"datagrams", u.datagrams},
                      {"lost", u.lost},
                      {"duplicates", u.duplicates},
                      {"reordered", u.reordered},
                      {"latency_s", SamplesJson(u.latency)}};
    }
    return j;
}

Json
FlowJson(const Flow& f)
{
    Json j = {{"index", f.index},         {"protocol", Name(f.protocol)}, {"a", f.a.ToString()},
              {"b", f.b.ToString()},      {"first_s", f.first},          {"last_s", f.last},
              {"duration_s", f.Duration()}, {"a_to_b", DirectionJson(f, f.ab, f.nslabAb)},
              {"b_to_a", DirectionJson(f, f.ba, f.nslabBa)}};
    if (f.protocol == Protocol::Tcp)
    {
        j["syn"] = f.sawSyn;
        j["syn_ack"] = f.sawSynAck;
        j["fin"] = f.sawFin;
        j["rst"] = f.sawRst;
        j["initial_rtt_s"] = f.initialRtt >= 0 ? Json(f.initialRtt) : Json(nullptr);
    }
    return j;
}

} // namespace

std::string
ReportText(const TraceReport& r)
{
    std::string out = Format("%s: %s, %llu frames (%llu IP, %llu other, %llu malformed), %.6f s to %.6f s (%.6f s)\n\n",
                             r.file.c_str(), r.linkType.c_str(), (unsigned long long)r.frames,
                             (unsigned long long)r.ipPackets, (unsigned long long)r.skipped,
                             (unsigned long long)r.malformed, r.first, r.last, r.last - r.first);
    out += FlowTable(r);
    bool tcp = false;
    for (const Flow& f : r.flows)
    {
        tcp |= f.protocol == Protocol::Tcp;
    }
    return out + (tcp ? TcpTable(r) : "") + UdpTable(r) + FragmentTable(r);
}

Json
ReportJson(const TraceReport& r)
{
    Json flows = Json::array();
    for (const Flow& f : r.flows)
    {
        flows.push_back(FlowJson(f));
    }
    Json fragments = Json::array();
    for (const auto& d : r.fragmented)
    {
        fragments.push_back({{"src", d.src.ToString()},
                             {"dst", d.dst.ToString()},
                             {"id", d.id},
                             {"protocol", d.protocol},
                             {"fragments", d.fragments},
                             {"length", d.length},
                             {"missing_bytes", d.missingBytes},
                             {"missing_ranges", MissingRangesJson(d)},
                             {"last_fragment_captured", d.lastSeen},
                             {"complete", d.complete},
                             {"first_s", d.first}});
    }
    return {{"file", r.file},          {"link_type", r.linkType}, {"frames", r.frames},
            {"ip_packets", r.ipPackets}, {"skipped", r.skipped},   {"malformed", r.malformed},
            {"first_s", r.first},      {"last_s", r.last},        {"warnings", r.warnings},
            {"flows", flows},          {"fragmented", fragments}};
}

std::string
LostText(const std::vector<LostFrame>& lost, const std::string& first, const std::string& second)
{
    size_t inFirst = 0;
    for (const auto& l : lost)
    {
        inFirst += l.inFirst;
    }
    std::string out = Format("\nFrames only one capture holds (lost on the way, or still in flight at the end): "
                             "%zu only in %s, %zu only in %s\n",
                             inFirst, first.c_str(), lost.size() - inFirst, second.c_str());
    for (const auto& l : lost)
    {
        out += Format("  %s frame %llu at %.6f s: %s%s\n", l.inFirst ? "first " : "second", (unsigned long long)l.frame,
                      l.time, l.what.c_str(), l.cause.empty() ? "" : (" [dropped: " + l.cause + "]").c_str());
    }
    return out;
}

Json
LostJson(const std::vector<LostFrame>& lost)
{
    Json list = Json::array();
    for (const auto& l : lost)
    {
        list.push_back({{"capture", l.inFirst ? 1 : 2}, {"frame", l.frame}, {"time_s", l.time}, {"what", l.what},
                        {"cause", l.cause.empty() ? Json(nullptr) : Json(l.cause)}});
    }
    return list;
}

std::string
AnalysisNames(uint32_t bits)
{
    static const char* names[] = {"RETRANSMISSION", "FAST RETRANSMISSION", "SPURIOUS RETRANSMISSION",
                                  "OUT-OF-ORDER",   "DUP ACK",             "PREVIOUS SEGMENT NOT CAPTURED",
                                  "ACKED UNSEEN",   "ZERO WINDOW",         "ZERO WINDOW PROBE",
                                  "ZERO WINDOW PROBE ACK", "WINDOW FULL",  "WINDOW UPDATE",
                                  "KEEP-ALIVE",     "KEEP-ALIVE ACK"};
    std::string out;
    for (int bit = 0; bit < 14; ++bit)
    {
        if (bits & (1u << bit))
        {
            out += (out.empty() ? "" : ", ") + std::string(names[bit]);
        }
    }
    return out;
}

} // namespace nslab::trace
