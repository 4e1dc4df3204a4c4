#include "topology.h"

#include "delay-queue-disc.h"

#include "ns3/csma-module.h"
#include "ns3/error-model.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv4-global-routing-helper.h"
#include "ns3/constant-position-mobility-model.h"
#include "ns3/position-allocator.h"
#include "ns3/names.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/ssid.h"
#include "ns3/traffic-control-helper.h"
#include "ns3/sta-wifi-mac.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-net-device.h"
#include "ns3/yans-wifi-helper.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace nslab
{

namespace
{

const char*
Prefix(LinkType type)
{
    switch (type)
    {
    case LinkType::Ethernet:
        return "eth";
    case LinkType::P2p:
        return "ppp";
    case LinkType::Wifi:
        return "wlan";
    }
    return "if";
}

const std::map<std::string, ns3::WifiStandard>&
StandardTable()
{
    static const std::map<std::string, ns3::WifiStandard> table{
        {"802.11a", ns3::WIFI_STANDARD_80211a},
        {"802.11b", ns3::WIFI_STANDARD_80211b},
        {"802.11g", ns3::WIFI_STANDARD_80211g},
        {"802.11n", ns3::WIFI_STANDARD_80211n},
        {"802.11ac", ns3::WIFI_STANDARD_80211ac},
        {"802.11ax", ns3::WIFI_STANDARD_80211ax},
    };
    return table;
}

/** Packets a wire of this rate and delay holds when filled with minimum-size frames. */
uint32_t
WirePackets(const LinkSpec& link)
{
    double bits = static_cast<double>(link.rate.GetBitRate()) * link.delay.GetSeconds();
    return static_cast<uint32_t>(std::min(std::ceil(bits / (64 * 8)), 1e7));
}

} // namespace

const std::vector<std::string>&
WifiStandards()
{
    static const std::vector<std::string> names = [] {
        std::vector<std::string> v;
        for (const auto& [name, standard] : StandardTable())
        {
            v.push_back(name);
        }
        return v;
    }();
    return names;
}

std::vector<std::string>
MembersOf(const LinkSpec& link)
{
    std::vector<std::string> members;
    if (link.type == LinkType::Wifi)
    {
        members.push_back(link.ap);
    }
    members.insert(members.end(), link.nodes.begin(), link.nodes.end());
    return members;
}

Subnet
SubnetOf(const std::vector<LinkSpec>& links, size_t index)
{
    if (links[index].subnet)
    {
        return *links[index].subnet;
    }
    return Subnet{ns3::Ipv4Address((10u << 24) | ((index + 1) << 8)), 24};
}

std::vector<InterfacePlan>
PlanInterfaces(const std::vector<LinkSpec>& links)
{
    std::vector<InterfacePlan> plan;
    std::map<std::string, uint32_t> count; // "node/prefix" -> interfaces so far
    for (size_t i = 0; i < links.size(); ++i)
    {
        Subnet subnet = SubnetOf(links, i);
        uint32_t host = 1;
        for (const auto& node : MembersOf(links[i]))
        {
            std::string prefix = Prefix(links[i].type);
            uint32_t number = count[node + "/" + prefix]++;
            plan.push_back({node,
                            prefix + std::to_string(number),
                            i,
                            ns3::Ipv4Address(subnet.network.Get() + host++),
                            subnet.prefix});
        }
    }
    return plan;
}

Topology::Topology(const std::vector<LinkSpec>& links, const std::string& pcapDir)
    : m_links(links),
      m_plan(PlanInterfaces(links)),
      m_pcapDir(pcapDir)
{
    CreateNodes();
    for (size_t i = 0; i < m_links.size(); ++i)
    {
        const LinkSpec& link = m_links[i];
        ns3::NodeContainer nodes;
        for (const auto& name : MembersOf(link))
        {
            nodes.Add(Node(name));
        }
        ns3::NetDeviceContainer devices = link.type == LinkType::Ethernet ? BuildEthernet(link, nodes)
                                          : link.type == LinkType::P2p    ? BuildP2p(link, nodes)
                                                                          : BuildWifi(link, nodes);
        AddReceiveLoss(devices, link.type == LinkType::Wifi ? 0 : link.loss);
        AddEgressDelay(link, devices);
        // Queue discs go on before addresses: Assign installs a default one otherwise.
        ns3::Ipv4AddressHelper addresses;
        Subnet subnet = SubnetOf(m_links, i);
        addresses.SetBase(subnet.network,
                          ns3::Ipv4Mask(~((1u << (32 - subnet.prefix)) - 1)));
        addresses.Assign(devices);
        for (uint32_t d = 0; d < devices.GetN(); ++d)
        {
            m_devices.push_back(devices.Get(d));
            ns3::Names::Add(m_plan[m_firstOfLink + d].node + "/" + m_plan[m_firstOfLink + d].name,
                            devices.Get(d));
        }
        m_firstOfLink += devices.GetN();
    }
    ns3::Ipv4GlobalRoutingHelper::PopulateRoutingTables();
}

void
Topology::CreateNodes()
{
    ns3::InternetStackHelper stack;
    for (const auto& iface : m_plan)
    {
        if (!Node(iface.node))
        {
            auto node = ns3::CreateObject<ns3::Node>();
            ns3::Names::Add(iface.node, node);
            stack.Install(node);
        }
    }
}

std::optional<bool>
Topology::Associated(size_t planIndex) const
{
    auto device = ns3::DynamicCast<ns3::WifiNetDevice>(m_devices.at(planIndex));
    auto station = device ? ns3::DynamicCast<ns3::StaWifiMac>(device->GetMac()) : nullptr;
    if (!station)
    {
        return std::nullopt;
    }
    return station->IsAssociated();
}

ns3::Ptr<ns3::Node>
Topology::Node(const std::string& name) const
{
    return ns3::Names::Find<ns3::Node>(name);
}

std::string
Topology::PcapFile(size_t planIndex) const
{
    if (m_pcapDir.empty())
    {
        return "";
    }
    return m_pcapDir + "/" + m_plan[planIndex].node + "-" + m_plan[planIndex].name + ".pcap";
}

ns3::NetDeviceContainer
Topology::BuildEthernet(const LinkSpec& link, const ns3::NodeContainer& nodes)
{
    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::DataRateValue(link.rate));
    // The delay lives in the DelayQueueDisc: a channel delay would hold the
    // whole shared medium for the propagation time of every frame.
    csma.SetChannelAttribute("Delay", ns3::TimeValue(ns3::Seconds(0)));
    csma.SetDeviceAttribute("Mtu", ns3::UintegerValue(link.mtu));
    ns3::NetDeviceContainer devices = csma.Install(nodes);
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        // A 1 us slot instead of ns-3's 50 us wastes less of the medium when
        // data and ACKs collide. Argument order is the implementation's
        // (slot, min, max, ceiling, retries), not the header's.
        ns3::DynamicCast<ns3::CsmaNetDevice>(devices.Get(d))
            ->SetBackoffParams(ns3::MicroSeconds(1), 1, 16, 10, 1000);
        if (!m_pcapDir.empty())
        {
            csma.EnablePcap(PcapFile(m_firstOfLink + d), devices.Get(d), false, true);
        }
    }
    return devices;
}

