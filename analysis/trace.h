// nslab-trace: what a pcap says, without ns-3. Reads any Ethernet, PPP,
// raw-IP or 802.11/radiotap capture with libpcap and reports flows, TCP
// expert analysis (tshark's tcp.analysis.* rules), UDP loss/latency from
// nslab's header, IP fragments, and frames lost between two captures.
#ifndef NSLAB_TRACE_H
#define NSLAB_TRACE_H

#include <nlohmann/json.hpp>

#include <array>
#include <memory>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nslab::trace
{

/** \brief A capture that cannot be read at all (missing, not a pcap, unsupported link type). */
class TraceInputError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/** \brief An IPv4 or IPv6 address; IPv4 uses the first 4 bytes. */
struct Address
{
    uint8_t family = 4;                  //!< 4 or 6
    std::array<uint8_t, 16> bytes{};     //!< network byte order
    bool operator==(const Address& o) const { return family == o.family && bytes == o.bytes; }
    std::string ToString() const;
};

/** \brief An address and a port. */
struct Endpoint
{
    Address addr;
    uint16_t port = 0;
    bool operator==(const Endpoint& o) const { return port == o.port && addr == o.addr; }
    std::string ToString() const; //!< 10.0.1.1:5000 or [2001:db8::1]:5000
    /** \return ToString(), or the address alone without a port (0): an end as drops.csv words it */
    std::string ToStringOrAddress() const;
};

/** \brief Summary statistics of a set of samples (seconds). */
struct Samples
{
    uint64_t count = 0;
    double min = 0, max = 0, sum = 0;
    void Add(double v);
    double Mean() const { return count ? sum / count : 0; }
};

/** \brief Counts of tshark's tcp.analysis.* flags, one per frame that carries the flag. */
struct TcpFlags
{
    uint64_t retransmission = 0;        //!< tcp.analysis.retransmission (includes fast and spurious, as tshark)
    uint64_t fastRetransmission = 0;    //!< tcp.analysis.fast_retransmission
    uint64_t spuriousRetransmission = 0; //!< tcp.analysis.spurious_retransmission
    uint64_t outOfOrder = 0;            //!< tcp.analysis.out_of_order
    uint64_t duplicateAck = 0;          //!< tcp.analysis.duplicate_ack
    uint64_t lostSegment = 0;           //!< tcp.analysis.lost_segment ("previous segment not captured")
    uint64_t ackLostSegment = 0;        //!< tcp.analysis.ack_lost_segment ("ACKed unseen segment")
    uint64_t zeroWindow = 0;            //!< tcp.analysis.zero_window
    uint64_t zeroWindowProbe = 0;       //!< tcp.analysis.zero_window_probe
    uint64_t zeroWindowProbeAck = 0;    //!< tcp.analysis.zero_window_probe_ack
    uint64_t windowFull = 0;            //!< tcp.analysis.window_full
    uint64_t windowUpdate = 0;          //!< tcp.analysis.window_update
    uint64_t keepAlive = 0;             //!< tcp.analysis.keep_alive
    uint64_t keepAliveAck = 0;          //!< tcp.analysis.keep_alive_ack
    void operator+=(const TcpFlags& o);
};

/** \brief One direction of a flow, as the capture saw it. */
struct DirectionStats
{
    uint64_t packets = 0;      //!< frames (a reassembled IP datagram counts once)
    uint64_t bytes = 0;        //!< frame bytes on the wire (like tshark's conv tables)
    uint64_t payload = 0;      //!< TCP/UDP payload bytes, retransmissions included
    uint64_t mss = 0;          //!< MSS option of this side's SYN, 0 if none seen
    uint64_t uniquePayload = 0; //!< TCP: payload bytes below the highest sequence number (no retransmissions)
    TcpFlags flags;            //!< TCP analysis flags on frames sent this way
    Samples ackRtt;            //!< tcp.analysis.ack_rtt of the ACKs for this direction's data (on frames sent the other way)
    bool fin = false;          //!< a FIN was sent this way
};

/** \brief nslab's app header statistics of one UDP flow direction (apps/nslab-header.h). */
struct NslabUdpStats
{
    uint64_t datagrams = 0;   //!< datagrams with a valid nslab header
    uint64_t lost = 0;        //!< sequence numbers below the highest seen that never arrived
    uint64_t duplicates = 0;  //!< sequence numbers seen more than once
    uint64_t reordered = 0;   //!< datagrams arriving after one with a higher sequence number
    Samples latency;          //!< capture time - header send time, seconds
};

enum class Protocol : uint8_t
{
    Tcp = 6,
    Udp = 17
};

/** \brief A TCP connection or UDP flow; side a is the side that sent the first packet (the client). */
struct Flow
{
    uint32_t index = 0;     //!< 1-based, in order of first packet; what --ladder FLOW names
    Protocol protocol = Protocol::Tcp;
    Endpoint a, b;
    double first = 0, last = 0; //!< capture times of the first and last packet (s)
    DirectionStats ab, ba;      //!< a->b and b->a
    // TCP only
    bool sawSyn = false, sawSynAck = false, sawFin = false, sawRst = false;
    double initialRtt = -1; //!< tcp.analysis.initial_rtt: most recent SYN to the first ACK after it (s); -1 unknown
    // UDP only
    NslabUdpStats nslabAb, nslabBa;
    double Duration() const { return last - first; }
    /** \return payload bytes per second of one direction (TCP: without retransmissions), 0 if too short */
    double Goodput(const DirectionStats& d) const;
};

/** \brief An IP datagram sent in fragments. */
struct FragmentedDatagram
{
    Address src, dst;
    uint32_t id = 0;          //!< IPv4 identification or IPv6 fragment header id
    uint8_t protocol = 0;     //!< upper-layer protocol
    uint32_t fragments = 0;   //!< fragments captured
    uint32_t length = 0;      //!< reassembled payload length if the last fragment was seen, else 0
    uint32_t missingBytes = 0; //!< bytes of the datagram that no captured fragment holds
    bool complete = false;
    double first = 0;         //!< capture time of its first fragment
    bool lastSeen = false;    //!< the last fragment (no "more fragments" flag) was captured
    /** Incomplete datagrams: [offset, end) of each distinct fragment captured, in offset order. */
    std::vector<std::pair<uint32_t, uint32_t>> captured;
};

/** \brief Everything learnt from one capture. */
struct TraceReport
{
    std::string file;
    std::string linkType;                  //!< libpcap's name of the link type (EN10MB, PPP, ...)
    uint64_t frames = 0;                   //!< frames read
    uint64_t ipPackets = 0;                //!< frames that held an IPv4 or IPv6 packet
    uint64_t skipped = 0;                  //!< frames without IP (ARP, beacons, 802.11 control/protected, ...)
    uint64_t malformed = 0;                //!< IP packets too short or inconsistent to decode
    double first = 0, last = 0;            //!< capture time of the first and last frame (s)
    std::vector<Flow> flows;               //!< in order of first packet
    std::vector<FragmentedDatagram> fragmented;
    std::vector<std::string> warnings;     //!< e.g. a truncated file: the report is partial
};

/** \brief One TCP segment of a flow, for ladder diagrams and time-sequence plots. */
struct SegmentEvent
{
    uint64_t frame = 0;    //!< 1-based frame number in the capture
    double time = 0;
    bool fromA = true;     //!< sent by the flow's side a
    uint8_t tcpFlags = 0;  //!< FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
    uint32_t seq = 0, ack = 0; //!< relative to each side's first sequence number (as tshark shows)
    uint32_t length = 0;   //!< payload bytes
    uint32_t window = 0;   //!< scaled window when the scale is known
    uint32_t analysis = 0; //!< bits of AnalysisBit
    bool lostOnTheWay = false; //!< set by MarkLost: the other capture never saw it
};

/** \brief Bits of SegmentEvent::analysis, one per tshark flag. */
enum AnalysisBit : uint32_t
{
    kRetransmission = 1u << 0,
    kFastRetransmission = 1u << 1,
    kSpuriousRetransmission = 1u << 2,
    kOutOfOrder = 1u << 3,
    kDuplicateAck = 1u << 4,
    kLostSegment = 1u << 5,
    kAckLostSegment = 1u << 6,
    kZeroWindow = 1u << 7,
    kZeroWindowProbe = 1u << 8,
    kZeroWindowProbeAck = 1u << 9,
    kWindowFull = 1u << 10,
    kWindowUpdate = 1u << 11,
    kKeepAlive = 1u << 12,
    kKeepAliveAck = 1u << 13,
};

/** \brief What to collect besides the tables. */
struct TraceOptions
{
    uint32_t segmentsOfFlow = 0; //!< collect SegmentEvents of this flow (1-based index), 0: none
};

/** \brief The tables plus the segments of the flow that TraceOptions asked for. */
struct Trace
{
    TraceReport report;
    std::vector<SegmentEvent> segments;
};

/**
 * \brief Read and analyse a capture.
 * \throw TraceInputError if the file cannot be opened as a capture or its link type is not supported;
 *        a capture that breaks off part way gives a partial report with a warning instead.
 */
Trace AnalyzeFile(const std::string& path, const TraceOptions& options = {});

/** \brief Read and analyse a capture held in memory (the fuzz target's entry). */
Trace AnalyzeBuffer(const uint8_t* data, size_t size, const std::string& name, const TraceOptions& options = {});

/** \brief One IP packet of a capture, as the report's step-through shows it. */
struct CapturedPacket
{
    uint64_t frame = 0;    //!< 1-based frame number in the capture
    int64_t timeNs = 0;    //!< capture time
    uint64_t hash = 0;     //!< of the IP packet: the same packet in another capture of its link has it
    uint32_t size = 0;     //!< bytes on the wire
    Address src, dst;
    uint8_t protocol = 0;  //!< 6 TCP, 17 UDP, 1 and 58 ICMP...
    uint16_t srcPort = 0, dstPort = 0; //!< TCP and UDP (not in a later fragment)
    uint32_t seq = 0, ack = 0;         //!< TCP, absolute
    uint32_t length = 0;   //!< TCP or UDP payload bytes
    uint8_t tcpFlags = 0;  //!< FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10
    int64_t nslabSeq = -1; //!< the nslab header's sequence number, -1 without one
    int64_t fragmentOffset = -1; //!< bytes, -1 for a packet that is not a fragment
};

/**
 * \brief What a dropped packet was, from its bytes alone: an Ethernet, PPP or
 * 802.11 frame, an LLC/SNAP-framed MSDU, or an IP packet.
 * \return false if no IP packet is found in them; else out holds what it was (frame and time 0)
 */
bool DescribeBytes(const uint8_t* data, size_t size, CapturedPacket& out);

/**
 * \brief The IP packets of a capture, one at a time, in order (frames without
 * IP, such as ARP and 802.11 management, are skipped; an 802.11 retry is
 * read once): a reader of many captures keeps only what it needs.
 */
class PacketReader
{
  public:
    /** \throw TraceInputError if the file is missing or not a capture */
    explicit PacketReader(const std::string& path);
    ~PacketReader();
    PacketReader(const PacketReader&) = delete;
    PacketReader& operator=(const PacketReader&) = delete;
    PacketReader(PacketReader&&) noexcept;
    /** \return false at the end, or where the capture breaks off (see Error) */
    bool Next(CapturedPacket& packet);
    /** \return why reading stopped early, empty at a clean end */
    std::string Error() const;

  private:
    struct State;
    std::unique_ptr<State> m_state;
};

/** \brief A frame that one capture of a link holds and the other does not. */
struct LostFrame
{
    uint64_t frame = 0;   //!< frame number in the capture that holds it
    double time = 0;      //!< its capture time there
    bool inFirst = true;  //!< held by the first capture (sent from its side), else by the second
    std::string what;     //!< e.g. "TCP 10.0.1.1:49153 -> 10.0.1.2:5000 seq=14481 len=1448"
    std::string source, destination;   //!< address[:port], as drops.csv writes them
    int64_t tcpSeq = -1, nslabSeq = -1; //!< -1: none
    std::string cause; //!< why, from the run's drops.csv (ExplainLost): "random at bob"; empty if unknown
};

/**
 * \brief Frames of the same link that only one of two captures holds:
 * for captures taken at the two ends, frames lost on the way.
 * Frames are matched by their IP packet's bytes (link headers ignored).
 * \throw TraceInputError as AnalyzeFile
 */
/**
 * \brief Say why each lost frame was lost, from the drops.csv of the run that
 * wrote the captures: the first row not yet taken, dropped no earlier than
 * the frame was captured, with the same endpoints and sequence number.
 * \return how many frames it explained (none if the file is missing)
 */
size_t ExplainLost(std::vector<LostFrame>& lost, const std::string& dropsCsv);

std::vector<LostFrame> FindLostFrames(const std::string& first, const std::string& second,
                                      std::vector<std::string>* warnings = nullptr);

/** \brief The flow table, TCP analysis, UDP and fragments as text for a terminal. */
std::string ReportText(const TraceReport& report);

/** \brief The same tables as JSON (what --json prints). */
nlohmann::json ReportJson(const TraceReport& report);

/** \brief The lost-frames table as text and as JSON. */
std::string LostText(const std::vector<LostFrame>& lost, const std::string& first, const std::string& second);
nlohmann::json LostJson(const std::vector<LostFrame>& lost);

/**
 * \brief Choose a flow by a user's words: its index ("3"), or an endpoint
 * ("10.0.1.1:49153", ":5000"); empty: the TCP flow with the most bytes.
 * \return the 1-based index, or 0 if none matches
 */
uint32_t SelectFlow(const TraceReport& report, const std::string& spec);

/** \brief A ladder (sequence) diagram of one TCP flow for the terminal; at most maxRows segments (0: all). */
std::string LadderText(const Flow& flow, const std::vector<SegmentEvent>& segments, size_t maxRows);

/** \brief The same ladder diagram as an SVG document. */
std::string LadderSvg(const Flow& flow, const std::vector<SegmentEvent>& segments, size_t maxRows);

/** \return true if some segment carries data: a time-sequence graph has something to show. */
bool CarriesData(const std::vector<SegmentEvent>& segments);

/**
 * \brief Draw a time-sequence (Stevens) graph and throughput over time of one
 * TCP flow with gnuplot, as BASE.png and BASE.svg (script BASE.gp, data BASE.dat).
 * \return the image files written
 * \throw TraceInputError, before writing anything, if no segment carries data
 * \throw std::runtime_error if gnuplot is missing or fails
 */
std::vector<std::string> PlotFlow(const Flow& flow, const std::vector<SegmentEvent>& segments,
                                  const std::string& base);

/** \brief Human names of the bits set in an AnalysisBit mask, e.g. "retransmission, dup ack". */
std::string AnalysisNames(uint32_t bits);

} // namespace nslab::trace

#endif
