// The teaching labs (docs/labs/): each lab's expected observations, asserted
// on a run of its scenario, so that a handout never promises what the
// simulator does not show.
#include "test-util.h"

#include <gtest/gtest.h>

#include <cmath>

using namespace nslab::test;

namespace
{

constexpr double kZ95 = 1.96;

/** Runs a shipped scenario with extra arguments. */
struct LabRun : Results
{
    LabRun(const std::string& scenario, const std::string& args = "")
        : Results(Slurp(Scenario(scenario)), args)
    {
    }
};

double
Number(const nlohmann::json& app, const std::string& key)
{
    return app.at(key).get<double>();
}

/** \return the UDP server's share of datagrams lost, of those whose fate is known. */
double
LossRatio(const nlohmann::json& server)
{
    return Number(server, "packets_lost") / Number(server, "packets_resolved");
}

} // namespace

TEST(Lab1TcpVsUdp, TcpRepairsWhatUdpLoses)
{
    LabRun clean("tcp-vs-udp.ini", "--set link.lan.loss=0%");
    LabRun lossy("tcp-vs-udp.ini"); // 2 % of the frames lost
    ASSERT_EQ(lossy.outcome.status, 0) << lossy.outcome.err;
    ASSERT_EQ(clean.outcome.status, 0) << clean.outcome.err;
    // TCP: every byte arrives, at the cost of retransmissions and time.
    auto file = App(lossy.summary, "file");
    EXPECT_TRUE(file.at("completed").get<bool>());
    EXPECT_EQ(App(lossy.summary, "file-sink").at("bytes_received"), 2000000);
    EXPECT_GT(Number(file, "retransmissions"), 10);
    EXPECT_EQ(Number(App(clean.summary, "file"), "retransmissions"), 0);
    EXPECT_GT(Number(file, "completion_time_s"), 2 * Number(App(clean.summary, "file"), "completion_time_s"));
    // UDP: about 2 % of the voice datagrams never arrive, none when the cable is clean.
    auto voice = App(lossy.summary, "voice-sink");
    double n = Number(voice, "packets_resolved");
    EXPECT_NEAR(LossRatio(voice), 0.02, kZ95 * std::sqrt(0.02 * 0.98 / n));
    EXPECT_EQ(Number(App(clean.summary, "voice-sink"), "packets_lost"), 0);
}

TEST(Lab2OneLostSegment, OneFastRetransmissionOnTheLadder)
{
    LabRun run("one-lost-segment.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto file = App(run.summary, "file");
    EXPECT_EQ(Number(file, "retransmissions"), 1);
    EXPECT_EQ(Number(file, "retransmissions_fast"), 1);
    EXPECT_GE(Number(file, "duplicate_acks"), 3);
    EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 300000);
    // The two captures differ by exactly that one data segment, which the ladder marks lost.
    Outcome lost = Nslab("analyze " + run.Out("alice-ppp0.pcap") + " " + run.Out("bob-ppp0.pcap") + " --lost --json");
    ASSERT_EQ(lost.status, 0) << lost.err;
    auto frames = nlohmann::json::parse(lost.out).at("lost");
    ASSERT_EQ(frames.size(), 1u);
    EXPECT_NE(frames[0].at("what").get<std::string>().find("len=1448"), std::string::npos);
    Outcome ladder = Nslab("analyze " + run.Out("alice-ppp0.pcap") + " " + run.Out("bob-ppp0.pcap") +
                           " --lost --ladder 1 --rows 0 --out " + run.dir.Path());
    ASSERT_EQ(ladder.status, 0) << ladder.err;
    EXPECT_NE(ladder.out.find("X"), std::string::npos);
}

