// ping and traceroute: real runs over a router, their numbers against the
// physics of the path, their summaries, and the ICMP the captures show; the
// loader's keys and messages for both.
#include "loader-util.h"
#include "test-util.h"

#include <gtest/gtest.h>

using namespace nslab::test;

namespace
{

/*
 *   alice ---- Ethernet cable, 100 Mbit/s, 5 ms ---- router ---- p2p wire, 10 Mbit/s, 10 ms ---- bob
 *   10.0.1.1   fd00:1::1                   10.0.1.2 fd00:1::2 | 10.0.2.1 fd00:2::1       10.0.2.2 fd00:2::2
 */
std::string
Path(const std::string& ip = "v4", const std::string& wireExtra = "", const std::string& duration = "10s")
{
    return "duration = " + duration + "\nip = " + ip +
           "\n[link.lan]\ntype = ethernet\nnodes = alice router\ndelay = 5ms\n"
           "[link.wire]\ntype = p2p\nnodes = router bob\nrate = 10Mbps\ndelay = 10ms\n" +
           wireExtra;
}

const std::string kPing = "[app.ping]\ntype = ping\nnode = alice\npeer = bob\ncount = 5\n";
const std::string kTrace = "[app.trace]\ntype = traceroute\nnode = alice\npeer = bob\n";

/** Seconds to send BYTES at RATE bit/s. */
double
Tx(double bytes, double rate)
{
    return bytes * 8 / rate;
}

/** On the Ethernet cable a frame takes its header (14), the packet, FCS 4, preamble 8 and gap 12 bytes; PPP adds 2. */
double
EthernetTx(double packet)
{
    return Tx(std::max(14 + packet, 60.0) + 24, 100e6);
}

double
PppTx(double packet)
{
    return Tx(2 + packet, 10e6);
}

/** A round trip alice -> bob -> alice of packets of this size each way. */
double
PathRtt(double packet)
{
    return 2 * (0.005 + EthernetTx(packet) + 0.010 + PppTx(packet));
}

} // namespace

TEST(Ping, RoundTripsFollowThePathOverIpv4)
{
    Results run(Path() + kPing);
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto ping = App(run.summary, "ping");
    EXPECT_EQ(ping.at("type"), "ping");
    EXPECT_EQ(ping.at("peer"), "bob");
    EXPECT_EQ(ping.at("address"), "10.0.2.2");
    EXPECT_EQ(ping.at("packets_sent"), 5);
    EXPECT_EQ(ping.at("packets_received"), 5);
    EXPECT_EQ(ping.at("packets_duplicated"), 0);
    EXPECT_EQ(ping.at("errors"), 0);
    // 56 bytes of data: an IPv4 packet of 20 + 8 + 56 = 84 bytes; 30.157 ms.
    double rtt = PathRtt(84);
    EXPECT_NEAR(rtt, 0.03015712, 1e-12);
    EXPECT_NEAR(ping.at("rtt_min_s").get<double>(), rtt, 2e-6);
    // The first waited for ARP on the cable, the other four are the path's.
    EXPECT_GT(ping.at("rtt_max_s").get<double>(), rtt + 0.005);
    EXPECT_GT(ping.at("rtt_mdev_s").get<double>(), 0);
    std::string csv = Slurp(run.Out("ping.rtt.csv"));
    EXPECT_EQ(Lines(csv), 6u) << csv;
    EXPECT_NE(csv.find("\n5,5,5.03015712,0.03015712\n"), std::string::npos) << csv;
}

TEST(Ping, TextSummaryReadsLikeIputils)
{
    Results run(Path() + kPing, "");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    Outcome text = Nslab("run " + (run.dir / "scenario-in.ini") + " --out " + (run.dir / "again"));
    ASSERT_EQ(text.status, 0) << text.err;
    EXPECT_NE(text.out.find("  ping  ping        alice -> bob (10.0.2.2)\n"
                            "      5 packets transmitted, 5 received, 0% packet loss\n"
                            "      rtt min/avg/max/mdev = 30.157/"),
              std::string::npos)
        << text.out;
}

TEST(Ping, RoundTripsFollowThePathOverIpv6)
{
    Results run(Path("v6") + kPing);
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto ping = App(run.summary, "ping");
    EXPECT_EQ(ping.at("address"), "fd00:2::2");
    EXPECT_EQ(ping.at("packets_received"), 5);
    // An IPv6 packet of 40 + 8 + 56 = 104 bytes: 30.192 ms.
    EXPECT_NEAR(ping.at("rtt_min_s").get<double>(), PathRtt(104), 2e-6);
    if (HaveTshark())
    {
        auto replies = Fields(run.Out("alice-eth0.pcap"), "icmpv6.type == 129", "-e icmpv6.echo.sequence_number");
        EXPECT_EQ(replies.size(), 5u);
    }
}

