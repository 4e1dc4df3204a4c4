#ifndef NSLAB_TOPOLOGY_H
#define NSLAB_TOPOLOGY_H

#include "host-drops.h"
#include "impairments.h"

#include "ns3/channel.h"
#include "ns3/data-rate.h"
#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"
#include "ns3/queue-disc.h"
#include "ns3/vector.h"

#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace nslab
{

class CreatedFile; // io.h

enum class LinkType
{
    Ethernet, //!< Ethernet framing, any number of nodes: see EthernetMedium
    P2p,      //!< point-to-point wire, PPP framing, two nodes
    Wifi,     //!< one access point and its stations, radiotap pcaps
};

/** \return the link types' names as scenarios write them, in LinkType's order: "ethernet", "p2p", "wifi". */
const std::vector<std::string>& LinkTypeNames();

/** \brief How an Ethernet link joins its nodes. */
enum class EthernetMedium
{
    Switched, //!< full-duplex cables: two nodes joined directly, more through a learning switch
    Shared,   //!< ns-3's CSMA: one half-duplex segment (a hub), collisions and backoff
};

/** \brief What the pcap of an interface keeps. */
enum class Capture
{
    Full,    //!< every frame whole
    Headers, //!< the first kHeaderBytes of every frame
    None,    //!< no pcap
};
inline constexpr uint32_t kHeaderBytes = 128;

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

/** \brief RIP's timers (RFC 2453's defaults). */
struct RipTimers
{
    ns3::Time update = ns3::Seconds(30);   //!< unsolicited updates
    ns3::Time timeout = ns3::Seconds(180); //!< a route not refreshed is invalid
    ns3::Time garbage = ns3::Seconds(120); //!< an invalid route is deleted
};

/** \brief Where a node's radio is: fixed, moving between waypoints, or (neither) on its cell's circle. */
struct NodePlace
{
    std::optional<ns3::Vector> position;                      //!< metres
    std::vector<std::pair<ns3::Time, ns3::Vector>> waypoints; //!< ascending times; straight lines between them
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
    EthernetMedium medium = EthernetMedium::Switched; //!< ethernet
    std::optional<Capture> capture; //!< default: the scenario's
    Impairments impairments;        //!< every direction, unless directions say otherwise
    std::vector<DirectionSpec> directions;
    uint32_t mtu = 1500;            //!< IP MTU in bytes
    std::optional<Subnet> subnet;   //!< default: 10.0.<link number>.0/24
    std::string standard = "802.11n"; //!< wifi
    double distance = 10;           //!< wifi: metres from station to access point
    uint32_t retries = 6;           //!< wifi: 802.11 retransmissions of an unacknowledged frame
    std::string rateControl = "ideal"; //!< wifi: one of WifiRateControls()
    std::string mode;               //!< wifi, rateControl "constant": the one mode, e.g. "HtMcs7"
    std::optional<uint32_t> channel; //!< wifi: cells on the same channel share the air; none: a medium of its own
    bool up = true;                 //!< false: no frame crosses the link, its interfaces are down

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

/**
 * \return the subnet a link gets: its own; or 10.0.<index + 1>.0/24 for the
 * first 254 links of at most 254 nodes; or, for the others, the smallest
 * block that fits their nodes, allocated from 10.1.0.0 on in link order.
 */
Subnet SubnetOf(const std::vector<LinkSpec>& links, size_t index);

/** \return the IPv6 /64 of a link: fd00:<index + 1>::. */
ns3::Ipv6Address Subnet6Of(size_t index);

/** \return the members of a link in addressing order (the access point first). */
std::vector<std::string> MembersOf(const LinkSpec& link);

/**
 * \return true if a node's interface (plan index `through`) reaches link
 * `target` by the routes a socket bound to it uses (Topology::
 * RouteThroughEveryInterface): its own link, or a link beyond it along a
 * path that does not come back through the node.
 */
bool ReachesThrough(const std::vector<LinkSpec>& links, const std::vector<InterfacePlan>& plan, size_t through,
                    size_t target);

/** \brief A router's multicast route: a group that arrives on one of its links goes out on the others. */
struct GroupRoute
{
    std::string node;        //!< the router
    std::string group;       //!< the group's address, canonical text ("239.1.1.1", "ff15::1")
    size_t in = 0;           //!< link (index) it accepts the group on
    std::vector<size_t> out; //!< links it sends the group out on
};

/** \brief Where a group's datagrams sent on one link go: the links they reach and the routes that carry them. */
struct GroupReach
{
    std::set<size_t> links;         //!< the sender's link and every link a forwarding router sends them on
    std::vector<GroupRoute> routes; //!< one per router that forwards them
};

/**
 * \brief Follow a group sent on link `from` through the routers that forward it.
 *
 * Links are ordered by their distance from `from` in hops (two links are
 * neighbours when a node is on both), ties by link index. A router named in
 * forwardGroups for the group accepts it only on the first of its links in
 * that order (the reverse path towards the sender, as multicast routers
 * check) and sends it out on all its other links, which all come later: a
 * datagram only moves forward in the order, so no topology loops it. The
 * sender does not forward its own datagrams (it sends them on `from` only).
 * \param forwardGroups node -> the groups it forwards (canonical text)
 * \param sender the node that sends them
 */
GroupReach ReachOfGroup(const std::vector<LinkSpec>& links,
                        const std::map<std::string, std::vector<std::string>>& forwardGroups,
                        const std::string& group, size_t from, const std::string& sender);

/** \brief Which interfaces get a pcap, and how much of each frame. */
struct CapturePlan
{
    std::string dir;                      //!< where pcaps go; empty: none at all
    Capture global = Capture::Full;       //!< the scenario's capture key
    std::map<std::string, Capture> nodes; //!< [node.NAME] capture: wins over the link's
};

/** \return what the pcap of a node's interface on a link keeps: the node's capture, else the link's, else the global one. */
Capture CaptureOf(const CapturePlan& plan, const LinkSpec& link, const std::string& node);

/**
 * \brief The ns-3 network of a scenario: nodes created on first mention,
 * devices and channels per link (Ethernet cables and switches, p2p wires,
 * WiFi cells), addresses, shortest-path routes, per-frame receive loss,
 * sender-side netem, and pcaps. Per-pair state (direction counters, netem
 * destinations) is made when a pair first exchanges frames: an N-node link
 * costs O(N) until its nodes talk.
 */
class Topology
{
  public:
    /**
     * \brief Build the network.
     * \param links validated links
     * \param capture pcaps go to capture.dir as <node>-<iface>.pcap (WiFi also <node>-<iface>.radio.pcap)
     */
    Topology(const std::vector<LinkSpec>& links, const CapturePlan& capture, IpVersion ip = IpVersion::V4,
             const std::set<std::string>& realNodes = {}, const std::map<std::string, NodePlace>& places = {},
             const std::vector<std::vector<LinkSpec>>& later = {}, std::optional<RipTimers> rip = std::nullopt);

    /**
     * \brief From now on the links are as given: the same links with other
     * impairments, rates or states (an event). Frames already sent keep what
     * they had; a link that goes down drops every frame and its interfaces go
     * down; static routes are computed again when a link goes down or up.
     * Links that change must have been in `later` when the topology was built.
     */
    void Change(const std::vector<LinkSpec>& links);

    /**
     * \brief Whether static routes are computed again when a link goes down or up (default);
     * false: routes never change (a link's routes go with it). RIP's routers keep RIP's either way.
     */
    void SetStaticRouting(bool on) { m_staticRouting = on; }

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

    /**
     * \return what happened to the frames of every direction that carried or
     * dropped frames so far, in order of links and members
     */
    std::vector<DirectionCounters> Directions() const;

    /** \return what the switch of each switched LAN (3 nodes or more) dropped so far, by link name. */
    std::map<std::string, HostDrops> SwitchDrops() const;

    /** \return what each node's IP, ARP and WiFi MAC layers dropped so far, by node name. */
    const std::map<std::string, HostDrops>& HostDropsByNode() const { return m_hostDrops; }

    /** \return every frame dropped so far, in order, each counted once in the counters above (drops.csv). */
    std::vector<DropRow> DropRows() const;

    /** \return the drops past DropLog::kMaxRows: counted, not listed in DropRows. */
    uint64_t DropsOmitted() const { return m_dropLog.Omitted(); }

    /**
     * \brief Give a node routes to every link through each of its interfaces
     * (metric 1; its shortest-path routes, metric 0, stay first): a socket
     * bound to one interface (BindToNetDevice, which makes ns-3's static
     * routing consider only that interface's routes) reaches every link
     * through it, as a multi-homed Linux host with a default route per
     * interface does.
     */
    void RouteThroughEveryInterface(const std::string& node);

    /**
     * \brief Let a node send to multicast groups: ns-3 routes a group's
     * datagrams by its unicast table, so the node gets 224.0.0.0/4 and
     * ff00::/8 on each interface, the first interface first (metric 0, 1...).
     */
    void AddGroupSendRoutes(const std::string& node);

    /** \brief Install a router's multicast route (ns-3's static multicast routing, any origin). */
    void AddGroupRoute(const GroupRoute& route);

    /** \return the device of an interface (plan index). */
    ns3::Ptr<ns3::NetDevice> Device(size_t planIndex) const { return m_devices.at(planIndex); }

    /**
     * \brief Make a tap the IP stack of a real node's interface (see
     * ConnectTap): the node has no IP interface on its devices, and its
     * routes are the caller's to give Linux (FirstHops).
     */
    void AttachTap(size_t planIndex, int fd);

    /**
     * \brief Breadth-first search over the links from one node.
     * \return for every link the node is not on: the plan indexes of the
     * node's outgoing interface and of the next hop's interface towards the
     * link's nearest member (none for links it cannot reach); with
     * `through` (a plan index of the node's), only paths that leave through
     * that interface, to every other link (the node's own other links too)
     */
    std::map<size_t, std::pair<size_t, size_t>> FirstHops(const std::string& node,
                                                          std::optional<size_t> through = std::nullopt) const;

  private:
    void CreateNodes();
    /** \return true if the node's routes are RIP's: a simulated router of a scenario with routing = rip. */
    bool RunsRip(const std::string& node) const;
    void AssignAddresses(size_t link, const ns3::NetDeviceContainer& devices);
    /**
     * \brief Static routes along shortest paths, IPv4 and IPv6: what ns-3's
     * global routing computes for IPv4, in O(nodes x interfaces) instead of
     * its per-node SPF, and what it lacks for IPv6.
     */
    void AddRoutes();
    /** \return FirstHops of a node on one link, from a search made once per link and role (see AddRoutes). */
    std::map<size_t, std::pair<size_t, size_t>> SharedFirstHops(
        const std::string& node,
        std::map<std::pair<size_t, bool>, std::map<size_t, std::pair<size_t, size_t>>>& cache) const;
    ns3::NetDeviceContainer BuildShared(const LinkSpec& link, const ns3::NodeContainer& nodes);
    ns3::NetDeviceContainer BuildSwitched(const LinkSpec& link, const ns3::NodeContainer& nodes);
    /** \brief Cable the host devices of a LAN to a new learning switch. */
    void AddSwitch(const LinkSpec& link, const ns3::NetDeviceContainer& hosts);
    ns3::NetDeviceContainer BuildP2p(const LinkSpec& link, const ns3::NodeContainer& nodes);
    ns3::NetDeviceContainer BuildWifi(const LinkSpec& link, const ns3::NodeContainer& nodes);
    /** \return what the pcap of the plan entry keeps. */
    Capture CaptureOf(size_t planIndex) const;
    /** \return bytes kept of each frame in the pcap of the plan entry (0: whole frames). */
    uint32_t SnapLengthOf(size_t planIndex) const;
    /**
     * \return the pcap file of the plan entry, just created (without following
     * a link) and open until the returned object goes: pass its ProcPath() to
     * EnablePcap, which opens it at once. suffix: ".pcap" or ".radio.pcap".
     */
    CreatedFile PcapFile(size_t planIndex, const std::string& suffix = ".pcap") const;
    /** \return where the pcap of the plan entry goes. */
    std::string PcapPath(size_t planIndex, const std::string& suffix) const;
    /** \brief Let ns-3's pcap helpers keep what the plan entry's capture says. */
    void SetSnapLength(size_t planIndex) const;
    /** \return the counters of frames between two members of a link (indexes into MembersOf), made on first use. */
    DirectionCounters* Direction(size_t link, uint32_t from, uint32_t to);
    /** \return the member index of a device address on a link (nothing for others). */
    std::optional<uint32_t> MemberOf(size_t link, uint64_t mac) const;
    /** \return what the sender's queue disc applies to frames the spec's direction: the spec, or a copy adapted to the link. */
    const Impairments* SentImpairments(const LinkSpec& link, const Impairments* spec);
    /** \return true if the plan entry gets a pcap. */
    bool Captures(size_t planIndex) const;
    void AddReceiveImpairments(const LinkSpec& link, const ns3::NetDeviceContainer& devices);
    void AddSendImpairments(const LinkSpec& link, const ns3::NetDeviceContainer& devices);
    /** \brief Log the drops of the interfaces' root queue discs but netem's (whose drops are their links'). */
    void LogQueueDiscDrops();
    /** \return the node's drop counters, made on first use, logging into the run's drop log. */
    HostDrops* DropsOf(const std::string& node);
    /** \brief Give a real node's devices without a queue disc a FIFO one. */
    void AddRealHostQueues(const ns3::NetDeviceContainer& devices);
    /** \brief Note the links `later` changes: they get receive impairments, and netem for delays that change. */
    void PrepareChanges(const std::vector<std::vector<LinkSpec>>& later);
    /** \return the delay the wire itself carries: none on a link whose sender side changes (netem carries it all). */
    ns3::Time Wire(const LinkSpec& link, ns3::Time delay) const;
    /** \brief Set every device of a link to the link's rates now. */
    void ApplyRates(size_t link);
    /** \brief Take a link's interfaces up or down, as a cable pulled or plugged. */
    void SetInterfacesUp(size_t link, bool up);
    /** \brief Replace every static route through a gateway by routes of the links up now. */
    void Reroute();

    std::vector<LinkSpec> m_links;
    std::vector<InterfacePlan> m_plan;
    CapturePlan m_capture;
    std::set<std::string> m_routers; //!< nodes on more than one link
    std::set<std::string> m_real;    //!< nodes whose IP stack is Linux's (real programs run there)
    std::map<std::string, NodePlace> m_places; //!< WiFi radios placed by the scenario
    std::map<uint32_t, ns3::Ptr<ns3::Channel>> m_wifiChannels; //!< the air of each WiFi channel number
    std::map<std::string, std::vector<size_t>> m_interfacesOf; //!< node -> its plan indexes
    std::vector<std::vector<size_t>> m_membersOfLink;          //!< link -> its plan indexes (the AP first)
    IpVersion m_ip = IpVersion::V4;
    size_t m_link = 0;        //!< the link being built
    size_t m_firstOfLink = 0; //!< plan index of its first member
    std::vector<ns3::Ptr<ns3::NetDevice>> m_devices; //!< parallel to m_plan
    std::vector<std::map<uint64_t, uint32_t>> m_memberOfMac; //!< per link: device address -> member index
    std::deque<DirectionCounters> m_directions;
    std::map<std::tuple<size_t, uint32_t, uint32_t>, DirectionCounters*> m_directionIndex; //!< (link, from, to)
    DropLog m_dropLog; //!< every drop the counters count, with its packet: drops.csv
    std::map<std::string, HostDrops> m_hostDrops;   //!< stable addresses: the traces hold them
    std::map<std::string, HostDrops> m_switchDrops; //!< by link name
    std::set<size_t> m_changing;  //!< links events change
    std::set<size_t> m_reshaped;  //!< links whose sender side (delay, jitter, direction rates...) events change
    std::vector<ns3::NetDeviceContainer> m_linkDevices; //!< per link: its switch's ports (if any), then its members' devices
    struct SenderDisc
    {
        ns3::Ptr<ns3::QueueDisc> disc; //!< a NetemQueueDisc
        size_t link;
        uint32_t from;
    };
    std::vector<SenderDisc> m_senderDiscs; //!< of the links that change
    std::set<std::string> m_everyInterface; //!< nodes given RouteThroughEveryInterface
    bool m_staticRouting = true;
    std::optional<RipTimers> m_rip; //!< routers run RIP (and RIPng)
    std::deque<Impairments> m_senderImpairments; //!< what queue discs apply, when it differs from the spec
    std::map<const Impairments*, const Impairments*> m_sentImpairments; //!< spec -> what queue discs apply
};

} // namespace nslab

#endif
