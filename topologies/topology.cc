#include "topology.h"

#include "tap-port.h"
#include "trace.h"
#include "wifi-cells.h"

#include "ethernet-wire.h"
#include "io.h"
#include "neighbor-discovery.h"
#include "netem-queue-disc.h"
#include "receive-impairment.h"

#include "ns3/bridge-helper.h"
#include "ns3/config.h"
#include "ns3/csma-module.h"
#include "ns3/drop-tail-queue.h"
#include "ns3/internet-stack-helper.h"
#include "ns3/ipv4-address-helper.h"
#include "ns3/ipv6-interface-address.h"
#include "ns3/traffic-control-layer.h"
#include "ns3/ipv4-static-routing-helper.h"
#include "ns3/ipv6-static-routing-helper.h"
#include "ns3/ipv6.h"
#include "ns3/ipv4-queue-disc-item.h"
#include "ns3/ipv6-queue-disc-item.h"
#include "ns3/ipv4-list-routing-helper.h"
#include "ns3/ipv6-list-routing-helper.h"
#include "ns3/rip-helper.h"
#include "ns3/ripng-helper.h"
#include "ns3/ipv4-routing-table-entry.h"
#include "ns3/ipv6-routing-table-entry.h"
#include "ns3/names.h"
#include "ns3/point-to-point-helper.h"
#include "ns3/pointer.h"
#include "ns3/traffic-control-helper.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <memory>

namespace nslab
{

namespace
{

void DescribeDrop(const DropRecord& record, DropRow& row); // below, with the drop log's other code

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

/** \return the longest or shortest delay of any direction of the link. */
ns3::Time
DelayOf(const LinkSpec& link, bool longest)
{
    auto all = link.AllImpairments();
    auto byDelay = [](const Impairments* a, const Impairments* b) { return a->delay < b->delay; };
    return (*(longest ? std::max_element(all.begin(), all.end(), byDelay)
                      : std::min_element(all.begin(), all.end(), byDelay)))->delay;
}

/** \return true if some direction of the link satisfies the test. */
template <class Test>
bool
AnyDirection(const LinkSpec& link, Test test)
{
    auto all = link.AllImpairments();
    return std::any_of(all.begin(), all.end(), [&](const Impairments* imp) { return test(*imp); });
}

/**
 * The least a draw of the direction's jitter takes from its delay, so that
 * its wire can carry the rest: uniform draws reach -jitter, Pareto (shape 3,
 * centred on the mean) -0.578 jitter; normal ones are unbounded and 4
 * standard deviations leave 3e-5 of the draws to the sender's clamp.
 */
ns3::Time
WireDelayOf(const Impairments& imp)
{
    double below = imp.distribution == JitterDistribution::Uniform  ? 1
                   : imp.distribution == JitterDistribution::Pareto ? 0.578
                                                                    : 4;
    return std::max(imp.delay - ns3::Seconds(imp.jitter.GetSeconds() * below), ns3::Time());
}

/** Each cable of a switched LAN: the least any direction's wire can carry (both cables of a path carry it). */
ns3::Time
LanCableDelay(const LinkSpec& link)
{
    ns3::Time least = ns3::Time::Max();
    for (const Impairments* imp : link.AllImpairments())
    {
        least = std::min(least, WireDelayOf(*imp));
    }
    return least;
}

bool
IsSwitchedLan(const LinkSpec& link)
{
    return link.type == LinkType::Ethernet && link.medium == EthernetMedium::Switched && link.nodes.size() > 2;
}

bool
IsCable(const LinkSpec& link)
{
    return link.type == LinkType::Ethernet && link.medium == EthernetMedium::Switched && link.nodes.size() == 2;
}

/**
 * The delay a channel carries itself between two members: Ethernet cables
 * each direction's own, switched LANs two cables; p2p wires the delay common
 * to both directions (none with jitter, which queue discs draw around the
 * delay); shared media and WiFi none (see NetemQueueDisc).
 */
ns3::Time
WireDelay(const LinkSpec& link, const Impairments& imp)
{
    if (IsCable(link))
    {
        return WireDelayOf(imp);
    }
    if (IsSwitchedLan(link))
    {
        return 2 * LanCableDelay(link);
    }
    bool jitter = AnyDirection(link, [](const Impairments& i) { return !i.jitter.IsZero(); });
    return link.type == LinkType::P2p && !jitter ? DelayOf(link, false) : ns3::Time();
}

/** True if the senders of the link need a NetemQueueDisc. */
bool
NeedsSenderImpairments(const LinkSpec& link)
{
    if (AnyDirection(link, [](const Impairments& imp) { return imp.ShapesAtSender(); }))
    {
        return true;
    }
    switch (link.type)
    {
    case LinkType::P2p:
        return DelayOf(link, true) != DelayOf(link, false);
    case LinkType::Wifi:
        return !DelayOf(link, true).IsZero();
    case LinkType::Ethernet:
        return link.medium == EthernetMedium::Shared ? !DelayOf(link, true).IsZero()
               : IsSwitchedLan(link)                ? DelayOf(link, true) != LanCableDelay(link)
                                                    : false; // a cable carries each direction's delay
    }
    return true;
}

/** Bytes a wire of this rate and longest delay holds. */
double
WireBytes(const LinkSpec& link)
{
    return static_cast<double>(link.rate.GetBitRate()) * DelayOf(link, true).GetSeconds() / 8;
}

/** Packets a wire of this rate and delay holds when filled with minimum-size frames. */
uint32_t
WirePackets(const LinkSpec& link)
{
    return static_cast<uint32_t>(std::min(std::ceil(WireBytes(link) / 64), 1e7));
}

bool
HasQueueLimit(const Impairments& imp)
{
    return imp.queue.has_value();
}

/**
 * The queue disc's limit at a member: its queue key (the smallest of its
 * directions; 1000 packets, as a Linux txqueue, by default) besides what the
 * wire holds, since the delay line holds that too.
 */
std::optional<QueueLimit>
WaitLimitOf(const LinkSpec& link, uint32_t from)
{
    auto members = MembersOf(link);
    std::optional<QueueLimit> limit;
    for (const auto& to : members)
    {
        const auto& queue = link.ImpairmentsOf(members[from], to).queue;
        if (link.Carries(members[from], to) && queue && (!limit || queue->value < limit->value))
        {
            limit = queue;
        }
    }
    return limit;
}

ns3::QueueSize
QueueOf(const LinkSpec& link, uint32_t from)
{
    std::optional<QueueLimit> limit = WaitLimitOf(link, from);
    if (limit && limit->bytes)
    {
        return ns3::QueueSize(ns3::QueueSizeUnit::BYTES,
                              static_cast<uint32_t>(std::min(limit->value + WireBytes(link), 4e9)));
    }
    uint64_t packets = (limit ? limit->value : 1000) + WirePackets(link);
    return ns3::QueueSize(ns3::QueueSizeUnit::PACKETS, static_cast<uint32_t>(std::min<uint64_t>(packets, 4000000000)));
}

} // namespace

const Impairments&
LinkSpec::ImpairmentsOf(const std::string& from, const std::string& to) const
{
    for (const auto& d : directions)
    {
        if (d.from == from && d.to == to)
        {
            return d.impairments;
        }
    }
    return impairments;
}

std::vector<const Impairments*>
LinkSpec::AllImpairments() const
{
    std::vector<const Impairments*> all{&impairments};
    for (const auto& d : directions)
    {
        all.push_back(&d.impairments);
    }
    return all;
}

bool
LinkSpec::Carries(const std::string& from, const std::string& to) const
{
    auto members = MembersOf(*this);
    bool known = std::count(members.begin(), members.end(), from) && std::count(members.begin(), members.end(), to);
    // In a WiFi cell every frame goes through the access point.
    return known && from != to && (type != LinkType::Wifi || from == ap || to == ap);
}

const std::vector<std::string>&
LinkTypeNames()
{
    static const std::vector<std::string> names{"ethernet", "p2p", "wifi"};
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
    // The first 254 links of up to 254 nodes: 10.0.<n>.0/24, easy to read.
    auto small = [&links](size_t i) { return i < 254 && MembersOf(links[i]).size() <= 254; };
    if (small(index))
    {
        return Subnet{ns3::Ipv4Address((10u << 24) | ((index + 1) << 8)), 24};
    }
    // The others: from 10.1.0.0 on, in link order, each the smallest block
    // its nodes fit in (network and broadcast addresses aside), aligned.
    uint32_t next = (10u << 24) | (1u << 16);
    for (size_t i = 0;; ++i)
    {
        if (links[i].subnet || small(i))
        {
            continue;
        }
        uint8_t prefix = 30;
        while (prefix > 8 && (1ull << (32 - prefix)) - 2 < MembersOf(links[i]).size())
        {
            --prefix;
        }
        uint32_t block = 1u << (32 - prefix);
        next = (next + block - 1) & ~(block - 1);
        // Past every subnet a link sets itself that the block would overlap.
        for (bool moved = true; moved;)
        {
            moved = false;
            for (const auto& other : links)
            {
                uint32_t size = other.subnet ? 1u << (32 - other.subnet->prefix) : 0;
                uint32_t start = other.subnet ? other.subnet->network.Get() & ~(size - 1) : 0;
                if (other.subnet && start < next + block && next < start + size)
                {
                    next = (start + size + block - 1) & ~(block - 1);
                    moved = true;
                }
            }
        }
        if (i == index)
        {
            return Subnet{ns3::Ipv4Address(next), prefix};
        }
        next += block;
    }
}

ns3::Ipv6Address
Subnet6Of(size_t index)
{
    // A unique local prefix (RFC 4193): ns-3 routers refuse to forward the
    // documentation prefix 2001:db8::/32.
    uint8_t bytes[16] = {0xfd, 0x00, static_cast<uint8_t>((index + 1) >> 8), static_cast<uint8_t>(index + 1)};
    return ns3::Ipv6Address(bytes);
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
            uint8_t bytes[16];
            Subnet6Of(i).GetBytes(bytes);
            bytes[14] = static_cast<uint8_t>(host >> 8);
            bytes[15] = static_cast<uint8_t>(host);
            plan.push_back({node,
                            prefix + std::to_string(number),
                            i,
                            ns3::Ipv4Address(subnet.network.Get() + host),
                            subnet.prefix,
                            ns3::Ipv6Address(bytes)});
            ++host;
        }
    }
    return plan;
}

