// The scenario loader: exact error texts for every kind of bad input, the
// defaults it derives, and the resolved form it writes.
#include "ini.h"
#include "scenario.h"
#include "loader-util.h"

#include <gtest/gtest.h>

#include <sstream>

using namespace nslab;
using nslab::test::Doc;
using nslab::test::ErrorOf;

namespace
{

const std::string kLan = "[link.lan]\ntype = ethernet\nnodes = alice bob\n"; // lines 1-3

Scenario
Load(const std::string& text)
{
    return LoadScenario(Doc(text));
}


} // namespace

TEST(Loader, UnknownKeySuggestsTheNearestOne)
{
    EXPECT_EQ(ErrorOf(kLan + "rat = 10Mbps\n"),
              "t.ini:4: [link.lan] unknown key 'rat' (did you mean 'rate'?); keys: type, nodes, rate, medium, mtu, "
              "subnet, capture, state, delay, jitter, distribution, reorder, loss, loss_burst, gilbert, drop, corrupt, duplicate, "
              "queue");
    EXPECT_EQ(ErrorOf("durration = 5s\n" + kLan),
              "t.ini:1: unknown key 'durration' (did you mean 'duration'?); keys: name, duration, seed, run, bin, ip, capture, routing, rip_update, rip_timeout, rip_garbage");
}

TEST(Loader, KeyOfAnotherTypeIsNamedAsSuch)
{
    EXPECT_EQ(ErrorOf("[link.air]\ntype = wifi\nap = ap\nnodes = a\nrate = 10Mbps\n"),
              "t.ini:5: [link.air] key 'rate' does not apply to wifi links (keys: type, ap, nodes, standard, "
              "distance, retries, rate_control, mode, channel, mtu, subnet, capture, state, delay, jitter, distribution, reorder, loss, loss_burst, gilbert, "
              "drop, corrupt, duplicate, queue)");
}

TEST(Loader, BadUnitsAndMissingUnits)
{
    EXPECT_EQ(ErrorOf(kLan + "delay = 5sec\n"),
              "t.ini:4: [link.lan] delay: unknown unit 'sec' in '5sec' (did you mean 's'?): expected a time "
              "such as '5ms' (units: s, ms, us, ns)");
    EXPECT_EQ(ErrorOf(kLan + "rate = 100\n"),
              "t.ini:4: [link.lan] rate: missing unit in '100': expected a rate such as '100Mbps' (units: "
              "Gbps, Mbps, Kbps, bps)");
    EXPECT_EQ(ErrorOf(kLan + "delay = 5\n"),
              "t.ini:4: [link.lan] delay: missing unit in '5': expected a time such as '5ms' (units: s, ms, "
              "us, ns)");
}

TEST(Loader, UnknownTypesAndNodes)
{
    EXPECT_EQ(ErrorOf("[link.lan]\ntype = ethernt\nnodes = a b\n"),
              "t.ini:2: [link.lan] type: unknown link type 'ethernt' (did you mean 'ethernet'?); types: "
              "ethernet, p2p, wifi");
    EXPECT_EQ(ErrorOf(kLan + "[app.x]\ntype = tcp-clent\nnode = alice\npeer = bob:5000\n"),
              "t.ini:5: [app.x] type: unknown app type 'tcp-clent' (did you mean 'tcp-client'?); types: "
              "tcp-client, tcp-server, udp-client, udp-server, ping, traceroute, process");
    EXPECT_EQ(ErrorOf(kLan + "[app.x]\ntype = tcp-server\nnode = alise\nport = 5000\n"),
              "t.ini:6: [app.x] node: unknown node 'alise' (did you mean 'alice'?); nodes come from the "
              "links' nodes and ap keys");
    EXPECT_EQ(ErrorOf(kLan + "[app.x]\ntype = tcp-client\nnode = alice\npeer = carol:5000\n"),
              "t.ini:7: [app.x] peer: unknown node 'carol'");
    EXPECT_EQ(ErrorOf(kLan + "[app.x]\ntype = tcp-client\nnode = alice\npeer = bob.eth1:5000\n"),
              "t.ini:7: [app.x] peer: bob has no interface 'eth1' (interfaces: eth0)");
    EXPECT_EQ(ErrorOf(kLan + "[lnk.wan]\ntype = p2p\n"),
              "t.ini:4: unknown section [lnk.wan] (did you mean [link.wan]?): sections are [link.NAME], [node.NAME], "
              "[app.NAME] and [event.NAME]");
}

