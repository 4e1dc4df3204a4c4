#ifndef NSLAB_SCENARIO_H
#define NSLAB_SCENARIO_H

#include "ini.h"
#include "topology.h"

#include "ns3/nstime.h"

#include <map>
#include <string>
#include <vector>

namespace nslab
{

enum class Transport
{
    Tcp,
    Udp,
    Icmp,    //!< ping and traceroute: ICMP (IPv6: ICMPv6) echo requests on a raw socket
    Process, //!< a real program in the node's network namespace: its sockets are Linux's
};

enum class AppRole
{
    Client,
    Server,
    Program, //!< a real program: client, server or both, as it pleases
};

/** \brief How a client's peer was written, and so where its datagrams or connection go. */
enum class PeerKind
{
    Node,      //!< NODE:PORT or NODE.IFACE:PORT
    Address,   //!< an interface's address: 10.0.1.2:PORT or [fd00:1::2]:PORT
    Broadcast, //!< broadcast:PORT, or a link's subnet broadcast address (udp-client only)
    Group,     //!< a multicast group: 239.1.1.1:PORT or [ff15::1]:PORT (udp-client only)
};

/**
 * \brief Where a client sends to, resolved by the loader: a node's interface
 * (named, or found by its address), its link's broadcast, or a group.
 */
struct Peer
{
    PeerKind kind = PeerKind::Node;
    std::string node;    //!< Node, Address: the node that has the interface
    std::string iface;   //!< Node: "" for the node's first interface, or as written; Address: the interface with the address
    std::string address; //!< Address, Group, Broadcast written as an address: canonical text ("10.0.1.2", "fd00:1::2")
    size_t link = 0;     //!< Broadcast: the link (index) broadcast on; Group: the link the client sends on
    uint16_t port = 0;

    /** \return true if the peer is an IPv6 address or group. */
    bool IsV6() const { return address.find(':') != std::string::npos; }
};

/** \return the peer as a scenario writes it: "bob:5000", "bob.eth1:5000", "10.0.1.2:5000", "[fd00:1::2]:5000", "broadcast:5000". */
std::string PeerText(const Peer& peer);

/** \return the peer without its port, as ping and traceroute write it: "bob", "bob.eth1", "10.0.1.2", "fd00:1::2". */
std::string PeerHost(const Peer& peer);

/** \brief One app of a scenario, typed and validated. */
struct AppSpec
{
    std::string name;
    std::string group;      //!< an app of a range ([app.u] with node = h[1..50]): "u"; else ""
    Transport transport = Transport::Tcp;
    AppRole role = AppRole::Client;
    std::string node;
    ns3::Time start;
    ns3::Time stop;
    Peer peer;              //!< clients
    uint16_t port = 0;      //!< servers
    uint64_t bytes = 0;     //!< tcp-client: bytes to send (paced: count * size; 0 with count 0: until stop)
    uint32_t size = 0;      //!< udp-client datagram size, paced tcp-client message size; ping: echo data bytes
    ns3::Time interval;     //!< udp-client and paced tcp-client, also derived from the rate; ping
    uint64_t rate = 0;      //!< udp-client and paced tcp-client: rate in bit/s when given instead of interval
    uint64_t count = 0;     //!< udp-client datagrams, paced tcp-client messages, ping echo requests (0: until stop)
    uint32_t maxHops = 0;   //!< traceroute: the largest TTL probed; 0 for every other type (ping too)
    uint32_t probes = 0;    //!< traceroute: probes per TTL
    bool paced = false;     //!< tcp-client: a message every interval (size, interval, rate or count given)
    bool raw = false;       //!< clients: no nslab header; servers: their clients send raw (derived)
    bool listReads = false; //!< servers: list the first reads (a client of theirs has messages; derived)
    uint32_t recvSize = 65536; //!< tcp-server: bytes per recv() call
    uint32_t buffer = 0;    //!< socket buffers in bytes
    uint32_t mss = 0;       //!< TCP segment size in bytes
    std::vector<std::string> messages; //!< clients: texts to send instead of padding
    bool echo = false;      //!< servers: send every message back
    bool rtt = false;       //!< clients: report round-trip times of echoed messages
    IpVersion ip = IpVersion::V4; //!< clients: the IP version they connect over (V4 or V6)
    std::string bind;       //!< clients: "" or as written (canonical): "NODE.IFACE" or one of the node's addresses
    std::string bindIface;  //!< clients: the interface of the client's node that bind names ("" without bind)
    uint16_t sport = 0;     //!< clients: source port to bind (0: an ephemeral port)
    std::vector<std::string> groups; //!< udp-server: multicast groups joined (canonical addresses)
    // TCP socket options (ns-3's defaults, except NewReno)
    std::string congestion = "newreno"; //!< a name of TcpCongestions()
    bool sack = true;
    bool delack = true;     //!< delayed ACKs: one ACK per two segments
    uint32_t initialCwnd = 10; //!< segments
    ns3::Time minRto = ns3::Seconds(1);
    uint32_t chunk = 0;     //!< tcp-client: bytes per send call (0: one message of one MSS)
    std::string command;    //!< process: the command line as written, placeholders and all
    std::vector<std::string> argv; //!< process: its words, placeholders replaced by addresses
    std::vector<std::string> env;  //!< process: NAME=VALUE added to nslab's environment
    std::string dir;        //!< process: working directory (absolute; default: the scenario file's folder)
    bool stopGiven = false; //!< process: stop was set (else the program runs until it exits or the run ends)