Topology::Topology(const std::vector<LinkSpec>& links, const CapturePlan& capture, IpVersion ip,
                   const std::set<std::string>& realNodes, const std::map<std::string, NodePlace>& places,
                   const std::vector<std::vector<LinkSpec>>& later, std::optional<RipTimers> rip)
    : m_links(links),
      m_plan(PlanInterfaces(links)),
      m_capture(capture),
      m_real(realNodes),
      m_places(places),
      m_ip(ip),
      m_rip(rip)
{
    m_membersOfLink.resize(m_links.size());
    for (size_t i = 0; i < m_plan.size(); ++i)
    {
        m_interfacesOf[m_plan[i].node].push_back(i);
        m_membersOfLink[m_plan[i].link].push_back(i);
        if (m_interfacesOf[m_plan[i].node].size() == 2)
        {
            m_routers.insert(m_plan[i].node);
        }
    }
    m_dropLog.SetDescriber(DescribeDrop);
    PrepareChanges(later);
    CreateNodes();
    for (m_link = 0; m_link < m_links.size(); ++m_link)
    {
        const LinkSpec& link = m_links[m_link];
        ns3::NodeContainer nodes;
        for (const auto& name : MembersOf(link))
        {
            nodes.Add(Node(name));
        }
        m_linkDevices.emplace_back(); // the switch's ports first, then the members'
        ns3::NetDeviceContainer devices = link.type == LinkType::P2p    ? BuildP2p(link, nodes)
                                          : link.type == LinkType::Wifi ? BuildWifi(link, nodes)
                                          : link.medium == EthernetMedium::Shared ? BuildShared(link, nodes)
                                                                                  : BuildSwitched(link, nodes);
        m_memberOfMac.emplace_back();
        for (uint32_t d = 0; d < devices.GetN(); ++d)
        {
            m_memberOfMac.back()[MacKey(devices.Get(d)->GetAddress())] = d;
            // Before the device's IP interface exists, so that it counts before ARP flushes.
            CountFlushedOnLinkChange(devices.Get(d), DropsOf(m_plan[m_firstOfLink + d].node));
        }
        AddReceiveImpairments(link, devices);
        AddSendImpairments(link, devices);
        AddRealHostQueues(devices);
        // Queue discs go on before addresses: Assign installs a default one otherwise.
        AssignAddresses(m_link, devices);
        m_linkDevices.back().Add(devices);
        for (uint32_t d = 0; d < devices.GetN(); ++d)
        {
            m_devices.push_back(devices.Get(d));
            ns3::Names::Add(m_plan[m_firstOfLink + d].node + "/" + m_plan[m_firstOfLink + d].name,
                            devices.Get(d));
        }
        m_firstOfLink += devices.GetN();
    }
    AddRoutes();
    LogQueueDiscDrops();
    std::set<std::string> counted;
    for (const auto& iface : m_plan)
    {
        if (!counted.insert(iface.node).second) // once per node
        {
            continue;
        }
        CountHostDrops(Node(iface.node), DropsOf(iface.node));
        if (!m_real.count(iface.node)) // a real node's ARP and ND are Linux's
        {
            LearnFromArpRequests(Node(iface.node));
            if (m_ip != IpVersion::V4)
            {
                SendQueuedOnSolicitation(Node(iface.node));
            }
        }
    }
}

void
Topology::AssignAddresses(size_t link, const ns3::NetDeviceContainer& devices)
{
    if (m_ip != IpVersion::V6)
    {
        ns3::Ipv4AddressHelper addresses;
        Subnet subnet = SubnetOf(m_links, link);
        addresses.SetBase(subnet.network, ns3::Ipv4Mask(~((1u << (32 - subnet.prefix)) - 1)));
        for (uint32_t d = 0; d < devices.GetN(); ++d)
        {
            if (m_real.count(m_plan[m_firstOfLink + d].node))
            {
                addresses.NewAddress(); // Linux's, in the node's namespace
            }
            else
            {
                addresses.Assign(ns3::NetDeviceContainer(devices.Get(d)));
            }
        }
    }
    if (m_ip != IpVersion::V4)
    {
        // The planned addresses (::1, ::2 in order of mention), not ns-3's
        // EUI-64 ones: the plan is what the loader checked and peers use.
        for (uint32_t d = 0; d < devices.GetN(); ++d)
        {
            if (m_real.count(m_plan[m_firstOfLink + d].node))
            {
                continue;
            }
            auto device = devices.Get(d);
            auto ipv6 = device->GetNode()->GetObject<ns3::Ipv6>();
            int32_t index = ipv6->GetInterfaceForDevice(device);
            index = index >= 0 ? index : static_cast<int32_t>(ipv6->AddInterface(device));
            ipv6->AddAddress(index, ns3::Ipv6InterfaceAddress(m_plan[m_firstOfLink + d].address6, ns3::Ipv6Prefix(64)));
            ipv6->SetMetric(index, 1);
            ipv6->SetUp(index);
            ipv6->SetForwarding(index, true);
            if (!m_routers.count(m_plan[m_firstOfLink + d].node))
            {
                // Hosts do not route, so that their neighbour advertisements
                // carry no router flag, as on Linux. Once their addresses
                // are up, though: a host whose addresses come up sends router
                // solicitations, and ns-3.37 sends its first five at once
                // when that happens at 0 s (SendRS takes "now" as its initial
                // retransmission time). nslab has no router advertisements.
                ns3::Simulator::Schedule(ns3::Seconds(0), &ns3::Ipv6::SetForwarding, ipv6, index, false);
            }
            auto tc = device->GetNode()->GetObject<ns3::TrafficControlLayer>();
            if (m_ip == IpVersion::V6 && !tc->GetRootQueueDiscOnDevice(device))
            {
                ns3::TrafficControlHelper::Default().Install(device); // as the IPv4 helper does
            }
        }
    }
}