TEST(Loader, RangesAreChecked)
{
    EXPECT_EQ(ErrorOf(kLan + "[app.s]\ntype = udp-server\nnode = bob\nport = 70000\n"),
              "t.ini:7: [app.s] port: port 70000 is outside 1..65535");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:0\n"),
              "t.ini:7: [app.c] peer: port 0 is outside 1..65535");
    EXPECT_EQ(ErrorOf(kLan + "loss = 150%\n"), "t.ini:4: [link.lan] loss: '150%' is outside 0..100 %");
    EXPECT_EQ(ErrorOf(kLan + "loss = -1%\n"),
              "t.ini:4: [link.lan] loss: negative value '-1%': a ratio must be 0 or more");
    EXPECT_EQ(ErrorOf(kLan + "[app.s]\ntype = udp-server\nnode = bob\nport = 6000\nstart = -1s\n"),
              "t.ini:8: [app.s] start: negative value '-1s': a time must be 0 or more");
    EXPECT_EQ(ErrorOf(kLan + "mtu = 20\n"), "t.ini:4: [link.lan] mtu: MTU 20 is outside 68..9000 bytes for ethernet links");
    EXPECT_EQ(ErrorOf("[link.w]\ntype = p2p\nnodes = a b c\n"), "t.ini:3: [link.w] nodes: a p2p link joins exactly 2 nodes");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\nsize = 10B\n"),
              "t.ini:8: [app.c] size: datagram size 10 B is outside 24..65507 B (24 B: the nslab header; "
              "65507 B: the UDP maximum)");
}

TEST(Loader, BrokenFilesAreRefusedWithTheirLine)
{
    EXPECT_EQ(ErrorOf("duration = 5s\n[link.lan\ntype = p2p\n"),
              "t.ini:2: broken section header '[link.lan': expected '[kind.name]', e.g. '[link.lan]'");
    EXPECT_EQ(ErrorOf(kLan + "just some words\n"),
              "t.ini:4: expected 'key = value' or '[section]', got 'just some words'");
    EXPECT_EQ(ErrorOf(kLan + "type = p2p\n"), "t.ini:4: duplicate key 'type' (first at line 2)");
    EXPECT_EQ(ErrorOf(std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10)),
              "t.ini:1: not a text file: control byte 0x7f; a scenario is an INI text file");
    EXPECT_EQ(ErrorOf("name = x\n"), "t.ini: no [link.NAME] section: a scenario needs at least one link");
}

TEST(Loader, NamesAndNumbersOutOfRangeAreRefused)
{
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:1\nmss = 4294968744\n"),
              "t.ini:8: [app.c] mss: '4294968744' is too large (at most 4294967295)");
    EXPECT_EQ(ErrorOf("name = ..\n" + kLan),
              "t.ini:1: name: a scenario name starts with a letter or digit and has letters, digits, '_', '-' and "
              "'.' (it names the results folder)");
    EXPECT_EQ(ErrorOf(kLan + "[app.1x]\ntype = udp-server\n"),
              "t.ini:4: bad name '1x' in [app.1x]: a name starts with a letter and has letters, digits, '_' or '-' "
              "(at most 64)");
    EXPECT_EQ(ErrorOf("seed = 0\n" + kLan), "t.ini:1: seed: a seed is between 1 and 4294944442");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:1\nbuffer = 1MB\n"),
              "t.ini:8: [app.c] key 'buffer' does not apply to udp-client apps (keys: type, node, peer, ip, bind, sport, size, interval, "
              "rate, count, messages, raw, rtt, start, stop)");
}

TEST(Loader, MessagesAreWordsOrQuotedPhrasesAndSurviveTheResolvedFile)
{
    Scenario s = Load(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\n"
                             "messages = hello \"how are you\" \"room #1; door 2\" bye # a comment\n");
    EXPECT_EQ(s.apps[0].messages, (std::vector<std::string>{"hello", "how are you", "room #1; door 2", "bye"}));
    EXPECT_EQ(s.apps[0].count, 4u);
    EXPECT_EQ(Load(ToIni(s)).apps[0].messages, s.apps[0].messages);
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:1\nmessages = a\nbytes = 1MB\n"),
              "t.ini:9: [app.c] bytes: give either messages or bytes, not both");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:1\nmessages = \"open\n"),
              "t.ini:8: [app.c] messages: unterminated quote in \"open");
    EXPECT_EQ(ErrorOf("bin = 0.5ms\n" + kLan),
              "t.ini:1: bin: the time bins of the throughput series are between 1ms and the duration");
}

