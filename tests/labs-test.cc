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
