#include "host-drops.h"
#include "wifi-cells.h"

#include "ns3/arp-cache.h"
#include "ns3/buffer.h"
#include "ns3/csma-net-device.h"
#include "ns3/error-model.h"
#include "ns3/point-to-point-net-device.h"
#include "ns3/pointer.h"
#include "ns3/arp-l3-protocol.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv6-interface.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ndisc-cache.h"
#include "ns3/output-stream-wrapper.h"

#include <memory>
#include <set>
#include <sstream>

namespace nslab
{

namespace
{

std::string
Ipv4Cause(ns3::Ipv4L3Protocol::DropReason reason)
{
    switch (reason)
    {
    case ns3::Ipv4L3Protocol::DROP_TTL_EXPIRED:
        return "ipv4: TTL expired";
    case ns3::Ipv4L3Protocol::DROP_NO_ROUTE:
        return "ipv4: no route";
    case ns3::Ipv4L3Protocol::DROP_BAD_CHECKSUM:
        return "ipv4: bad checksum";
    case ns3::Ipv4L3Protocol::DROP_INTERFACE_DOWN:
        return "ipv4: interface down";
    case ns3::Ipv4L3Protocol::DROP_ROUTE_ERROR:
        return "ipv4: route error";
    case ns3::Ipv4L3Protocol::DROP_FRAGMENT_TIMEOUT:
        return "ipv4: fragment timeout";
    case ns3::Ipv4L3Protocol::DROP_DUPLICATE:
        return "ipv4: duplicate fragment";
    }
    return "ipv4: reason " + std::to_string(static_cast<int>(reason));
}

std::string
Ipv6Cause(ns3::Ipv6L3Protocol::DropReason reason)
{
    switch (reason)
    {
    case ns3::Ipv6L3Protocol::DROP_TTL_EXPIRED:
        return "ipv6: hop limit expired";
    case ns3::Ipv6L3Protocol::DROP_NO_ROUTE:
        return "ipv6: no route";
    case ns3::Ipv6L3Protocol::DROP_INTERFACE_DOWN:
        return "ipv6: interface down";
    case ns3::Ipv6L3Protocol::DROP_ROUTE_ERROR:
        return "ipv6: route error";
    case ns3::Ipv6L3Protocol::DROP_UNKNOWN_PROTOCOL:
        return "ipv6: unknown protocol";
    case ns3::Ipv6L3Protocol::DROP_UNKNOWN_OPTION:
        return "ipv6: unknown option";
    case ns3::Ipv6L3Protocol::DROP_MALFORMED_HEADER:
        return "ipv6: malformed header";
    case ns3::Ipv6L3Protocol::DROP_FRAGMENT_TIMEOUT:
        return "ipv6: fragment timeout";
    }
    return "ipv6: reason " + std::to_string(static_cast<int>(reason));
}

/** \return a packet trace sink that counts (and logs) one drop of that cause. */
ns3::Callback<void, ns3::Ptr<const ns3::Packet>>
Counter(HostDrops* drops, const std::string& cause)
{
    return ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
        [drops, cause](ns3::Ptr<const ns3::Packet> packet) { drops->Add(cause, packet); });
}


/** \return the first word of every line: the caches print one entry per line, its address first. */
std::vector<std::string>
FirstWords(const std::string& text)
{
    std::vector<std::string> words;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line))
    {
        std::istringstream fields(line);
        std::string word;
        if (fields >> word)
        {
            words.push_back(word);
        }
    }
    return words;
}

/** \return the packets the ARP cache holds for unresolved neighbours (each with its IP header's bytes), taking them out. */
std::vector<std::pair<ns3::Ptr<ns3::Packet>, std::string>>
TakeArpPending(ns3::Ptr<ns3::ArpCache> cache)
{
    // ns-3.37's ArpCache lists its entries only through PrintArpCache.
    std::ostringstream text;
    cache->PrintArpCache(ns3::Create<ns3::OutputStreamWrapper>(&text));
    std::vector<std::pair<ns3::Ptr<ns3::Packet>, std::string>> taken;
    for (const auto& word : FirstWords(text.str()))
    {
        ns3::Ipv4Address address(word.c_str());
        auto entry = cache->Lookup(address);
        while (entry && entry->IsWaitReply())
        {
            auto pending = entry->DequeuePending();
            if (!pending.first)
            {
                break;
            }
            taken.emplace_back(pending.first, HeaderBytes(pending.second));
        }
    }
    return taken;
}

/** \return the packets the neighbour cache holds for unresolved neighbours (with their IP headers), taking them out. */
std::vector<std::pair<ns3::Ptr<ns3::Packet>, std::string>>
TakeNdiscPending(ns3::Ptr<ns3::NdiscCache> cache)
{
    std::ostringstream text;
    cache->PrintNdiscCache(ns3::Create<ns3::OutputStreamWrapper>(&text));
    std::vector<std::pair<ns3::Ptr<ns3::Packet>, std::string>> taken;
    for (const auto& word : FirstWords(text.str()))
    {
        auto entry = cache->Lookup(ns3::Ipv6Address(word.c_str()));
        if (entry && entry->IsIncomplete())
        {
            // The waiting list is reachable only through a state change;
            // the entry is flushed right after.
            for (const auto& [packet, header] : entry->MarkStale(ns3::Address()))
            {
                taken.emplace_back(packet, HeaderBytes(header));
            }
        }
    }
    return taken;
}

