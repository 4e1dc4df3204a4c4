// The rules below follow Wireshark 4.0's tcp_analyze_sequence_number() in
// their order, because the order decides which flag a segment gets: a
// segment that does not advance the sequence number is a keep-alive, else a
// fast retransmission, else spurious (already acked), else out-of-order, else
// a plain retransmission. Where tshark tests a value against 0 to mean "not seen
// yet", this code keeps an explicit flag.
#include "tcp-analysis.h"

#include "packet-decode.h"
#include "trace.h"

#include <algorithm>

namespace nslab::trace::detail
{

namespace
{

constexpr int64_t kFastRetransmissionWindowNs = 20'000'000; //!< tshark: within 20 ms of the last dup ACK
constexpr int64_t kDefaultOutOfOrderNs = 3'000'000;         //!< tshark: 3 ms before it knows the iRTT
constexpr size_t kMaxUnacked = 1u << 20;                    //!< bound for hostile captures
constexpr size_t kMaxOutOfOrderInserts = 1024;              //!< sorted inserts only into short lists

inline bool
SeqGreater(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) > 0;
}

inline bool
SeqLess(uint32_t a, uint32_t b)
{
    return static_cast<int32_t>(a - b) < 0;
}

inline uint32_t
SynFin(uint8_t flags)
{
    return (flags & (kSyn | kFin)) ? 1 : 0;
}

} // namespace

uint32_t
TcpAnalysis::HighestRelSeq(bool fromA) const
{
    const Side& side = fromA ? m_a : m_b;
    return side.nextKnown ? side.nextSeq - side.base : 0;
}

void
TcpAnalysis::NoteHandshake(const TcpSegment& s, Side& fwd, Side& rev)
{
    uint8_t synAck = s.flags & (kSyn | kAck);
    if (synAck == kSyn)
    {
        m_mruSynNs = s.timeNs;
    }
    else if (synAck == kAck && m_firstRttNs < 0 && m_mruSynNs >= 0)
    {
        m_firstRttNs = s.timeNs - m_mruSynNs;
    }
    if (s.flags & kSyn)
    {
        // tshark's verify_tcp_window_scaling: scaling is used only if both SYNs carry the option.
        if (s.windowScale >= 0)
        {
            fwd.windowScale = s.windowScale;
        }
        if (fwd.windowScale == -1)
        {
            fwd.windowScale = rev.windowScale = -2;
        }
        else if ((s.flags & kAck) && rev.windowScale == -2)
        {
            fwd.windowScale = -2;
        }
    }
    if (!fwd.seen || ((s.flags & kSyn) && !fwd.baseFromSyn))
    {
        // Relative numbers as Wireshark shows them: the SYN is 0, a capture started mid-stream begins at 1.
        fwd.base = (s.flags & kSyn) ? s.seq : s.seq - 1;
        fwd.baseFromSyn = s.flags & kSyn;
    }
    fwd.seen = true;
}

uint32_t
TcpAnalysis::ForwardChecks(const TcpSegment& s, uint32_t window, Side& fwd, Side& rev)
{
    bool plain = !(s.flags & (kSyn | kFin | kRst));
    bool atNext = fwd.nextKnown && s.seq == fwd.nextSeq;
    bool sameAck = fwd.lastAckKnown && s.ack == fwd.lastAck;
    if (s.length == 1 && atNext && rev.window == 0)
    {
        return kZeroWindowProbe;
    }
    uint32_t bits = 0;
    if (window == 0 && plain)
    {
        bits |= kZeroWindow;
    }
    if (fwd.nextKnown && SeqGreater(s.seq, fwd.nextSeq) && !(s.flags & kRst))
    {
        bits |= kLostSegment;
    }
    if (s.length <= 1 && fwd.nextKnown && s.seq == fwd.nextSeq - 1 && plain)
    {
        bits |= kKeepAlive;
    }
    if (s.length == 0 && window != 0 && window != fwd.window && atNext && sameAck && plain)
    {
        bits |= kWindowUpdate;
    }
    if (s.length > 0 && rev.windowScale != -1 && rev.lastAckKnown && s.seq + s.length == rev.lastAck + rev.window &&
        plain)
    {
        bits |= kWindowFull;
    }
    bool quiet = s.length == 0 && window == fwd.window && atNext && plain; // nothing new in this segment
    if (quiet && window != 0 && sameAck && (rev.lastSegmentBits & kKeepAlive))
    {
        return bits | kKeepAliveAck;
    }
    if (quiet && window == 0 && fwd.lastAckKnown && (s.ack == fwd.lastAck || s.ack == fwd.lastAck + 1) &&
        (rev.lastSegmentBits & kZeroWindowProbe))
    {
        return bits | kZeroWindowProbeAck;
    }
    if (quiet && window != 0 && sameAck)
    {
        ++fwd.dupAcks;
        bits |= kDuplicateAck;
    }
    return bits;
}

