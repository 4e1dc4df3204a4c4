#ifndef NSLAB_TOPOLOGY_H
#define NSLAB_TOPOLOGY_H

#include "host-drops.h"
#include "impairments.h"

#include "ns3/data-rate.h"
#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"

#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nslab
{

class CreatedFile; // io.h

enum class LinkType
{
    Ethernet, //!< shared CSMA segment, Ethernet framing, any number of nodes
    P2p,      //!< point-to-point wire, PPP framing, two nodes
    Wifi,     //!< one access point and its stations, radiotap pcaps
};

/** \brief Which IP versions the hosts of a scenario speak. */
enum class IpVersion
{
    V4,
    V6,
    Dual,
};

/** \brief An IPv4 prefix such as 10.0.1.0/24. */
struct Subnet
{
    ns3::Ipv4Address network;
    uint8_t prefix = 24;
};

/** \brief A direction of a link with impairments of its own, e.g. [link.lan.alice->bob]. */
struct DirectionSpec
{
    std::string from;
    std::string to;
    Impairments impairments; //!< complete: the link's, with the direction's keys applied
};

/** \brief One link of a scenario, typed and validated (see the scenario loader). */
struct LinkSpec
{
    std::string name;
    LinkType type = LinkType::Ethernet;
    std::vector<std::string> nodes; //!< wifi: the stations
    std::string ap;                 //!< wifi: the access point
    ns3::DataRate rate{"100Mbps"};  //!< ethernet, p2p
    Impairments impairments;        //!< every direction, unless directions say otherwise
    std::vector<DirectionSpec> directions;
    uint32_t mtu = 1500;            //!< IP MTU in bytes
    std::optional<Subnet> subnet;   //!< default: 10.0.<link number>.0/24
    std::string standard = "802.11n"; //!< wifi
    double distance = 10;           //!< wifi: metres from station to access point
    uint32_t retries = 6;           //!< wifi: 802.11 retransmissions of an unacknowledged frame

    /** \return the impairments of frames from one member to another. */
    const Impairments& ImpairmentsOf(const std::string& from, const std::string& to) const;
    /** \return the link's own impairments, then each direction's. */
    std::vector<const Impairments*> AllImpairments() const;
    /** \return true if frames may go directly from one member to the other. */
    bool Carries(const std::string& from, const std::string& to) const;
};

/**
 * \brief What the root queue disc of an interface dropped: a sender-side
 * NetemQueueDisc, or ns-3's default FqCoDel on links without sender-side
 * impairments, whose CoDel drops packets that wait too long.
 */
struct QueueDiscDrops
{
    std::string type;                          //!< ns-3's class without namespace and "QueueDisc": "FqCoDel", "Netem"
    uint64_t dropped = 0;                      //!< packets, whatever the reason
    std::map<std::string, uint64_t> byReason;  //!< ns-3's reason strings, e.g. "Target exceeded drop"
};

/** \brief Where an interface of the scenario sits; computed before any ns-3 object exists. */
struct InterfacePlan
{
    std::string node;
    std::string name; //!< eth0, wlan0, ppp0... numbered per node in order of mention
    size_t link = 0;  //!< index into the links
    ns3::Ipv4Address address;
    uint8_t prefix = 24;
    ns3::Ipv6Address address6; //!< in fd00:<link number>::/64, the same host number
};

/**
 * \brief Name and address every interface of the links, in order of mention.
 * \return one entry per (node, link) pair; access points come first in their cell.
 */
std::vector<InterfacePlan> PlanInterfaces(const std::vector<LinkSpec>& links);

/** \return the subnet a link gets: its own, or 10.0.<index + 1>.0/24. */
Subnet SubnetOf(const std::vector<LinkSpec>& links, size_t index);

/** \return the IPv6 /64 of a link: fd00:<index + 1>::. */
ns3::Ipv6Address Subnet6Of(size_t index);

/** \return the members of a link in addressing order (the access point first). */
std::vector<std::string> MembersOf(const LinkSpec& link);

/** \return the supported WiFi standard names, e.g. "802.11n". */
const std::vector<std::string>& WifiStandards();

/**
 * \brief The ns-3 network of a scenario: nodes created on first mention,
 * devices and channels per link, IPv4 addresses, global routes, per-frame
 * receive loss, and one-way delay.
 */
class Topology
{
  public:
    /**
     * \brief Build the network.
     * \param links validated links
     * \param pcapDir when not empty, one pcap per interface goes there as <node>-<iface>.pcap
     */
    Topology(const std::vector<LinkSpec>& links, const std::string& pcapDir, IpVersion ip = IpVersion::V4);

    /** \return the node of that name (nullptr if none). */
    ns3::Ptr<ns3::Node> Node(const std::string& name) const;

    /** \return the interfaces in plan order. */
    const std::vector<InterfacePlan>& Interfaces() const { return m_plan; }

    /**
     * \return for a WiFi station's interface (plan index), whether it is
     * associated with its access point now; nothing for other interfaces.
     */
    std::optional<bool> Associated(size_t planIndex) const;

    /** \return what the root queue disc of an interface (plan index) dropped so far; nothing if it has none. */
    std::optional<QueueDiscDrops> QueueDiscOf(size_t planIndex) const;

    /** \return what happened to the frames of every direction of every link so far. */
    const std::deque<DirectionCounters>& Directions() const { return m_directions; }

    /** \return what each node's IP, ARP and WiFi MAC layers dropped so far, by node name. */
    const std::map<std::string, HostDrops>& HostDropsByNode() const { return m_hostDrops; }

  private:
    void CreateNodes();
    void AssignAddresses(size_t link, const ns3::NetDeviceContainer& devices);
    /** \brief Breadth-first search over links from one node. */
    struct Hops
    {
        std::map<std::string, size_t> depth; //!< hops to each reachable node
        std::map<std::string, std::pair<size_t, size_t>> first; //!< plan indexes of the first hop's two ends
    };
    Hops FirstHops(const std::string& node) const;
    /** \brief IPv6 routes along shortest paths (ns-3 has no global routing for IPv6). */
    void AddIpv6Routes();
    ns3::NetDeviceContainer BuildEthernet(const LinkSpec& link, const ns3::NodeContainer& nodes);
    ns3::NetDeviceContainer BuildP2p(const LinkSpec& link, const ns3::NodeContainer& nodes);
    ns3::NetDeviceContainer BuildWifi(const LinkSpec& link, const ns3::NodeContainer& nodes);
    /**
     * \return the pcap file of the plan entry, just created (without following
     * a link) and open until the returned object goes: pass its ProcPath() to
     * EnablePcap, which opens it at once.
     */
    CreatedFile PcapFile(size_t planIndex) const;
    /** \return the counters of each ordered pair of the link's devices that exchange frames. */
    std::map<std::pair<uint32_t, uint32_t>, DirectionCounters*> AddDirections(const LinkSpec& link);
    void AddReceiveImpairments(const LinkSpec& link, const ns3::NetDeviceContainer& devices,
                               const std::map<std::pair<uint32_t, uint32_t>, DirectionCounters*>& counters);
    void AddSendImpairments(const LinkSpec& link, const ns3::NetDeviceContainer& devices,
                            const std::map<std::pair<uint32_t, uint32_t>, DirectionCounters*>& counters);

    std::vector<LinkSpec> m_links;
    std::vector<InterfacePlan> m_plan;
    std::string m_pcapDir;
    IpVersion m_ip = IpVersion::V4;
    size_t m_firstOfLink = 0; //!< plan index of the link being built
    std::vector<ns3::Ptr<ns3::NetDevice>> m_devices; //!< parallel to m_plan
    std::deque<DirectionCounters> m_directions;
    std::map<std::string, HostDrops> m_hostDrops; //!< stable addresses: the traces hold them
    std::deque<Impairments> m_senderImpairments; //!< what queue discs apply, when it differs from the spec
};

} // namespace nslab

#endif