namespace
{

/** What the breadth-first search of the routes reads: the links, their interfaces, and both indexes. */
struct LinkGraph
{
    const std::vector<LinkSpec>& links;
    const std::vector<InterfacePlan>& plan;
    const std::map<std::string, std::vector<size_t>>& interfacesOf; //!< node -> its plan indexes
    const std::vector<std::vector<size_t>>& membersOfLink;          //!< link -> its plan indexes (the AP first)
};

/** Topology::FirstHops, over any graph. */
std::map<size_t, std::pair<size_t, size_t>>
FirstHopsIn(const LinkGraph& g, const std::string& source, std::optional<size_t> through)
{
    std::map<std::string, std::pair<size_t, size_t>> first; // reached node -> first hop
    std::map<size_t, std::pair<size_t, size_t>> routes;      // link -> first hop
    std::set<size_t> attached, expanded;                     // links; expanded fully, or WiFi from its AP
    std::vector<std::string> frontier{source};
    first[source] = {0, 0};
    for (size_t f = 0; f < frontier.size(); ++f)
    {
        const std::string node = frontier[f]; // a copy: the frontier grows below
        for (size_t a : g.interfacesOf.at(node))
        {
            if (node == source && through && a != *through)
            {
                continue; // the source's other links are reached like any other, through `through`
            }
            size_t link = g.plan[a].link;
            if (!g.links[link].up)
            {
                continue; // down: no frame crosses it
            }
            if (node == source)
            {
                attached.insert(link);
            }
            else if (!attached.count(link) && !routes.count(link))
            {
                routes[link] = first[node]; // its nearest member: reached first
            }
            // In a cell a station reaches only the access point (its first member).
            bool station = g.links[link].type == LinkType::Wifi && node != g.links[link].ap;
            if (!station && !expanded.insert(link).second)
            {
                continue; // every member was reached from an earlier node, as near
            }
            const auto& members = g.membersOfLink[link];
            for (size_t b : station ? std::vector<size_t>{members.front()} : members)
            {
                const std::string& next = g.plan[b].node;
                if (first.emplace(next, node == source ? std::make_pair(a, b) : first[node]).second)
                {
                    frontier.push_back(next);
                }
            }
        }
    }
    return routes;
}

} // namespace

bool
ReachesThrough(const std::vector<LinkSpec>& links, const std::vector<InterfacePlan>& plan, size_t through,
               size_t target)
{
    if (plan[through].link == target)
    {
        return true;
    }
    std::map<std::string, std::vector<size_t>> interfacesOf;
    std::vector<std::vector<size_t>> membersOfLink(links.size());
    for (size_t i = 0; i < plan.size(); ++i)
    {
        interfacesOf[plan[i].node].push_back(i);
        membersOfLink[plan[i].link].push_back(i);
    }
    return FirstHopsIn({links, plan, interfacesOf, membersOfLink}, plan[through].node, through).count(target) > 0;
}

std::map<size_t, std::pair<size_t, size_t>>
Topology::FirstHops(const std::string& source, std::optional<size_t> through) const
{
    return FirstHopsIn({m_links, m_plan, m_interfacesOf, m_membersOfLink}, source, through);
}

void
Topology::AddRoutes()
{
    ns3::Ipv4StaticRoutingHelper helper4;
    ns3::Ipv6StaticRoutingHelper helper6;
    // The members of a link with no other link reach every other link the
    // same way: one search per link (and role: a cell's access point or a
    // station), not one per node, so that routes cost O(nodes) past it.
    std::map<std::pair<size_t, bool>, std::map<size_t, std::pair<size_t, size_t>>> hopsOfLink;
    for (const auto& [node, interfaces] : m_interfacesOf)
    {
        if (m_real.count(node) || RunsRip(node))
        {
            continue; // Linux's routes (the emulation gives them from FirstHops), or RIP's
        }
        auto hops = interfaces.size() == 1 ? SharedFirstHops(node, hopsOfLink) : FirstHops(node);
        auto ipv4 = Node(node)->GetObject<ns3::Ipv4>();
        auto ipv6 = Node(node)->GetObject<ns3::Ipv6>();
        // One next hop for everything beyond its link (a host behind one router): a default route.
        bool oneWay = interfaces.size() == 1 && !hops.empty() &&
                      std::all_of(hops.begin(), hops.end(),
                                  [&](const auto& h) { return h.second.second == hops.begin()->second.second; });
        if (m_ip != IpVersion::V6 && oneWay)
        {
            auto [out, via] = hops.begin()->second;
            helper4.GetStaticRouting(ipv4)->SetDefaultRoute(m_plan[via].address,
                                                            ipv4->GetInterfaceForDevice(m_devices[out]));
        }
        for (const auto& [link, hop] : hops)
        {
            auto [out, via] = hop;
            if (m_ip != IpVersion::V6 && !oneWay)
            {
                Subnet subnet = SubnetOf(m_links, link);
                helper4.GetStaticRouting(ipv4)->AddNetworkRouteTo(
                    subnet.network, ns3::Ipv4Mask(~((1u << (32 - subnet.prefix)) - 1)), m_plan[via].address,
                    ipv4->GetInterfaceForDevice(m_devices[out]));
            }
            if (m_ip != IpVersion::V4)
            {
                helper6.GetStaticRouting(ipv6)->AddNetworkRouteTo(Subnet6Of(link), ns3::Ipv6Prefix(64),
                                                                  m_plan[via].address6,
                                                                  ipv6->GetInterfaceForDevice(m_devices[out]));
            }
        }
    }
}

std::map<size_t, std::pair<size_t, size_t>>
Topology::SharedFirstHops(const std::string& node,
                          std::map<std::pair<size_t, bool>, std::map<size_t, std::pair<size_t, size_t>>>& cache) const
{
    size_t own = m_interfacesOf.at(node).front();
    const LinkSpec& link = m_links[m_plan[own].link];
    std::pair<size_t, bool> key{m_plan[own].link, link.type == LinkType::Wifi && link.ap == node};
    auto it = cache.find(key);
    if (it == cache.end())
    {
        it = cache.emplace(key, FirstHops(node)).first;
    }
    auto hops = it->second;
    for (auto& entry : hops)
    {
        entry.second.first = own; // the same next hops, out of this node's own interface
    }
    return hops;
}

void
Topology::RouteThroughEveryInterface(const std::string& node)
{
    m_everyInterface.insert(node);
    ns3::Ipv4StaticRoutingHelper helper4;
    ns3::Ipv6StaticRoutingHelper helper6;
    auto ipv4 = Node(node)->GetObject<ns3::Ipv4>();
    auto ipv6 = Node(node)->GetObject<ns3::Ipv6>();
    for (size_t through : m_interfacesOf.at(node))
    {
        for (const auto& [link, hop] : FirstHops(node, through))
        {
            auto [out, via] = hop;
            if (m_ip != IpVersion::V6)
            {
                Subnet subnet = SubnetOf(m_links, link);
                helper4.GetStaticRouting(ipv4)->AddNetworkRouteTo(
                    subnet.network, ns3::Ipv4Mask(~((1u << (32 - subnet.prefix)) - 1)), m_plan[via].address,
                    ipv4->GetInterfaceForDevice(m_devices[out]), 1);
            }
            if (m_ip != IpVersion::V4)
            {
                helper6.GetStaticRouting(ipv6)->AddNetworkRouteTo(Subnet6Of(link), ns3::Ipv6Prefix(64),
                                                                  m_plan[via].address6,
                                                                  ipv6->GetInterfaceForDevice(m_devices[out]), 1);
            }
        }
    }
}