TEST(Loader, ByteOrderMarkIsIgnored)
{
    EXPECT_EQ(Load("\xEF\xBB\xBFname = bom\n" + kLan).name, "bom");
}

TEST(Loader, MissingFileIsNamed)
{
    try
    {
        ReadIniFile("/nonexistent/x.ini");
        FAIL() << "no error";
    }
    catch (const ScenarioError& e)
    {
        EXPECT_STREQ(e.what(), "/nonexistent/x.ini: cannot open the scenario: No such file or directory");
    }
}

TEST(Loader, OverridesActAsIfWrittenInTheFile)
{
    IniDocument doc = Doc(kLan + "loss = 1%\n");
    ApplyOverride(doc, "link.lan.loss=5%", 1);
    ApplyOverride(doc, "link.lan.delay=20ms", 2);
    ApplyOverride(doc, "duration=3s", 3);
    Scenario s = LoadScenario(doc);
    EXPECT_DOUBLE_EQ(s.links[0].impairments.loss, 0.05);
    EXPECT_EQ(s.links[0].impairments.delay, ns3::MilliSeconds(20));
    EXPECT_EQ(s.duration, ns3::Seconds(3));
    EXPECT_EQ(ErrorOf(kLan, {"link.wan.loss=5%"}),
              "--set:1: link.wan.loss: t.ini has no section [link.wan] (did you mean [link.lan]?)");
    EXPECT_EQ(ErrorOf(kLan, {"link.lan.delay=5ms", "link.lan.loss=200%"}),
              "--set:2: [link.lan] loss: '200%' is outside 0..100 %");
    EXPECT_EQ(ErrorOf(kLan, {"link.lan.loss"}),
              "--set:1: expected SECTION.KEY=VALUE, e.g. 'link.lan.loss=5%', got 'link.lan.loss'");
}

TEST(Loader, TcpDefaultsFollowThePath)
{
    Scenario s = Load("[link.lan]\ntype = ethernet\nnodes = alice bob\nrate = 100Mbps\ndelay = 20ms\n"
                      "[link.jumbo]\ntype = p2p\nnodes = bob carol\nmtu = 9000\n"
                      "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n"
                      "[app.s]\ntype = tcp-server\nnode = bob\nport = 5000\n"
                      "[app.c2]\ntype = tcp-client\nnode = carol\npeer = bob:5001\n"
                      "[app.s2]\ntype = tcp-server\nnode = bob\nport = 5001\n");
    // MSS = MTU - 20 (IPv4) - 20 (TCP) - 12 (timestamp option).
    EXPECT_EQ(s.apps[0].mss, 1448u);
    EXPECT_EQ(s.apps[2].mss, 8948u);
    // Buffers of twice the bandwidth-delay product: 2 * 100 Mbit/s * 40 ms / 8 = 1 MB.
    EXPECT_EQ(s.apps[0].buffer, 1000000u);
    EXPECT_EQ(s.apps[1].buffer, 1000000u);
    // A fast short path keeps ns-3's (and Linux's) 128 KiB.
    EXPECT_EQ(s.apps[2].buffer, 131072u);
}

TEST(Loader, UdpRateBecomesAnInterval)
{
    Scenario s = Load(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\nsize = 1000B\nrate = 2Mbps\n");
    EXPECT_EQ(s.apps[0].interval, ns3::MilliSeconds(4)); // 8000 bit / 2 Mbit/s
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\ninterval = 1s\nrate = 2Mbps\n"),
              "t.ini:9: [app.c] rate: give either interval or rate, not both");
}