ns3::NetDeviceContainer
Topology::BuildP2p(const LinkSpec& link, const ns3::NodeContainer& nodes)
{
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(link.rate));
    p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(link.mtu));
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(link.delay));
    ns3::NetDeviceContainer devices = p2p.Install(nodes);
    for (uint32_t d = 0; d < devices.GetN() && !m_pcapDir.empty(); ++d)
    {
        p2p.EnablePcap(PcapFile(m_firstOfLink + d), devices.Get(d), false, true);
    }
    return devices;
}

ns3::NetDeviceContainer
Topology::BuildWifi(const LinkSpec& link, const ns3::NodeContainer& nodes)
{
    ns3::YansWifiChannelHelper channel = ns3::YansWifiChannelHelper::Default();
    ns3::YansWifiPhyHelper phy;
    phy.SetChannel(channel.Create());
    phy.SetPcapDataLinkType(ns3::WifiPhyHelper::DLT_IEEE802_11_RADIO);
    if (link.loss > 0)
    {
        // Frame loss at every receiving PHY; the 802.11 MAC retries hide most of it.
        phy.Set("PostReceptionErrorModel",
                ns3::PointerValue(ns3::CreateObjectWithAttributes<ns3::RateErrorModel>(
                    "ErrorRate", ns3::DoubleValue(link.loss),
                    "ErrorUnit", ns3::EnumValue(ns3::RateErrorModel::ERROR_UNIT_PACKET))));
    }
    ns3::WifiHelper wifi;
    wifi.SetStandard(StandardTable().at(link.standard));
    wifi.SetRemoteStationManager("ns3::IdealWifiManager");
    ns3::WifiMacHelper mac;
    ns3::Ssid ssid(link.name);
    mac.SetType("ns3::ApWifiMac", "Ssid", ns3::SsidValue(ssid));
    ns3::NetDeviceContainer devices = wifi.Install(phy, mac, nodes.Get(0));
    mac.SetType("ns3::StaWifiMac", "Ssid", ns3::SsidValue(ssid));
    ns3::NodeContainer stations;
    for (uint32_t n = 1; n < nodes.GetN(); ++n)
    {
        stations.Add(nodes.Get(n));
    }
    devices.Add(wifi.Install(phy, mac, stations));

    // The access point at the origin, stations on a circle of radius "distance".
    auto positions = ns3::CreateObject<ns3::ListPositionAllocator>();
    positions->Add(ns3::Vector(0, 0, 0));
    for (uint32_t n = 1; n < nodes.GetN(); ++n)
    {
        double angle = 2 * M_PI * (n - 1) / (nodes.GetN() - 1);
        positions->Add(ns3::Vector(link.distance * std::cos(angle), link.distance * std::sin(angle), 0));
    }
    for (uint32_t n = 0; n < nodes.GetN(); ++n)
    {
        // A node in two cells keeps the position of its first one.
        auto next = positions->GetNext();
        if (!nodes.Get(n)->GetObject<ns3::MobilityModel>())
        {
            auto model = ns3::CreateObject<ns3::ConstantPositionMobilityModel>();
            model->SetPosition(next);
            nodes.Get(n)->AggregateObject(model);
        }
    }
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        devices.Get(d)->SetMtu(link.mtu);
        if (link.loss > 0)
        {
            // ns-3.37 throws std::bad_alloc in HtFrameExchangeManager::EndReceiveAmpdu
            // when the error model drops part of an A-MPDU: no aggregation on lossy cells.
            ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d))
                ->GetMac()
                ->SetAttribute("BE_MaxAmpduSize", ns3::UintegerValue(0));
        }
        if (!m_pcapDir.empty())
        {
            phy.EnablePcap(PcapFile(m_firstOfLink + d), devices.Get(d), false, true);
        }
    }
    return devices;
}

