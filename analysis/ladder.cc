// Ladder (sequence) diagrams of one TCP connection: one arrow per segment
// between the two endpoints' lifelines, labelled as Wireshark's Info column
// would label it, with tshark's analysis flags beside it. A segment that was
// sent again later is marked "resent", the usual sign of a loss in the
// sender's capture; with two captures of the link, frames the other end never
// saw are drawn as arrows that stop half way, with an X.
#include "packet-decode.h"
#include "trace.h"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <unordered_map>

namespace nslab::trace
{

namespace
{

constexpr int kArrow = 56; //!< characters between the lifelines

std::string
FlagNames(uint8_t flags)
{
    static const std::pair<uint8_t, const char*> names[] = {
        {detail::kSyn, "SYN"}, {detail::kFin, "FIN"}, {detail::kRst, "RST"}, {detail::kPsh, "PSH"}, {detail::kAck, "ACK"}};
    std::string out;
    for (const auto& [bit, name] : names)
    {
        if (flags & bit)
        {
            out += (out.empty() ? "" : ",") + std::string(name);
        }
    }
    return out;
}

/** What Wireshark's Info column says of a segment, shortened. */
std::string
Label(const SegmentEvent& e)
{
    std::ostringstream s;
    s << FlagNames(e.tcpFlags) << " seq=" << e.seq;
    if (e.length)
    {
        s << ":" << e.seq + e.length;
    }
    if (e.tcpFlags & detail::kAck)
    {
        s << " ack=" << e.ack;
    }
    s << " win=" << e.window;
    return s.str();
}

/** Sequence numbers a segment occupies: its payload, and one for SYN or FIN. */
uint32_t
Span(const SegmentEvent& e)
{
    return e.length + ((e.tcpFlags & (detail::kSyn | detail::kFin)) ? 1 : 0);
}

/**
 * For each segment, the frame that later resent its first byte (0 if none).
 * A copy usually starts where the original did (one hash lookup); otherwise
 * the last few hundred segments are searched, which bounds the work on a
 * hostile capture.
 */
std::vector<uint64_t>
ResentIn(const std::vector<SegmentEvent>& segments)
{
    constexpr size_t kScan = 256;
    // tshark calls a copy sent within one iRTT of the highest segment out-of-order; if an
    // earlier copy exists, it was resent all the same.
    const uint32_t resend = kRetransmission | kFastRetransmission | kSpuriousRetransmission | kOutOfOrder;
    std::vector<uint64_t> resent(segments.size(), 0);
    std::unordered_map<uint64_t, size_t> lastAt; // (side, first sequence number) -> latest segment
    auto key = [](const SegmentEvent& e) { return uint64_t(e.fromA) << 32 | e.seq; };
    for (size_t i = 0; i < segments.size(); ++i)
    {
        const SegmentEvent& r = segments[i];
        if (r.analysis & resend)
        {
            auto it = lastAt.find(key(r));
            size_t original = it != lastAt.end() && resent[it->second] == 0 ? it->second : i;
            for (size_t j = i; original == i && j-- > 0 && i - j <= kScan;)
            {
                const SegmentEvent& o = segments[j];
                if (o.fromA == r.fromA && o.seq <= r.seq && r.seq < o.seq + Span(o) && resent[j] == 0)
                {
                    original = j;
                }
            }
            if (original != i)
            {
                resent[original] = r.frame;
            }
        }
        if (Span(r) > 0)
        {
            lastAt[key(r)] = i;
        }
    }
    return resent;
}

std::string
Arrow(const SegmentEvent& e)
{
    std::string label = " " + Label(e) + " ";
    if (label.size() > size_t(kArrow - 4))
    {
        label.resize(kArrow - 4);
    }
    std::string line(kArrow, '-');
    line.replace((kArrow - label.size()) / 2, label.size(), label);
    if (e.lostOnTheWay)
    {
        // Stop half way, on the side away from the sender.
        size_t half = kArrow / 2 + label.size() / 2 + 2;
        for (size_t i = e.fromA ? half : 0; i < (e.fromA ? size_t(kArrow) : kArrow - half); ++i)
        {
            line[i] = ' ';
        }
        line[e.fromA ? half - 1 : kArrow - half] = 'X';
    }
    else if (e.fromA)
    {
        line.back() = '>';
    }
    else
    {
        line.front() = '<';
    }
    return "|" + line + "|";
}

std::string
Notes(const SegmentEvent& e, uint64_t resentIn)
{
    std::string notes = AnalysisNames(e.analysis);
    if (resentIn)
    {
        notes += (notes.empty() ? "" : ", ") + std::string("resent in frame ") + std::to_string(resentIn);
    }
    if (e.lostOnTheWay)
    {
        notes += (notes.empty() ? "" : ", ") + std::string("LOST (not in the other capture)");
    }
    return notes;
}

std::string
Escape(const std::string& text)
{
    std::string out;
    for (char c : text)
    {
        out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
    }
    return out;
}

} // namespace

std::string
LadderText(const Flow& flow, const std::vector<SegmentEvent>& segments, size_t maxRows)
{
    std::vector<uint64_t> resent = ResentIn(segments);
    std::ostringstream out;
    out << "TCP flow " << flow.index << ": A = " << flow.a.ToString() << ", B = " << flow.b.ToString()
        << " (seq and ack relative; X: lost on the way)\n";
    char head[160];
    std::snprintf(head, sizeof head, "%7s %12s  %-*s%s\n", "frame", "time s", kArrow + 1, "A", "B");
    out << head;
    size_t rows = maxRows ? std::min(maxRows, segments.size()) : segments.size();
    for (size_t i = 0; i < rows; ++i)
    {
        const SegmentEvent& e = segments[i];
        char prefix[40];
        std::snprintf(prefix, sizeof prefix, "%7llu %12.6f  ", (unsigned long long)e.frame, e.time);
        std::string notes = Notes(e, resent[i]);
        out << prefix << Arrow(e) << (notes.empty() ? "" : "  " + notes) << "\n";
    }
    if (rows < segments.size())
    {
        out << "... " << segments.size() - rows << " more segments (--rows 0 shows all)\n";
    }
    return out.str();
}

std::string
LadderSvg(const Flow& flow, const std::vector<SegmentEvent>& segments, size_t maxRows)
{
    std::vector<uint64_t> resent = ResentIn(segments);
    size_t rows = maxRows ? std::min(maxRows, segments.size()) : segments.size();
    const int xa = 190, xb = 690, top = 70, step = 24;
    int height = top + int(rows) * step + 40;
    std::ostringstream s;
    s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1100\" height=\"" << height
      << "\" font-family=\"monospace\" font-size=\"11\">\n"
      << "<defs><marker id=\"head\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\">"
         "<path d=\"M0,0 L8,4 L0,8 z\"/></marker></defs>\n"
      << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
      << "<text x=\"10\" y=\"20\" font-size=\"13\">TCP flow " << flow.index << ": " << Escape(flow.a.ToString())
      << " (A) and " << Escape(flow.b.ToString()) << " (B); red: retransmission or lost</text>\n"
      << "<text x=\"" << xa << "\" y=\"50\" text-anchor=\"middle\">A " << Escape(flow.a.ToString()) << "</text>\n"
      << "<text x=\"" << xb << "\" y=\"50\" text-anchor=\"middle\">B " << Escape(flow.b.ToString()) << "</text>\n"
      << "<line x1=\"" << xa << "\" y1=\"56\" x2=\"" << xa << "\" y2=\"" << height - 20 << "\" stroke=\"black\"/>\n"
      << "<line x1=\"" << xb << "\" y1=\"56\" x2=\"" << xb << "\" y2=\"" << height - 20 << "\" stroke=\"black\"/>\n";
    for (size_t i = 0; i < rows; ++i)
    {
        const SegmentEvent& e = segments[i];
        int y = top + int(i) * step;
        int x1 = e.fromA ? xa : xb, x2 = e.fromA ? xb : xa;
        bool bad = e.lostOnTheWay || (e.analysis & (kRetransmission | kFastRetransmission | kSpuriousRetransmission));
        std::string colour = bad ? "red" : (e.tcpFlags & (detail::kSyn | detail::kFin | detail::kRst)) ? "blue"
                                         : e.length ? "black" : "gray";
        int xEnd = e.lostOnTheWay ? (x1 + x2) / 2 : x2;
        s << "<text x=\"10\" y=\"" << y + 8 << "\">" << e.frame << "  " << std::to_string(e.time) << "</text>\n"
          << "<line x1=\"" << x1 << "\" y1=\"" << y << "\" x2=\"" << xEnd << "\" y2=\"" << y + (e.lostOnTheWay ? 7 : 14)
          << "\" stroke=\"" << colour << "\"" << (e.lostOnTheWay ? "" : " marker-end=\"url(#head)\"") << "/>\n"
          << "<text x=\"" << (xa + xb) / 2 << "\" y=\"" << y + 4 << "\" text-anchor=\"middle\" fill=\"" << colour
          << "\">" << Escape(Label(e)) << "</text>\n";
        if (e.lostOnTheWay)
        {
            s << "<text x=\"" << xEnd << "\" y=\"" << y + 12 << "\" fill=\"red\" font-size=\"14\">X</text>\n";
        }
        std::string notes = Notes(e, resent[i]);
        if (!notes.empty())
        {
            s << "<text x=\"" << xb + 10 << "\" y=\"" << y + 8 << "\" fill=\"red\">" << Escape(notes) << "</text>\n";
        }
    }
    if (rows < segments.size())
    {
        s << "<text x=\"10\" y=\"" << height - 8 << "\">... " << segments.size() - rows << " more segments</text>\n";
    }
    s << "</svg>\n";
    return s.str();
}

} // namespace nslab::trace