void
Topology::AddGroupSendRoutes(const std::string& node)
{
    ns3::Ipv4StaticRoutingHelper helper4;
    ns3::Ipv6StaticRoutingHelper helper6;
    auto ipv4 = Node(node)->GetObject<ns3::Ipv4>();
    auto ipv6 = Node(node)->GetObject<ns3::Ipv6>();
    uint32_t metric = 0;
    for (size_t a : m_interfacesOf.at(node))
    {
        if (m_ip != IpVersion::V6)
        {
            helper4.GetStaticRouting(ipv4)->AddNetworkRouteTo(ns3::Ipv4Address("224.0.0.0"), ns3::Ipv4Mask("240.0.0.0"),
                                                              ipv4->GetInterfaceForDevice(m_devices[a]), metric);
        }
        if (m_ip != IpVersion::V4)
        {
            helper6.GetStaticRouting(ipv6)->AddNetworkRouteTo(ns3::Ipv6Address("ff00::"), ns3::Ipv6Prefix(8),
                                                              ipv6->GetInterfaceForDevice(m_devices[a]), metric);
        }
        ++metric;
    }
}

void
Topology::AddGroupRoute(const GroupRoute& route)
{
    auto interfaceOn = [&](size_t link) {
        for (size_t a : m_interfacesOf.at(route.node))
        {
            if (m_plan[a].link == link)
            {
                return m_devices[a];
            }
        }
        throw std::logic_error("group route over a link " + route.node + " is not on");
    };
    bool v6 = route.group.find(':') != std::string::npos;
    if (v6)
    {
        auto ipv6 = Node(route.node)->GetObject<ns3::Ipv6>();
        std::vector<uint32_t> out;
        for (size_t link : route.out)
        {
            out.push_back(ipv6->GetInterfaceForDevice(interfaceOn(link)));
        }
        ns3::Ipv6StaticRoutingHelper().GetStaticRouting(ipv6)->AddMulticastRoute(
            ns3::Ipv6Address::GetAny(), ns3::Ipv6Address(route.group.c_str()),
            ipv6->GetInterfaceForDevice(interfaceOn(route.in)), out);
        return;
    }
    auto ipv4 = Node(route.node)->GetObject<ns3::Ipv4>();
    std::vector<uint32_t> out;
    for (size_t link : route.out)
    {
        out.push_back(ipv4->GetInterfaceForDevice(interfaceOn(link)));
    }
    ns3::Ipv4StaticRoutingHelper().GetStaticRouting(ipv4)->AddMulticastRoute(
        ns3::Ipv4Address::GetAny(), ns3::Ipv4Address(route.group.c_str()),
        ipv4->GetInterfaceForDevice(interfaceOn(route.in)), out);
}

GroupReach
ReachOfGroup(const std::vector<LinkSpec>& links, const std::map<std::string, std::vector<std::string>>& forwardGroups,
             const std::string& group, size_t from, const std::string& sender)
{
    std::map<std::string, std::vector<size_t>> linksOf; // node -> its links, in order
    for (size_t i = 0; i < links.size(); ++i)
    {
        for (const auto& node : MembersOf(links[i]))
        {
            linksOf[node].push_back(i);
        }
    }
    const size_t unreached = links.size();
    std::vector<size_t> hops(links.size(), unreached); // distance of each link from `from`
    hops[from] = 0;
    std::vector<size_t> order{from}; // breadth first: by distance, ties by index below
    for (size_t k = 0; k < order.size(); ++k)
    {
        for (const auto& node : MembersOf(links[order[k]]))
        {
            for (size_t next : linksOf[node])
            {
                if (hops[next] == unreached)
                {
                    hops[next] = hops[order[k]] + 1;
                    order.push_back(next);
                }
            }
        }
    }
    auto before = [&](size_t a, size_t b) { return std::make_pair(hops[a], a) < std::make_pair(hops[b], b); };
    std::stable_sort(order.begin(), order.end(), before);
    GroupReach reach;
    reach.links.insert(from);
    for (size_t link : order)
    {
        if (!reach.links.count(link))
        {
            continue;
        }
        for (const auto& node : MembersOf(links[link]))
        {
            auto forwards = forwardGroups.find(node);
            if (node == sender || forwards == forwardGroups.end() ||
                std::count(forwards->second.begin(), forwards->second.end(), group) == 0)
            {
                continue;
            }
            std::vector<size_t> own = linksOf[node];
            std::sort(own.begin(), own.end(), before);
            if (own.front() != link || own.size() < 2)
            {
                continue; // not its reverse path: a copy that came round another way
            }
            GroupRoute route{node, group, link, std::vector<size_t>(own.begin() + 1, own.end())};
            reach.links.insert(route.out.begin(), route.out.end());
            reach.routes.push_back(route);
        }
    }
    return reach;
}

void
Topology::CreateNodes()
{
    ns3::InternetStackHelper stack;
    ns3::InternetStackHelper ripStack; // routers: static routes first (their own links, groups), then RIP's
    if (m_rip)
    {
        ns3::RipHelper rip;
        ns3::RipNgHelper ripNg;
        rip.Set("UnsolicitedRoutingUpdate", ns3::TimeValue(m_rip->update));
        rip.Set("TimeoutDelay", ns3::TimeValue(m_rip->timeout));
        rip.Set("GarbageCollectionDelay", ns3::TimeValue(m_rip->garbage));
        ripNg.Set("UnsolicitedRoutingUpdate", ns3::TimeValue(m_rip->update));
        ripNg.Set("TimeoutDelay", ns3::TimeValue(m_rip->timeout));
        ripNg.Set("GarbageCollectionDelay", ns3::TimeValue(m_rip->garbage));
        ns3::Ipv4ListRoutingHelper list4;
        list4.Add(ns3::Ipv4StaticRoutingHelper(), 10);
        list4.Add(rip, 0);
        ns3::Ipv6ListRoutingHelper list6;
        list6.Add(ns3::Ipv6StaticRoutingHelper(), 10);
        list6.Add(ripNg, 0);
        ripStack.SetRoutingHelper(list4);
        ripStack.SetRoutingHelper(list6);
    }
    for (const auto& iface : m_plan)
    {
        if (!Node(iface.node))
        {
            auto node = ns3::CreateObject<ns3::Node>();
            ns3::Names::Add(iface.node, node);
            (RunsRip(iface.node) ? ripStack : stack).Install(node);
        }
    }
}

bool
Topology::RunsRip(const std::string& node) const
{
    return m_rip && m_routers.count(node) && !m_real.count(node);
}

void
Topology::AddRealHostQueues(const ns3::NetDeviceContainer& devices)
{
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        auto device = devices.Get(d);
        auto tc = device->GetNode()->GetObject<ns3::TrafficControlLayer>();
        if (m_real.count(m_plan[m_firstOfLink + d].node) && !tc->GetRootQueueDiscOnDevice(device))
        {
            // Linux's tap is infinitely fast: frames wait here, in a txqueuelen
            // of 1000 as on a Linux NIC, while the device's queue is full.
            ns3::TrafficControlHelper tch;
            tch.SetRootQueueDisc("ns3::FifoQueueDisc", "MaxSize", ns3::QueueSizeValue(ns3::QueueSize("1000p")));
            tch.Install(device);
        }
    }
}

void
Topology::AttachTap(size_t planIndex, int fd)
{
    if (!m_real.count(m_plan.at(planIndex).node))
    {
        throw std::logic_error("a tap for " + m_plan[planIndex].node + ", which is not a real node");
    }
    HostDrops* drops = DropsOf(m_plan[planIndex].node);
    CountTapDrops(ConnectTap(m_devices[planIndex], fd, m_links[m_plan[planIndex].link].type == LinkType::P2p, drops),
                  drops);
}

