#include "group-membership.h"

#include "ns3/ipv4-packet-info-tag.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ipv6-packet-info-tag.h"
#include "ns3/log.h"

#include <algorithm>

NS_LOG_COMPONENT_DEFINE("NslabGroupMembership");

namespace nslab
{

void
GroupMembership::SetGroups(const std::vector<std::string>& groups)
{
    m_groups4.clear();
    m_groups6.clear();
    for (const auto& group : groups)
    {
        if (group.find(':') != std::string::npos)
        {
            m_groups6.emplace_back(group.c_str());
        }
        else
        {
            m_groups4.emplace_back(group.c_str());
        }
    }
}

void
GroupMembership::Prepare(const ns3::Ptr<ns3::Socket>& socket) const
{
    if (m_filter)
    {
        socket->SetRecvPktInfo(true);
    }
}

void
GroupMembership::Join(const ns3::Ptr<ns3::Node>& node)
{
    auto ipv6 = node->GetObject<ns3::Ipv6L3Protocol>();
    if (!ipv6 || m_groups6.empty())
    {
        return;
    }
    // On every interface, as a socket bound to no device joins: the node's
    // IPv6 layer then hands the group's datagrams up whichever link they come from.
    for (const auto& group : m_groups6)
    {
        NS_LOG_LOGIC("node " << node->GetId() << " joins " << group);
        ipv6->AddMulticastAddress(group);
    }
    m_joined = node;
}

void
GroupMembership::Leave()
{
    if (!m_joined)
    {
        return;
    }
    auto ipv6 = m_joined->GetObject<ns3::Ipv6L3Protocol>();
    for (const auto& group : m_groups6)
    {
        ipv6->RemoveMulticastAddress(group);
    }
    m_joined = nullptr;
}

bool
GroupMembership::Accepts(const ns3::Ptr<ns3::Packet>& packet) const
{
    if (!m_filter)
    {
        return true;
    }
    ns3::Ipv4PacketInfoTag tag4;
    if (packet->RemovePacketTag(tag4))
    {
        ns3::Ipv4Address to = tag4.GetAddress();
        return !to.IsMulticast() || std::count(m_groups4.begin(), m_groups4.end(), to) > 0;
    }
    ns3::Ipv6PacketInfoTag tag6;
    if (packet->RemovePacketTag(tag6))
    {
        ns3::Ipv6Address to = tag6.GetAddress();
        return !to.IsMulticast() || std::count(m_groups6.begin(), m_groups6.end(), to) > 0;
    }
    return true;
}

} // namespace nslab
