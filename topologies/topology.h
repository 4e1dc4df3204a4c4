#ifndef NSLAB_TOPOLOGY_H
#define NSLAB_TOPOLOGY_H

#include "ns3/data-rate.h"
#include "ns3/ipv4-address.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/nstime.h"

#include <optional>
#include <string>
#include <vector>

namespace nslab
{

enum class LinkType
{
    Ethernet, //!< shared CSMA segment, Ethernet framing, any number of nodes
    P2p,      //!< point-to-point wire, PPP framing, two nodes
    Wifi,     //!< one access point and its stations, radiotap pcaps
};

/** \brief An IPv4 prefix such as 10.0.1.0/24. */
struct Subnet
{
    ns3::Ipv4Address network;
    uint8_t prefix = 24;
};

/** \brief One link of a scenario, typed and validated (see the scenario loader). */
struct LinkSpec
{
    std::string name;
    LinkType type = LinkType::Ethernet;
    std::vector<std::string> nodes; //!< wifi: the stations
    std::string ap;                 //!< wifi: the access point
    ns3::DataRate rate{"100Mbps"};  //!< ethernet, p2p
    ns3::Time delay;                //!< one-way
    double loss = 0;                //!< per received frame, 0..1
    uint32_t mtu = 1500;            //!< IP MTU in bytes
    std::optional<Subnet> subnet;   //!< default: 10.0.<link number>.0/24
    std::string standard = "802.11n"; //!< wifi
    double distance = 10;           //!< wifi: metres from station to access point
};

/** \brief Where an interface of the scenario sits; computed before any ns-3 object exists. */
struct InterfacePlan
{
    std::string node;
    std::string name; //!< eth0, wlan0, ppp0... numbered per node in order of mention
    size_t link = 0;  //!< index into the links
    ns3::Ipv4Address address;
    uint8_t prefix = 24;
};

/**
 * \brief Name and address every interface of the links, in order of mention.
 * \return one entry per (node, link) pair; access points come first in their cell.
 */
std::vector<InterfacePlan> PlanInterfaces(const std::vector<LinkSpec>& links);

/** \return the subnet a link gets: its own, or 10.0.<index + 1>.0/24. */
Subnet SubnetOf(const std::vector<LinkSpec>& links, size_t index);

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
    Topology(const std::vector<LinkSpec>& links, const std::string& pcapDir);

    /** \return the node of that name (nullptr if none). */
    ns3::Ptr<ns3::Node> Node(const std::string& name) const;

    /** \return the interfaces in plan order. */
    const std::vector<InterfacePlan>& Interfaces() const { return m_plan; }

    /**
     * \return for a WiFi station's interface (plan index), whether it is
     * associated with its access point now; nothing for other interfaces.
     */
    std::optional<bool> Associated(size_t planIndex) const;

  private:
    void CreateNodes();
    ns3::NetDeviceContainer BuildEthernet(const LinkSpec& link, const ns3::NodeContainer& nodes);
    ns3::NetDeviceContainer BuildP2p(const LinkSpec& link, const ns3::NodeContainer& nodes);
    ns3::NetDeviceContainer BuildWifi(const LinkSpec& link, const ns3::NodeContainer& nodes);
    /** \return the pcap file of the plan entry, or "" when pcaps are off. */
    std::string PcapFile(size_t planIndex) const;
    void AddReceiveLoss(const ns3::NetDeviceContainer& devices, double loss);
    void AddEgressDelay(const LinkSpec& link, const ns3::NetDeviceContainer& devices);

    std::vector<LinkSpec> m_links;
    std::vector<InterfacePlan> m_plan;
    std::string m_pcapDir;
    size_t m_firstOfLink = 0; //!< plan index of the link being built
    std::vector<ns3::Ptr<ns3::NetDevice>> m_devices; //!< parallel to m_plan
};

} // namespace nslab

#endif