TEST(Ping, NoReplyThroughAFullLossLeavesTheRoundTripsNull)
{
    Results run(Path("v4", "loss = 100%\n") + kPing);
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto ping = App(run.summary, "ping");
    EXPECT_EQ(ping.at("packets_sent"), 5);
    EXPECT_EQ(ping.at("packets_received"), 0);
    for (const char* field : {"rtt_min_s", "rtt_avg_s", "rtt_max_s", "rtt_mdev_s"})
    {
        EXPECT_TRUE(ping.at(field).is_null()) << field;
    }
    EXPECT_EQ(Lines(Slurp(run.Out("ping.rtt.csv"))), 1u);
    Outcome text = Nslab("run " + (run.dir / "scenario-in.ini") + " --out " + (run.dir / "again"));
    EXPECT_NE(text.out.find("      5 packets transmitted, 0 received, 100% packet loss\n  link wire"),
              std::string::npos)
        << text.out;
}

TEST(Ping, WithoutCountItPingsEveryIntervalUntilStop)
{
    // iputils' ping without -c goes on until interrupted: here until stop.
    Results run(Path("v4", "", "4s") + "[app.ping]\ntype = ping\nnode = alice\npeer = bob.ppp0\ninterval = 500ms\n"
                                       "size = 1000B\nstop = 3s\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto ping = App(run.summary, "ping");
    EXPECT_EQ(ping.at("peer"), "bob.ppp0");
    EXPECT_EQ(ping.at("packets_sent"), 4); // at 1, 1.5, 2 and 2.5 s
    EXPECT_EQ(ping.at("packets_received"), 4);
    EXPECT_NEAR(ping.at("rtt_min_s").get<double>(), PathRtt(20 + 8 + 1000), 2e-6);
}

TEST(Ping, LargerThanTheMtuItIsFragmentedAndReassembled)
{
    // 4000 bytes of data: three fragments each way, over IPv4 and IPv6 alike.
    for (const std::string ip : {"v4", "v6"})
    {
        Results run(Path(ip) + "[app.ping]\ntype = ping\nnode = alice\npeer = bob\ncount = 3\nsize = 4000\n");
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        EXPECT_EQ(App(run.summary, "ping").at("packets_received"), 3) << ip;
    }
}

TEST(Ping, ItsOwnNodeAnswersAtOnce)
{
    Results run(Path() + "[app.self]\ntype = ping\nnode = router\npeer = router.ppp0\ncount = 2\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto self = App(run.summary, "self");
    EXPECT_EQ(self.at("packets_received"), 2);
    EXPECT_EQ(self.at("rtt_max_s"), 0.0);
}

TEST(Traceroute, FindsTheRouterThenTheDestination)
{
    Results run(Path() + kTrace);
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto trace = App(run.summary, "trace");
    EXPECT_EQ(trace.at("type"), "traceroute");
    EXPECT_TRUE(trace.at("reached").get<bool>());
    const auto& hops = trace.at("hops");
    ASSERT_EQ(hops.size(), 2u) << hops;
    // The router answers from its address on the cable to alice.
    EXPECT_EQ(hops[0].at("ttl"), 1);
    EXPECT_EQ(hops[0].at("address"), "10.0.1.2");
    EXPECT_EQ(hops[0].at("node"), "router");
    EXPECT_EQ(hops[0].at("answer"), "time-exceeded");
    EXPECT_EQ(hops[1].at("ttl"), 2);
    EXPECT_EQ(hops[1].at("address"), "10.0.2.2");
    EXPECT_EQ(hops[1].at("node"), "bob");
    EXPECT_EQ(hops[1].at("answer"), "echo-reply");
    // Probes of 20 + 8 + 32 = 60 bytes; the router's time exceeded quotes the
    // probe's IP header and 8 bytes: 20 + 8 + 20 + 8 = 56 bytes.
    double first = 0.010 + EthernetTx(60) + EthernetTx(56);
    ASSERT_EQ(hops[0].at("rtts_s").size(), 3u);
    ASSERT_EQ(hops[1].at("rtts_s").size(), 3u);
    EXPECT_NEAR(hops[0].at("rtts_s")[2].get<double>(), first, 2e-6);
    EXPECT_NEAR(hops[1].at("rtts_s")[2].get<double>(), PathRtt(60), 2e-6);
    if (!HaveTshark())
    {
        GTEST_SKIP() << "no tshark";
    }
    // The first of each field: the router's message, not the probe it quotes.
    auto exceeded = Fields(run.Out("alice-eth0.pcap"), "icmp.type == 11",
                           "-E occurrence=f -e ip.src -e icmp.code -e icmp.checksum.status");
    ASSERT_EQ(exceeded.size(), 3u);
    for (const auto& row : exceeded)
    {
        // code 0: TTL exceeded in transit; checksum status 1: good
        EXPECT_EQ(row, (std::vector<std::string>{"10.0.1.2", "0", "1"}));
    }
    auto probes = Fields(run.Out("alice-eth0.pcap"), "icmp.type == 8 && !(icmp.type == 11)", "-e ip.ttl");
    ASSERT_EQ(probes.size(), 6u);
    EXPECT_EQ(probes[0], std::vector<std::string>{"1"});
    EXPECT_EQ(probes[5], std::vector<std::string>{"2"});
    EXPECT_EQ(Fields(run.Out("alice-eth0.pcap"), "icmp.type == 0 && ip.src == 10.0.2.2", "-e icmp.seq").size(), 3u);
    auto arrived = Fields(run.Out("bob-ppp0.pcap"), "icmp.type == 8", "-e ip.ttl"); // only TTL 2 gets there, as 1
    EXPECT_EQ(arrived, std::vector<std::vector<std::string>>(3, {"1"}));
    EXPECT_TRUE(Fields(run.Out("alice-eth0.pcap"), "_ws.malformed || _ws.expert.severity >= warning", "-e frame.number")
                    .empty());
}

TEST(Traceroute, TextSummaryReadsLikeTraceroute)
{
    Results run(Path() + kTrace);
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    Outcome text = Nslab("run " + (run.dir / "scenario-in.ini") + " --out " + (run.dir / "again"));
    // The first probe waits for ARP: ns-3's random wait before the request, then its round trip.
    EXPECT_NE(text.out.find("  trace  traceroute  alice -> bob (10.0.2.2)\n"
                            "       1  router (10.0.1.2)  28.029 ms  10.015 ms  10.015 ms\n"
                            "       2  bob (10.0.2.2)  30.115 ms  30.115 ms  30.115 ms\n"
                            "  host router: 3 packets dropped (ipv4: TTL expired 3)\n"),
              std::string::npos)
        << text.out;
}

TEST(Traceroute, RoutersSendTimeExceededOverIpv6)
{
    Results run(Path("v6") + kTrace);
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto trace = App(run.summary, "trace");
    const auto& hops = trace.at("hops");
    ASSERT_EQ(hops.size(), 2u) << hops;
    EXPECT_EQ(hops[0].at("address"), "fd00:1::2");
    EXPECT_EQ(hops[0].at("answer"), "time-exceeded");
    EXPECT_EQ(hops[1].at("address"), "fd00:2::2");
    EXPECT_EQ(hops[1].at("answer"), "echo-reply");
    // Probes of 40 + 8 + 32 = 80 bytes; ns-3's time exceeded quotes the whole probe: 40 + 8 + 80 = 128 bytes.
    EXPECT_NEAR(hops[0].at("rtts_s")[1].get<double>(), 0.010 + EthernetTx(80) + EthernetTx(128), 2e-6);
    EXPECT_NEAR(hops[1].at("rtts_s")[1].get<double>(), PathRtt(80), 2e-6);
    if (HaveTshark())
    {
        auto exceeded = Fields(run.Out("alice-eth0.pcap"), "icmpv6.type == 3",
                               "-E occurrence=f -e ipv6.src -e icmpv6.checksum.status");
        ASSERT_EQ(exceeded.size(), 3u);
        EXPECT_EQ(exceeded[0], (std::vector<std::string>{"fd00:1::2", "1"}));
    }
}

TEST(Traceroute, UnansweredProbesAreStarsAndItGoesOn)
{
    // The wire loses everything: the router answers, then nothing; each probe waits 5 s.
    Results run(Path("v4", "loss = 100%\n", "20s") +
                "[app.trace]\ntype = traceroute\nnode = alice\npeer = bob\nmax_hops = 3\nprobes = 1\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto trace = App(run.summary, "trace");
    EXPECT_FALSE(trace.at("reached").get<bool>());
    const auto& hops = trace.at("hops");
    ASSERT_EQ(hops.size(), 3u) << hops;
    EXPECT_EQ(hops[0].at("address"), "10.0.1.2");
    for (size_t i : {1, 2})
    {
        EXPECT_TRUE(hops[i].at("address").is_null());
        EXPECT_EQ(hops[i].at("rtts_s"), nlohmann::json::array({nullptr}));
    }
    Outcome text = Nslab("run " + (run.dir / "scenario-in.ini") + " --out " + (run.dir / "again"));
    EXPECT_NE(text.out.find("       2  *\n       3  *\n      bob not reached\n"), std::string::npos) << text.out;
}

TEST(PingLoader, DefaultsAndResolvedForm)
{
    nslab::Scenario s = nslab::LoadScenario(Doc(Path() + kTrace + "[app.p]\ntype = ping\nnode = alice\npeer = bob\n"));
    ASSERT_EQ(s.apps.size(), 2u);
    EXPECT_EQ(s.apps[0].TypeName(), "traceroute");
    EXPECT_EQ(s.apps[0].maxHops, 30u);
    EXPECT_EQ(s.apps[0].probes, 3u);
    EXPECT_EQ(s.apps[1].TypeName(), "ping");
    EXPECT_EQ(s.apps[1].count, 0u);
    EXPECT_EQ(s.apps[1].size, 56u);
    EXPECT_EQ(s.apps[1].interval, ns3::Seconds(1));
    std::string ini = nslab::ToIni(s);
    EXPECT_NE(ini.find("[app.trace]\ntype = traceroute\nnode = alice\npeer = bob\nip = v4\nmax_hops = 30\nprobes = 3\n"
                       "start = 1s\nstop = 10s\n"),
              std::string::npos)
        << ini;
    EXPECT_NE(ini.find("[app.p]\ntype = ping\nnode = alice\npeer = bob\nip = v4\ncount = 0\ninterval = 1s\nsize = 56B\n"
                       "start = 1s\nstop = 10s\n"),
              std::string::npos)
        << ini;
    EXPECT_EQ(nslab::ToIni(nslab::LoadScenario(Doc(ini))), ini);
}

TEST(PingLoader, ErrorsNameFileLineAndKey)
{
    const std::string base = Path(); // 11 lines
    const std::string ping = base + "[app.p]\ntype = ping\nnode = alice\n"; // [app.p] at line 12
    EXPECT_EQ(ErrorOf(ping + "peer = bob:5000\n"),
              "t.ini:15: [app.p] peer: expected NODE, NODE.IFACE or an address (ICMP has no ports), e.g. 'bob', "
              "'bob.eth0' or '10.0.1.2', got 'bob:5000'");
    EXPECT_EQ(ErrorOf(ping + "peer = bob.eth0\n"),
              "t.ini:15: [app.p] peer: bob has no interface 'eth0' (interfaces: ppp0)");
    EXPECT_EQ(ErrorOf(ping + "peer = bob\nsize = 65508\n"),
              "t.ini:16: [app.p] size: echo data of 65508 B is more than 65507 B (the largest IPv4 packet, 65535 B, "
              "less its IP and ICMP headers)");
    EXPECT_EQ(ErrorOf(ping + "peer = bob\ninterval = 0s\n"),
              "t.ini:16: [app.p] interval: the interval between echo requests must be more than 0");
    EXPECT_EQ(ErrorOf(ping + "peer = bob\ninterval = 1ns\n"),
              "t.ini:16: [app.p] interval: this client would send 9000000001 echo requests; nslab allows at most "
              "10000000 per client (a longer interval, a count or an earlier stop)");
    EXPECT_EQ(ErrorOf(ping + "peer = bob\nmax_hops = 3\n"),
              "t.ini:16: [app.p] key 'max_hops' does not apply to ping apps (keys: type, node, peer, ip, count, "
              "interval, size, start, stop)");
    EXPECT_EQ(ErrorOf(ping + "peer = bob\nport = 7\n"),
              "t.ini:16: [app.p] key 'port' does not apply to ping apps (keys: type, node, peer, ip, count, "
              "interval, size, start, stop)");
    EXPECT_EQ(ErrorOf(ping), "t.ini:12: [app.p] missing key 'peer'");
    const std::string trace = base + "[app.t]\ntype = traceroute\nnode = alice\npeer = bob\n"; // lines 12-15
    EXPECT_EQ(ErrorOf(trace + "max_hops = 0\n"),
              "t.ini:16: [app.t] max_hops: a traceroute probes 1 to 255 hops (a TTL is at most 255)");
    EXPECT_EQ(ErrorOf(trace + "max_hops = 256\n"),
              "t.ini:16: [app.t] max_hops: a traceroute probes 1 to 255 hops (a TTL is at most 255)");
    EXPECT_EQ(ErrorOf(trace + "probes = 11\n"), "t.ini:16: [app.t] probes: a traceroute sends 1 to 10 probes per hop");
    EXPECT_EQ(ErrorOf(trace + "count = 3\n"),
              "t.ini:16: [app.t] key 'count' does not apply to traceroute apps (keys: type, node, peer, ip, max_hops, "
              "probes, start, stop)");
    EXPECT_EQ(ErrorOf(trace + "ip = v6\n"),
              "t.ini:16: [app.t] ip: a client connects over one IP version the scenario has (ip = v4)");
    EXPECT_EQ(ErrorOf(base + "[app.u]\ntype = udp-client\nnode = alice\npeer = bob:7\nprobes = 2\n"),
              "t.ini:16: [app.u] key 'probes' does not apply to udp-client apps (keys: type, node, peer, ip, bind, sport, size, "
              "interval, rate, count, messages, raw, rtt, start, stop)");
}
