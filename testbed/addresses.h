#ifndef NSLAB_ADDRESSES_H
#define NSLAB_ADDRESSES_H

#include "topology.h"

#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"

#include <optional>
#include <string>
#include <vector>

namespace nslab
{

/** \brief An IP address as written in a scenario (no port): an interface's, a broadcast or a group. */
struct IpLiteral
{
    bool v6 = false;
    ns3::Ipv4Address v4;
    ns3::Ipv6Address v6addr;
    std::string text; //!< canonical: inet_ntop's ("fd00:1::2", lower case, zeros compressed)

    bool IsMulticast() const { return v6 ? v6addr.IsMulticast() : v4.IsMulticast(); }
};

/** \return the address (IPv6 if it holds a ':'), or nothing if it is not one. */
std::optional<IpLiteral> ParseIp(const std::string& text);

/** \return an IP address. \throw ValueError saying what an address looks like */
IpLiteral ParseAddress(const std::string& text);

/** \return why a multicast address cannot be a group of a scenario ("" if it can). */
std::string GroupProblem(const IpLiteral& group);

/** \return a list of groups, e.g. "239.1.1.1 ff15::1": each a valid group, repeats dropped. \throw ValueError */
std::vector<std::string> ParseGroups(const std::string& text);

/** \return "IPv4" or "IPv6". */
const char* FamilyName(bool v6);

/** \return true if the scenario's hosts speak that IP version. */
bool Speaks(IpVersion ip, bool v6);

/** \return an IPv6 address as scenarios write it (inet_ntop's form). */
std::string Text6(const ns3::Ipv6Address& address);

/** \return an IPv4 address in dotted decimal. */
std::string Text4(const ns3::Ipv4Address& address);

/** \return the IPv4 subnet broadcast address of an interface's link. */
ns3::Ipv4Address BroadcastOf(const InterfacePlan& iface);

/** \return the node's interface on a link (nullptr if the node is not on it). */
const InterfacePlan* OnLink(const std::vector<InterfacePlan>& plan, const std::string& node, size_t link);

/** \return the node's interface of that name, its first for "" (nullptr if none). */
const InterfacePlan* InterfaceNamed(const std::vector<InterfacePlan>& plan, const std::string& node,
                                    const std::string& name);

/** \return "10.0.1.1 (eth0), 10.0.2.3 (wlan0)": a node's addresses of one IP version. */
std::string AddressesOf(const std::vector<InterfacePlan>& plan, const std::string& node, bool v6);

/**
 * \return for an address no interface has, what is near: ": link lan
 * (10.0.1.0/24) has 10.0.1.1 (alice.eth0), ..." (the hosts of the link whose
 * subnet holds it), or else "; the links' subnets are ..." (a few of each)
 */
std::string NearAddress(const std::vector<InterfacePlan>& plan, const std::vector<LinkSpec>& links,
                        const IpLiteral& ip);

} // namespace nslab

#endif