TEST(Loader, ResolvedScenarioLoadsBackToItself)
{
    Scenario s = Load("name = demo\nduration = 7s\nseed = 3\n" + kLan +
                      "delay = 1.5ms\nloss = 0.5%\n[link.air]\ntype = wifi\nap = bob\nnodes = carol\n"
                      "[app.c]\ntype = udp-client\nnode = alice\npeer = carol.wlan0:6000\nrate = 64Kbps\n"
                      "[app.s]\ntype = udp-server\nnode = carol\nport = 6000\n"
                      "[app.t]\ntype = tcp-client\nnode = carol\npeer = alice:5000\nbytes = 3MiB\n");
    std::string ini = ToIni(s);
    Scenario again = Load(ini);
    EXPECT_EQ(ToIni(again).substr(ini.find('\n')), ini.substr(ini.find('\n')));
    EXPECT_NE(ini.find("loss = 0.5%"), std::string::npos) << ini;
    EXPECT_NE(ini.find("subnet = 10.0.2.0/24"), std::string::npos) << ini;
    EXPECT_EQ(again.apps[2].bytes, 3u << 20);
}

TEST(Loader, PortsCannotBeTakenTwiceAndLonelyClientsWarn)
{
    EXPECT_EQ(ErrorOf(kLan + "[app.a]\ntype = tcp-server\nnode = bob\nport = 5000\n"
                             "[app.b]\ntype = tcp-server\nnode = bob\nport = 5000\n"),
              "t.ini:11: [app.b] port: bob already has a tcp-server on port 5000 ([app.a])");
    Scenario s = Load(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\n");
    ASSERT_EQ(s.warnings.size(), 1u);
    EXPECT_EQ(s.warnings[0], "t.ini:7: [app.c] peer: no udp-server listens on bob port 6000");
}

TEST(Loader, SubnetsAreCheckedForOverlap)
{
    EXPECT_EQ(ErrorOf(kLan + "subnet = 10.0.2.0/23\n[link.b]\ntype = p2p\nnodes = bob carol\n"),
              "t.ini:4: [link.lan] subnet: 10.0.2.0/23 overlaps 10.0.2.0/24 (the default) of [link.b]");
    EXPECT_EQ(ErrorOf(kLan + "subnet = 10.0.2.1/24\n"),
              "t.ini:4: [link.lan] subnet: '10.0.2.1/24' has host bits set; expected a prefix such as '192.168.1.0/24'");
}

TEST(Loader, DirectionSectionsNameALinkAndTwoOfItsNodes)
{
    EXPECT_EQ(ErrorOf(kLan + "[link.wan.alice->bob]\nloss = 1%\n"),
              "t.ini:4: [link.wan.alice->bob] no link 'wan' (did you mean 'lan'?); direction sections are "
              "[link.NAME.FROM->TO]");
    EXPECT_EQ(ErrorOf(kLan + "[link.lan.alice->carol]\nloss = 1%\n"),
              "t.ini:4: [link.lan.alice->carol] 'carol' is not on link lan (nodes: alice bob)");
    EXPECT_EQ(ErrorOf(kLan + "[link.lan.alice]\nloss = 1%\n"),
              "t.ini:4: [link.lan.alice] expected a direction FROM->TO, e.g. [link.lan.alice->bob]");
    EXPECT_EQ(ErrorOf("[link.air]\ntype = wifi\nap = r1\nnodes = a b\n[link.air.a->b]\nloss = 1%\n"),
              "t.ini:5: [link.air.a->b] in a WiFi cell, frames go between the access point 'r1' and a station");
    EXPECT_EQ(ErrorOf(kLan + "[link.lan.alice->bob]\nmtu = 900\n"),
              "t.ini:5: [link.lan.alice->bob] key 'mtu' does not apply to direction sections (keys: rate, delay, "
              "jitter, distribution, reorder, loss, loss_burst, gilbert, drop, corrupt, duplicate, queue)");
}

TEST(Loader, ImpairmentValuesAreChecked)
{
    EXPECT_EQ(ErrorOf(kLan + "loss = 5%\nloss_burst = 0.5\n"),
              "t.ini:5: [link.lan] loss_burst: a loss burst is at least 1 frame long on average");
    EXPECT_EQ(ErrorOf(kLan + "loss = 60%\nloss_burst = 1\n"),
              "t.ini:5: [link.lan] loss_burst: bursts of 1 frames cannot make 60% loss: the mean burst must be at "
              "least loss / (1 - loss) = 1.5 frames");
    EXPECT_EQ(ErrorOf(kLan + "gilbert = 1%\n"),
              "t.ini:4: [link.lan] gilbert: expected 'P R [1-H [1-K]]' as netem's gemodel, e.g. '1% 20%' or "
              "'1% 20% 100% 0%', got '1%'");
    EXPECT_EQ(ErrorOf(kLan + "gilbert = 1% 20%\nloss = 2%\n"),
              "t.ini:5: [link.lan] loss: give either gilbert or loss (with loss_burst), not both");
    EXPECT_EQ(ErrorOf(kLan + "distribution = gaussian\n"),
              "t.ini:4: [link.lan] distribution: unknown distribution 'gaussian'; distributions: uniform, normal, "
              "pareto");
    EXPECT_EQ(ErrorOf(kLan + "drop = 3 0\n"), "t.ini:4: [link.lan] drop: data frames are counted from 1; got 0");
    EXPECT_EQ(ErrorOf(kLan + "queue = 0\n"), "t.ini:4: [link.lan] queue: a queue holds at least 1 packet");
    EXPECT_EQ(ErrorOf(kLan + "[link.lan.bob->alice]\nrate = 0Mbps\n"),
              "t.ini:5: [link.lan.bob->alice] rate: a rate must be more than 0");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:80\ncongestion = reno\n"),
              "t.ini:8: [app.c] congestion: unknown congestion control 'reno' (did you mean 'veno'?); ns-3 has: "
              "newreno, linuxreno, cubic, bbr, bic, highspeed, htcp, hybla, illinois, ledbat, lp, scalable, vegas, "
              "veno, westwood, yeah");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = tcp-server\nnode = bob\nport = 80\ninitial_cwnd = 0\n"),
              "t.ini:8: [app.c] initial_cwnd: an initial window is between 1 and 1000 segments");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:80\nsack = false\n"),
              "t.ini:8: [app.c] key 'sack' does not apply to udp-client apps (keys: type, node, peer, ip, bind, sport, size, "
              "interval, rate, count, messages, raw, rtt, start, stop)");
}

