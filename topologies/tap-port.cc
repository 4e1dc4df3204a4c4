#include "tap-port.h"

#include "ns3/fd-net-device.h"
#include "ns3/node.h"
#include "ns3/traffic-control-layer.h"

namespace nslab
{

namespace
{

constexpr uint16_t kIpv4 = 0x0800;
constexpr uint16_t kIpv6 = 0x86DD;
constexpr uint16_t kArp = 0x0806;

/**
 * \return why ns-3 must not take an IPv6 packet ("" if it may): ns-3.37
 * answers an unknown next header or hop-by-hop option with a parameter
 * problem whose route lookup crashes it, and it acts on router
 * advertisements and redirects, which nslab's hosts do not take. So: TCP,
 * UDP or ICMPv6, behind at most a hop-by-hop header (padding and router
 * alert only, as Linux's MLD reports have) and a fragment header.
 */
std::string
Ipv6Refusal(const uint8_t* head, uint32_t size)
{
    uint8_t next = head[6];
    uint32_t at = 40;
    if (next == 0 && at + 8 <= size) // hop-by-hop
    {
        uint32_t end = at + (head[at + 1] + 1u) * 8;
        for (uint32_t o = at + 2; o < end;)
        {
            if (o >= size || (head[o] != 0 && (o + 2 > size || (head[o] != 1 && head[o] != 5))))
            {
                return "tap: IPv6 option nslab's hosts do not take";
            }
            o += head[o] == 0 ? 1 : 2u + head[o + 1];
        }
        next = head[at];
        at = end;
    }
    if (next == 44 && at + 8 <= size) // fragment
    {
        next = head[at];
        at += 8;
    }
    if (next != 6 && next != 17 && next != 58)
    {
        return "tap: IPv6 next header nslab's hosts do not take";
    }
    bool icmp = next == 58 && at < size;
    return icmp && (head[at] == 134 || head[at] == 137) ? "tap: router advertisement or redirect" : "";
}

/**
 * \return why ns-3 must not parse a frame a real program's Linux sent ("" if
 * it may): ns-3 trusts what its own stack wrote, and some malformed frames
 * (an ARP address longer than 16 bytes, a truncated IP packet) crash it.
 * Frames FdNetDevice read whole are at most the MTU: a longer one (a tap MTU
 * raised by the program) arrives cut, its IP length then larger than the frame.
 */
std::string
Refusal(const ns3::Packet& packet, uint16_t protocol)
{
    uint8_t head[256] = {};
    uint32_t size = packet.GetSize();
    packet.CopyData(head, std::min<uint32_t>(size, sizeof head));
    auto word = [&head](size_t i) { return static_cast<uint32_t>(head[i] << 8 | head[i + 1]); };
    switch (protocol)
    {
    case kArp: // Ethernet and IPv4 only, as ns-3's ArpHeader reads them
        return size >= 28 && word(0) == 1 && word(2) == kIpv4 && head[4] == 6 && head[5] == 4 ? ""
                                                                                              : "tap: malformed ARP";
    case kIpv4: {
        uint32_t header = (head[0] & 0x0f) * 4u;
        if (size < 20 || head[0] >> 4 != 4 || header < 20 || word(2) < header)
        {
            return "tap: malformed IPv4";
        }
        return word(2) > size ? "tap: frame longer than the link's MTU" : "";
    }
    case kIpv6: {
        if (size < 40 || head[0] >> 4 != 6)
        {
            return "tap: malformed IPv6";
        }
        if (40 + word(4) > size)
        {
            return "tap: frame longer than the link's MTU";
        }
        return Ipv6Refusal(head, std::min<uint32_t>(size, sizeof head));
    }
    default:
        return "tap: not IPv4, IPv6 or ARP";
    }
}

} // namespace

ns3::Ptr<ns3::NetDevice>
ConnectTap(ns3::Ptr<ns3::NetDevice> device, int fd, bool ipOnly, HostDrops* drops)
{
    auto node = device->GetNode();
    auto tap = ns3::CreateObject<ns3::FdNetDevice>();
    tap->SetAddress(device->GetAddress());
    // FdNetDevice reads MTU + 22 bytes: a tap MTU above it would cut frames silently.
    tap->SetMtu(device->GetMtu());
    tap->SetEncapsulationMode(ns3::FdNetDevice::DIX);
    tap->SetFileDescriptor(fd);
    node->AddDevice(tap);
    node->RegisterProtocolHandler(
        ns3::Node::ProtocolHandler([tap](ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> packet, uint16_t protocol,
                                         const ns3::Address& from, const ns3::Address& to, ns3::NetDevice::PacketType) {
            tap->SendFrom(packet->Copy(), from, to, protocol);
        }),
        0, device, false);
    auto tc = node->GetObject<ns3::TrafficControlLayer>();
    node->RegisterProtocolHandler(
        ns3::Node::ProtocolHandler([device, tc, ipOnly, drops](ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> packet,
                                                               uint16_t protocol, const ns3::Address&,
                                                               const ns3::Address& to, ns3::NetDevice::PacketType) {
            if (ipOnly && protocol != kIpv4 && protocol != kIpv6)
            {
                return; // PPP carries IP only (the tap has IFF_NOARP: nothing else is expected)
            }
            std::string refusal = Refusal(*packet, protocol);
            if (!refusal.empty())
            {
                drops->Add(refusal, packet);
                return;
            }
            tc->Send(device, ns3::Create<WholeFrameItem>(packet->Copy(), to, protocol));
        }),
        0, tap, true);
    return tap;
}

} // namespace nslab
