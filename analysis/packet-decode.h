// Internal to nslab-trace: bounds-checked decoding of link layers, IP, TCP
// and UDP headers in place (no copies, no allocations).
#ifndef NSLAB_PACKET_DECODE_H
#define NSLAB_PACKET_DECODE_H

#include "trace.h"

#include <cstdint>
#define XXH_INLINE_ALL // small keys: inlined, no call into the shared library
#include <xxhash.h>
#include <vector>

namespace nslab::trace::detail
{

/** \brief Where a frame's IP packet starts, or why there is none. */
struct NetworkLayer
{
    const uint8_t* data = nullptr;
    uint32_t length = 0; //!< captured bytes from the IP header on
};

/**
 * \brief 802.11 retries: a data frame with the retry bit and the same sequence
 * control as the previous data frame between the same two stations. tshark
 * passes them to IP like any frame (a TCP segment seen twice is a TCP
 * retransmission), and so does the analysis; the lost-frame finder skips them.
 */
class WifiRetries
{
  public:
    /** \return true if this frame repeats the previous one of its station pair */
    bool IsRepeat(const uint8_t* addr1, const uint8_t* addr2, uint16_t seqCtl, bool retry);

  private:
    struct Last
    {
        uint8_t pair[12];
        uint16_t seqCtl;
    };
    std::vector<Last> m_last; //!< few stations per capture: a linear search beats hashing
};

/**
 * \brief Find the IP packet in a frame of link type dlt (libpcap's DLT_*).
 * \param retries if not null, 802.11 retries it recognises count as frames without IP
 * \return false if the frame holds no IP packet (ARP, management, protected, too short)
 */
bool FindNetworkLayer(int dlt, const uint8_t* frame, uint32_t length, WifiRetries* retries, NetworkLayer& out);

/** \return true if libpcap's link type dlt is one FindNetworkLayer understands */
bool SupportedLinkType(int dlt);

/** \brief A decoded IPv4 or IPv6 header. */
struct IpPacket
{
    Address src, dst;
    uint8_t protocol = 0;       //!< upper layer after extension headers
    uint32_t payloadLength = 0; //!< upper-layer bytes the header declares (fragment payload for fragments)
    const uint8_t* payload = nullptr;
    uint32_t payloadCaptured = 0; //!< of payloadLength, bytes present in the capture
    bool fragment = false;      //!< a fragment (offset > 0 or more fragments follow)
    uint32_t fragmentId = 0;
    uint32_t fragmentOffset = 0; //!< bytes
    bool moreFragments = false;
    const uint8_t* header = nullptr; //!< start of the IP header
    uint32_t captured = 0;           //!< captured bytes from header on (at most the IP length)
};

/** \return false if the bytes are not a well-formed IPv4/IPv6 header */
bool DecodeIp(const uint8_t* data, uint32_t length, IpPacket& out);

/** \brief A decoded TCP header. */
struct TcpHeader
{
    uint16_t srcPort = 0, dstPort = 0;
    uint32_t seq = 0, ack = 0;
    uint8_t flags = 0;
    uint16_t window = 0;   //!< as on the wire (unscaled)
    uint16_t mss = 0;      //!< MSS option, 0 if absent
    int8_t windowScale = -1; //!< window scale option, -1 if absent
    uint32_t payloadLength = 0; //!< from the IP length, not the capture length
    const uint8_t* payload = nullptr;
    uint32_t payloadCaptured = 0;
};

/** \return false if the segment is too short for its header */
bool DecodeTcp(const uint8_t* data, uint32_t declared, uint32_t captured, TcpHeader& out);

/** \brief A decoded UDP header. */
struct UdpHeader
{
    uint16_t srcPort = 0, dstPort = 0;
    uint32_t payloadLength = 0;
    const uint8_t* payload = nullptr;
    uint32_t payloadCaptured = 0;
};

/** \return false if the datagram is too short for its header */
bool DecodeUdp(const uint8_t* data, uint32_t declared, uint32_t captured, UdpHeader& out);

/** \brief nslab's 24-byte app header (apps/nslab-header.h), read without ns-3. */
struct NslabHeader
{
    uint32_t app = 0, seq = 0, length = 0;
    int64_t sentNs = 0;
};

/** \return true if the payload starts with a valid nslab header (magic "NS", version 1) */
bool DecodeNslab(const uint8_t* data, uint32_t captured, NslabHeader& out);

constexpr uint8_t kFin = 0x01, kSyn = 0x02, kRst = 0x04, kPsh = 0x08, kAck = 0x10;

inline uint16_t
Be16(const uint8_t* p)
{
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

inline uint32_t
Be32(const uint8_t* p)
{
    return uint32_t(p[0]) << 24 | uint32_t(p[1]) << 16 | uint32_t(p[2]) << 8 | p[3];
}

/**
 * \brief XXH3 (xxHash), 64 bits: eight bytes a step, where FNV-1a's byte a
 * step made hashing a packet's first 128 bytes the largest cost of reading a capture.
 */
inline uint64_t
Hash64(const void* data, size_t size, uint64_t seed = 0)
{
    return XXH3_64bits_withSeed(data, size, seed);
}

} // namespace nslab::trace::detail

#endif
