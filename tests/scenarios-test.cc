// End to end: every shipped scenario runs through the nslab binary; the
// summary, the resolved scenario and the pcaps agree with each other and
// with the physics of the scenario.
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

using namespace nslab::test;
namespace fs = std::filesystem;

namespace
{

/** Runs a scenario once per test into a temporary folder. */
struct Results
{
    explicit Results(const std::string& scenario, const std::string& args = "")
    {
        outcome = Nslab("run " + scenario + " --quiet --out " + dir.Path() + " " + args);
        if (outcome.status == 0)
        {
            summary = ReadJson(dir / "summary.json");
        }
    }

    TempDir dir;
    Outcome outcome;
    nlohmann::json summary;
};

size_t
CountFrames(const std::string& pcap, const std::string& filter)
{
    return Lines(Tshark(pcap, "-Y '" + filter + "'"));
}

class ShippedScenario : public ::testing::TestWithParam<std::string>
{
};

TEST_P(ShippedScenario, RunsAndWritesConsistentResults)
{
    Results run(Scenario(GetParam()));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(run.outcome.err, "");
    const auto& s = run.summary;
    EXPECT_EQ(s.at("seed"), 1);
    EXPECT_EQ(s.at("run"), 1);
    ASSERT_GE(s.at("apps").size(), 2u);

    // Every TCP transfer completes; every UDP datagram is accounted for.
    for (const auto& app : s.at("apps"))
    {
        SCOPED_TRACE(app.dump());
        if (app.at("type") == "tcp-client")
        {
            EXPECT_TRUE(app.at("connected").get<bool>());
        }
        if (app.at("type") == "udp-server")
        {
            EXPECT_GT(app.at("packets_received").get<int>(), 0);
            EXPECT_EQ(app.at("malformed_packets"), 0);
        }
        if (app.at("type") == "tcp-server")
        {
            EXPECT_GE(app.at("connections").get<int>(), 1);
            EXPECT_EQ(app.at("malformed_bytes"), 0);
        }
    }

    // The resolved scenario is complete and valid on its own.
    Outcome check = Nslab("check " + (run.dir / "scenario.ini"));
    EXPECT_EQ(check.status, 0) << check.err;

    // One pcap per interface (WiFi: the host's and the radio's), readable, with no malformed packet.
    size_t pcaps = 0, expected = 0;
    for (const auto& entry : fs::directory_iterator(run.dir.Path()))
    {
        pcaps += entry.path().extension() == ".pcap";
    }
    for (const auto& iface : s.at("interfaces"))
    {
        expected += 1 + iface.contains("radio_pcap");
    }
    EXPECT_EQ(pcaps, expected);
    std::string all;
    for (const auto& iface : s.at("interfaces"))
    {
        std::string pcap = run.dir / iface.at("pcap").get<std::string>();
        ASSERT_TRUE(fs::exists(pcap)) << pcap;
        EXPECT_GT(fs::file_size(pcap), 24u) << pcap << ": no frame after the 24-byte file header";
        all += " " + pcap;
    }
    if (HaveTshark())
    {
        // One tshark over every pcap merged (one start per pcap costs minutes on a campus).
        Outcome merged = Shell("mergecap -w " + (run.dir / "all.pcapng") + all);
        ASSERT_EQ(merged.status, 0) << merged.err;
        EXPECT_GT(CountFrames(run.dir / "all.pcapng", "frame"), 0u);
        std::string errors = Tshark(run.dir / "all.pcapng", "-Y '_ws.malformed || _ws.expert.severity == error' "
                                                            "-T fields -e frame.interface_name -e frame.number "
                                                            "-e _ws.col.Info");
        EXPECT_EQ(Lines(errors), 0u) << errors.substr(0, 600);
    }
}

TEST_P(ShippedScenario, TcpDeliversWhatItAcknowledged)
{
    Results run(Scenario(GetParam()));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    // Per server ("bob:5000"), its clients together: several may send to one (star-incast).
    struct Sum
    {
        double acked = 0, sent = 0;
        bool completed = true;
    };
    std::map<std::string, Sum> clients;
    for (const auto& client : run.summary.at("apps"))
    {
        if (client.at("type") == "tcp-client")
        {
            Sum& sum = clients[client.at("peer").get<std::string>()];
            sum.acked += client.at("bytes_acked").get<double>();
            sum.sent += client.at("bytes_sent").get<double>();
            sum.completed = sum.completed && client.at("completed").get<bool>();
        }
    }
    for (const auto& server : run.summary.at("apps"))
    {
        std::string peer = server.at("node").get<std::string>() + ":" +
                           (server.contains("port") ? std::to_string(server.at("port").get<int>()) : "");
        if (server.at("type") != "tcp-server" || !clients.count(peer))
        {
            continue;
        }
        // What TCP acknowledged arrived; completed transfers delivered everything.
        const Sum& sum = clients[peer];
        EXPECT_GE(server.at("bytes_received").get<double>(), sum.acked) << peer;
        if (sum.completed)
        {
            EXPECT_EQ(server.at("bytes_received").get<double>(), sum.sent) << peer;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Shipped,
                         ShippedScenario,
                         ::testing::Values("tcp-vs-udp.ini", "wifi-cell.ini", "lan-wifi-router.ini", "socket-lesson.ini",
                                           "one-lost-segment.ini", "bursty-loss.ini", "fragmentation.ini",
                                           "jitter-reorder.ini", "bottleneck-queue.ini", "duplicate-corrupt.ini",
                                           "wifi-retries.ini", "byte-stream.ini", "voice-tcp-vs-udp.ini",
                                           "multihomed.ini", "multicast.ini", "dumbbell-flows.ini",
                                           "star-incast.ini", "campus.ini", "fat-tree.ini", "link-failure.ini",
                                           "rip-reroute.ini", "walk-away.ini"), // lab 7: labs-test (servers that must hear nothing)
                         [](const auto& info) {
                             std::string name = info.param.substr(0, info.param.find('.'));
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(TcpVsUdp, LossShowsInTheReceiverPcapOnlyAndTcpRetransmits)
{
    Results run(Scenario("tcp-vs-udp.ini"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto voice = App(run.summary, "voice");
    auto sink = App(run.summary, "voice-sink");
    // 8 s of 160 B every 20 ms.
    EXPECT_EQ(voice.at("packets_sent"), 400);
    int received = sink.at("packets_received");
    int lost = sink.at("packets_lost");
    EXPECT_EQ(received + lost, 400);
    // 2 % of 400: mean 8, standard deviation 2.8; allow 4 of them.
    EXPECT_GE(lost, 1);
    EXPECT_LE(lost, 19);
    EXPECT_EQ(App(run.summary, "file-sink").at("bytes_received"), 2000000);
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    // Loss is drawn at the receiver: alice's capture has every datagram, bob's only those that arrived.
    EXPECT_EQ(CountFrames(run.dir / "alice-eth0.pcap", "udp.dstport == 6000"), 400u);
    EXPECT_EQ(CountFrames(run.dir / "bob-eth0.pcap", "udp.dstport == 6000"), static_cast<size_t>(received));
    // nslab's dissector reads the header of every datagram that arrived.
    EXPECT_EQ(CountFrames(run.dir / "bob-eth0.pcap", "nslab.seq && udp"), static_cast<size_t>(received));
    EXPECT_GT(CountFrames(run.dir / "alice-eth0.pcap", "tcp.analysis.retransmission"), 0u);
}

TEST(Determinism, SameSeedAndRunGiveIdenticalBytesAnotherRunDiffers)
{
    std::string scenario = Scenario("tcp-vs-udp.ini");
    Results a(scenario), b(scenario), c(scenario, "--run 2");
    ASSERT_EQ(a.outcome.status, 0);
    ASSERT_EQ(b.outcome.status, 0);
    ASSERT_EQ(c.outcome.status, 0);
    for (std::string file : {"summary.json", "scenario.ini", "alice-eth0.pcap", "bob-eth0.pcap"})
    {
        EXPECT_EQ(Slurp(a.dir / file), Slurp(b.dir / file)) << file;
    }
    EXPECT_NE(Slurp(a.dir / "bob-eth0.pcap"), Slurp(c.dir / "bob-eth0.pcap"));
    EXPECT_EQ(c.summary.at("run"), 2);
    EXPECT_NE(App(a.summary, "voice-sink").dump(), App(c.summary, "voice-sink").dump());
}

TEST(Ethernet, LongCableCarriesTcpNearLineRate)
{
    Results run(std::string(NSLAB_SOURCE_DIR) + "/tests/data/long-cable.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    double bytes = App(run.summary, "bulk-sink").at("bytes_received");
    double mbps = bytes * 8 / 10 / 1e6; // the transfer runs from 1 s to the end, 11 s
    EXPECT_GT(mbps, 80) << mbps;
    EXPECT_LT(mbps, 100) << mbps;
    // A long cable, not a slow one: the probe's one-way latency is the 20 ms
    // propagation plus the serialization of its 100 + 8 + 20 + 14 B frame, the
    // FCS (4), preamble (8) and inter-frame gap (12) at 100 Mbit/s.
    auto probe = App(run.summary, "probe-sink");
    EXPECT_NEAR(probe.at("latency_min_s").get<double>(), 0.020 + (142 + 24) * 8 / 100e6, 1e-9);
}

TEST(Pcaps, LinkTypesMatchTheLinks)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    Results wired(Scenario("lan-wifi-router.ini"));
    Results wire(Scenario("socket-lesson.ini"));
    ASSERT_EQ(wired.outcome.status, 0);
    ASSERT_EQ(wire.outcome.status, 0);
    auto encap = [](const std::string& pcap) { return Shell("capinfos -E " + pcap).out; };
    EXPECT_NE(encap(wired.dir / "server-eth0.pcap").find("Ethernet"), std::string::npos);
    EXPECT_NE(encap(wired.dir / "router-wlan0.radio.pcap").find("IEEE 802.11 plus radiotap radio header"),
              std::string::npos);
    EXPECT_NE(encap(wired.dir / "router-wlan0.pcap").find("Ethernet"), std::string::npos); // the host's view
    EXPECT_NE(encap(wire.dir / "alice-ppp0.pcap").find("PPP"), std::string::npos);
    // The router forwards: a segment to the laptop leaves the LAN with TTL 64 and crosses the air with 63.
    EXPECT_GT(CountFrames(wired.dir / "server-eth0.pcap", "ip.dst == 10.0.2.2 && ip.ttl == 64"), 0u);
    EXPECT_GT(CountFrames(wired.dir / "laptop-wlan0.pcap", "ip.dst == 10.0.2.2 && ip.ttl == 63"), 0u);
}

TEST(Ethernet, OneSegmentJoinsAnyNumberOfHosts)
{
    Results run(std::string(NSLAB_SOURCE_DIR) + "/tests/data/three-on-a-lan.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "file-sink").at("bytes_received"), 500000);
    EXPECT_EQ(App(run.summary, "ping-sink").at("packets_received"), 40);
    EXPECT_EQ(run.summary.at("interfaces").size(), 3u);
    EXPECT_EQ(run.summary.at("interfaces")[2].at("address"), "10.0.1.3/24");
    if (HaveTshark())
    {
        // A shared segment: bob hears alice's ARP broadcast for carol.
        EXPECT_GT(CountFrames(run.dir / "bob-eth0.pcap", "arp.src.proto_ipv4 == 10.0.1.1 && arp.dst.proto_ipv4 == 10.0.1.3"), 0u);
    }
}

TEST(Links, MtuAndSubnetKeysShapeThePackets)
{
    Results run(Scenario("tcp-vs-udp.ini"), "--set link.lan.mtu=576 --set link.lan.subnet=192.168.7.0/24 --set link.lan.loss=0");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "file-sink").at("bytes_received"), 2000000);
    EXPECT_EQ(run.summary.at("interfaces")[0].at("address"), "192.168.7.1/24");
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    // The default MSS follows the MTU: 576 - 20 (IP) - 20 (TCP) - 12 (timestamps) = 524.
    std::string lengths = Tshark(run.dir / "alice-eth0.pcap", "-Y 'tcp.len > 0' -T fields -e tcp.len");
    std::istringstream in(lengths);
    int longest = 0, segments = 0;
    for (int len; in >> len; ++segments)
    {
        longest = std::max(longest, len);
    }
    EXPECT_EQ(longest, 524);
    EXPECT_GT(segments, 2000000 / 524);
    EXPECT_EQ(CountFrames(run.dir / "alice-eth0.pcap", "ip.src == 192.168.7.0/24 && ip.dst == 192.168.7.0/24"),
              CountFrames(run.dir / "alice-eth0.pcap", "ip"));
}

TEST(Wifi, DistanceDecidesWhetherTheCellWorks)
{
    Results near(Scenario("wifi-cell.ini"));
    Results far(Scenario("wifi-cell.ini"), "--set link.air.distance=100m");
    ASSERT_EQ(near.outcome.status, 0) << near.outcome.err;
    ASSERT_EQ(far.outcome.status, 0) << far.outcome.err;
    EXPECT_EQ(App(near.summary, "upload-sink").at("bytes_received"), 1000000);
    EXPECT_EQ(App(near.summary, "stream-sink").at("packets_received"), 300);
    // 100 m is beyond what ns-3's log-distance path loss leaves of an 802.11n signal.
    EXPECT_EQ(App(far.summary, "upload-sink").at("bytes_received"), 0);
    EXPECT_EQ(App(far.summary, "stream-sink").at("packets_received"), 0);
    // The stations say so: in summary.json, and as a warning on the terminal.
    for (const auto& iface : near.summary.at("interfaces"))
    {
        EXPECT_EQ(iface.contains("associated"), iface.at("node") != "ap") << iface.dump();
        EXPECT_TRUE(iface.value("associated", true)) << iface.dump();
    }
    for (const auto& iface : far.summary.at("interfaces"))
    {
        EXPECT_FALSE(iface.value("associated", false)) << iface.dump();
    }
    Outcome text = Nslab("run " + Scenario("wifi-cell.ini") + " --set link.air.distance=100m --out " + far.dir.Path());
    EXPECT_NE(text.out.find("warning: alice.wlan0 is not associated with ap at the end of the run (802.11n at 100m)"),
              std::string::npos)
        << text.out;
}

TEST(Wifi, FrameLossIsMostlyHiddenByLinkLayerRetries)
{
    // 30 % of the frames lost at every receiving PHY: the 802.11 MAC retries
    // (and ns-3.37 would crash on partly lost A-MPDUs, which nslab avoids).
    Results run(Scenario("wifi-cell.ini"), "--set link.air.loss=30%");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "upload-sink").at("bytes_received"), 1000000);
    EXPECT_GE(App(run.summary, "stream-sink").at("packets_received").get<int>(), 290);
    if (HaveTshark())
    {
        EXPECT_GT(CountFrames(run.dir / "ap-wlan0.radio.pcap", "wlan.fc.retry == 1"), 100u);
    }
}

TEST(Determinism, AnotherSeedGivesOtherOutcomes)
{
    Results one(Scenario("tcp-vs-udp.ini"));
    Results two(Scenario("tcp-vs-udp.ini"), "--seed 2");
    ASSERT_EQ(two.outcome.status, 0) << two.outcome.err;
    EXPECT_EQ(two.summary.at("seed"), 2);
    EXPECT_NE(Slurp(one.dir / "bob-eth0.pcap"), Slurp(two.dir / "bob-eth0.pcap"));
}

TEST(Determinism, TheResolvedScenarioReproducesTheRun)
{
    Results first(Scenario("tcp-vs-udp.ini"), "--seed 3 --run 2 --set link.lan.loss=4%");
    ASSERT_EQ(first.outcome.status, 0) << first.outcome.err;
    Results again(first.dir / "scenario.ini");
    ASSERT_EQ(again.outcome.status, 0) << again.outcome.err;
    EXPECT_EQ(again.summary.at("seed"), 3);
    EXPECT_EQ(again.summary.at("run"), 2);
    EXPECT_EQ(Slurp(first.dir / "summary.json"), Slurp(again.dir / "summary.json"));
    EXPECT_EQ(Slurp(first.dir / "bob-eth0.pcap"), Slurp(again.dir / "bob-eth0.pcap"));
}

TEST(Dissector, TcpKeepsItsOwnInfoAndNslabIsAppended)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    Results run(Scenario("tcp-vs-udp.ini"), "--set link.lan.loss=0");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    // The client's FIN rides on its last data segment: both must show.
    auto rows = Fields(run.dir / "alice-eth0.pcap", "tcp.flags.fin == 1 && tcp.len > 0", "-e _ws.col.Info");
    ASSERT_EQ(rows.size(), 1u);
    std::string info;
    for (const auto& cell : rows[0])
    {
        info += cell + ",";
    }
    EXPECT_NE(info.find("[FIN, ACK]"), std::string::npos) << info;
    EXPECT_NE(info.find("Seq="), std::string::npos) << info;
    EXPECT_NE(info.find("| nslab seq="), std::string::npos) << info;
}

} // namespace

TEST(ResultsFolder, ARunReplacesAnEarlierRunsResultsAndNothingElse)
{
    TempDir dir;
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --quiet --out " + dir.Path()).status, 0);
    std::filesystem::create_directory(dir / "plots");
    std::ofstream(dir / "plots/file.png") << "an old plot";
    std::ofstream(dir / "notes.txt") << "the user's own file";
    // Another scenario into the same folder: nothing of the first may stay
    // beside the new summary (other nodes' pcaps, other apps' CSVs, plots).
    ASSERT_EQ(Nslab("run " + Scenario("window-rtt.ini") + " --quiet --out " + dir.Path()).status, 0);
    std::vector<std::string> files;
    for (const auto& entry : std::filesystem::directory_iterator(dir.Path()))
    {
        files.push_back(entry.path().filename().string());
    }
    std::sort(files.begin(), files.end());
    // .lock: one run at a time; .nslab-files: what this run created, all a rerun removes.
    EXPECT_EQ(files, (std::vector<std::string>{".lock", ".nslab-files", "alice-ppp0.pcap", "bob-ppp0.pcap", "drops.csv", "file-sink.throughput.csv",
                                               "file.tcp.csv", "file.throughput.csv", "notes.txt", "report.html",
                                               "scenario.ini", "summary.json"}));
    // A folder no run wrote keeps its files.
    TempDir other;
    std::ofstream(other / "capture.pcap") << "not nslab's";
    ASSERT_EQ(Nslab("run " + Scenario("window-rtt.ini") + " --quiet --out " + other.Path()).status, 0);
    EXPECT_EQ(Slurp(other / "capture.pcap"), "not nslab's");
    // A user's own scenario.ini marks no run, and the results would replace it: refused.
    TempDir lab;
    std::filesystem::copy_file(Scenario("window-rtt.ini"), lab / "scenario.ini");
    std::ofstream(lab / "measurements.csv") << "the user's own data";
    Outcome mine = Nslab("run " + (lab / "scenario.ini") + " --quiet --out " + lab.Path());
    EXPECT_EQ(mine.status, 2);
    EXPECT_EQ(mine.err, "--out: " + (lab / "scenario.ini") +
                            " is not one a run wrote, and the results would replace it: choose another folder\n");
    EXPECT_EQ(Slurp(lab / "scenario.ini"), Slurp(Scenario("window-rtt.ini")));
    EXPECT_EQ(Slurp(lab / "measurements.csv"), "the user's own data");
}