std::optional<bool>
Topology::Associated(size_t planIndex) const
{
    auto* wifi = LoadedWifiCells();
    return wifi ? wifi->Associated(m_devices.at(planIndex)) : std::nullopt;
}

std::optional<QueueDiscDrops>
Topology::QueueDiscOf(size_t planIndex) const
{
    auto device = m_devices.at(planIndex);
    auto disc = device->GetNode()->GetObject<ns3::TrafficControlLayer>()->GetRootQueueDiscOnDevice(device);
    if (!disc)
    {
        return std::nullopt;
    }
    QueueDiscDrops drops;
    std::string type = disc->GetInstanceTypeId().GetName(); // "ns3::FqCoDelQueueDisc"
    type = type.substr(type.rfind("::") == std::string::npos ? 0 : type.rfind("::") + 2);
    drops.type = type.substr(0, type.rfind("QueueDisc"));
    // A child's drops (FqCoDel's CoDel flows, mq's classes) count at the root too.
    const ns3::QueueDisc::Stats& stats = disc->GetStats();
    drops.dropped = stats.nTotalDroppedPackets;
    const std::string child = ns3::QueueDisc::CHILD_QUEUE_DISC_DROP;
    for (const auto* reasons : {&stats.nDroppedPacketsBeforeEnqueue, &stats.nDroppedPacketsAfterDequeue})
    {
        for (const auto& [reason, count] : *reasons)
        {
            bool fromChild = reason.compare(0, child.size(), child) == 0;
            drops.byReason[fromChild ? reason.substr(child.size()) : reason] += count; // the child's own words
        }
    }
    return drops;
}

ns3::Ptr<ns3::Node>
Topology::Node(const std::string& name) const
{
    return ns3::Names::Find<ns3::Node>(name);
}

Capture
CaptureOf(const CapturePlan& plan, const LinkSpec& link, const std::string& node)
{
    auto it = plan.nodes.find(node);
    return it != plan.nodes.end() ? it->second : link.capture.value_or(plan.global);
}

Capture
Topology::CaptureOf(size_t planIndex) const
{
    return nslab::CaptureOf(m_capture, m_links[m_plan[planIndex].link], m_plan[planIndex].node);
}

uint32_t
Topology::SnapLengthOf(size_t planIndex) const
{
    return CaptureOf(planIndex) == Capture::Headers ? kHeaderBytes : 0;
}

void
Topology::SetSnapLength(size_t planIndex) const
{
    // ns-3's pcap helpers take the length from this default when they create the file.
    uint32_t snap = SnapLengthOf(planIndex);
    ns3::Config::SetDefault("ns3::PcapFileWrapper::CaptureSize", ns3::UintegerValue(snap ? snap : 65535));
}

CreatedFile
Topology::PcapFile(size_t planIndex, const std::string& suffix) const
{
    // Created here, never through a link; ns-3's writer (std::fstream, which
    // follows links) then opens exactly this file by its /proc/self/fd name.
    return CreatedFile(PcapPath(planIndex, suffix));
}

std::string
Topology::PcapPath(size_t planIndex, const std::string& suffix) const
{
    return m_capture.dir + "/" + m_plan[planIndex].node + "-" + m_plan[planIndex].name + suffix;
}

ns3::NetDeviceContainer
Topology::BuildShared(const LinkSpec& link, const ns3::NodeContainer& nodes)
{
    ns3::CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", ns3::DataRateValue(link.rate));
    // The delay lives in the DelayQueueDisc: a channel delay would hold the
    // whole shared medium for the propagation time of every frame.
    csma.SetChannelAttribute("Delay", ns3::TimeValue(ns3::Seconds(0)));
    csma.SetDeviceAttribute("Mtu", ns3::UintegerValue(link.mtu));
    if (AnyDirection(link, HasQueueLimit))
    {
        // The queue key then sizes the only queue that matters: the queue disc's.
        csma.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", ns3::QueueSizeValue(ns3::QueueSize("1p")));
    }
    ns3::NetDeviceContainer devices = csma.Install(nodes);
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        // A 1 us slot instead of ns-3's 50 us wastes less of the medium when
        // data and ACKs collide. Argument order is the implementation's
        // (slot, min, max, ceiling, retries), not the header's.
        ns3::DynamicCast<ns3::CsmaNetDevice>(devices.Get(d))
            ->SetBackoffParams(ns3::MicroSeconds(1), 1, 16, 10, 1000);
        if (Captures(m_firstOfLink + d))
        {
            SetSnapLength(m_firstOfLink + d);
            csma.EnablePcap(PcapFile(m_firstOfLink + d).ProcPath(), devices.Get(d), false, true);
        }
    }
    return devices;
}

namespace
{

ns3::Ptr<ns3::Queue<ns3::Packet>>
DropTail(ns3::QueueSize size)
{
    return ns3::CreateObjectWithAttributes<ns3::DropTailQueue<ns3::Packet>>("MaxSize", ns3::QueueSizeValue(size));
}

/**
 * A host's NIC: its queue stops the queue disc when full (as Linux's
 * txqueue does), so that packets wait in the queue disc, not dropped here.
 */
ns3::Ptr<EthernetWireDevice>
HostNic(const LinkSpec& link, ns3::Ptr<ns3::Node> node, uint64_t rate)
{
    auto device = ns3::CreateObject<EthernetWireDevice>();
    device->SetAddress(ns3::Mac48Address::Allocate());
    device->SetAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(rate)));
    device->SetMtu(link.mtu);
    // With a queue key, the queue disc's limit is the only one that matters.
    device->SetQueue(DropTail(ns3::QueueSize(AnyDirection(link, HasQueueLimit) ? "1p" : "100p")));
    node->AddDevice(device); // which gives it ns-3's flow control
    return device;
}

/** A switch port's output queue: the link's queue key, or 1000 packets. */
ns3::QueueSize
SwitchQueueOf(const LinkSpec& link)
{
    const auto& limit = link.impairments.queue;
    if (!limit)
    {
        return ns3::QueueSize("1000p");
    }
    auto value = static_cast<uint32_t>(std::min<uint64_t>(limit->value, 4000000000));
    return ns3::QueueSize(limit->bytes ? ns3::QueueSizeUnit::BYTES : ns3::QueueSizeUnit::PACKETS, std::max(value, 1u));
}

} // namespace

bool
Topology::Captures(size_t planIndex) const
{
    return !m_capture.dir.empty() && CaptureOf(planIndex) != Capture::None;
}

ns3::NetDeviceContainer
Topology::BuildSwitched(const LinkSpec& link, const ns3::NodeContainer& nodes)
{
    auto members = MembersOf(link);
    ns3::NetDeviceContainer devices;
    for (uint32_t n = 0; n < nodes.GetN(); ++n)
    {
        // A cable's direction may have a rate of its own: its sender's NIC.
        uint64_t rate = IsCable(link) ? link.ImpairmentsOf(members[n], members[1 - n]).rate : 0;
        devices.Add(HostNic(link, nodes.Get(n), rate > 0 ? rate : link.rate.GetBitRate()));
    }
    if (IsCable(link))
    {
        auto cable = ns3::CreateObject<EthernetWireChannel>();
        for (uint32_t n = 0; n < 2; ++n)
        {
            ns3::DynamicCast<EthernetWireDevice>(devices.Get(n))->Attach(cable);
            cable->SetDelay(n, Wire(link, WireDelayOf(link.ImpairmentsOf(members[n], members[1 - n]))));
        }
    }
    else
    {
        AddSwitch(link, devices);
    }
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        if (Captures(m_firstOfLink + d))
        {
            EnableEthernetPcap(ns3::DynamicCast<EthernetWireDevice>(devices.Get(d)),
                               PcapFile(m_firstOfLink + d).ProcPath(), SnapLengthOf(m_firstOfLink + d));
        }
    }
    return devices;
}

