// Internal to nslab-trace: tshark's TCP sequence analysis (Wireshark 4.0,
// epan/dissectors/packet-tcp.c, tcp_analyze_sequence_number) for one
// connection, one segment at a time, in capture order.
#ifndef NSLAB_TCP_ANALYSIS_H
#define NSLAB_TCP_ANALYSIS_H

#include <cstdint>
#include <cstddef>
#include <vector>

namespace nslab::trace::detail
{

/** \brief What the analysis needs of a segment. */
struct TcpSegment
{
    int64_t timeNs = 0;
    uint32_t seq = 0, ack = 0, length = 0;
    uint8_t flags = 0;
    uint16_t window = 0;     //!< unscaled, as on the wire
    int8_t windowScale = -1; //!< option in a SYN, -1 if absent
};

/** \brief The outcome for one segment. */
struct TcpVerdict
{
    uint32_t bits = 0;     //!< AnalysisBit flags, as tshark sets them on this frame
    int64_t ackRttNs = -1; //!< tcp.analysis.ack_rtt, -1 if this segment acks no segment exactly
    uint32_t window = 0;   //!< the window as tshark computes it (scaled when the scale is known)
    uint32_t relSeq = 0, relAck = 0; //!< relative sequence numbers, as tshark shows them
};

/** \brief One TCP connection's analysis state (both directions). */
class TcpAnalysis
{
  public:
    /** \brief Analyse the next segment of the connection, sent by side a (fromA) or b. */
    TcpVerdict Analyze(bool fromA, const TcpSegment& segment);

    /** \return tshark's iRTT (most recent SYN to the first ACK after it), or -1 if unknown */
    int64_t InitialRttNs() const { return m_firstRttNs; }

    /** \return the highest sequence number sent by one side, relative to its first; 0 if none */
    uint32_t HighestRelSeq(bool fromA) const;

  private:
    /** A segment that waits for its ACK, for ack_rtt. */
    struct Unacked
    {
        uint32_t relNext; //!< relative sequence number after it
        int64_t timeNs;   //!< when it was first sent among those still waiting
    };

    /** One direction, as tshark's tcp_flow_t and tcp_analyze_seq_info_t. */
    struct Side
    {
        bool seen = false;         //!< a segment was sent this way
        uint32_t base = 0;         //!< sequence number shown as 0 (the SYN's) or 1 (mid-stream)
        bool baseFromSyn = false;
        bool nextKnown = false;    //!< tshark's "nextseq != 0"
        uint32_t nextSeq = 0;      //!< highest sequence number + length seen
        int64_t nextSeqTimeNs = 0;
        bool maxToBeAckedKnown = false;
        uint32_t maxSeqToBeAcked = 0;
        bool lastAckKnown = false; //!< tshark's "lastack != 0"
        uint32_t lastAck = 0;
        int64_t lastAckTimeNs = 0;
        uint32_t window = UINT32_MAX; //!< last window; "unknown" must not look like 0
        int windowScale = -1;      //!< -1 unknown, -2 not used, else the shift
        uint32_t dupAcks = 0;
        uint32_t lastSegmentBits = 0;
        std::vector<Unacked> unacked; //!< from unackedHead on, sorted by relNext (a queue that allocates lazily)
        size_t unackedHead = 0;
    };

    void NoteHandshake(const TcpSegment& s, Side& fwd, Side& rev);
    uint32_t ForwardChecks(const TcpSegment& s, uint32_t window, Side& fwd, Side& rev);
    uint32_t RetransmissionType(const TcpSegment& s, uint32_t bits, Side& fwd, Side& rev) const;
    void Advance(const TcpSegment& s, uint32_t bits, uint32_t window, Side& fwd);
    void RememberUnacked(const TcpSegment& s, Side& fwd);
    int64_t TakeAcked(const TcpSegment& s, Side& rev);

    Side m_a, m_b;
    int64_t m_mruSynNs = -1;   //!< capture time of the most recent SYN (not SYN-ACK)
    int64_t m_firstRttNs = -1; //!< tshark's ts_first_rtt
};

} // namespace nslab::trace::detail

#endif
