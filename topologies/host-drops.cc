#include "host-drops.h"

#include "ns3/arp-cache.h"
#include "ns3/arp-l3-protocol.h"
#include "ns3/ipv4-interface.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-mpdu.h"
#include "ns3/wifi-net-device.h"

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

std::string
WifiCause(ns3::WifiMacDropReason reason)
{
    switch (reason)
    {
    case ns3::WIFI_MAC_DROP_FAILED_ENQUEUE:
        return "wifi: queue full";
    case ns3::WIFI_MAC_DROP_EXPIRED_LIFETIME:
        return "wifi: queue expired";
    case ns3::WIFI_MAC_DROP_REACHED_RETRY_LIMIT:
        return "wifi: retry limit";
    case ns3::WIFI_MAC_DROP_QOS_OLD_PACKET:
        return "wifi: old packet";
    }
    return "wifi: reason " + std::to_string(static_cast<int>(reason));
}

/** \return a trace sink of any signature that counts one drop of that cause. */
template <class... Args>
ns3::Callback<void, Args...>
Counter(HostDrops* drops, const std::string& cause)
{
    return ns3::Callback<void, Args...>([drops, cause](Args...) { ++(*drops)[cause]; });
}

} // namespace

void
CountHostDrops(ns3::Ptr<ns3::Node> node, HostDrops* drops)
{
    if (auto ipv4 = node->GetObject<ns3::Ipv4L3Protocol>())
    {
        ipv4->TraceConnectWithoutContext(
            "Drop",
            ns3::Callback<void, const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>, ns3::Ipv4L3Protocol::DropReason,
                          ns3::Ptr<ns3::Ipv4>, uint32_t>(
                [drops](const ns3::Ipv4Header&, ns3::Ptr<const ns3::Packet>, ns3::Ipv4L3Protocol::DropReason reason,
                        ns3::Ptr<ns3::Ipv4>, uint32_t) { ++(*drops)[Ipv4Cause(reason)]; }));
        for (uint32_t i = 0; i < ipv4->GetNInterfaces(); ++i)
        {
            if (auto cache = ipv4->GetInterface(i)->GetArpCache())
            {
                cache->TraceConnectWithoutContext("Drop", Counter<ns3::Ptr<const ns3::Packet>>(drops, "arp: no reply"));
            }
        }
    }
    if (auto arp = node->GetObject<ns3::ArpL3Protocol>())
    {
        arp->TraceConnectWithoutContext("Drop", Counter<ns3::Ptr<const ns3::Packet>>(drops, "arp: unresolved"));
    }
    if (auto ipv6 = node->GetObject<ns3::Ipv6L3Protocol>())
    {
        ipv6->TraceConnectWithoutContext(
            "Drop",
            ns3::Callback<void, const ns3::Ipv6Header&, ns3::Ptr<const ns3::Packet>, ns3::Ipv6L3Protocol::DropReason,
                          ns3::Ptr<ns3::Ipv6>, uint32_t>(
                [drops](const ns3::Ipv6Header&, ns3::Ptr<const ns3::Packet>, ns3::Ipv6L3Protocol::DropReason reason,
                        ns3::Ptr<ns3::Ipv6>, uint32_t) { ++(*drops)[Ipv6Cause(reason)]; }));
    }
    for (uint32_t d = 0; d < node->GetNDevices(); ++d)
    {
        if (auto wifi = ns3::DynamicCast<ns3::WifiNetDevice>(node->GetDevice(d)))
        {
            wifi->GetMac()->TraceConnectWithoutContext(
                "MacTxDrop", Counter<ns3::Ptr<const ns3::Packet>>(drops, "wifi: not associated"));
            // Data only: the management frames of association are the MAC's own.
            wifi->GetMac()->TraceConnectWithoutContext(
                "DroppedMpdu",
                ns3::Callback<void, ns3::WifiMacDropReason, ns3::Ptr<const ns3::WifiMpdu>>(
                    [drops](ns3::WifiMacDropReason reason, ns3::Ptr<const ns3::WifiMpdu> mpdu) {
                        if (mpdu->GetHeader().IsData())
                        {
                            ++(*drops)[WifiCause(reason)];
                        }
                    }));
        }
    }
}

} // namespace nslab