void
Topology::AddSwitch(const LinkSpec& link, const ns3::NetDeviceContainer& hosts)
{
    auto node = ns3::CreateObject<ns3::Node>(); // no IP: a layer-2 switch
    HostDrops* drops = &m_switchDrops[link.name];
    drops->node = "switch";
    drops->link = link.name;
    drops->log = &m_dropLog;
    ns3::NetDeviceContainer ports;
    for (uint32_t h = 0; h < hosts.GetN(); ++h)
    {
        auto port = ns3::CreateObject<EthernetWireDevice>();
        port->SetAddress(ns3::Mac48Address::Allocate());
        port->SetAttribute("DataRate", ns3::DataRateValue(link.rate));
        port->SetMtu(link.mtu);
        port->SetQueue(DropTail(SwitchQueueOf(link)));
        node->AddDevice(port);
        auto cable = ns3::CreateObjectWithAttributes<EthernetWireChannel>("Delay", ns3::TimeValue(Wire(link, LanCableDelay(link))));
        ns3::DynamicCast<EthernetWireDevice>(hosts.Get(h))->Attach(cable);
        port->Attach(cable);
        port->TraceConnectWithoutContext("MacTxDrop",
                                         ns3::Callback<void, ns3::Ptr<const ns3::Packet>>(
                                             [drops](ns3::Ptr<const ns3::Packet> packet) { drops->Add("switch: output queue full", packet); }));
        ports.Add(port);
    }
    ns3::BridgeHelper().Install(node, ports);
    m_linkDevices.back().Add(ports);
}

ns3::NetDeviceContainer
Topology::BuildP2p(const LinkSpec& link, const ns3::NodeContainer& nodes)
{
    ns3::PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", ns3::DataRateValue(link.rate));
    p2p.SetDeviceAttribute("Mtu", ns3::UintegerValue(link.mtu));
    // The wire carries the shorter direction's delay; queue discs add the rest.
    p2p.SetChannelAttribute("Delay", ns3::TimeValue(Wire(link, WireDelay(link, link.impairments))));
    if (AnyDirection(link, HasQueueLimit))
    {
        p2p.SetQueue("ns3::DropTailQueue<Packet>", "MaxSize", ns3::QueueSizeValue(ns3::QueueSize("1p")));
    }
    ns3::NetDeviceContainer devices = p2p.Install(nodes);
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        // A direction's own rate is its sender's serialization rate.
        uint64_t rate = link.ImpairmentsOf(link.nodes[d], link.nodes[1 - d]).rate;
        if (rate > 0)
        {
            devices.Get(d)->SetAttribute("DataRate", ns3::DataRateValue(ns3::DataRate(rate)));
        }
        if (Captures(m_firstOfLink + d))
        {
            SetSnapLength(m_firstOfLink + d);
            p2p.EnablePcap(PcapFile(m_firstOfLink + d).ProcPath(), devices.Get(d), false, true);
        }
    }
    return devices;
}

ns3::NetDeviceContainer
Topology::BuildWifi(const LinkSpec& link, const ns3::NodeContainer& nodes)
{
    WifiCellSetup setup;
    setup.ssid = link.name;
    setup.standard = link.standard;
    setup.retries = link.retries;
    setup.mtu = link.mtu;
    // A cell that an event changes may come to drop frames (loss, down): no aggregation from the start.
    setup.aggregation = !AnyDirection(link, [](const Impairments& imp) { return imp.DropsAtReceiver(); }) &&
                        !m_changing.count(m_link);
    setup.rateControl = link.rateControl;
    setup.mode = link.mode;
    auto members = MembersOf(link);
    for (uint32_t n = 0; n < nodes.GetN(); ++n)
    {
        // Unless placed: the access point at the origin, stations on a circle of radius "distance".
        double angle = n == 0 ? 0 : 2 * M_PI * (n - 1) / (nodes.GetN() - 1);
        double radius = n == 0 ? 0 : link.distance;
        auto place = m_places.find(members[n]);
        setup.places.push_back(place != m_places.end() ? place->second : NodePlace{});
        if (!setup.places.back().position && setup.places.back().waypoints.empty())
        {
            setup.places.back().position = ns3::Vector(radius * std::cos(angle), radius * std::sin(angle), 0);
        }
    }
    std::deque<CreatedFile> files; // open until the plugin's pcaps have opened them
    for (uint32_t n = 0; n < nodes.GetN(); ++n)
    {
        size_t index = m_firstOfLink + n;
        setup.pcaps.emplace_back();
        if (Captures(index))
        {
            const auto& host = files.emplace_back(PcapPath(index, ".pcap"));
            const auto& radio = files.emplace_back(PcapPath(index, ".radio.pcap"));
            setup.pcaps.back() = WifiCellSetup::Pcap{host.ProcPath(), radio.ProcPath(), SnapLengthOf(index)};
        }
    }
    ns3::Ptr<ns3::Channel> own;
    return LoadWifiCells().Build(setup, nodes, link.channel ? m_wifiChannels[*link.channel] : own);
}

DirectionCounters*
Topology::Direction(size_t link, uint32_t from, uint32_t to)
{
    auto& slot = m_directionIndex[{link, from, to}];
    if (!slot)
    {
        auto members = MembersOf(m_links[link]);
        m_directions.push_back(DirectionCounters{m_links[link].name, members.at(from), members.at(to)});
        slot = &m_directions.back();
        // Links that impair frames count them, at the receiver.
        slot->counted = AnyDirection(m_links[link], [](const Impairments& imp) {
            return imp.DropsAtReceiver() || imp.ShapesAtSender();
        });
    }
    return slot;
}

std::vector<DirectionCounters>
Topology::Directions() const
{
    std::vector<DirectionCounters> all;
    for (const auto& [key, counters] : m_directionIndex) // in order of links and members
    {
        all.push_back(*counters);
    }
    return all;
}

std::map<std::string, HostDrops>
Topology::SwitchDrops() const
{
    return m_switchDrops;
}

namespace
{

/** \return what the sender's queue disc applies, given the spec of a direction. */
Impairments
Adapted(const LinkSpec& link, const Impairments& spec)
{
    Impairments sent = spec;
    if ((link.type == LinkType::P2p || IsCable(link)) && spec.rate > 0)
    {
        sent.rate = 0; // the device serializes at the direction's rate already
    }
    if (IsSwitchedLan(link))
    {
        sent.delay = 2 * spec.delay; // two cables, each of the delay
    }
    return sent;
}

/** \return what a direction's sender applies, besides losses: what events change only with netem on. */
auto
SenderSide(const Impairments& imp)
{
    return std::make_tuple(imp.delay, imp.jitter, imp.distribution, imp.reorder, imp.duplicate, imp.rate);
}

/** \return what a direction's receiver draws. */
auto
ReceiverSide(const Impairments& imp)
{
    GilbertElliott ge = imp.burst.value_or(GilbertElliott{-1, -1, -1, -1});
    return std::make_tuple(imp.loss, imp.meanBurst, ge.p, ge.r, ge.badLoss, ge.goodLoss, imp.corrupt, imp.drop);
}

/** \return true if some direction of two states of a link differs by `side`. */
template <class Side>
bool
DirectionsDiffer(const LinkSpec& a, const LinkSpec& b, Side side)
{
    auto differs = [&](const Impairments& x, const Impairments& y) { return side(x) != side(y); };
    if (differs(a.impairments, b.impairments))
    {
        return true;
    }
    for (const auto& d : a.directions)
    {
        if (differs(d.impairments, b.ImpairmentsOf(d.from, d.to)))
        {
            return true;
        }
    }
    for (const auto& d : b.directions)
    {
        if (differs(d.impairments, a.ImpairmentsOf(d.from, d.to)))
        {
            return true;
        }
    }
    return false;
}

bool
SenderSideDiffers(const LinkSpec& a, const LinkSpec& b)
{
    return DirectionsDiffer(a, b, [](const Impairments& imp) { return SenderSide(imp); });
}

bool
ReceiverSideDiffers(const LinkSpec& a, const LinkSpec& b)
{
    return DirectionsDiffer(a, b, [](const Impairments& imp) { return ReceiverSide(imp); });
}

} // namespace