TEST(Lab3Segmentation, FragmentsMultiplyLoss)
{
    LabRun run("fragmentation.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    // 3 fragments: a datagram survives with (1 - 0.05)^3; one frame: with 0.95.
    auto big = App(run.summary, "big-sink"), small = App(run.summary, "small-sink");
    double nBig = Number(big, "packets_resolved"), nSmall = Number(small, "packets_resolved");
    double pBig = 1 - std::pow(0.95, 3);
    EXPECT_NEAR(LossRatio(big), pBig, kZ95 * std::sqrt(pBig * (1 - pBig) / nBig));
    EXPECT_NEAR(LossRatio(small), 0.05, kZ95 * std::sqrt(0.05 * 0.95 / nSmall));
    // TCP with mss = 536 still delivers everything, in segments no IP fragmentation touches.
    EXPECT_EQ(App(run.summary, "file-sink").at("bytes_received"), 200000);
    if (HaveTshark())
    {
        EXPECT_EQ(Lines(Tshark(run.Out("alice-eth0.pcap"), "-Y 'tcp.len > 536'")), 0u);
        EXPECT_EQ(Lines(Tshark(run.Out("alice-eth0.pcap"), "-Y 'ip.flags.mf == 1 || ip.frag_offset > 0'")),
                  3 * static_cast<size_t>(Number(App(run.summary, "big"), "packets_sent")));
    }
}

TEST(Lab4WifiVsEthernet, RetriesHideLoss)
{
    LabRun run("wifi-retries.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    // With retries: nothing lost, TCP completes without one retransmission.
    EXPECT_EQ(Number(App(run.summary, "sink-a"), "packets_lost"), 0);
    EXPECT_TRUE(App(run.summary, "file-a").at("completed").get<bool>());
    EXPECT_EQ(Number(App(run.summary, "file-a"), "retransmissions"), 0);
    // Without: about 20 % of the datagrams lost, TCP retransmits.
    auto b = App(run.summary, "sink-b");
    double n = Number(b, "packets_resolved");
    EXPECT_NEAR(LossRatio(b), 0.20, kZ95 * std::sqrt(0.2 * 0.8 / n));
    EXPECT_GT(Number(App(run.summary, "file-b"), "retransmissions"), 3);
    if (HaveTshark())
    {
        EXPECT_GT(Lines(Tshark(run.Out("ap1-wlan0.radio.pcap"), "-Y 'wlan.fc.retry == 1 && wlan.fc.type == 2'")), 100u);
    }
}

TEST(Lab5DelayAndWindow, ThroughputIsWindowOverRtt)
{
    // 64 KiB buffers: 45 whole messages of 1448 B fit. With delayed ACKs the
    // odd 45th segment of a round is acknowledged only with the next round's
    // first, so 44 new segments leave per RTT; without, all 45.
    for (double delay : {0.025, 0.050})
    {
        for (bool delack : {true, false})
        {
            LabRun run("window-rtt.ini", "--set link.wire.delay=" + std::to_string(static_cast<int>(delay * 1000)) +
                                             "ms --set app.file-sink.delack=" + (delack ? "true" : "false"));
            ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
            double rtt = Number(App(run.summary, "file"), "rtt_min_s");
            EXPECT_NEAR(rtt, 2 * delay, 0.0002);
            double model = (delack ? 44 : 45) * 1448 * 8 / rtt;
            double goodput = Number(App(run.summary, "file-sink"), "goodput_bps");
            EXPECT_NEAR(goodput / model, 1.0, 0.02) << "delay " << delay << ", delack " << delack;
        }
    }
}

TEST(Lab6BurstyVsRandom, SameRateFewerLongerGaps)
{
    LabRun run("bursty-loss.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto random = App(run.summary, "sink-b"), bursty = App(run.summary, "sink-d");
    double n = Number(random, "packets_resolved");
    EXPECT_NEAR(LossRatio(random), 0.05, kZ95 * std::sqrt(0.05 * 0.95 / n));
    // Gilbert-Elliott: r = 1/5, p = 0.05 r / 0.95; the loss rate varies (1+rho)/(1-rho) times more.
    double r = 0.2, p = 0.05 * r / 0.95, rho = 1 - p - r;
    EXPECT_NEAR(LossRatio(bursty), 0.05, kZ95 * std::sqrt(0.05 * 0.95 / n * (1 + rho) / (1 - rho)));
    // Random loss: runs of 1/(1-p) = 1.05 datagrams; bursts: of 5 (geometric, 1/r).
    EXPECT_NEAR(Number(random, "loss_run_mean"), 1 / 0.95, 0.05);
    double runs = Number(bursty, "loss_runs");
    EXPECT_NEAR(Number(bursty, "loss_run_mean"), 1 / r, kZ95 * std::sqrt((1 - r) / (r * r) / runs));
    EXPECT_LT(runs, Number(random, "loss_runs") / 3);
}

TEST(Lab7PingBroadcastMulticast, PingTracerouteBroadcastAndGroups)
{
    LabRun run("lab7-ping-broadcast-multicast.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    // ping: 5 of 5; the shortest round trip is the wires' (two 1 ms cables
    // each way, each after a 98 + 24 B transmission at 100 Mbit/s) plus the air.
    auto ping = App(run.summary, "ping");
    EXPECT_EQ(ping.at("packets_sent"), 5);
    EXPECT_EQ(ping.at("packets_received"), 5);
    double wires = 2 * (2 * 0.001 + 2 * 122 * 8 / 100e6);
    EXPECT_GT(Number(ping, "rtt_min_s"), wires);
    EXPECT_LT(Number(ping, "rtt_min_s"), 0.0043);
    // traceroute: the router (its address on the cell's side), then the server.
    auto trace = App(run.summary, "trace");
    const auto& hops = trace.at("hops");
    ASSERT_EQ(hops.size(), 2u);
    EXPECT_EQ(hops[0].at("address"), "10.0.2.1");
    EXPECT_EQ(hops[0].at("answer"), "time-exceeded");
    EXPECT_EQ(hops[1].at("address"), "10.0.1.1");
    EXPECT_EQ(hops[1].at("answer"), "echo-reply");
    // Broadcast: every host of the LAN, none in the cell.
    EXPECT_EQ(App(run.summary, "printer-hello").at("packets_received"), 10);
    EXPECT_EQ(App(run.summary, "router-hello").at("packets_received"), 10);
    EXPECT_EQ(App(run.summary, "laptop-hello").at("packets_received"), 0);
    // Multicast: members only, also behind the router that forwards the group.
    EXPECT_EQ(App(run.summary, "phone-tv").at("packets_received"), 40);
    EXPECT_EQ(App(run.summary, "printer-tv").at("packets_received"), 40);
    EXPECT_EQ(App(run.summary, "laptop-tv").at("packets_received"), 0);
    if (HaveTshark())
    {
        std::string laptop = run.Out("laptop-wlan0.pcap");
        EXPECT_EQ(Lines(Tshark(laptop, "-Y 'icmp.type == 11'")), 3u);
        EXPECT_EQ(Lines(Tshark(laptop, "-Y 'ip.dst == 10.0.1.255'")), 0u);
        EXPECT_EQ(Lines(Tshark(laptop, "-Y 'ip.dst == 239.1.1.1 && ip.ttl == 63'")), 40u);
        EXPECT_EQ(Lines(Tshark(run.Out("printer-eth0.pcap"), "-Y 'ip.dst == 10.0.1.255'")), 10u);
    }
}

namespace
{

/** \return what a node's IP, ARP and MAC layers dropped for a cause, from the summary's hosts. */
double
HostDrops(const nlohmann::json& summary, const std::string& node, const std::string& cause)
{
    for (const auto& host : summary.at("hosts"))
    {
        if (host.at("node") == node)
        {
            return host.at("dropped_by_cause").value(cause, 0.0);
        }
    }
    return 0;
}

/** \return the capture times (s) of a pcap's frames that match a display filter. */
std::vector<double>
Times(const std::string& pcap, const std::string& filter)
{
    std::vector<double> times;
    std::istringstream lines(Tshark(pcap, "-Y '" + filter + "' -T fields -e frame.time_epoch"));
    for (std::string line; std::getline(lines, line);)
    {
        times.push_back(std::stod(line));
    }
    return times;
}

} // namespace

// Lab 9, part 1: a cable cut from 4 s to 8 s. Nothing crosses; the voice
// stream comes back with the cable, TCP only when its backed-off timer fires.
TEST(Lab9ChangingNetworks, TcpWaitsOutItsBackoffAfterARepair)
{
    LabRun run("link-failure.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 10000000);
    EXPECT_EQ(HostDrops(run.summary, "client", "ipv4: no route"), 2);
    // The voice client's sends failed while the interface was down: 4 s of 50 datagrams a second.
    EXPECT_NEAR(Number(App(run.summary, "voice"), "packets_sent"), 950 - 200, 2);
    EXPECT_EQ(App(run.summary, "voice").at("error"), "EHOSTUNREACH");
    if (!HaveTshark())
    {
        return;
    }
    auto server = run.Out("server-ppp0.pcap"), client = run.Out("client-ppp0.pcap");
    auto arrivals = Times(server, "ip");
    EXPECT_EQ(std::count_if(arrivals.begin(), arrivals.end(), [](double t) { return t > 4.0 && t < 8.0; }), 0);
    auto voice = Times(server, "udp.dstport == 6000 && frame.time_epoch > 8");
    ASSERT_FALSE(voice.empty());
    EXPECT_LT(voice.front(), 8.05);
    // The timer fired at about 5 s and 7 s (no route), then waited 4 s: the first retransmission seen is at 11 s.
    auto retransmissions = Times(client, "tcp.analysis.retransmission && frame.time_epoch > 4");
    ASSERT_FALSE(retransmissions.empty());
    EXPECT_NEAR(retransmissions.front(), 11.0, 0.1);
    auto data = Times(server, "tcp.len > 0 && frame.time_epoch > 8");
    ASSERT_FALSE(data.empty());
    EXPECT_GT(data.front(), 10.9);
}

// Lab 9, part 2: RIP reroutes around the failed fast link at r2's next update.
TEST(Lab9ChangingNetworks, RipFindsTheBackupPath)
{
    LabRun rip("rip-reroute.ini");
    ASSERT_EQ(rip.outcome.status, 0) << rip.outcome.err;
    auto sink = App(rip.summary, "sink");
    // 290 probes from 1 s to 30 s; those of the outage (at most one 5 s update period) are lost at r1.
    EXPECT_EQ(Number(sink, "packets_received") + Number(sink, "packets_lost"), 290);
    EXPECT_GT(Number(sink, "packets_lost"), 0);
    EXPECT_LE(Number(sink, "packets_lost"), 55);
    EXPECT_EQ(Number(sink, "packets_lost"), HostDrops(rip.summary, "r1", "ipv4: no route"));
    // Fast link: 2 ms + 248 B at 100 Mbit/s and twice at the LANs' 100 Mbit/s; backup: 2 x (10 ms + 246 B at 10 Mbit/s).
    EXPECT_NEAR(Number(sink, "latency_min_s"), 0.00206, 0.00002);
    EXPECT_NEAR(Number(sink, "latency_max_s"), 0.0204, 0.0002);
    if (HaveTshark())
    {
        auto via = Times(rip.Out("r2-ppp0.pcap"), "udp.dstport == 6000");
        ASSERT_FALSE(via.empty());
        EXPECT_GT(via.front(), 15.0);
        EXPECT_LT(via.front(), 21.0);
    }
    LabRun oracle("rip-reroute.ini", "--set routing=static");
    ASSERT_EQ(oracle.outcome.status, 0) << oracle.outcome.err;
    EXPECT_EQ(App(oracle.summary, "sink").at("packets_received"), 290);
    LabRun fixed("rip-reroute.ini", "--set routing=fixed");
    ASSERT_EQ(fixed.outcome.status, 0) << fixed.outcome.err;
    EXPECT_EQ(App(fixed.summary, "sink").at("packets_received"), 140); // 1 s to 15 s only
}

// Lab 9, part 3: Minstrel-HT slows down as the laptop walks away, until nothing is heard.
TEST(Lab9ChangingNetworks, RateFallsAsTheLaptopWalksAway)
{
    LabRun run("walk-away.ini");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto csv = run.Out("sink.throughput.csv");
    double near = MeanThroughput(csv, 1, 7), mid = MeanThroughput(csv, 10, 14), far = MeanThroughput(csv, 17, 20);
    EXPECT_GT(near, 55e6);
    EXPECT_LT(mid, 0.75 * near);
    EXPECT_GT(mid, 0.4 * near);
    EXPECT_EQ(far, 0);
    EXPECT_LT(MeanThroughput(csv, 17, 20), 0.3 * MeanThroughput(csv, 0.5, 3.5));
    if (HaveTshark())
    {
        // The laptop's data frames on the air: mostly MCS 7 (65 Mbit/s) near the access point, slower far from it
        // (Minstrel still probes faster modes now and then).
        auto meanRate = [&](double from, double to) {
            std::istringstream rates(Tshark(run.Out("laptop-wlan0.radio.pcap"),
                                            "-Y 'wlan.fc.type == 2 && wlan.ta != wlan.bssid && frame.time_epoch >= " +
                                                std::to_string(from) + " && frame.time_epoch < " + std::to_string(to) +
                                                "' -T fields -e wlan_radio.data_rate"));
            double sum = 0, n = 0;
            for (double rate; rates >> rate; ++n)
            {
                sum += rate;
            }
            return n ? sum / n : 0;
        };
        EXPECT_GT(meanRate(1, 3), 60);
        EXPECT_LT(meanRate(12, 14), 45);
    }
}
