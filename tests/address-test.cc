// Addresses and ports as in the socket API: peers by IP address, a client's
// bind (interface or address) and source port, broadcast to a link, and
// multicast groups joined by servers and forwarded by routers. The loader's
// texts, then real runs checked on their summaries and pcaps.
#include "loader-util.h"
#include "test-util.h"

#include <gtest/gtest.h>

using namespace nslab;
using namespace nslab::test;

namespace
{

// A laptop on Ethernet and WiFi, both to one router; the server behind it.
const std::string kTwoHomed = R"(name = twohomed
duration = 3s

[link.lan]
type = ethernet
nodes = laptop router

[link.air]
type = wifi
ap = router
nodes = laptop

[link.dc]
type = ethernet
nodes = router server
)";

// One LAN with a router to a second LAN.
const std::string kTwoLans = R"(name = lans
duration = 3s

[link.lan]
type = ethernet
nodes = alice bob carol router

[link.far]
type = ethernet
nodes = router dave erin
)";

std::string
UdpClient(const std::string& name, const std::string& node, const std::string& peer, const std::string& more = "")
{
    return "\n[app." + name + "]\ntype = udp-client\nnode = " + node + "\npeer = " + peer +
           "\ncount = 10\ninterval = 10ms\n" + more;
}

std::string
UdpServer(const std::string& name, const std::string& node, int port, const std::string& more = "")
{
    return "\n[app." + name + "]\ntype = udp-server\nnode = " + node + "\nport = " + std::to_string(port) + "\n" + more;
}

/**
 * \return the frames of a pcap that match each display filter (no commas in
 * them): one pass of tshark's io,stat, which counts every filter at once.
 */
std::vector<size_t>
Counts(const Results& run, const std::string& pcap, const std::vector<std::string>& filters)
{
    std::string spec = "io,stat,0";
    for (const auto& filter : filters)
    {
        spec += "," + filter;
    }
    std::string out = Shell("tshark -n -q -r " + run.Out(pcap) + " -z '" + spec + "'").out;
    // The one interval's row: "| 0.000 <> 0.082 |     10 | 10420 |      0 |     0 |"
    std::vector<size_t> counts(filters.size(), 0);
    size_t row = out.find(" <> ");
    if (row == std::string::npos)
    {
        return counts; // no frames at all
    }
    std::istringstream cells(out.substr(out.find('|', row) + 1, out.find('\n', row) - out.find('|', row) - 1));
    std::string frames, bytes;
    for (size_t i = 0; i < filters.size() && std::getline(cells, frames, '|') && std::getline(cells, bytes, '|'); ++i)
    {
        counts[i] = std::stoul(frames);
    }
    return counts;
}


/** \return a server's flows as "client:received/lost" words, in order. */
std::string
FlowsOf(const nlohmann::json& server)
{
    std::string out;
    for (const auto& flow : server.at("flows"))
    {
        out += (out.empty() ? "" : " ") + flow.at("client").get<std::string>() + ":" +
               std::to_string(flow.at("packets_received").get<int>()) + "/" +
               std::to_string(flow.at("packets_lost").get<int>());
    }
    return out;
}

} // namespace

// --- the loader -------------------------------------------------------------

TEST(AddressLoader, PeersBindsAndGroupsAreWrittenBackAsGiven)
{
    nslab::Scenario s = LoadScenario(Doc("ip = dual\n" + kTwoLans +
                                  "\n[node.router]\nforward_groups = 239.1.1.1 FF15:0::1\n" +
                                  UdpClient("a", "alice", "10.0.1.2:5000", "bind = 10.0.1.1\nsport = 40000\n") +
                                  UdpClient("b", "alice", "[FD00:1::2]:5000", "bind = alice.eth0\n") +
                                  UdpClient("c", "alice", "broadcast:5000") + UdpClient("d", "alice", "10.0.1.255:5000") +
                                  UdpClient("e", "alice", "[ff15::1]:5000") +
                                  UdpServer("s", "bob", 5000, "group = 239.1.1.1 ff15::1 239.1.1.1\n")));
    EXPECT_EQ(s.apps[0].peer.kind, PeerKind::Address);
    EXPECT_EQ(s.apps[0].peer.node + "." + s.apps[0].peer.iface, "bob.eth0");
    EXPECT_EQ(s.apps[0].ip, IpVersion::V4); // the address's version, although a dual stack prefers IPv6
    EXPECT_EQ(s.apps[1].ip, IpVersion::V6);
    EXPECT_EQ(s.apps[2].peer.kind, PeerKind::Broadcast);
    EXPECT_EQ(s.apps[3].peer.kind, PeerKind::Broadcast);
    EXPECT_EQ(s.apps[4].peer.kind, PeerKind::Group);
    std::string ini = ToIni(s);
    for (const char* line : {"forward_groups = 239.1.1.1 ff15::1\n", "peer = 10.0.1.2:5000\nip = v4\nbind = 10.0.1.1\n"
                                                                     "sport = 40000\n",
                             "peer = [fd00:1::2]:5000\nip = v6\nbind = alice.eth0\n", "peer = broadcast:5000\nip = v4\n",
                             "peer = 10.0.1.255:5000\nip = v4\n", "peer = [ff15::1]:5000\nip = v6\n",
                             "port = 5000\ngroup = 239.1.1.1 ff15::1\n"})
    {
        EXPECT_NE(ini.find(line), std::string::npos) << line << "\nin\n" << ini;
    }
    EXPECT_EQ(ToIni(LoadScenario(Doc(ini))), ini);
}

