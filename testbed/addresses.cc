#include "addresses.h"

#include "units.h"

#include <arpa/inet.h>

#include <algorithm>
#include <sstream>

namespace nslab
{

/** \return the address (IPv6 if it holds a ':'), or nothing if it is not one. */
std::optional<IpLiteral>
ParseIp(const std::string& text)
{
    IpLiteral ip;
    ip.v6 = text.find(':') != std::string::npos;
    uint8_t bytes[16];
    char canonical[INET6_ADDRSTRLEN];
    // inet_pton takes only the strict forms: four decimal bytes (no leading
    // zeros, no shorthand such as 10.1), or RFC 4291's text for IPv6.
    if (inet_pton(ip.v6 ? AF_INET6 : AF_INET, text.c_str(), bytes) != 1 ||
        !inet_ntop(ip.v6 ? AF_INET6 : AF_INET, bytes, canonical, sizeof(canonical)))
    {
        return std::nullopt;
    }
    ip.text = canonical;
    if (ip.v6)
    {
        ip.v6addr = ns3::Ipv6Address(bytes);
    }
    else
    {
        ip.v4 = ns3::Ipv4Address((uint32_t{bytes[0]} << 24) | (bytes[1] << 16) | (bytes[2] << 8) | bytes[3]);
    }
    return ip;
}

/** \return an IP address, or a ValueError saying what an address looks like. */
IpLiteral
ParseAddress(const std::string& text)
{
    auto ip = ParseIp(text);
    if (!ip)
    {
        throw ValueError(text.find(':') != std::string::npos
                             ? "bad IPv6 address '" + text + "': expected an address such as fd00:1::2"
                             : "bad IPv4 address '" + text + "': expected four numbers 0..255 such as 10.0.1.2");
    }
    return *ip;
}

/** \return why a multicast address cannot be a group of a scenario ("" if it can). */
std::string
GroupProblem(const IpLiteral& group)
{
    if (!group.v6)
    {
        uint32_t a = group.v4.Get();
        if ((a >> 28) != 0xe)
        {
            return group.text + " is not a multicast group: IPv4 groups are 224.0.0.0/4, e.g. 239.1.1.1";
        }
        if ((a >> 8) == 0xe00000)
        {
            return group.text + " is in 224.0.0.0/24, kept for link-local protocols (224.0.0.1 is all hosts): "
                                "use a group such as 239.1.1.1 (239.0.0.0/8 is for local use)";
        }
        return "";
    }
    uint8_t bytes[16];
    group.v6addr.GetBytes(bytes);
    if (bytes[0] != 0xff)
    {
        return group.text + " is not a multicast group: IPv6 groups are ff00::/8, e.g. ff15::1";
    }
    unsigned scope = bytes[1] & 0x0f;
    if (scope < 3 || scope == 0xf)
    {
        const char* names[] = {" (reserved)", " (interface-local)", " (link-local)"};
        return group.text + " has scope " + std::to_string(scope) + (scope < 3 ? names[scope] : " (reserved)") +
               (scope == 1 || scope == 2 ? ", which ns-3 sends only through a given interface" : "") +
               ": use a scope from 3 to 14, e.g. ff15::1 (5: site-local) or ff1e::1 (14: global)";
    }
    return "";
}

/** A list of groups, e.g. "239.1.1.1 ff15::1": each a valid group, repeats dropped. */
std::vector<std::string>
ParseGroups(const std::string& text)
{
    std::vector<std::string> groups;
    for (const auto& word : SplitWords(text))
    {
        IpLiteral group = ParseAddress(word);
        if (std::string why = GroupProblem(group); !why.empty())
        {
            throw ValueError(why);
        }
        if (std::find(groups.begin(), groups.end(), group.text) == groups.end())
        {
            groups.push_back(group.text);
        }
    }
    if (groups.empty())
    {
        throw ValueError("expected one or more multicast groups separated by blanks, e.g. '239.1.1.1 ff15::1'");
    }
    return groups;
}

/** \return "IPv4" or "IPv6". */
const char*
FamilyName(bool v6)
{
    return v6 ? "IPv6" : "IPv4";
}

/** \return true if the scenario's hosts speak that IP version. */
bool
Speaks(IpVersion ip, bool v6)
{
    return ip == IpVersion::Dual || (ip == IpVersion::V6) == v6;
}


/** \return an IPv6 address as scenarios write it (inet_ntop's form). */
std::string
Text6(const ns3::Ipv6Address& address)
{
    uint8_t bytes[16];
    address.GetBytes(bytes);
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, bytes, text, sizeof(text));
    return text;
}