TEST(Loader, DirectionsInheritTheLinkAndOverrideKeyByKey)
{
    Scenario s = Load(kLan + "delay = 5ms\nloss = 2%\nloss_burst = 4\nqueue = 64KB\n[link.lan.bob->alice]\n"
                             "jitter = 1ms\ndistribution = pareto\nloss = 10%\ndrop = 7 3\nrate = 1Mbps\n");
    const Impairments& ab = s.links[0].ImpairmentsOf("alice", "bob");
    const Impairments& ba = s.links[0].ImpairmentsOf("bob", "alice");
    EXPECT_EQ(ab.delay, ns3::MilliSeconds(5));
    EXPECT_DOUBLE_EQ(ab.burst->r, 0.25);
    EXPECT_DOUBLE_EQ(ab.burst->MeanLoss(), 0.02);
    EXPECT_EQ(ab.queue->value, 64000u);
    EXPECT_TRUE(ab.queue->bytes);
    EXPECT_EQ(ba.delay, ns3::MilliSeconds(5));
    EXPECT_EQ(ba.jitter, ns3::MilliSeconds(1));
    EXPECT_EQ(ba.distribution, JitterDistribution::Pareto);
    EXPECT_DOUBLE_EQ(ba.burst->MeanLoss(), 0.10); // the link's burst length, the direction's loss
    EXPECT_EQ(ba.drop, (std::vector<uint64_t>{3, 7}));
    EXPECT_EQ(ba.rate, 1000000u);
    // The resolved form loads back to itself, direction sections included.
    std::string ini = ToIni(s);
    EXPECT_NE(ini.find("[link.lan.bob->alice]\ndelay = 5ms\njitter = 1ms\ndistribution = pareto\n"), std::string::npos);
    Scenario again = Load(ini);
    EXPECT_EQ(ToIni(again).substr(ini.find('\n')), ini.substr(ini.find('\n')));
    // --set reaches a direction section like any other.
    EXPECT_EQ(ErrorOf(kLan + "[link.lan.bob->alice]\nloss = 1%\n", {"link.lan.bob->alice.loss=200%"}),
              "--set:1: [link.lan.bob->alice] loss: '200%' is outside 0..100 %");
}