TEST(AddressLoader, PingAndTracerouteTakeAnInterfacesAddress)
{
    std::string text = "ip = dual\n" + kTwoLans + "\n[app.p]\ntype = ping\nnode = alice\npeer = 10.0.2.2\n" +
                       "\n[app.t]\ntype = traceroute\nnode = alice\npeer = fd00:2::3\n";
    nslab::Scenario s = LoadScenario(Doc(text));
    EXPECT_EQ(s.apps[0].peer.node + "." + s.apps[0].peer.iface, "dave.eth0");
    EXPECT_EQ(s.apps[0].ip, IpVersion::V4);
    EXPECT_EQ(s.apps[1].peer.node, "erin");
    EXPECT_EQ(s.apps[1].ip, IpVersion::V6);
    std::string ini = ToIni(s);
    EXPECT_NE(ini.find("peer = 10.0.2.2\nip = v4\n"), std::string::npos) << ini;
    EXPECT_NE(ini.find("peer = fd00:2::3\nip = v6\n"), std::string::npos) << ini;
    EXPECT_EQ(ErrorOf(text, {"app.p.peer=239.1.1.1"}),
              "--set:1: [app.p] peer: 239.1.1.1 is a group: a ping or traceroute goes to one interface's address");
}

TEST(AddressLoader, AnAddressMustBeAnInterfaces)
{
    std::string text = kTwoLans + UdpClient("c", "alice", "bob:5000");
    auto with = [&](const std::string& peer) { return ErrorOf(text, {"app.c.peer=" + peer}); };
    // Once "unknown node '10'": an address is not a node name.
    EXPECT_EQ(with("10.0.1.9:5000"), "--set:1: [app.c] peer: no interface has the address 10.0.1.9: link lan "
                                     "(10.0.1.0/24) has 10.0.1.1 (alice.eth0), 10.0.1.2 (bob.eth0), 10.0.1.3 "
                                     "(carol.eth0), 10.0.1.4 (router.eth0)");
    EXPECT_EQ(with("192.168.1.1:5000"), "--set:1: [app.c] peer: no interface has the address 192.168.1.1; the "
                                        "links' subnets are 10.0.1.0/24 (lan), 10.0.2.0/24 (far)");
    EXPECT_EQ(with("10.0.1:5000"),
              "--set:1: [app.c] peer: bad IPv4 address '10.0.1': expected four numbers 0..255 such as 10.0.1.2");
    EXPECT_EQ(with("fd00:1::2:5000"), "--set:1: [app.c] peer: an IPv6 address goes in brackets: '[fd00:1::2]:5000'");
    EXPECT_EQ(with("[fd00:1::2]:5000"),
              "--set:1: [app.c] peer: [fd00:1::2]:5000 is IPv6, and the scenario has no IPv6 (ip = v4)");
    EXPECT_EQ(with("10.0.1.0:5000"),
              "--set:1: [app.c] peer: 10.0.1.0 is the network address of link lan (10.0.1.0/24), not an interface's");
    EXPECT_EQ(with("10.0.2.255:5000"), "--set:1: [app.c] peer: 10.0.2.255 is the broadcast address of link far, and "
                                       "alice is not on it: a broadcast stays on its link");
    EXPECT_EQ(ErrorOf("ip = v6\n" + text, {"app.c.peer=[fd00:1::9]:5000"}),
              "--set:1: [app.c] peer: no interface has the address fd00:1::9: link lan (fd00:1::/64) has fd00:1::1 "
              "(alice.eth0), fd00:1::2 (bob.eth0), fd00:1::3 (carol.eth0), fd00:1::4 (router.eth0)");
    EXPECT_EQ(ErrorOf("ip = v6\n" + text, {"app.c.peer=broadcast:5000"}),
              "--set:1: [app.c] peer: IPv6 has no broadcast (ip = v6): send to a group, e.g. [ff15::1]:5000");
    EXPECT_EQ(ErrorOf("ip = dual\n" + text, {"app.c.peer=10.0.1.2:5000", "app.c.ip=v6"}),
              "--set:2: [app.c] ip: v6 does not match the peer: 10.0.1.2:5000 is IPv4");
    EXPECT_EQ(with("bob:5000"), "no error");
}