std::string
Text4(const ns3::Ipv4Address& address)
{
    std::ostringstream out;
    out << address;
    return out.str();
}

/** \return the IPv4 subnet broadcast address of an interface's link. */
ns3::Ipv4Address
BroadcastOf(const InterfacePlan& iface)
{
    return ns3::Ipv4Address(iface.address.Get() | ((1u << (32 - iface.prefix)) - 1));
}

/** \return the node's interface on a link (nullptr if the node is not on it). */
const InterfacePlan*
OnLink(const std::vector<InterfacePlan>& plan, const std::string& node, size_t link)
{
    for (const auto& iface : plan)
    {
        if (iface.node == node && iface.link == link)
        {
            return &iface;
        }
    }
    return nullptr;
}

/** \return the node's interface of that name (nullptr if none). */
const InterfacePlan*
InterfaceNamed(const std::vector<InterfacePlan>& plan, const std::string& node, const std::string& name)
{
    for (const auto& iface : plan)
    {
        if (iface.node == node && (name.empty() || iface.name == name))
        {
            return &iface;
        }
    }
    return nullptr;
}

/** \return "10.0.1.1 (eth0), 10.0.2.3 (wlan0)": a node's addresses of one IP version. */
std::string
AddressesOf(const std::vector<InterfacePlan>& plan, const std::string& node, bool v6)
{
    std::vector<std::string> list;
    for (const auto& iface : plan)
    {
        if (iface.node == node)
        {
            list.push_back((v6 ? Text6(iface.address6) : Text4(iface.address)) + " (" + iface.name + ")");
        }
    }
    return Join(list);
}

/**
 * \return for an address no interface has: the hosts of the link whose
 * subnet holds it, or else the links' subnets (a few of each).
 */
std::string
NearAddress(const std::vector<InterfacePlan>& plan, const std::vector<LinkSpec>& links, const IpLiteral& ip)
{
    const size_t most = 6;
    auto inLink = [&](const InterfacePlan& iface) {
        if (ip.v6)
        {
            uint8_t a[16], b[16];
            iface.address6.GetBytes(a);
            ip.v6addr.GetBytes(b);
            return std::equal(a, a + 8, b);
        }
        uint32_t mask = ~((1u << (32 - iface.prefix)) - 1);
        return (iface.address.Get() & mask) == (ip.v4.Get() & mask);
    };
    auto subnet = [&](const InterfacePlan& iface) {
        return ip.v6 ? Text6(Subnet6Of(iface.link)) + "/64"
                     : Text4(ns3::Ipv4Address(iface.address.Get() & ~((1u << (32 - iface.prefix)) - 1))) + "/" +
                           std::to_string(iface.prefix);
    };
    std::vector<std::string> hosts, subnets;
    const InterfacePlan* link = nullptr;
    for (const auto& iface : plan)
    {
        link = !link && inLink(iface) ? &iface : link;
    }
    for (const auto& iface : plan)
    {
        if (link && iface.link == link->link)
        {
            hosts.push_back((ip.v6 ? Text6(iface.address6) : Text4(iface.address)) + " (" + iface.node + "." +
                            iface.name + ")");
        }
        else if (!link && (subnets.empty() || subnets.back().find("(" + links[iface.link].name + ")") ==
                                                  std::string::npos))
        {
            subnets.push_back(subnet(iface) + " (" + links[iface.link].name + ")");
        }
    }
    auto few = [&](std::vector<std::string> list) {
        bool more = list.size() > most;
        list.resize(std::min(list.size(), most));
        return Join(list) + (more ? ", ..." : "");
    };
    if (link)
    {
        return ": link " + links[link->link].name + " (" + subnet(*link) + ") has " + few(hosts);
    }
    return "; the links' " + std::string(ip.v6 ? "prefixes" : "subnets") + " are " + few(subnets);
}

} // namespace nslab