TEST(Loader, QueueAndLossCornersAreRefusedClearly)
{
    EXPECT_EQ(ErrorOf(kLan + "queue = 0B\n"), "t.ini:4: [link.lan] queue: a queue holds at least 1 byte");
    EXPECT_EQ(Load(kLan + "queue = 100 packets\n").links[0].impairments.queue->value, 100u);
    EXPECT_EQ(ErrorOf(kLan + "queue = 20\n[link.lan.alice->bob]\nqueue = 64KB\n"),
              "t.ini:6: [link.lan.alice->bob] queue: a link's queues count in one unit: [link.lan] counts packets");
    EXPECT_EQ(ErrorOf(kLan + "loss = 100%\nloss_burst = 2\n"),
              "t.ini:5: [link.lan] loss_burst: 100% loss is one endless burst: give loss below 100% or no loss_burst");
    EXPECT_EQ(ErrorOf("[link.air]\ntype = wifi\nap = r1\nnodes = a\nloss = 30%\ncorrupt = 30%\n"),
              "t.ini:6: [link.air] corrupt: WiFi frame loss above 50 % (loss and corrupt together) stalls the cell; "
              "use at most 50%");
}

TEST(Loader, Ipv6NeedsTheMinimumMtu)
{
    EXPECT_EQ(ErrorOf("ip = v6\n" + kLan + "mtu = 1000\n"),
              "t.ini:5: [link.lan] mtu: IPv6 needs an MTU of at least 1280 bytes (ip = v6)");
    EXPECT_EQ(ErrorOf("ip = v5\n" + kLan), "t.ini:1: ip: expected v4, v6 or dual, got 'v5'");
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:9\nip = v6\n"),
              "t.ini:8: [app.c] ip: a client connects over one IP version the scenario has (ip = v4)");
}

TEST(Loader, Ipv6OnlyScenariosIgnoreIpv4Subnets)
{
    std::string twoLinks = kLan + "subnet = 10.0.0.0/16\n[link.wan]\ntype = p2p\nnodes = bob carol\n";
    EXPECT_NE(ErrorOf(twoLinks).find("overlaps"), std::string::npos);
    EXPECT_EQ(ErrorOf("ip = v6\n" + twoLinks), "no error");
}

TEST(Loader, ValuesNs3CannotTakeAreRefusedBeforeItSeesThem)
{
    const std::string tcp = "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n" // 8 lines
                            "[app.s]\ntype = tcp-server\nnode = bob\nport = 5000\n";
    // ns-3's generator aborts on seeds from its modulus m2 = 4294944443 on.
    EXPECT_EQ(ErrorOf("seed = 4294944443\n" + kLan), "t.ini:1: seed: a seed is between 1 and 4294944442");
    EXPECT_EQ(Load("seed = 4294944442\n" + kLan).seed, 4294944442u);
    // Subnets that are not for hosts.
    EXPECT_EQ(ErrorOf(kLan + "subnet = 224.0.0.0/24\n"),
              "t.ini:4: [link.lan] subnet: '224.0.0.0/24' is not a range for hosts (224.0.0.0/4 is multicast); private "
              "ranges are 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16");
    EXPECT_NE(ErrorOf(kLan + "subnet = 127.0.0.0/8\n").find("127.0.0.0/8 is loopback"), std::string::npos);
    // An MTU whose TCP segments could not hold an MSS (nor nslab's 24-byte header).
    EXPECT_EQ(ErrorOf(kLan + "mtu = 68\n" + tcp),
              "t.ini:4: [link.lan] mtu: 68 bytes leave TCP segments of 16 bytes for [app.c], and an MSS is at least "
              "64: raise mtu by 48 bytes or more, or set mss in [app.c]");
    EXPECT_EQ(Load(kLan + "mtu = 116\n" + tcp).apps[0].mss, 64u);
    // ns-3 joins a segment's pieces recursively: at most 8192 of them.
    EXPECT_EQ(ErrorOf(kLan + tcp + "[app.c2]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nmss = 65495\n"
                                   "chunk = 1B\n"),
              "t.ini:17: [app.c2] chunk: 1B pieces make 65495 per segment of 65495 bytes; ns-3 joins at most 8192 "
              "(chunk = 8B or more)");
    // An interface name after the dot.
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob.:5000\n"),
              "t.ini:7: [app.c] peer: expected NODE:PORT, NODE.IFACE:PORT, ADDRESS:PORT or broadcast:PORT, e.g. "
              "'bob:5000', '10.0.1.2:5000' or '[fd00:1::2]:5000', got 'bob.:5000'");
    EXPECT_NE(ErrorOf(kLan + "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:50.00\n").find("bad port"),
              std::string::npos);
    // Names become file names.
    EXPECT_NE(ErrorOf("[link.lan]\ntype = p2p\nnodes = alice " + std::string(65, 'b') + "\n").find("(at most 64)"),
              std::string::npos);
    // One row per bin in each app's throughput CSV: at most a million.
    EXPECT_EQ(ErrorOf("duration = 1000000s\n" + kLan),
              "t.ini:1: duration: 1000000s in bins of 100ms would make more than 1000000 rows of throughput per app: "
              "set bin = 1s or more");
    EXPECT_EQ(Load("duration = 1000000s\nbin = 1s\n" + kLan).bin, ns3::Seconds(1));
}