TEST(AddressLoader, BindIsTheClientsOwnInterfaceAndSportIsFree)
{
    std::string text = kTwoHomed + UdpClient("c", "laptop", "server:5000") + UdpServer("s", "server", 5000);
    auto with = [&](std::vector<std::string> sets) { return ErrorOf(text, sets); };
    EXPECT_EQ(with({"app.c.bind=laptop.wlan0", "app.c.sport=40000"}), "no error");
    EXPECT_EQ(with({"app.c.bind=10.0.2.2"}), "no error");
    EXPECT_EQ(with({"app.c.bind=server.eth0"}), "--set:1: [app.c] bind: server.eth0 is not an interface of laptop: a "
                                                "client binds to its own node's (laptop.eth0, laptop.wlan0)");
    EXPECT_EQ(with({"app.c.bind=laptop.eth1"}),
              "--set:1: [app.c] bind: laptop has no interface 'eth1' (interfaces: eth0, wlan0)");
    EXPECT_EQ(with({"app.c.bind=wlan0"}), "--set:1: [app.c] bind: expected NODE.IFACE or an address of laptop, e.g. "
                                          "'laptop.eth0', got 'wlan0'");
    EXPECT_EQ(with({"app.c.bind=10.0.3.2"}), "--set:1: [app.c] bind: 10.0.3.2 is server.eth0's address, not one of "
                                             "laptop's: laptop has 10.0.1.1 (eth0), 10.0.2.2 (wlan0)");
    EXPECT_EQ(with({"app.c.sport=0"}),
              "--set:1: [app.c] sport: port 0 is outside 1..65535 (without sport, the client gets an ephemeral port)");
    EXPECT_EQ(with({"app.c.node=server", "app.c.peer=laptop:5000", "app.c.sport=5000"}),
              "--set:3: [app.c] sport: server already has a udp-server on port 5000 ([app.s])");
    std::string two = text + UdpClient("c2", "laptop", "server:5000", "sport = 40000\n");
    EXPECT_EQ(ErrorOf(two, {"app.c.sport=40000"}),
              "t.ini:" + std::to_string(Lines(two)) +
                  ": [app.c2] sport: laptop already has a udp-client with sport 40000 ([app.c])");
    // Bound to a dead end: a printer's cable, which leads only back to the laptop.
    std::string stub = text + "\n[link.stub]\ntype = p2p\nnodes = laptop printer\n";
    EXPECT_EQ(ErrorOf(stub, {"app.c.bind=laptop.ppp0"}),
              "--set:1: [app.c] bind: laptop.ppp0 does not reach server.eth0 (link dc): every path from link stub to "
              "it comes back through laptop");
    EXPECT_EQ(ErrorOf(stub, {"app.c.bind=laptop.ppp0", "app.c.peer=printer:5000"}), "no error");
    // A TCP socket does not clash with a UDP one.
    EXPECT_EQ(ErrorOf(text + "\n[app.t]\ntype = tcp-client\nnode = laptop\npeer = server:6000\nsport = 40000\n",
                      {"app.c.sport=40000"}),
              "no error");
}