    /** \return "tcp-client", "udp-server", "ping", "traceroute"... */
    std::string TypeName() const;

    /** \return true for a real program (type = process). */
    bool IsProcess() const { return transport == Transport::Process; }

    /** \return true for a ping (an ICMP app that is not a traceroute). */
    bool IsPing() const { return transport == Transport::Icmp && maxHops == 0; }
};

/** \return the congestion controls a TCP app may name, with their ns-3 TypeIds: {"newreno", "ns3::TcpNewReno"}... */
const std::vector<std::pair<std::string, std::string>>& TcpCongestions();

/** \brief How routers find routes. */
enum class Routing
{
    Static, //!< nslab's shortest paths, computed again when a link goes down or up
    Fixed,  //!< nslab's shortest paths as the run starts, never computed again
    Rip,    //!< ns-3's RIPv2 / RIPng on the routers
};

/** \brief An [event.NAME]: at a time, some link keys take new values. */
struct EventSpec
{
    std::string name;
    ns3::Time at;
    std::vector<std::pair<std::string, std::string>> changes; //!< KEY = VALUE lines as written, e.g. {"link.lan.loss", "20%"}
    std::vector<LinkSpec> links; //!< every link as it is from then on
};

/** \brief A whole scenario: what the runner needs, nothing as strings to parse. */
struct Scenario
{
    std::string file;
    std::string name;
    ns3::Time duration;
    uint32_t seed = 1;
    uint32_t run = 1; //!< ns-3's RngRun: replications of the same seed
    ns3::Time bin;    //!< width of the time bins of throughput series
    IpVersion ip = IpVersion::V4; //!< what every host speaks
    Capture capture = Capture::Full; //!< pcaps, unless a link or node says otherwise
    std::map<std::string, Capture> nodeCapture; //!< [node.NAME] capture, which wins over the link's
    std::map<std::string, std::vector<std::string>> forwardGroups; //!< [node.NAME] forward_groups: groups a router forwards
    std::vector<LinkSpec> links;  //!< as they start
    std::vector<AppSpec> apps;
    std::map<std::string, NodePlace> places; //!< [node.NAME] position or waypoints
    Routing routing = Routing::Static;
    RipTimers rip;                //!< routing = rip
    std::vector<EventSpec> events; //!< in time order (file order for the same time)
    std::vector<std::string> warnings; //!< "file:line: ..." for suspicious but valid input

    /** \return true if an app is a real program: the run is then in real time. */
    bool HasProcesses() const;
    /** \return true if the node runs a real program: its IP stack is then Linux's, in a network namespace. */
    bool IsRealNode(const std::string& node) const;
};

/**
 * \brief Check every key of a parsed scenario and turn it into typed specs,
 * filling defaults (MSS from the path MTU, buffers from the path's
 * bandwidth-delay product).
 * \throw ScenarioError naming file, line, section and key
 */
Scenario LoadScenario(const IniDocument& doc);

/**
 * \return true if the server gets what the client sends, by the scenario's
 * addresses and routes (losses aside): the server its peer names; for a
 * broadcast, every udp-server on the port on the link's other nodes; for a
 * group, every udp-server on the port that joined it, on the other nodes of
 * the links the group reaches (ReachOfGroup).
 */
bool Receives(const Scenario& scenario, const AppSpec& client, const AppSpec& server);

/** \brief Read, override and load: the whole edge between text and specs. */
Scenario LoadScenarioFile(const std::string& path, const std::vector<std::string>& overrides);

/** \return the scenario as an INI file with every key explicit; loading it gives the same scenario. */
std::string ToIni(const Scenario& scenario);

/** \brief What ToIni's first line says after the name: it marks a scenario.ini a run wrote. */
inline constexpr char kResolvedBy[] = ": resolved by nslab from ";

} // namespace nslab

#endif