TEST(Loader, AFileWithoutLineEndsStopsAtTheFirstNulByte)
{
    // /dev/zero has no line end: reading it line by line would never stop.
    std::istringstream zeros(std::string(1000, '\0'));
    try
    {
        ParseIni(zeros, "zeros");
        ADD_FAILURE() << "no error";
    }
    catch (const ScenarioError& e)
    {
        EXPECT_STREQ(e.what(), "zeros:1: not a text file: control byte 0x00; a scenario is an INI text file");
    }
    EXPECT_EQ(std::string(zeros.str()).size() - static_cast<size_t>(zeros.tellg()), 999u) << "read up to the NUL only";
}

TEST(Loader, CaptureAndMediumRoundTripAndNodeSectionsNameNodes)
{
    Scenario s = Load("capture = headers\n" + kLan + "medium = shared\ncapture = none\n"
                      "[link.wire]\ntype = p2p\nnodes = bob carol\n[node.carol]\ncapture = full\n");
    EXPECT_EQ(s.capture, Capture::Headers);
    EXPECT_EQ(s.links[0].medium, EthernetMedium::Shared);
    EXPECT_EQ(s.links[0].capture, Capture::None);
    EXPECT_FALSE(s.links[1].capture.has_value());
    EXPECT_EQ(s.nodeCapture.at("carol"), Capture::Full);
    std::string ini = ToIni(s);
    Scenario again = Load(ini);
    EXPECT_EQ(ToIni(again).substr(ini.find('\n')), ini.substr(ini.find('\n')));
    EXPECT_EQ(again.nodeCapture, s.nodeCapture);
    EXPECT_EQ(ErrorOf(kLan + "medium = hub\n"),
              "t.ini:4: [link.lan] medium: expected switched | shared, got 'hub'");
    EXPECT_EQ(ErrorOf(kLan + "[node.alicia]\ncapture = none\n"),
              "t.ini:4: [node.alicia] no link has a node 'alicia' (did you mean 'alice'?)");
    EXPECT_EQ(ErrorOf(kLan + "[node.alice]\nmedium = shared\n"),
              "t.ini:5: [node.alice] key 'medium' does not apply to nodes (keys: capture, forward_groups, position, waypoints)");
    EXPECT_EQ(ErrorOf("[link.w]\ntype = p2p\nnodes = a b\nmedium = shared\n"),
              "t.ini:4: [link.w] key 'medium' does not apply to p2p links (keys: type, nodes, rate, mtu, subnet, "
              "capture, state, delay, jitter, distribution, reorder, loss, loss_burst, gilbert, drop, corrupt, duplicate, "
              "queue)");
}