TEST(AddressLoader, BroadcastAndGroupsAreForUdpClientsAndServersThatJoin)
{
    std::string text = "ip = dual\n" + kTwoLans + UdpClient("c", "alice", "239.1.1.1:5000") +
                       UdpServer("s", "bob", 5000, "group = 239.1.1.1\n");
    EXPECT_EQ(ErrorOf(text), "no error");
    std::string tcp = "ip = dual\n" + kTwoLans + "\n[app.c]\ntype = tcp-client\nnode = alice\npeer = broadcast:5000\n";
    EXPECT_EQ(ErrorOf(tcp), "t.ini:16: [app.c] peer: TCP connects to one host: a broadcast is for a udp-client");
    EXPECT_EQ(ErrorOf(text, {"app.s.group=224.0.0.1"}),
              "--set:1: [app.s] group: 224.0.0.1 is in 224.0.0.0/24, kept for link-local protocols (224.0.0.1 is all "
              "hosts): use a group such as 239.1.1.1 (239.0.0.0/8 is for local use)");
    EXPECT_EQ(ErrorOf(text, {"app.s.group=10.0.0.1"}),
              "--set:1: [app.s] group: 10.0.0.1 is not a multicast group: IPv4 groups are 224.0.0.0/4, e.g. 239.1.1.1");
    EXPECT_EQ(ErrorOf(text, {"app.c.peer=[ff02::1]:5000"}),
              "--set:1: [app.c] peer: ff02::1 has scope 2 (link-local), which ns-3 sends only through a given "
              "interface: use a scope from 3 to 14, e.g. ff15::1 (5: site-local) or ff1e::1 (14: global)");
    EXPECT_EQ(ErrorOf(text, {"ip=v4", "app.s.group=ff15::1"}),
              "--set:2: [app.s] group: ff15::1 is an IPv6 group, and the scenario has no IPv6 (ip = v4)");
    EXPECT_EQ(ErrorOf(text, {"app.c.rtt=true"}),
              "--set:1: [app.c] rtt: round trips need one server that echoes; a broadcast or a group reaches many");
    EXPECT_EQ(ErrorOf(text + "\n[node.bob]\nforward_groups = 239.1.1.1\n"),
              "t.ini:" + std::to_string(Lines(text) + 3) +
                  ": [node.bob] forward_groups: bob is on one link: a router forwards groups between its links");
}

TEST(AddressLoader, WarnsOfGroupsAndBroadcastsNoServerReads)
{
    std::string text = kTwoLans + UdpClient("c", "alice", "239.1.1.1:5000") +
                       UdpServer("s", "dave", 5000, "group = 239.1.1.1\n"); // peer at line 15
    EXPECT_EQ(LoadScenario(Doc(text)).warnings,
              std::vector<std::string>{"t.ini:15: [app.c] peer: 239.1.1.1 does not reach [app.s] on dave: no router "
                                       "on the way forwards it (forward_groups in [node.NAME])"});
    EXPECT_TRUE(LoadScenario(Doc(text + "\n[node.router]\nforward_groups = 239.1.1.1\n")).warnings.empty());
    EXPECT_EQ(LoadScenario(Doc(kTwoLans + UdpClient("c", "alice", "broadcast:5000") + UdpServer("s", "dave", 5000)))
                  .warnings,
              std::vector<std::string>{
                  "t.ini:15: [app.c] peer: no udp-server listens on port 5000 on link lan (besides alice)"});
}

// --- real runs --------------------------------------------------------------