void
CountFlushed(ns3::Ptr<ns3::NetDevice> device, HostDrops* drops)
{
    auto node = device->GetNode();
    auto ipv4 = node->GetObject<ns3::Ipv4L3Protocol>();
    int32_t i4 = ipv4 ? ipv4->GetInterfaceForDevice(device) : -1;
    if (i4 >= 0 && ipv4->GetInterface(i4)->GetArpCache())
    {
        for (const auto& [packet, header] : TakeArpPending(ipv4->GetInterface(i4)->GetArpCache()))
        {
            drops->Add("arp: flushed on link change", packet, header);
        }
    }
    auto ipv6 = node->GetObject<ns3::Ipv6L3Protocol>();
    int32_t i6 = ipv6 ? ipv6->GetInterfaceForDevice(device) : -1;
    if (i6 >= 0 && ipv6->GetInterface(i6)->GetNdiscCache())
    {
        for (const auto& [packet, header] : TakeNdiscPending(ipv6->GetInterface(i6)->GetNdiscCache()))
        {
            drops->Add("ndisc: flushed on link change", packet, header);
        }
    }
}

/**
 * Count the frames a wired device drops: on a shared Ethernet segment,
 * "MacTxDrop" (the device queue full, or every backoff retry found the
 * medium busy) and "PhyTxDrop" (another device took the idle medium in the
 * same instant, which CsmaChannel refuses); on p2p, "MacTxDrop" (queue
 * full). "PhyRxDrop" fires for the frames a receive error model drops: on
 * nslab's links that model is the receive impairment, which counts its own
 * drops on the link, so only devices without one count it.
 */
void
CountWiredDrops(ns3::Ptr<ns3::NetDevice> device, const std::string& kind, HostDrops* drops)
{
    bool csma = kind == "ethernet";
    device->TraceConnectWithoutContext(
        "MacTxDrop",
        Counter(drops, csma ? "ethernet: queue full or backoff limit" : kind + ": queue full"));
    if (csma)
    {
        device->TraceConnectWithoutContext("PhyTxDrop",
                                           Counter(drops, "ethernet: medium taken in the same instant"));
    }
    ns3::PointerValue model;
    device->GetAttribute("ReceiveErrorModel", model);
    if (!model.Get<ns3::ErrorModel>())
    {
        device->TraceConnectWithoutContext("PhyRxDrop", Counter(drops, kind + ": receive dropped"));
    }
}

} // namespace

void
CountFlushedOnLinkChange(ns3::Ptr<ns3::NetDevice> device, HostDrops* drops)
{
    // A raw pointer: the device holds this callback, so it must not hold the device.
    ns3::NetDevice* raw = ns3::PeekPointer(device);
    device->AddLinkChangeCallback(ns3::Callback<void>([raw, drops]() { CountFlushed(raw, drops); }));
}

void
CountHostDrops(ns3::Ptr<ns3::Node> node, HostDrops* drops)
{
    if (auto ipv4 = node->GetObject<ns3::Ipv4L3Protocol>())
    {
        ipv4->TraceConnectWithoutContext(
            "Drop",
            ns3::Callback<void, const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>, ns3::Ipv4L3Protocol::DropReason,
                          ns3::Ptr<ns3::Ipv4>, uint32_t>(
                [drops](const ns3::Ipv4Header& header, ns3::Ptr<const ns3::Packet> packet, ns3::Ipv4L3Protocol::DropReason reason,
                        ns3::Ptr<ns3::Ipv4>, uint32_t) { drops->Add(Ipv4Cause(reason), packet, HeaderBytes(header)); }));
        for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
        {
            if (auto cache = ipv4->GetInterface(i)->GetArpCache())
            {
                cache->TraceConnectWithoutContext("Drop", Counter(drops, "arp: no reply"));
            }
        }
    }
    if (auto arp = node->GetObject<ns3::ArpL3Protocol>())
    {
        // The trace also fires for ARP replies it ignores (what is left of
        // them: no bytes); only IP packets (with their header) were lost.
        arp->TraceConnectWithoutContext("Drop", ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                                                    [drops](ns3::Ptr<const ns3::Packet> packet) {
                                                        if (packet->GetSize() >= 20)
                                                        {
                                                            drops->Add("arp: unresolved", packet);
                                                        }
                                                    }));
    }
    if (auto ipv6 = node->GetObject<ns3::Ipv6L3Protocol>())
    {
        ipv6->TraceConnectWithoutContext(
            "Drop",
            ns3::Callback<void, const ns3::Ipv6Header&, ns3::Ptr<const ns3::Packet>, ns3::Ipv6L3Protocol::DropReason,
                          ns3::Ptr<ns3::Ipv6>, uint32_t>(
                [drops](const ns3::Ipv6Header& header, ns3::Ptr<const ns3::Packet> packet, ns3::Ipv6L3Protocol::DropReason reason,
                        ns3::Ptr<ns3::Ipv6>, uint32_t) { drops->Add(Ipv6Cause(reason), packet, HeaderBytes(header)); }));
    }
    for (uint32_t d = 0; d < node->GetNDevices(); ++d)
    {
        auto device = node->GetDevice(d);
        if (ns3::DynamicCast<ns3::CsmaNetDevice>(device))
        {
            CountWiredDrops(device, "ethernet", drops);
        }
        else if (ns3::DynamicCast<ns3::PointToPointNetDevice>(device))
        {
            CountWiredDrops(device, "p2p", drops);
        }

        if (auto* wifi = LoadedWifiCells()) // none loaded: no WiFi device
        {
            wifi->CountDrops(device, drops);
        }
    }
}

void
CountTapDrops(ns3::Ptr<ns3::NetDevice> tap, HostDrops* drops)
{
    // A frame for a real node that its tap did not take (Linux's queue full, or the tap gone).
    tap->TraceConnectWithoutContext("MacTxDrop", Counter(drops, "tap: not taken by Linux"));
}

} // namespace nslab
