#include "packet-decode.h"

#include <pcap/dlt.h>

#include <algorithm>
#include <cstring>

namespace nslab::trace::detail
{

namespace
{

constexpr uint16_t kEtherIpv4 = 0x0800, kEtherIpv6 = 0x86DD;

inline uint16_t
Le16(const uint8_t* p)
{
    return static_cast<uint16_t>(p[0] | p[1] << 8);
}

inline uint32_t
Le32(const uint8_t* p)
{
    return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}

/** Accept the bytes from offset on as an IP packet if the ethertype says so. */
bool
IpAfter(uint16_t etherType, const uint8_t* frame, uint32_t length, uint32_t offset, NetworkLayer& out)
{
    if ((etherType != kEtherIpv4 && etherType != kEtherIpv6) || offset >= length)
    {
        return false;
    }
    out.data = frame + offset;
    out.length = length - offset;
    return true;
}

bool
Ethernet(const uint8_t* frame, uint32_t length, NetworkLayer& out)
{
    uint32_t offset = 12;
    // Up to two VLAN tags (802.1Q, 802.1ad) before the real ethertype.
    for (int tags = 0; tags < 3 && offset + 2 <= length; ++tags)
    {
        uint16_t type = Be16(frame + offset);
        if (type != 0x8100 && type != 0x88A8)
        {
            return IpAfter(type, frame, length, offset + 2, out);
        }
        offset += 4;
    }
    return false;
}

bool
Ppp(const uint8_t* frame, uint32_t length, NetworkLayer& out)
{
    // ns-3 writes only the 2-byte protocol; HDLC-framed captures add FF 03.
    uint32_t offset = (length >= 2 && frame[0] == 0xFF && frame[1] == 0x03) ? 2 : 0;
    if (offset >= length)
    {
        return false;
    }
    uint16_t protocol = frame[offset];
    if ((protocol & 1) == 0) // not compressed to one byte (RFC 1661, 6.5)
    {
        if (offset + 2 > length)
        {
            return false;
        }
        protocol = Be16(frame + offset);
        offset += 1;
    }
    offset += 1;
    uint16_t etherType = protocol == 0x21 ? kEtherIpv4 : protocol == 0x57 ? kEtherIpv6 : 0;
    return IpAfter(etherType, frame, length, offset, out);
}

bool
RawIp(const uint8_t* frame, uint32_t length, NetworkLayer& out)
{
    if (length == 0)
    {
        return false;
    }
    uint8_t version = frame[0] >> 4;
    return IpAfter(version == 4 ? kEtherIpv4 : version == 6 ? kEtherIpv6 : 0, frame, length, 0, out);
}

/** Radiotap: skip its length; drop the FCS if the flags field says it is there, and bad-FCS frames. */
bool
Radiotap(const uint8_t* frame, uint32_t& length, uint32_t& offset)
{
    if (length < 8 || frame[0] != 0)
    {
        return false;
    }
    uint32_t headerLength = Le16(frame + 2);
    if (headerLength < 8 || headerLength > length)
    {
        return false;
    }
    uint32_t present = Le32(frame + 4);
    uint32_t fieldOffset = 8;
    // Extended presence bitmaps follow while bit 31 is set.
    for (uint32_t word = present; word & 0x80000000u; fieldOffset += 4)
    {
        if (fieldOffset + 4 > headerLength)
        {
            return false;
        }
        word = Le32(frame + fieldOffset);
    }
    if (present & 0x1) // TSFT: 8 bytes, 8-aligned, before the flags
    {
        fieldOffset = ((fieldOffset + 7) & ~7u) + 8;
    }
    if ((present & 0x2) && fieldOffset < headerLength)
    {
        uint8_t flags = frame[fieldOffset];
        if (flags & 0x40) // bad FCS: the frame is garbage
        {
            return false;
        }
        if (flags & 0x10) // FCS at the end
        {
            if (length < headerLength + 4)
            {
                return false;
            }
            length -= 4;
        }
    }
    offset = headerLength;
    return true;
}

/** An 802.11 data frame's LLC/SNAP payload, unless it is not data, protected, an A-MSDU or a skipped retry. */
bool
Ieee80211(const uint8_t* frame, uint32_t length, uint32_t offset, WifiRetries* retries, NetworkLayer& out)
{
    const uint8_t* h = frame + offset;
    uint32_t available = length - offset;
    if (available < 24)
    {
        return false;
    }
    uint8_t type = (h[0] >> 2) & 3, subtype = h[0] >> 4, flags = h[1];
    if (type != 2 || (subtype & 0x4) || (flags & 0x40)) // not data, null data, protected
    {
        return false;
    }
    uint32_t headerLength = 24 + ((flags & 0x03) == 0x03 ? 6 : 0);
    bool qos = subtype & 0x8;
    if (qos)
    {
        if (available < headerLength + 2 || (h[headerLength] & 0x80)) // A-MSDU: not unpacked
        {
            return false;
        }
        headerLength += 2 + ((flags & 0x80) ? 4 : 0); // HT control
    }
    if (retries && retries->IsRepeat(h + 4, h + 10, Le16(h + 22), flags & 0x08))
    {
        return false;
    }
    const uint8_t* llc = h + headerLength;
    if (available < headerLength + 8 || llc[0] != 0xAA || llc[1] != 0xAA || llc[2] != 0x03)
    {
        return false;
    }
    return IpAfter(Be16(llc + 6), frame, length, offset + headerLength + 8, out);
}

} // namespace

bool
WifiRetries::IsRepeat(const uint8_t* addr1, const uint8_t* addr2, uint16_t seqCtl, bool retry)
{
    uint8_t pair[12];
    std::memcpy(pair, addr1, 6);
    std::memcpy(pair + 6, addr2, 6);
    for (auto& last : m_last)
    {
        if (std::memcmp(last.pair, pair, 12) == 0)
        {
            bool repeat = retry && last.seqCtl == seqCtl;
            last.seqCtl = seqCtl;
            return repeat;
        }
    }
    if (m_last.size() < 4096) // a hostile capture must not grow this without bound
    {
        Last last;
        std::memcpy(last.pair, pair, 12);
        last.seqCtl = seqCtl;
        m_last.push_back(last);
    }
    return false;
}

bool
SupportedLinkType(int dlt)
{
    switch (dlt)
    {
    case DLT_NULL:
    case DLT_LOOP:
    case DLT_EN10MB:
    case DLT_PPP:
    case DLT_PPP_SERIAL:
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
    case DLT_LINUX_SLL:
    case DLT_LINUX_SLL2:
    case DLT_IEEE802_11:
    case DLT_IEEE802_11_RADIO:
        return true;
    default:
        return false;
    }
}

bool
FindNetworkLayer(int dlt, const uint8_t* frame, uint32_t length, WifiRetries* retries, NetworkLayer& out)
{
    uint32_t offset = 0;
    switch (dlt)
    {
    case DLT_EN10MB:
        return Ethernet(frame, length, out);
    case DLT_PPP:
    case DLT_PPP_SERIAL:
        return Ppp(frame, length, out);
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        return RawIp(frame, length, out);
    case DLT_NULL:
    case DLT_LOOP: // 4-byte address family in either byte order; the IP version says the rest
        return length > 4 && RawIp(frame + 4, length - 4, out);
    case DLT_LINUX_SLL:
        return length >= 16 && IpAfter(Be16(frame + 14), frame, length, 16, out);
    case DLT_LINUX_SLL2:
        return length >= 20 && IpAfter(Be16(frame), frame, length, 20, out);
    case DLT_IEEE802_11:
        return Ieee80211(frame, length, 0, retries, out);
    case DLT_IEEE802_11_RADIO:
        return Radiotap(frame, length, offset) && Ieee80211(frame, length, offset, retries, out);
    default:
        return false;
    }
}

namespace
{

bool
DecodeIpv4(const uint8_t* d, uint32_t length, IpPacket& out)
{
    uint32_t headerLength = (d[0] & 0x0F) * 4u;
    uint32_t total = Be16(d + 2);
    if (headerLength < 20 || length < headerLength || total < headerLength)
    {
        return false;
    }
    out.src.family = out.dst.family = 4;
    std::memcpy(out.src.bytes.data(), d + 12, 4);
    std::memcpy(out.dst.bytes.data(), d + 16, 4);
    out.protocol = d[9];
    uint16_t fragmentField = Be16(d + 6);
    out.moreFragments = fragmentField & 0x2000;
    out.fragmentOffset = (fragmentField & 0x1FFFu) * 8u;
    out.fragment = out.moreFragments || out.fragmentOffset > 0;
    out.fragmentId = Be16(d + 4);
    out.payloadLength = total - headerLength;
    out.payload = d + headerLength;
    out.captured = std::min(length, total);
    out.payloadCaptured = out.captured - headerLength;
    return true;
}

/** Walk IPv6 extension headers up to the upper layer, noting a fragment header. */
bool
DecodeIpv6(const uint8_t* d, uint32_t length, IpPacket& out)
{
    if (length < 40)
    {
        return false;
    }
    out.src.family = out.dst.family = 6;
    std::memcpy(out.src.bytes.data(), d + 8, 16);
    std::memcpy(out.dst.bytes.data(), d + 24, 16);
    uint32_t total = 40u + Be16(d + 4);
    out.captured = std::min(length, total);
    uint8_t next = d[6];
    uint32_t offset = 40;
    // Each extension header is at least 8 bytes, so the walk ends within the packet.
    while (next == 0 || next == 43 || next == 60 || next == 44 || next == 51)
    {
        if (offset + 8 > out.captured)
        {
            return false;
        }
        const uint8_t* ext = d + offset;
        if (next == 44) // fragment header: fixed 8 bytes
        {
            uint16_t field = Be16(ext + 2);
            out.fragmentOffset = (field & 0xFFF8u);
            out.moreFragments = field & 1;
            out.fragment = true;
            out.fragmentId = Be32(ext + 4);
            next = ext[0];
            offset += 8;
            continue;
        }
        uint32_t extLength = next == 51 ? (ext[1] + 2u) * 4u : (ext[1] + 1u) * 8u;
        next = ext[0];
        offset += extLength;
    }
    if (offset > out.captured)
    {
        return false;
    }
    out.protocol = next;
    out.payload = d + offset;
    out.payloadLength = total - offset;
    out.payloadCaptured = out.captured - offset;
    return true;
}

} // namespace

bool
DecodeIp(const uint8_t* data, uint32_t length, IpPacket& out)
{
    out = IpPacket{};
    out.header = data;
    if (length < 20)
    {
        return false;
    }
    uint8_t version = data[0] >> 4;
    return version == 4 ? DecodeIpv4(data, length, out) : version == 6 && DecodeIpv6(data, length, out);
}

bool
DecodeTcp(const uint8_t* d, uint32_t declared, uint32_t captured, TcpHeader& out)
{
    if (captured < 20 || declared < 20)
    {
        return false;
    }
    uint32_t headerLength = (d[12] >> 4) * 4u;
    if (headerLength < 20 || headerLength > declared)
    {
        return false;
    }
    out.srcPort = Be16(d);
    out.dstPort = Be16(d + 2);
    out.seq = Be32(d + 4);
    out.ack = Be32(d + 8);
    out.flags = d[13];
    out.window = Be16(d + 14);
    out.mss = 0;
    out.windowScale = -1;
    uint32_t optionsEnd = std::min(headerLength, captured);
    for (uint32_t i = 20; i < optionsEnd;)
    {
        uint8_t kind = d[i];
        if (kind == 0)
        {
            break;
        }
        if (kind == 1 || i + 1 >= optionsEnd || d[i + 1] < 2)
        {
            i += kind == 1 ? 1 : optionsEnd; // NOP, or a broken option that ends the list
            continue;
        }
        uint8_t len = d[i + 1];
        if (kind == 2 && len == 4 && i + 4 <= optionsEnd)
        {
            out.mss = Be16(d + i + 2);
        }
        else if (kind == 3 && len == 3 && i + 3 <= optionsEnd)
        {
            out.windowScale = static_cast<int8_t>(std::min<uint8_t>(d[i + 2], 14)); // RFC 7323: at most 14
        }
        i += len;
    }
    out.payloadLength = declared - headerLength;
    out.payload = d + std::min(headerLength, captured);
    out.payloadCaptured = captured > headerLength ? std::min(captured - headerLength, out.payloadLength) : 0;
    return true;
}

bool
DecodeUdp(const uint8_t* d, uint32_t declared, uint32_t captured, UdpHeader& out)
{
    if (captured < 8 || declared < 8)
    {
        return false;
    }
    out.srcPort = Be16(d);
    out.dstPort = Be16(d + 2);
    uint32_t udpLength = Be16(d + 4);
    // The UDP length may be 0 (IPv6 jumbograms) or lie; the IP length is the bound.
    out.payloadLength = (udpLength >= 8 && udpLength <= declared ? udpLength : declared) - 8;
    out.payload = d + 8;
    out.payloadCaptured = std::min(captured - 8, out.payloadLength);
    return true;
}

bool
DecodeNslab(const uint8_t* d, uint32_t captured, NslabHeader& out)
{
    if (captured < 24 || Be16(d) != 0x4E53 || d[2] != 1)
    {
        return false;
    }
    out.app = Be32(d + 4);
    out.seq = Be32(d + 8);
    out.length = Be32(d + 12);
    out.sentNs = static_cast<int64_t>(uint64_t(Be32(d + 16)) << 32 | Be32(d + 20));
    return true;
}

} // namespace nslab::trace::detail