void
Topology::AddReceiveLoss(const ns3::NetDeviceContainer& devices, double loss)
{
    if (loss <= 0)
    {
        return;
    }
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        // Drawn at the receiver, before its pcap: the sender's capture shows
        // the frame, the receiver's does not.
        auto model = ns3::CreateObjectWithAttributes<ns3::RateErrorModel>(
            "ErrorRate", ns3::DoubleValue(loss),
            "ErrorUnit", ns3::EnumValue(ns3::RateErrorModel::ERROR_UNIT_PACKET));
        devices.Get(d)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
    }
}

void
Topology::AddEgressDelay(const LinkSpec& link, const ns3::NetDeviceContainer& devices)
{
    // p2p channels carry their delay exactly; WiFi cells without delay keep
    // ns-3's per-access-category queue discs.
    if (link.type == LinkType::P2p || (link.type == LinkType::Wifi && link.delay.IsZero()))
    {
        return;
    }
    ns3::TrafficControlHelper tc;
    // The delay line holds what is "on the cable" besides the 1000 packets a
    // Linux txqueue holds.
    uint32_t limit = 1000 + (link.type == LinkType::Ethernet ? WirePackets(link) : 0);
    // Named through GetTypeId() so that the linker keeps the class, and its
    // TypeId registration, out of the static library.
    tc.SetRootQueueDisc(DelayQueueDisc::GetTypeId().GetName(),
                        "Delay", ns3::TimeValue(link.delay),
                        "MaxSize", ns3::QueueSizeValue(ns3::QueueSize(ns3::QueueSizeUnit::PACKETS, limit)));
    tc.Install(devices);
}

} // namespace nslab