TEST(Address, PeerByIpv4AndIpv6AddressDelivers)
{
    Results run("ip = dual\n" + kTwoLans + UdpClient("v4", "alice", "10.0.1.2:5000") +
                UdpClient("v6", "alice", "[fd00:1::2]:5000") + UdpServer("sink", "bob", 5000) +
                "\n[app.tcp]\ntype = tcp-client\nnode = alice\npeer = [fd00:1::2]:6000\nbytes = 50KB\n" +
                "\n[app.tcp-sink]\ntype = tcp-server\nnode = bob\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(FlowsOf(App(run.summary, "sink")), "v4:10/0 v6:10/0");
    EXPECT_EQ(App(run.summary, "v4").at("peer"), "10.0.1.2:5000");
    EXPECT_EQ(App(run.summary, "v6").at("peer"), "[fd00:1::2]:5000");
    EXPECT_EQ(App(run.summary, "tcp").at("completed"), true);
    EXPECT_EQ(App(run.summary, "tcp-sink").at("bytes_received"), 50000);
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    auto bob = Counts(run, "bob-eth0.pcap",
                      {"udp.dstport == 5000 && ip.dst == 10.0.1.2", "udp.dstport == 5000 && ipv6.dst == fd00:1::2",
                       "tcp.dstport == 6000 && ipv6.dst == fd00:1::2 && tcp.len > 0"});
    EXPECT_EQ(bob[0], 10u);
    EXPECT_EQ(bob[1], 10u);
    EXPECT_GT(bob[2], 30u); // 50 KB in segments of 1428 B
}

/**
 * A laptop on Ethernet and WiFi sends over WiFi with source port 40000 when
 * told to: bind by interface (UDP) and by address (TCP); an unbound client
 * of the same laptop takes its first interface, eth0.
 */
void
CheckBoundToWlan(const std::string& ip, const std::string& address, const std::string& src)
{
    Results run(kTwoHomed + UdpClient("bound", "laptop", "server:5000", "bind = laptop.wlan0\nsport = 40000\n") +
                    UdpClient("free", "laptop", "server:5001") + UdpServer("sink", "server", 5000) +
                    UdpServer("free-sink", "server", 5001) +
                    "\n[app.tcp]\ntype = tcp-client\nnode = laptop\npeer = server:6000\nbind = " + address +
                    "\nsport = 40000\nbytes = 50KB\n\n[app.tcp-sink]\ntype = tcp-server\nnode = server\nport = 6000\n",
                "--set ip=" + ip);
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(FlowsOf(App(run.summary, "sink")), "bound:10/0");
    EXPECT_EQ(App(run.summary, "bound").at("sport"), 40000);
    EXPECT_EQ(App(run.summary, "bound").at("bind"), "laptop.wlan0");
    EXPECT_GE(App(run.summary, "free").at("sport").get<int>(), 49152); // an ephemeral port
    EXPECT_EQ(App(run.summary, "tcp").at("completed"), true);
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    std::string from = (ip == "v6" ? "ipv6.src == " : "ip.src == ") + src;
    std::vector<std::string> filters{"udp.srcport == 40000 && udp.dstport == 5000 && " + from,
                                     "tcp.srcport == 40000 && tcp.len > 0 && " + from,
                                     "udp.srcport == 40000 || tcp.port == 40000", "udp.dstport == 5001"};
    // Leave on laptop-wlan0, from its address and port 40000; none on eth0; all arrive.
    auto wlan = Counts(run, "laptop-wlan0.pcap", filters);
    auto eth = Counts(run, "laptop-eth0.pcap", filters);
    auto server = Counts(run, "server-eth0.pcap", filters);
    EXPECT_EQ(wlan[0], 10u);
    EXPECT_EQ(server[0], 10u);
    EXPECT_GT(wlan[1], 30u); // 50 KB in segments of 1448 B
    EXPECT_EQ(server[1], wlan[1]);
    EXPECT_EQ(eth[2], 0u);
    // Without bind the laptop routes by destination: its first interface.
    EXPECT_EQ(eth[3], 10u);
    EXPECT_EQ(wlan[3], 0u);
}

TEST(Address, BoundClientLeavesOnWlan0FromPort40000)
{
    CheckBoundToWlan("v4", "10.0.2.2", "10.0.2.2");
}

TEST(Address, BoundClientLeavesOnWlan0OverIpv6)
{
    CheckBoundToWlan("v6", "fd00:2::2", "fd00:2::2");
}

TEST(Address, BroadcastReachesEveryHostOfItsLinkOnly)
{
    // alice broadcasts on lan; the router, bound to far, on far.
    Results run(kTwoLans + UdpClient("bc", "alice", "broadcast:7000") +
                UdpClient("bc-far", "router", "broadcast:7001", "bind = router.eth1\n") +
                UdpServer("bob-s", "bob", 7000) + UdpServer("carol-s", "carol", 7000) +
                UdpServer("dave-s", "dave", 7000) + UdpServer("bob-far", "bob", 7001) +
                UdpServer("dave-far", "dave", 7001) + UdpServer("erin-far", "erin", 7001));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(FlowsOf(App(run.summary, "bob-s")), "bc:10/0");
    EXPECT_EQ(FlowsOf(App(run.summary, "carol-s")), "bc:10/0");
    EXPECT_EQ(FlowsOf(App(run.summary, "dave-s")), ""); // another link: not addressed, nothing received
    EXPECT_EQ(App(run.summary, "dave-s").at("packets_received"), 0);
    EXPECT_EQ(FlowsOf(App(run.summary, "dave-far")), "bc-far:10/0");
    EXPECT_EQ(FlowsOf(App(run.summary, "erin-far")), "bc-far:10/0");
    EXPECT_EQ(App(run.summary, "bob-far").at("packets_received"), 0);
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    std::vector<std::string> filters{"ip.dst == 10.0.1.255 && udp.dstport == 7000 && eth.dst == ff:ff:ff:ff:ff:ff",
                                     "ip.dst == 10.0.2.255 && udp.dstport == 7001 && eth.dst == ff:ff:ff:ff:ff:ff",
                                     "udp"};
    for (const char* pcap : {"bob-eth0.pcap", "carol-eth0.pcap", "router-eth0.pcap"})
    {
        EXPECT_EQ(Counts(run, pcap, filters), (std::vector<size_t>{10, 0, 10})) << pcap;
    }
    for (const char* pcap : {"dave-eth0.pcap", "erin-eth0.pcap"})
    {
        EXPECT_EQ(Counts(run, pcap, filters), (std::vector<size_t>{0, 10, 10})) << pcap;
    }
}

TEST(Address, MulticastReachesMembersOnlyAlsoThroughARouter)
{
    // IPv4 and IPv6 groups; the router forwards 239.1.1.1 and ff15::1, not 239.1.1.2.
    Results run("ip = dual\n" + kTwoLans + "\n[node.router]\nforward_groups = 239.1.1.1 ff15::1\n" +
                UdpClient("g4", "alice", "239.1.1.1:8000") + UdpClient("g6", "alice", "[ff15::1]:8000") +
                UdpClient("local", "alice", "239.1.1.2:8000") +
                UdpServer("bob-s", "bob", 8000, "group = 239.1.1.1 ff15::1 239.1.1.2\n") +
                UdpServer("carol-s", "carol", 8000) + // on the port, but no member
                UdpServer("dave-s", "dave", 8000, "group = 239.1.1.1 ff15::1 239.1.1.2\n") +
                UdpServer("erin-s", "erin", 8000, "group = 239.1.1.2\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_NE(run.outcome.err.find("239.1.1.2 does not reach [app.dave-s] on dave"), std::string::npos)
        << run.outcome.err;
    EXPECT_EQ(FlowsOf(App(run.summary, "bob-s")), "g4:10/0 g6:10/0 local:10/0");
    EXPECT_EQ(FlowsOf(App(run.summary, "dave-s")), "g4:10/0 g6:10/0"); // through the router
    EXPECT_EQ(App(run.summary, "carol-s").at("packets_received"), 0);
    EXPECT_EQ(FlowsOf(App(run.summary, "carol-s")), "");
    EXPECT_EQ(App(run.summary, "erin-s").at("packets_received"), 0); // 239.1.1.2 stays on lan
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    std::vector<std::string> filters{"ip.dst == 239.1.1.1 && eth.dst == 01:00:5e:01:01:01 && ip.ttl == 64",
                                     "ipv6.dst == ff15::1 && eth.dst == 33:33:00:00:00:01 && ipv6.hlim == 64",
                                     "ip.dst == 239.1.1.2", "ip.ttl == 63 || ipv6.hlim == 63"};
    // The frames reach every host of lan (a switch floods them); carol's stack drops them.
    for (const char* pcap : {"bob-eth0.pcap", "carol-eth0.pcap"})
    {
        EXPECT_EQ(Counts(run, pcap, filters), (std::vector<size_t>{10, 10, 10, 0})) << pcap;
    }
    // Through the router, one hop: 239.1.1.1 and ff15::1, not 239.1.1.2.
    EXPECT_EQ(Counts(run, "dave-eth0.pcap", filters), (std::vector<size_t>{0, 0, 0, 20}));
}

TEST(Address, EachMemberCountsLossPerSender)
{
    // Two senders, one behind a wire that drops its datagrams 2 and 5; two members.
    Results run(kTwoLans + "\n[link.wire]\ntype = p2p\nnodes = router frank\n" +
                "\n[link.wire.frank->router]\ndrop = 2 5\n" + "\n[node.router]\nforward_groups = 239.1.1.1\n" +
                UdpClient("near", "alice", "239.1.1.1:8000") + UdpClient("far", "frank", "239.1.1.1:8000") +
                UdpServer("bob-s", "bob", 8000, "group = 239.1.1.1\n") +
                UdpServer("dave-s", "dave", 8000, "group = 239.1.1.1\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    for (const char* server : {"bob-s", "dave-s"})
    {
        EXPECT_EQ(FlowsOf(App(run.summary, server)), "near:10/0 far:8/2") << server;
        EXPECT_EQ(App(run.summary, server).at("packets_lost"), 2) << server;
        EXPECT_EQ(App(run.summary, server).at("loss_runs"), 2) << server;
    }
    EXPECT_EQ(App(run.summary, "far").at("packets_sent"), 10);
}
