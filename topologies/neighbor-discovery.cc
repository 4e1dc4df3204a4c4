#include "neighbor-discovery.h"

#include "ns3/arp-cache.h"
#include "ns3/arp-header.h"
#include "ns3/arp-l3-protocol.h"
#include "ns3/icmpv6-header.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/icmpv6-l4-protocol.h"
#include "ns3/ipv6-header.h"
#include "ns3/ipv6-interface.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ndisc-cache.h"

namespace nslab
{

namespace
{

bool
IsAddressOf(const ns3::Ptr<ns3::Ipv6Interface>& iface, const ns3::Ipv6Address& address)
{
    for (uint32_t i = 0; i < iface->GetNAddresses(); ++i)
    {
        if (iface->GetAddress(i).GetAddress() == address)
        {
            return true;
        }
    }
    return false;
}

/** The Rx trace: packet with its IPv6 header, before the stack handles it. */
void
OnReceive(ns3::Ipv6L3Protocol* ipv6, ns3::Ptr<const ns3::Packet> received, uint32_t interface)
{
    ns3::Ptr<ns3::Packet> packet = received->Copy();
    ns3::Ipv6Header ip;
    packet->RemoveHeader(ip);
    ns3::Icmpv6Header icmp;
    if (ip.GetNextHeader() != ns3::Icmpv6L4Protocol::PROT_NUMBER || ip.GetSource().IsAny() ||
        packet->GetSize() < icmp.GetSerializedSize())
    {
        return;
    }
    packet->PeekHeader(icmp);
    if (icmp.GetType() != ns3::Icmpv6Header::ICMPV6_ND_NEIGHBOR_SOLICITATION)
    {
        return;
    }
    ns3::Ptr<ns3::Ipv6Interface> iface = ipv6->GetInterface(interface);
    ns3::Ptr<ns3::NdiscCache> cache = iface->GetNdiscCache();
    ns3::NdiscCache::Entry* entry = cache ? cache->Lookup(ip.GetSource()) : nullptr;
    if (!entry || !entry->IsIncomplete())
    {
        return;
    }
    ns3::Icmpv6NS solicitation;
    packet->RemoveHeader(solicitation);
    uint8_t option = 0;
    if (!IsAddressOf(iface, solicitation.GetIpv6Target()) || packet->GetSize() == 0 ||
        (packet->CopyData(&option, 1), option != ns3::Icmpv6Header::ICMPV6_OPT_LINK_LAYER_SOURCE))
    {
        return; // HandleNS ignores it or leaves the entry as it is
    }
    ns3::Icmpv6OptionLinkLayerAddress source(true);
    packet->RemoveHeader(source);
    // What HandleNS is about to do, but keeping the queue: the same address, STALE.
    auto waiting = entry->MarkStale(source.GetAddress());
    entry->ClearWaitingPacket();
    for (const auto& [payload, header] : waiting)
    {
        iface->Send(payload, header, ip.GetSource()); // STALE -> DELAY, as any first packet
    }
}

/** An ARP frame that reached the node through one of its devices. */
void
OnArp(ns3::Ipv4L3Protocol* ipv4, ns3::Ptr<ns3::NetDevice> device, ns3::Ptr<const ns3::Packet> packet)
{
    ns3::ArpHeader arp;
    int32_t index = ipv4->GetInterfaceForDevice(device);
    if (index < 0 || packet->PeekHeader(arp) == 0 || !arp.IsRequest())
    {
        return;
    }
    ns3::Ptr<ns3::Ipv4Interface> iface = ipv4->GetInterface(index);
    ns3::Ptr<ns3::ArpCache> cache = iface->GetArpCache();
    bool ours = false;
    for (uint32_t a = 0; a < iface->GetNAddresses(); ++a)
    {
        ours = ours || iface->GetAddress(a).GetLocal() == arp.GetDestinationIpv4Address();
    }
    ns3::Ipv4Address requester = arp.GetSourceIpv4Address();
    ns3::ArpCache::Entry* entry = cache && ours && !requester.IsAny() ? cache->Lookup(requester) : nullptr;
    if (!cache || !ours || requester.IsAny() || (entry && !entry->IsWaitReply()))
    {
        return;
    }
    if (!entry)
    {
        // ArpCache's API makes an entry ALIVE only from WAIT_REPLY, which needs
        // a pending packet: pass through that state with an empty one.
        entry = cache->Add(requester);
        entry->MarkWaitReply({ns3::Create<ns3::Packet>(), ns3::Ipv4Header()});
        entry->ClearPendingPacket();
    }
    // Our own request may have crossed theirs (or been lost): what waited for
    // the answer leaves now, as on Linux, where the request updates the entry.
    entry->MarkAlive(arp.GetSourceHardwareAddress());
    for (auto pending = entry->DequeuePending(); pending.first; pending = entry->DequeuePending())
    {
        iface->Send(pending.first, pending.second, requester);
    }
}

} // namespace

void
LearnFromArpRequests(ns3::Ptr<ns3::Node> node)
{
    auto ipv4 = node->GetObject<ns3::Ipv4L3Protocol>();
    if (!ipv4 || !node->GetObject<ns3::ArpL3Protocol>())
    {
        return;
    }
    ns3::Ipv4L3Protocol* raw = ns3::PeekPointer(ipv4); // the node holds the handler: no Ptr cycle
    node->RegisterProtocolHandler(
        ns3::Callback<void, ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet>, uint16_t, const ns3::Address&,
                      const ns3::Address&, ns3::NetDevice::PacketType>(
            [raw](ns3::Ptr<ns3::NetDevice> device, ns3::Ptr<const ns3::Packet> packet, uint16_t, const ns3::Address&,
                  const ns3::Address&, ns3::NetDevice::PacketType) { OnArp(raw, device, packet); }),
        ns3::ArpL3Protocol::PROT_NUMBER, nullptr);
}

void
SendQueuedOnSolicitation(ns3::Ptr<ns3::Node> node)
{
    auto ipv6 = node->GetObject<ns3::Ipv6L3Protocol>();
    if (!ipv6)
    {
        return;
    }
    // A raw pointer: the protocol owns its trace, a Ptr would keep it alive.
    ns3::Ipv6L3Protocol* raw = ns3::PeekPointer(ipv6);
    ipv6->TraceConnectWithoutContext(
        "Rx",
        ns3::Callback<void, ns3::Ptr<const ns3::Packet>, ns3::Ptr<ns3::Ipv6>, uint32_t>(
            [raw](ns3::Ptr<const ns3::Packet> packet, ns3::Ptr<ns3::Ipv6>, uint32_t interface) {
                OnReceive(raw, packet, interface);
            }));
}

} // namespace nslab