void
Topology::PrepareChanges(const std::vector<std::vector<LinkSpec>>& later)
{
    for (const auto& links : later)
    {
        for (size_t i = 0; i < m_links.size(); ++i)
        {
            LinkSpec& link = m_links[i];
            const LinkSpec& next = links.at(i);
            bool reshaped = SenderSideDiffers(link, next) || (link.type != LinkType::P2p && !IsCable(link) &&
                                                               link.rate.GetBitRate() != next.rate.GetBitRate());
            if (reshaped)
            {
                m_reshaped.insert(i);
            }
            if (reshaped || link.up != next.up || link.rate != next.rate || ReceiverSideDiffers(link, next))
            {
                m_changing.insert(i);
            }
            for (const auto& d : next.directions)
            {
                // Every direction any state has exists from the start (as the link's), so that none moves later.
                bool known = std::any_of(link.directions.begin(), link.directions.end(),
                                         [&](const DirectionSpec& own) { return own.from == d.from && own.to == d.to; });
                if (!known)
                {
                    link.directions.push_back({d.from, d.to, link.impairments});
                }
            }
        }
    }
}

void
Topology::Change(const std::vector<LinkSpec>& links)
{
    bool rerouted = false;
    for (size_t i : m_changing)
    {
        LinkSpec& link = m_links[i];
        const LinkSpec& next = links.at(i);
        // In place: receivers and senders hold pointers to these.
        link.impairments = next.impairments;
        for (auto& d : link.directions)
        {
            d.impairments = next.ImpairmentsOf(d.from, d.to);
        }
        link.rate = next.rate;
        ApplyRates(i);
        if (link.up != next.up)
        {
            link.up = next.up;
            SetInterfacesUp(i, link.up);
            rerouted = true;
        }
    }
    for (auto& [spec, sent] : m_sentImpairments)
    {
        for (size_t i : m_changing)
        {
            const auto all = m_links[i].AllImpairments();
            if (std::find(all.begin(), all.end(), spec) != all.end())
            {
                *const_cast<Impairments*>(sent) = Adapted(m_links[i], *spec); // our own copy (m_senderImpairments)
            }
        }
    }
    for (const auto& sender : m_senderDiscs)
    {
        const LinkSpec& link = m_links[sender.link];
        std::optional<NetemQueueDisc::DestinationSetup> setup;
        if (link.type == LinkType::Wifi && sender.from > 0)
        {
            const Impairments& spec = link.ImpairmentsOf(link.nodes[sender.from - 1], link.ap);
            setup = {SentImpairments(link, &spec), Wire(link, WireDelay(link, spec)),
                     Direction(sender.link, sender.from, 0)};
        }
        else if (link.type != LinkType::P2p && !IsCable(link))
        {
            setup = {SentImpairments(link, &link.impairments), Wire(link, WireDelay(link, link.impairments))};
        }
        ns3::DynamicCast<NetemQueueDisc>(sender.disc)->Refresh(setup);
    }
    if (rerouted && m_staticRouting)
    {
        Reroute();
    }
}

void
Topology::ApplyRates(size_t index)
{
    const LinkSpec& link = m_links[index];
    const auto& devices = m_linkDevices[index];
    auto members = MembersOf(link);
    if (link.type == LinkType::Wifi)
    {
        return; // the PHY's rate control picks the rate
    }
    if (link.type == LinkType::Ethernet && link.medium == EthernetMedium::Shared)
    {
        devices.Get(0)->GetChannel()->SetAttribute("DataRate", ns3::DataRateValue(link.rate));
        return;
    }
    bool own = link.type == LinkType::P2p || IsCable(link); // a direction's rate is its sender's
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        uint64_t rate = own ? link.ImpairmentsOf(members[d], members[1 - d]).rate : 0;
        devices.Get(d)->SetAttribute("DataRate", ns3::DataRateValue(rate > 0 ? ns3::DataRate(rate) : link.rate));
    }
}

void
Topology::SetInterfacesUp(size_t index, bool up)
{
    for (size_t a : m_membersOfLink[index])
    {
        if (m_real.count(m_plan[a].node))
        {
            continue; // Linux's interface: its frames are dropped on the link
        }
        auto node = Node(m_plan[a].node);
        if (auto ipv4 = node->GetObject<ns3::Ipv4>(); ipv4 && ipv4->GetInterfaceForDevice(m_devices[a]) >= 0)
        {
            uint32_t i = ipv4->GetInterfaceForDevice(m_devices[a]);
            up ? ipv4->SetUp(i) : ipv4->SetDown(i);
        }
        if (auto ipv6 = node->GetObject<ns3::Ipv6>(); ipv6 && ipv6->GetInterfaceForDevice(m_devices[a]) >= 0)
        {
            uint32_t i = ipv6->GetInterfaceForDevice(m_devices[a]);
            up ? ipv6->SetUp(i) : ipv6->SetDown(i);
        }
    }
}

void
Topology::Reroute()
{
    ns3::Ipv4StaticRoutingHelper helper4;
    ns3::Ipv6StaticRoutingHelper helper6;
    for (const auto& [name, interfaces] : m_interfacesOf)
    {
        if (m_real.count(name))
        {
            continue;
        }
        auto node = Node(name);
        if (auto ipv4 = node->GetObject<ns3::Ipv4>(); ipv4 && m_ip != IpVersion::V6)
        {
            auto routing = helper4.GetStaticRouting(ipv4);
            for (uint32_t r = routing->GetNRoutes(); r-- > 0;)
            {
                if (routing->GetRoute(r).GetGateway() != ns3::Ipv4Address::GetZero())
                {
                    routing->RemoveRoute(r); // what AddRoutes and RouteThroughEveryInterface gave
                }
            }
        }
        if (auto ipv6 = node->GetObject<ns3::Ipv6>(); ipv6 && m_ip != IpVersion::V4)
        {
            auto routing = helper6.GetStaticRouting(ipv6);
            for (uint32_t r = routing->GetNRoutes(); r-- > 0;)
            {
                if (routing->GetRoute(r).GetGateway() != ns3::Ipv6Address::GetZero())
                {
                    routing->RemoveRoute(r);
                }
            }
        }
    }
    AddRoutes();
    for (const auto& node : std::set<std::string>(m_everyInterface))
    {
        RouteThroughEveryInterface(node);
    }
}

namespace
{

/** \brief Say what a dropped frame was, from its bytes (and the IP header it no longer holds). */
void
DescribeDrop(const DropRecord& record, DropRow& row)
{
    std::string bytes = record.ipHeader;
    if (record.packet)
    {
        bytes.resize(record.ipHeader.size() + record.packet->GetSize());
        record.packet->CopyData(reinterpret_cast<uint8_t*>(bytes.data()) + record.ipHeader.size(),
                                record.packet->GetSize());
    }
    trace::CapturedPacket what;
    if (!trace::DescribeBytes(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), what))
    {
        return;
    }
    const char* names[] = {"TCP", "UDP", "ICMP", "ICMPv6"};
    int known = what.protocol == 6 ? 0 : what.protocol == 17 ? 1 : what.protocol == 1 ? 2 : what.protocol == 58 ? 3 : -1;
    row.protocol = known >= 0 ? names[known] : "IP " + std::to_string(what.protocol);
    row.source = trace::Endpoint{what.src, what.srcPort}.ToStringOrAddress();
    row.destination = trace::Endpoint{what.dst, what.dstPort}.ToStringOrAddress();
    if (what.protocol == 6 && what.srcPort)
    {
        row.tcpSeq = what.seq;
        row.tcpLength = what.length;
    }
    row.nslabSeq = what.nslabSeq;
}

} // namespace