uint32_t
TcpAnalysis::RetransmissionType(const TcpSegment& s, uint32_t bits, Side& fwd, Side& rev) const
{
    bool occupiesSequence = s.length > 0 || (s.flags & (kSyn | kFin));
    if (!occupiesSequence || !fwd.nextKnown || !SeqLess(s.seq, fwd.nextSeq) || (bits & kKeepAlive))
    {
        return 0;
    }
    if (rev.dupAcks >= 2 && rev.lastAckKnown && rev.lastAck == s.seq &&
        s.timeNs - rev.lastAckTimeNs < kFastRetransmissionWindowNs)
    {
        return kFastRetransmission;
    }
    // Data the other side has already acknowledged.
    if (s.length > 0 && rev.lastAckKnown && !SeqGreater(s.seq + s.length, rev.lastAck))
    {
        return kSpuriousRetransmission;
    }
    // Sent less than one iRTT after the highest segment: probably reordered, not resent.
    int64_t threshold = m_firstRttNs > 0 ? m_firstRttNs : kDefaultOutOfOrderNs;
    if (s.timeNs - fwd.nextSeqTimeNs < threshold && fwd.nextSeq != s.seq + s.length + SynFin(s.flags))
    {
        return kOutOfOrder;
    }
    return kRetransmission;
}

void
TcpAnalysis::Advance(const TcpSegment& s, uint32_t bits, uint32_t window, Side& fwd)
{
    uint32_t next = s.seq + s.length + SynFin(s.flags);
    if (!(bits & kZeroWindowProbe))
    {
        if (!fwd.nextKnown || SeqGreater(next, fwd.nextSeq))
        {
            fwd.nextSeq = next;
            fwd.nextKnown = true;
            fwd.nextSeqTimeNs = s.timeNs;
        }
        if (!fwd.maxToBeAckedKnown || s.seq == fwd.maxSeqToBeAcked)
        {
            fwd.maxSeqToBeAcked = fwd.nextSeq;
            fwd.maxToBeAckedKnown = true;
        }
    }
    fwd.window = window;
    fwd.lastAck = s.ack;
    fwd.lastAckKnown = s.flags & kAck;
    fwd.lastAckTimeNs = s.timeNs;
    fwd.lastSegmentBits = bits;
}

void
TcpAnalysis::RememberUnacked(const TcpSegment& s, Side& fwd)
{
    if (s.length == 0 && !(s.flags & (kSyn | kFin)))
    {
        return;
    }
    auto& list = fwd.unacked;
    uint32_t relNext = s.seq + s.length + SynFin(s.flags) - fwd.base;
    size_t waiting = list.size() - fwd.unackedHead;
    if (waiting == 0 || relNext > list.back().relNext)
    {
        if (waiting >= kMaxUnacked)
        {
            ++fwd.unackedHead;
        }
        list.push_back({relNext, s.timeNs});
        return;
    }
    // A resent segment: the original (older) time stays, as tshark times the first copy.
    auto it = std::lower_bound(list.begin() + fwd.unackedHead, list.end(), relNext,
                               [](const Unacked& u, uint32_t v) { return u.relNext < v; });
    if ((it == list.end() || it->relNext != relNext) && waiting < kMaxOutOfOrderInserts)
    {
        list.insert(it, {relNext, s.timeNs});
    }
}

int64_t
TcpAnalysis::TakeAcked(const TcpSegment& s, Side& rev)
{
    if (!(s.flags & kAck) || !rev.seen)
    {
        return -1;
    }
    uint32_t relAck = s.ack - rev.base;
    int64_t rtt = -1;
    auto& list = rev.unacked;
    size_t& head = rev.unackedHead;
    for (; head < list.size() && list[head].relNext <= relAck; ++head)
    {
        if (list[head].relNext == relAck)
        {
            rtt = s.timeNs - list[head].timeNs;
        }
    }
    if (head == list.size())
    {
        list.clear();
        head = 0;
    }
    else if (head > 4096 && head > list.size() / 2)
    {
        list.erase(list.begin(), list.begin() + head); // amortised: each element moves at most once per halving
        head = 0;
    }
    return rtt;
}

TcpVerdict
TcpAnalysis::Analyze(bool fromA, const TcpSegment& s)
{
    Side& fwd = fromA ? m_a : m_b;
    Side& rev = fromA ? m_b : m_a;
    NoteHandshake(s, fwd, rev);
    TcpVerdict verdict;
    verdict.window = (!(s.flags & kSyn) && fwd.windowScale >= 0) ? uint32_t(s.window) << fwd.windowScale : s.window;
    uint32_t bits = ForwardChecks(s, verdict.window, fwd, rev);
    if (!(bits & kDuplicateAck))
    {
        fwd.dupAcks = 0;
    }
    if (rev.maxToBeAckedKnown && SeqGreater(s.ack, rev.maxSeqToBeAcked) && (s.flags & kAck))
    {
        bits |= kAckLostSegment;
        rev.maxSeqToBeAcked = rev.nextSeq;
    }
    bits |= RetransmissionType(s, bits, fwd, rev);
    Advance(s, bits, verdict.window, fwd);
    RememberUnacked(s, fwd);
    verdict.ackRttNs = TakeAcked(s, rev);
    if (verdict.ackRttNs == 0)
    {
        verdict.ackRttNs = -1; // tshark shows no ack_rtt of 0 (an ACK captured with its segment)
    }
    verdict.bits = bits;
    verdict.relSeq = s.seq - fwd.base;
    verdict.relAck = (s.flags & kAck) ? s.ack - (rev.seen ? rev.base : s.ack - 1) : 0;
    return verdict;
}

} // namespace nslab::trace::detail