// Issue 14, the socket lesson: raw clients, paced TCP clients, a server's recv() size.
TEST(Loader, SocketLessonKeys)
{
    const std::string client = kLan + "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n"; // lines 4-7
    const std::string server = "[app.s]\ntype = tcp-server\nnode = bob\nport = 5000\n";
    Scenario paced = Load(client + "size = 160B\ninterval = 20ms\ncount = 150\n" + server);
    EXPECT_TRUE(paced.apps[0].paced);
    EXPECT_EQ(paced.apps[0].bytes, 24000u); // count * size
    EXPECT_EQ(Load(client + "size = 1000B\nrate = 80Kbps\n").apps[0].interval, ns3::MilliSeconds(100));
    EXPECT_EQ(Load(client + "interval = 1s\n").apps[0].bytes, 0u); // count = 0: until stop
    EXPECT_FALSE(Load(client + "messages = a b\n").apps[0].paced);
    EXPECT_TRUE(Load(client + "messages = a b\ninterval = 1s\n").apps[0].paced); // one text per interval
    EXPECT_EQ(ErrorOf(client + "bytes = 1MB\nsize = 160B\n"),
              "t.ini:8: [app.c] bytes: give either bytes (one transfer, as fast as TCP goes) or size, interval, rate "
              "and count (a message every interval), not both");
    EXPECT_EQ(ErrorOf(client + "size = 16777217B\n"),
              "t.ini:8: [app.c] size: message size 16777217 B is outside 24..16777216 B (24 B: the nslab header; "
              "16MiB: nslab's limit for a message)");
    EXPECT_EQ(ErrorOf(client + "interval = 0s\n"),
              "t.ini:8: [app.c] interval: the interval between messages must be more than 0");
    EXPECT_EQ(ErrorOf(client + "interval = 1ns\n"),
              "t.ini:8: [app.c] interval: this client would send 9000000001 messages; nslab allows at most 10000000 "
              "per client (a longer interval, a lower rate, a count or an earlier stop)");

    // raw: no nslab header, so a byte or a datagram of 1 byte is enough; rtt needs the header.
    Scenario raw = Load(client + "raw = true\nbytes = 1B\n" + server);
    EXPECT_TRUE(raw.apps[0].raw);
    EXPECT_TRUE(raw.apps[1].raw); // the server learns it from its clients
    EXPECT_EQ(Load(client + "raw = true\nmessages = hello \"how are you\" bye\n").apps[0].bytes, 19u);
    EXPECT_EQ(Load(kLan + "[app.u]\ntype = udp-client\nnode = alice\npeer = bob:6000\nraw = true\nsize = 1B\n").apps[0].size,
              1u);
    EXPECT_EQ(ErrorOf(kLan + "[app.u]\ntype = udp-client\nnode = alice\npeer = bob:6000\nraw = true\nsize = 0B\n"),
              "t.ini:9: [app.u] size: datagram size 0 B is outside 1..65507 B (65507 B: the UDP maximum)");
    EXPECT_EQ(ErrorOf(client + "raw = true\nrtt = true\n" + server + "echo = true\n"),
              "t.ini:9: [app.c] rtt: round trips are matched to their echo by the nslab header, which a client with "
              "raw = true does not send");
    EXPECT_EQ(ErrorOf(client + "raw = yes please\n"), "t.ini:8: [app.c] raw: expected true or false, got 'yes please'");
    EXPECT_EQ(ErrorOf(client + "raw = true\n" + server +
                      "[app.d]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n"),
              "t.ini:8: [app.c] raw: [app.d] sends nslab headers to the same tcp-server ([app.s]), which reads either "
              "raw streams or nslab messages: set raw in all its clients or in none");
    // Texts sent to a server make it list its first reads.
    EXPECT_TRUE(Load(client + "messages = hi\n" + server).apps[1].listReads);
    EXPECT_FALSE(Load(client + server).apps[1].listReads);

    // recv_size: what each recv() call asks for.
    EXPECT_EQ(Load(client + server).apps[1].recvSize, 65536u);
    EXPECT_EQ(Load(client + server + "recv_size = 1B\n").apps[1].recvSize, 1u);
    EXPECT_EQ(ErrorOf(client + server + "recv_size = 0B\n"), "t.ini:12: [app.s] recv_size: a recv() call asks for 1B to 16MiB");
    EXPECT_EQ(ErrorOf(client + server + "recv_size = 17MiB\n"),
              "t.ini:12: [app.s] recv_size: a recv() call asks for 1B to 16MiB");
    EXPECT_EQ(ErrorOf(kLan + "[app.u]\ntype = udp-server\nnode = bob\nport = 6000\nrecv_size = 1KiB\n"),
              "t.ini:8: [app.u] key 'recv_size' does not apply to udp-server apps (keys: type, node, port, group, echo, start, "
              "stop, buffer)");

    // Every new key is written back and reads back the same.
    Scenario all = Load(client + "raw = true\nsize = 160B\nrate = 64Kbps\ncount = 50\n" + server + "recv_size = 4B\n");
    std::string ini = ToIni(all);
    EXPECT_NE(ini.find("size = 160B\ncount = 50\nrate = 64Kbps\nraw = true\n"), std::string::npos) << ini;
    EXPECT_NE(ini.find("recv_size = 4B\n"), std::string::npos) << ini;
    EXPECT_EQ(ini.find("bytes ="), std::string::npos) << ini;
    EXPECT_EQ(ToIni(Load(ini)).substr(ini.find('\n')), ini.substr(ini.find('\n')));
}