void
Topology::LogQueueDiscDrops()
{
    for (size_t i = 0; i < m_devices.size(); ++i)
    {
        auto device = m_devices[i];
        auto tc = device->GetNode()->GetObject<ns3::TrafficControlLayer>();
        auto disc = tc ? tc->GetRootQueueDiscOnDevice(device) : nullptr;
        if (!disc || ns3::DynamicCast<NetemQueueDisc>(disc))
        {
            continue;
        }
        std::string type = disc->GetInstanceTypeId().GetName();
        type = type.substr(type.rfind("::") + 2);
        type = type.substr(0, type.rfind("QueueDisc"));
        const InterfacePlan& plan = m_plan[i];
        DropLog* log = &m_dropLog;
        std::string link = m_links[plan.link].name;
        auto sink = [log, link, plan, type](ns3::Ptr<const ns3::QueueDiscItem> item, const char* reason) {
            std::string header;
            if (auto ip4 = ns3::DynamicCast<const ns3::Ipv4QueueDiscItem>(item))
            {
                header = HeaderBytes(ip4->GetHeader());
            }
            else if (auto ip6 = ns3::DynamicCast<const ns3::Ipv6QueueDiscItem>(item))
            {
                header = HeaderBytes(ip6->GetHeader());
            }
            std::string why = reason;
            const std::string child = ns3::QueueDisc::CHILD_QUEUE_DISC_DROP;
            why = why.compare(0, child.size(), child) == 0 ? why.substr(child.size()) : why;
            log->Add({link, "", plan.node, plan.name, "queue disc " + type + ": " + why, item->GetPacket(), header});
        };
        using Sink = ns3::Callback<void, ns3::Ptr<const ns3::QueueDiscItem>, const char*>;
        disc->TraceConnectWithoutContext("DropBeforeEnqueue", Sink(sink));
        disc->TraceConnectWithoutContext("DropAfterDequeue", Sink(sink));
    }
}

std::vector<DropRow>
Topology::DropRows() const
{
    return {m_dropLog.Rows().begin(), m_dropLog.Rows().end()};
}

HostDrops*
Topology::DropsOf(const std::string& node)
{
    HostDrops& drops = m_hostDrops[node];
    drops.node = node;
    drops.log = &m_dropLog;
    return &drops;
}

ns3::Time
Topology::Wire(const LinkSpec& link, ns3::Time delay) const
{
    return m_reshaped.count(static_cast<size_t>(&link - m_links.data())) ? ns3::Time() : delay;
}

const Impairments*
Topology::SentImpairments(const LinkSpec& link, const Impairments* spec)
{
    bool ownRate = (link.type == LinkType::P2p || IsCable(link)) && spec->rate > 0;
    if (!ownRate && !IsSwitchedLan(link) && !m_changing.count(static_cast<size_t>(&link - m_links.data())))
    {
        return spec;
    }
    auto& sent = m_sentImpairments[spec];
    if (!sent)
    {
        m_senderImpairments.push_back(Adapted(link, *spec));
        sent = &m_senderImpairments.back();
    }
    return sent;
}

void
Topology::AddReceiveImpairments(const LinkSpec& link, const ns3::NetDeviceContainer& devices)
{
    // Links that impair frames also count them, at the receiver.
    if (!AnyDirection(link, [](const Impairments& imp) { return imp.DropsAtReceiver() || imp.ShapesAtSender(); }) &&
        !m_changing.count(m_link))
    {
        return;
    }
    bool p2p = link.type == LinkType::P2p;
    auto framing = link.type == LinkType::Wifi ? ReceiveImpairment::Framing::Wifi
                   : p2p                       ? ReceiveImpairment::Framing::Ppp
                                               : ReceiveImpairment::Framing::Ethernet;
    size_t index = m_link;
    for (uint32_t to = 0; to < devices.GetN(); ++to)
    {
        // Drawn at the receiver, before its pcap: the sender's capture shows
        // the frame, the receiver's does not.
        auto model = ns3::CreateObject<ReceiveImpairment>();
        model->SetFraming(framing);
        model->SetLinkState(&m_links[index].up);
        model->SetDropLog(&m_dropLog);
        if (!p2p) // a p2p wire has one sender and no addresses to tell
        {
            model->SetOwnAddress(MacKey(devices.Get(to)->GetAddress()));
        }
        model->SetSenderLookup([this, index, to, p2p](uint64_t key) -> std::optional<ReceiveImpairment::SenderSetup> {
            auto from = p2p ? std::optional<uint32_t>(1 - to) : MemberOf(index, key);
            const LinkSpec& link = m_links[index];
            auto members = MembersOf(link);
            if (!from || !link.Carries(members[*from], members[to]))
            {
                return std::nullopt;
            }
            return ReceiveImpairment::SenderSetup{&link.ImpairmentsOf(members[*from], members[to]),
                                                  Direction(index, *from, to)};
        });
        if (link.type == LinkType::Wifi)
        {
            LoadWifiCells().SetReceiveErrorModel(devices.Get(to), model);
        }
        else
        {
            devices.Get(to)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(model));
        }
    }
}

std::optional<uint32_t>
Topology::MemberOf(size_t link, uint64_t mac) const
{
    auto it = m_memberOfMac.at(link).find(mac);
    return it == m_memberOfMac.at(link).end() ? std::nullopt : std::optional<uint32_t>(it->second);
}

void
Topology::AddSendImpairments(const LinkSpec& link, const ns3::NetDeviceContainer& devices)
{
    if (!NeedsSenderImpairments(link) && !m_reshaped.count(m_link))
    {
        return;
    }
    uint32_t framing = link.type == LinkType::Ethernet ? 18 : link.type == LinkType::P2p ? 2 : 0;
    bool single = link.type == LinkType::P2p || IsCable(link); // one destination for every frame
    size_t index = m_link;
    for (uint32_t from = 0; from < devices.GetN(); ++from)
    {
        ns3::TrafficControlHelper tc;
        // Named through GetTypeId() so that the linker keeps the class, and its
        // TypeId registration, out of the static library.
        tc.SetRootQueueDisc(NetemQueueDisc::GetTypeId().GetName(), "MaxSize", ns3::QueueSizeValue(QueueOf(link, from)));
        auto disc = ns3::DynamicCast<NetemQueueDisc>(tc.Install(devices.Get(from)).Get(0));
        if (m_changing.count(m_link))
        {
            m_senderDiscs.push_back({disc, m_link, from});
        }
        disc->SetFramingBytes(framing);
        disc->SetDropLog(&m_dropLog, m_plan[m_firstOfLink + from].node, link.name);
        if (auto limit = WaitLimitOf(link, from))
        {
            disc->SetWaitLimit(*limit);
        }
        if (link.type == LinkType::Wifi && from > 0)
        {
            // A station sends every frame to its access point, even those it relays to other stations.
            const Impairments& spec = link.ImpairmentsOf(link.nodes[from - 1], link.ap);
            disc->SetDefault({SentImpairments(link, &spec), Wire(link, WireDelay(link, spec)), Direction(index, from, 0)});
        }
        else if (!single) // broadcasts and multicasts
        {
            disc->SetDefault({SentImpairments(link, &link.impairments), Wire(link, WireDelay(link, link.impairments))});
        }
        disc->SetDestinationLookup(
            [this, index, from, single](uint64_t mac) -> std::optional<NetemQueueDisc::DestinationSetup> {
                const LinkSpec& link = m_links[index];
                auto to = single ? std::optional<uint32_t>(1 - from) : MemberOf(index, mac);
                auto members = MembersOf(link);
                if (!to || !link.Carries(members[from], members[*to]))
                {
                    return std::nullopt;
                }
                const Impairments& spec = link.ImpairmentsOf(members[from], members[*to]);
                return NetemQueueDisc::DestinationSetup{SentImpairments(link, &spec), Wire(link, WireDelay(link, spec)),
                                                        Direction(index, from, *to)};
            });
    }
}

} // namespace nslab
