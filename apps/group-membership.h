#ifndef NSLAB_GROUP_MEMBERSHIP_H
#define NSLAB_GROUP_MEMBERSHIP_H

#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"
#include "ns3/node.h"
#include "ns3/packet.h"
#include "ns3/socket.h"

#include <string>
#include <vector>

namespace nslab
{

/**
 * \brief The multicast groups a UDP server joined (IP_ADD_MEMBERSHIP), and
 * the filter that makes them the only groups it receives.
 *
 * ns-3.37 has no group membership for IPv4: Ipv4L3Protocol takes every
 * multicast datagram as addressed to the node (IsDestinationAddress: the
 * group check is "#ifdef NOTYET"), UdpSocketImpl::MulticastJoinGroup does
 * nothing, and a socket bound to the any-address receives every group's
 * datagrams on its port. So a server reads with RecvPktInfo, which tags
 * each datagram with its destination address, and drops those sent to a
 * group it did not join, before counting them: a host that joined nothing
 * receives nothing. IPv6 has membership: Ipv6L3Protocol delivers a group's
 * datagrams only to a node that registered the group (AddMulticastAddress),
 * which Join does; the same filter then keeps a server on one port from
 * reading a group that another server of its node joined on another port.
 * Unicast and broadcast datagrams pass untouched.
 */
class GroupMembership
{
  public:
    /** \brief The groups to join (canonical text, IPv4 or IPv6). */
    void SetGroups(const std::vector<std::string>& groups);

    /**
     * \brief Filter datagrams to groups (the scenario sends to some); without
     * it, reading costs nothing extra.
     */
    void SetFiltering(bool filter) { m_filter = filter; }

    /** \brief Ask the socket for each datagram's destination (when filtering). */
    void Prepare(const ns3::Ptr<ns3::Socket>& socket) const;

    /** \brief Join the groups on the node: register the IPv6 ones with its IPv6 layer. */
    void Join(const ns3::Ptr<ns3::Node>& node);

    /** \brief Leave the groups joined. */
    void Leave();

    /**
     * \return false for a datagram sent to a group this server did not join;
     * removes the destination tag Prepare asked for
     */
    bool Accepts(const ns3::Ptr<ns3::Packet>& packet) const;

  private:
    std::vector<ns3::Ipv4Address> m_groups4;
    std::vector<ns3::Ipv6Address> m_groups6;
    bool m_filter = false;
    ns3::Ptr<ns3::Node> m_joined; //!< the node whose IPv6 layer has our groups
};

} // namespace nslab

#endif
