// netem's impairments inside the simulator, checked against what theory
// says the scenario must show: (1-p)^k for fragments, Gilbert-Elliott loss
// rates and burst lengths, exactly one retransmission for one dropped
// segment, delays to the microsecond, and jitter distributions.
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

using namespace nslab::test;

namespace
{

constexpr double kZ95 = 1.96;

/** Alice sends UDP datagrams to bob over one link; the caller adds keys and sections. */
std::string
UdpScenario(const std::string& link, const std::string& client, const std::string& more = "")
{
    return "duration = 30s\n[link.lan]\nnodes = alice bob\n" + link +
           "\n[app.probe]\ntype = udp-client\nnode = alice\npeer = bob:6000\nstart = 1s\n" + client +
           "\n[app.sink]\ntype = udp-server\nnode = bob\nport = 6000\n" + more;
}

/** One-way latencies of every datagram, from the server's CSV. */
std::vector<double>
Latencies(const Results& run, const std::string& server)
{
    std::istringstream lines(Slurp(run.Out(server + ".latency.csv")));
    std::vector<double> latencies;
    std::string line;
    std::getline(lines, line); // header
    while (std::getline(lines, line))
    {
        latencies.push_back(std::stod(line.substr(line.rfind(',') + 1)));
    }
    return latencies;
}

/** Kolmogorov-Smirnov distance between a sample and a distribution function. */
template <class Cdf>
double
KsDistance(std::vector<double> sample, Cdf cdf)
{
    std::sort(sample.begin(), sample.end());
    double n = static_cast<double>(sample.size()), d = 0;
    for (size_t i = 0; i < sample.size(); ++i)
    {
        double f = cdf(sample[i]);
        d = std::max({d, std::abs(f - i / n), std::abs((i + 1) / n - f)});
    }
    return d;
}

/**
 * 5000 datagrams in 3 fragments each, 5 % of alice's frames lost: a datagram
 * arrives with probability (1-p)^3, frames are lost at p, bob's are not.
 * \return the frames dropped
 */
double
ExpectEveryFragmentNeeded(const Results& run)
{
    auto sink = App(run.summary, "sink");
    double received = sink.at("packets_received"), lost = sink.at("packets_lost");
    double n = received + lost, expected = std::pow(0.95, 3);
    EXPECT_GT(n, 4900);
    EXPECT_NEAR(received / n, expected, kZ95 * std::sqrt(expected * (1 - expected) / n));
    auto ab = Direction(run.summary, "alice", "bob");
    double frames = ab.at("frames"), dropped = ab.at("dropped_by_cause").at("random");
    EXPECT_EQ(frames, 3 * 5000.0);
    EXPECT_NEAR(dropped / frames, 0.05, kZ95 * std::sqrt(0.05 * 0.95 / frames));
    EXPECT_EQ(DirectionOrIdle(run.summary, "bob", "alice").at("dropped"), 0);
    return dropped;
}

} // namespace

TEST(Impairments, FragmentedDatagramsNeedEveryFragment)
{
    // 4000-byte datagrams over MTU 1500 travel as 3 fragments; each frame is
    // lost with p = 5 %, so a datagram arrives with probability (1-p)^3.
    Results run(UdpScenario("type = ethernet\nrate = 100Mbps\ndelay = 1ms\n[link.lan.alice->bob]\nloss = 5%\n",
                            "size = 4000B\ninterval = 5ms\ncount = 5000\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    double dropped = ExpectEveryFragmentNeeded(run);
    if (HaveTshark())
    {
        // Fragments in the pcaps: the sender shows them all, the receiver all but the dropped.
        std::string fragments = "-Y 'ip.flags.mf == 1 || ip.frag_offset > 0'";
        EXPECT_EQ(Lines(Tshark(run.Out("alice-eth0.pcap"), fragments)), 15000u);
        EXPECT_EQ(Lines(Tshark(run.Out("bob-eth0.pcap"), fragments)), 15000u - static_cast<size_t>(dropped));
    }
}

TEST(Impairments, GilbertElliottGivesTheLossRateAndBurstLength)
{
    // loss = 5 %, mean burst 5: r = 1/5, p = 0.05 r / 0.95. Loss follows the
    // two-state chain, so the loss rate's variance grows by (1+rho)/(1-rho)
    // with rho = 1 - p - r; bursts are geometric with mean 1/r.
    Results run(UdpScenario("type = p2p\nrate = 10Mbps\ndelay = 1ms\n[link.lan.alice->bob]\nloss = 5%\nloss_burst = 5\n",
                            "size = 100B\ninterval = 1ms\ncount = 25000\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto sink = App(run.summary, "sink");
    double received = sink.at("packets_received"), lost = sink.at("packets_lost");
    double n = received + lost, r = 0.2, p = 0.05 * r / 0.95, rho = 1 - p - r;
    EXPECT_NEAR(lost / n, 0.05, kZ95 * std::sqrt(0.05 * 0.95 / n * (1 + rho) / (1 - rho)));
    double runs = sink.at("loss_runs");
    EXPECT_NEAR(sink.at("loss_run_mean").get<double>(), 1 / r, kZ95 * std::sqrt((1 - r) / (r * r) / runs));
    EXPECT_EQ(Direction(run.summary, "alice", "bob").at("dropped_by_cause").at("burst"), lost);
}

TEST(Impairments, OneDroppedSegmentIsRetransmittedOnce)
{
    Results run("duration = 10s\n[link.wire]\ntype = p2p\nnodes = alice bob\nrate = 10Mbps\ndelay = 10ms\n"
                "[link.wire.alice->bob]\ndrop = 20\n"
                "[app.file]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 300KB\n"
                "[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto ab = Direction(run.summary, "alice", "bob");
    EXPECT_EQ(ab.at("dropped"), 1);
    EXPECT_EQ(ab.at("dropped_by_cause").at("list"), 1);
    EXPECT_EQ(App(run.summary, "file").at("retransmissions"), 1);
    EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 300000);
    if (HaveTshark())
    {
        std::string retransmitted = "-Y 'tcp.analysis.retransmission || tcp.analysis.fast_retransmission'";
        EXPECT_EQ(Lines(Tshark(run.Out("alice-ppp0.pcap"), retransmitted)), 1u);
        // The receiver never saw the 20th data segment's first copy.
        std::string data = "-Y 'tcp.len > 0 && tcp.srcport != 5000'";
        EXPECT_EQ(Lines(Tshark(run.Out("alice-ppp0.pcap"), data)), Lines(Tshark(run.Out("bob-ppp0.pcap"), data)) + 1);
    }
}

TEST(Impairments, MinimumLatencyIsPropagationPlusSerialization)
{
    // A direction with its own rate and delay: 1000-byte datagrams are
    // 1028 B of IP and 1030 B of PPP frame, 4.12 ms at 2 Mbit/s.
    Results run(UdpScenario("type = p2p\nrate = 10Mbps\ndelay = 2ms\n[link.lan.alice->bob]\ndelay = 7ms\nrate = 2Mbps\n",
                            "size = 1000B\ninterval = 50ms\ncount = 100\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    double expected = 0.007 + 1030 * 8 / 2e6;
    EXPECT_NEAR(App(run.summary, "sink").at("latency_min_s").get<double>(), expected, 1e-6);

    // Ethernet: the frame adds 14 B of header, and its FCS, preamble and gap take 24 B of wire time.
    Results lan(UdpScenario("type = ethernet\nrate = 100Mbps\ndelay = 3ms\n[link.lan.alice->bob]\ndelay = 12ms\n",
                            "size = 500B\ninterval = 50ms\ncount = 100\n"));
    ASSERT_EQ(lan.outcome.status, 0) << lan.outcome.err;
    EXPECT_NEAR(App(lan.summary, "sink").at("latency_min_s").get<double>(), 0.012 + 566 * 8 / 100e6, 1e-6);
}

TEST(Impairments, JitterFollowsItsDistribution)
{
    // 20 ms +- 4 ms; reordering allowed, so each datagram's delay is its own draw.
    const double delay = 0.020, jitter = 0.004, serialization = 130 * 8 / 100e6;
    const double shape = 3, scale = 1 / std::sqrt(shape / ((shape - 1) * (shape - 1) * (shape - 2)));
    const double mean = shape * scale / (shape - 1);
    struct Case
    {
        std::string name;
        std::function<double(double)> cdf; // of (latency - delay) / jitter
    } cases[] = {
        {"uniform", [](double x) { return std::clamp((x + 1) / 2, 0.0, 1.0); }},
        {"normal", [](double x) { return 0.5 * std::erfc(-x / std::sqrt(2)); }},
        {"pareto", [&](double x) { return x + mean < scale ? 0 : 1 - std::pow(scale / (x + mean), shape); }},
    };
    for (const auto& c : cases)
    {
        Results run(UdpScenario("type = p2p\nrate = 100Mbps\ndelay = 20ms\njitter = 4ms\nreorder = true\n"
                                "distribution = " + c.name + "\n",
                                "size = 100B\ninterval = 10ms\ncount = 2000\n"));
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        auto latencies = Latencies(run, "sink");
        ASSERT_EQ(latencies.size(), 2000u);
        for (double& l : latencies)
        {
            l = (l - delay - serialization) / jitter;
        }
        // Kolmogorov-Smirnov at 95 %: D < 1.36 / sqrt(n).
        EXPECT_LT(KsDistance(latencies, c.cdf), 1.36 / std::sqrt(2000.0)) << c.name;
    }
}

TEST(Impairments, ReorderingOnlyWhenAllowed)
{
    // Datagrams every 1 ms with +- 5 ms of jitter overtake each other unless reordering is off.
    for (bool reorder : {true, false})
    {
        Results run(UdpScenario("type = p2p\nrate = 100Mbps\ndelay = 10ms\njitter = 5ms\nreorder = " +
                                    std::string(reorder ? "true" : "false") + "\n",
                                "size = 100B\ninterval = 1ms\ncount = 2000\n"));
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        auto sink = App(run.summary, "sink");
        EXPECT_EQ(sink.at("packets_received"), 2000);
        if (reorder)
        {
            EXPECT_GT(sink.at("packets_reordered"), 200);
        }
        else
        {
            EXPECT_EQ(sink.at("packets_reordered"), 0);
        }
    }
}

TEST(Impairments, DuplicationAndCorruptionAreCountedWhereTheyHappen)
{
    Results run(UdpScenario("type = ethernet\nrate = 100Mbps\ndelay = 1ms\n[link.lan.alice->bob]\n"
                            "duplicate = 10%\ncorrupt = 3%\n",
                            "size = 200B\ninterval = 2ms\ncount = 5000\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto sink = App(run.summary, "sink");
    auto ab = Direction(run.summary, "alice", "bob");
    double duplicated = ab.at("duplicated"), corrupt = ab.at("dropped_by_cause").at("corrupt");
    double frames = ab.at("frames");
    EXPECT_EQ(frames, 5000 + duplicated);
    EXPECT_NEAR(duplicated / 5000, 0.10, kZ95 * std::sqrt(0.1 * 0.9 / 5000));
    EXPECT_NEAR(corrupt / frames, 0.03, kZ95 * std::sqrt(0.03 * 0.97 / frames));
    EXPECT_EQ(ab.at("dropped"), corrupt);
    // The server sees what survived: every datagram at least once, unless both copies were corrupted.
    double received = sink.at("packets_received"), dups = sink.at("packets_duplicated");
    EXPECT_EQ(received, frames - corrupt);
    EXPECT_EQ(received - dups + sink.at("packets_lost").get<double>() + sink.at("packets_unresolved").get<double>(),
              5000);
}

TEST(Impairments, AFullQueueDropsWhatTheRateCannotCarry)
{
    // 2 Mbit/s of datagrams into a 1 Mbit/s direction with a 20-packet queue:
    // about half is dropped at the queue, and that is all the server misses.
    Results run(UdpScenario("type = ethernet\nrate = 100Mbps\ndelay = 1ms\n[link.lan.alice->bob]\n"
                            "rate = 1Mbps\nqueue = 20\n",
                            "size = 1000B\nrate = 2Mbps\ncount = 2000\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto sink = App(run.summary, "sink");
    double queued = Direction(run.summary, "alice", "bob").at("dropped_by_cause").at("queue");
    double missing = sink.at("packets_lost").get<double>() + sink.at("packets_unresolved").get<double>();
    EXPECT_EQ(missing, queued);
    // The cable's sender transmits at the direction's rate: 1028 B of IP, 14 of
    // Ethernet header and 24 of FCS, preamble and gap at 1 Mbit/s: 117.2 datagrams per second.
    double carried = 1e6 / (1066 * 8);
    double sent = 2000, seconds = sent * 1000 * 8 / 2e6; // 8 s of sending
    EXPECT_NEAR(sink.at("packets_received").get<double>(), carried * seconds + 20, 3);
}

TEST(Impairments, MssBoundsEverySegment)
{
    Results run("duration = 10s\n[link.wire]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\ndelay = 5ms\n"
                "[app.file]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 200KB\nmss = 536\n"
                "[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 200000);
    if (HaveTshark())
    {
        auto rows = Fields(run.Out("alice-eth0.pcap"), "tcp.len > 0", "-e tcp.len");
        ASSERT_GT(rows.size(), 373u); // 200000 / 536
        size_t largest = 0;
        for (const auto& row : rows)
        {
            largest = std::max<size_t>(largest, std::stoul(row.at(0)));
        }
        EXPECT_EQ(largest, 536u);
    }
}

TEST(Impairments, WifiRetriesHideLossUnlessTurnedOff)
{
    // 20 % of the access point's data frames to alice are lost at her PHY.
    // 802.11 retries (6 by default) hide it; with none, UDP sees every loss.
    for (int retries : {6, 0})
    {
        Results run("duration = 12s\n[link.air]\ntype = wifi\nap = r1\nnodes = alice\nretries = " +
                    std::to_string(retries) + "\n[link.air.r1->alice]\nloss = 20%\n"
                    "[app.probe]\ntype = udp-client\nnode = r1\npeer = alice:6000\nsize = 500B\ninterval = 5ms\ncount = 2000\n"
                    "[app.sink]\ntype = udp-server\nnode = alice\nport = 6000\n");
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        auto sink = App(run.summary, "sink");
        auto down = Direction(run.summary, "r1", "alice");
        double frames = down.at("data_frames"), dropped = down.at("dropped_by_cause").at("random");
        EXPECT_NEAR(dropped / frames, 0.2, kZ95 * std::sqrt(0.2 * 0.8 / frames));
        EXPECT_EQ(DirectionOrIdle(run.summary, "alice", "r1").at("dropped"), 0);
        double lost = sink.at("packets_lost").get<double>() + sink.at("packets_unresolved").get<double>();
        if (retries > 0)
        {
            EXPECT_EQ(lost, 0);
            EXPECT_GT(frames, 2000 + dropped - 1); // every loss was sent again
        }
        else
        {
            EXPECT_EQ(frames, 2000);
            EXPECT_EQ(lost, dropped);
        }
    }
}

namespace
{

/** A TCP transfer over a 10 Mbit/s, 10 ms p2p wire; the caller adds app keys and link sections. */
Results
TcpRun(const std::string& clientKeys, const std::string& serverKeys = "", const std::string& more = "")
{
    return Results("duration = 10s\n[link.wire]\ntype = p2p\nnodes = alice bob\nrate = 10Mbps\ndelay = 10ms\n" + more +
                   "[app.file]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n" + clientKeys +
                   "\n[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n" + serverKeys + "\n");
}

/** \return the tcp.len of every data segment alice sent, in order, with its time. */
std::vector<std::pair<double, size_t>>
DataSegments(const Results& run)
{
    std::vector<std::pair<double, size_t>> segments;
    for (const auto& row : Fields(run.Out("alice-ppp0.pcap"), "tcp.len > 0 && tcp.dstport == 5000",
                                  "-e frame.time_relative -e tcp.len"))
    {
        segments.emplace_back(std::stod(row.at(0)), std::stoul(row.at(1)));
    }
    return segments;
}

} // namespace

TEST(TcpOptions, EveryCongestionControlRuns)
{
    for (const char* name : {"newreno", "linuxreno", "cubic", "bbr", "bic", "highspeed", "htcp", "hybla",
                             "illinois", "ledbat", "lp", "scalable", "vegas", "veno", "westwood", "yeah"})
    {
        Results run = TcpRun("bytes = 100KB\ncongestion = " + std::string(name));
        ASSERT_EQ(run.outcome.status, 0) << name << ": " << run.outcome.err;
        EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 100000) << name;
    }
}

TEST(TcpOptions, InitialWindowIsTheFirstFlight)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    // Data leaves alice 0.2 ms after the ACK of her SYN-ACK; the first ACK
    // of data is back one round trip (20 ms) later: what went before is the first flight.
    for (int window : {2, 10})
    {
        Results run = TcpRun("bytes = 200KB\ninitial_cwnd = " + std::to_string(window));
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        auto segments = DataSegments(run);
        ASSERT_FALSE(segments.empty());
        size_t flight = 0;
        while (flight < segments.size() && segments[flight].first < segments[0].first + 0.019)
        {
            ++flight;
        }
        EXPECT_EQ(flight, static_cast<size_t>(window));
    }
}

TEST(TcpOptions, DelayedAcksHalveTheAcks)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    for (bool delack : {true, false})
    {
        Results run = TcpRun("bytes = 500KB", std::string("delack = ") + (delack ? "true" : "false"));
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        double data = static_cast<double>(DataSegments(run).size());
        double acks = static_cast<double>(
            Lines(Tshark(run.Out("bob-ppp0.pcap"), "-Y 'tcp.srcport == 5000 && tcp.len == 0 && tcp.flags.syn == 0'")));
        EXPECT_NEAR(acks / data, delack ? 0.5 : 1.0, 0.03) << "delack " << delack;
    }
}

TEST(TcpOptions, SackCanBeTurnedOff)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    for (bool sack : {true, false})
    {
        std::string value = sack ? "true" : "false";
        Results run = TcpRun("bytes = 300KB\nsack = " + value, "sack = " + value, "[link.wire.alice->bob]\ndrop = 20\n");
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 300000);
        size_t permitted = Lines(Tshark(run.Out("alice-ppp0.pcap"), "-Y 'tcp.options.sack_perm'"));
        size_t blocks = Lines(Tshark(run.Out("alice-ppp0.pcap"), "-Y 'tcp.options.sack_le'"));
        EXPECT_EQ(permitted > 0, sack);
        EXPECT_EQ(blocks > 0, sack); // the receiver reports the hole after the dropped segment
    }
}

TEST(TcpOptions, MinimumRtoTimesTheTailLoss)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    // 10 segments fit the initial window; the last is dropped, and with no
    // later data to raise duplicate ACKs only the retransmission timer
    // recovers it: after the minimum RTO, since srtt + 4 rttvar is smaller.
    for (double rto : {0.2, 1.0})
    {
        Results run = TcpRun("bytes = 14480B\nmin_rto = " + std::to_string(static_cast<int>(rto * 1000)) + "ms",
                             "", "[link.wire.alice->bob]\ndrop = 10\n");
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        auto segments = DataSegments(run);
        ASSERT_EQ(segments.size(), 11u);
        double gap = segments[10].first - segments[9].first;
        EXPECT_GE(gap, rto);
        EXPECT_LT(gap, rto + 0.045) << "min_rto " << rto;
    }
}

TEST(TcpOptions, ChunkIsTheSizeOfEachSend)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    // 50000 B as messages of one MSS (1448 B: 34 whole ones and one of 768 B),
    // each passed in sends of at most 100 B: 15 per whole message, 8 for the last.
    Results run = TcpRun("bytes = 50KB\nchunk = 100B");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "file").at("send_calls"), 34 * 15 + 8);
    EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 50000);
    EXPECT_EQ(App(run.summary, "sink").at("messages_received"), 35);
    EXPECT_EQ(App(run.summary, "sink").at("malformed_bytes"), 0);
    // TCP, not the app, decides the segments: sends made while the window is
    // full are sent together, so the wire still carries full segments.
    auto segments = DataSegments(run);
    EXPECT_EQ(std::max_element(segments.begin(), segments.end(), [](auto a, auto b) { return a.second < b.second; })
                  ->second,
              1448u);
}

TEST(Ipv6, FragmentedDatagramsNeedEveryFragment)
{
    // IPv6 fragments 4000 B datagrams (4008 B with UDP) into 1448 + 1448 + 1112 B.
    Results run("ip = v6\n" + UdpScenario("type = ethernet\nrate = 100Mbps\ndelay = 1ms\n[link.lan.alice->bob]\nloss = 5%\n",
                                          "size = 4000B\ninterval = 5ms\ncount = 5000\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    ExpectEveryFragmentNeeded(run);
    if (HaveTshark())
    {
        EXPECT_EQ(Lines(Tshark(run.Out("alice-eth0.pcap"), "-Y ipv6.fraghdr")), 15000u);
        EXPECT_EQ(Lines(Tshark(run.Out("bob-eth0.pcap"), "-Y '_ws.expert.severity == error'")), 0u);
    }
}

TEST(Ipv6, TcpSegmentsFitTheMtuAndChecksumsHold)
{
    // MSS 1500 - 40 (IPv6) - 20 (TCP) - 12 (timestamps) = 1428: no fragments.
    Results run("ip = v6\nduration = 10s\n[link.wire]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\ndelay = 5ms\n"
                "[link.wire.alice->bob]\ndrop = 20\n"
                "[app.file]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 300KB\n"
                "[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 300000);
    EXPECT_EQ(App(run.summary, "file").at("retransmissions"), 1);
    EXPECT_EQ(Direction(run.summary, "alice", "bob").at("dropped_by_cause").at("list"), 1);
    EXPECT_EQ(run.summary.at("interfaces").at(1).at("address6"), "fd00:1::2/64");
    EXPECT_FALSE(run.summary.at("interfaces").at(1).contains("address"));
    if (HaveTshark())
    {
        size_t largest = 0;
        for (const auto& row : Fields(run.Out("alice-eth0.pcap"), "tcp.len > 0", "-e tcp.len"))
        {
            largest = std::max<size_t>(largest, std::stoul(row.at(0)));
        }
        EXPECT_EQ(largest, 1428u);
        EXPECT_EQ(Lines(Tshark(run.Out("alice-eth0.pcap"), "-Y ipv6.fraghdr")), 0u);
        for (const char* pcap : {"alice-eth0.pcap", "bob-eth0.pcap"})
        {
            EXPECT_EQ(Lines(Tshark(run.Out(pcap), "-Y '_ws.expert.severity == error || ip'")), 0u) << pcap;
        }
    }
}

TEST(Ipv6, DualStackClientsPickTheirVersionAndRoutersForward)
{
    // Two clients reach the same dual-stack server across a router: one over IPv4, one over IPv6.
    Results run("ip = dual\nduration = 5s\n[link.lan]\ntype = ethernet\nnodes = alice r\n[link.wan]\ntype = p2p\n"
                "nodes = r bob\n"
                "[app.v4]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 100KB\nip = v4\n"
                "[app.v6]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 100KB\n"
                "[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "sink").at("bytes_received"), 200000);
    EXPECT_EQ(App(run.summary, "sink").at("connections"), 2);
    std::string text = Slurp(run.Out("scenario.ini"));
    EXPECT_NE(text.find("[app.v4]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nip = v4\n"), std::string::npos);
    EXPECT_NE(text.find("[app.v6]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nip = v6\n"), std::string::npos);
    if (HaveTshark())
    {
        EXPECT_GT(Lines(Tshark(run.Out("bob-ppp0.pcap"), "-Y 'ip && tcp.len > 0'")), 60u);
        EXPECT_GT(Lines(Tshark(run.Out("bob-ppp0.pcap"), "-Y 'ipv6 && tcp.len > 0'")), 60u);
    }
}

TEST(Segmentation, LargeDatagramsSurviveAddressResolution)
{
    // 20 datagrams of 65000 B (45 fragments each over MTU 1500) leave within
    // 2 ms, before ARP or neighbor discovery has an answer: 900 fragments wait.
    for (const char* ip : {"v4", "v6"})
    {
        Results run("ip = " + std::string(ip) + "\n" +
                    UdpScenario("type = ethernet\nrate = 1Gbps\ndelay = 5ms\n", "size = 65000B\ninterval = 100us\ncount = 20\n"));
        ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
        EXPECT_EQ(App(run.summary, "sink").at("packets_received"), 20) << ip;
    }
}

TEST(Impairments, ASharedSegmentImpairsOnlyItsDirection)
{
    // On one Ethernet segment bob's interface also hears alice's frames to
    // carol: they are not alice->bob frames and must pass untouched.
    Results run("duration = 10s\n[link.lan]\ntype = ethernet\nnodes = alice bob carol\nrate = 100Mbps\ndelay = 1ms\n"
                "[link.lan.alice->bob]\nloss = 50%\n"
                "[app.to-carol]\ntype = udp-client\nnode = alice\npeer = carol:6000\ninterval = 10ms\ncount = 500\n"
                "[app.to-bob]\ntype = udp-client\nnode = alice\npeer = bob:6000\ninterval = 10ms\ncount = 500\n"
                "[app.carol]\ntype = udp-server\nnode = carol\nport = 6000\n"
                "[app.bob]\ntype = udp-server\nnode = bob\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    EXPECT_EQ(App(run.summary, "carol").at("packets_received"), 500);
    auto ab = Direction(run.summary, "alice", "bob");
    EXPECT_EQ(ab.at("frames"), 500);
    EXPECT_NEAR(ab.at("dropped").get<double>() / 500, 0.5, kZ95 * std::sqrt(0.25 / 500));
    EXPECT_EQ(Direction(run.summary, "alice", "carol").at("frames"), 500);
    EXPECT_EQ(Direction(run.summary, "alice", "carol").at("dropped"), 0);
}

TEST(Impairments, ADirectionRateDelaysEveryFrameByItsTransmissionTime)
{
    // A cable's direction with a rate of its own is its sender's NIC rate: a
    // lone 1000-byte datagram (1042 B with IP, UDP and Ethernet header, plus
    // 24 B of FCS, preamble and gap) takes 8.528 ms at 1 Mbit/s.
    Results run(UdpScenario("type = ethernet\nrate = 100Mbps\ndelay = 2ms\n[link.lan.alice->bob]\nrate = 1Mbps\n",
                            "size = 1000B\ninterval = 100ms\ncount = 50\n"));
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    double expected = 0.002 + 1066 * 8 / 1e6;
    EXPECT_NEAR(App(run.summary, "sink").at("latency_min_s").get<double>(), expected, 1e-6);
}

TEST(Impairments, ASlowDirectionDoesNotHoldBackAnother)
{
    // Through the switch every frame crosses two cables: alice's frames to bob
    // take 2 x 100 ms, those to carol 2 x 1 ms, from one queue disc.
    Results run("duration = 5s\n[link.lan]\ntype = ethernet\nnodes = alice bob carol\nrate = 100Mbps\ndelay = 1ms\n"
                "[link.lan.alice->bob]\ndelay = 100ms\n"
                "[app.to-bob]\ntype = udp-client\nnode = alice\npeer = bob:6000\ninterval = 10ms\ncount = 200\n"
                "[app.to-carol]\ntype = udp-client\nnode = alice\npeer = carol:6000\ninterval = 10ms\ncount = 200\n"
                "[app.bob]\ntype = udp-server\nnode = bob\nport = 6000\n"
                "[app.carol]\ntype = udp-server\nnode = carol\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    double frame = 2 * 1066 * 8 / 100e6; // transmitted by alice, then by the switch
    EXPECT_NEAR(App(run.summary, "bob").at("latency_p50_s").get<double>(), 0.200 + frame, 1e-5);
    EXPECT_NEAR(App(run.summary, "carol").at("latency_p50_s").get<double>(), 0.002 + frame, 1e-5);
    EXPECT_NEAR(App(run.summary, "carol").at("latency_p99_s").get<double>(), 0.002 + frame, 1e-5);
}

TEST(Impairments, CellsWithoutRetriesStillAssociate)
{
    // Association keeps 802.11 retries; data frames then get none.
    Results run("duration = 5s\n[link.air]\ntype = wifi\nap = r1\nnodes = alice bob carol\nretries = 0\n"
                "[app.a]\ntype = udp-client\nnode = r1\npeer = alice:6000\ninterval = 10ms\ncount = 300\n"
                "[app.b]\ntype = udp-client\nnode = bob\npeer = r1:6000\ninterval = 10ms\ncount = 300\n"
                "[app.alice]\ntype = udp-server\nnode = alice\nport = 6000\n"
                "[app.r1]\ntype = udp-server\nnode = r1\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    for (const auto& iface : run.summary.at("interfaces"))
    {
        EXPECT_NE(iface.value("associated", true), false) << iface.dump();
    }
    EXPECT_GT(App(run.summary, "alice").at("packets_received"), 290);
    EXPECT_GT(App(run.summary, "r1").at("packets_received"), 290);
}

TEST(Impairments, WifiDirectionsShapeAtTheSenderToo)
{
    // The access point's frames to alice wait 20 ms more and are sent twice 10 % of the time.
    Results run("duration = 6s\n[link.air]\ntype = wifi\nap = r1\nnodes = alice\n[link.air.r1->alice]\n"
                "delay = 20ms\nduplicate = 10%\n"
                "[app.down]\ntype = udp-client\nnode = r1\npeer = alice:6000\ninterval = 5ms\ncount = 800\n"
                "[app.up]\ntype = udp-client\nnode = alice\npeer = r1:6000\ninterval = 5ms\ncount = 800\n"
                "[app.alice]\ntype = udp-server\nnode = alice\nport = 6000\n"
                "[app.r1]\ntype = udp-server\nnode = r1\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto alice = App(run.summary, "alice"), r1 = App(run.summary, "r1");
    // The air adds well under a millisecond per 1000-byte frame at 802.11n rates.
    EXPECT_GT(alice.at("latency_min_s").get<double>(), 0.020);
    EXPECT_LT(alice.at("latency_p50_s").get<double>(), 0.021);
    EXPECT_LT(r1.at("latency_p50_s").get<double>(), 0.001);
    double duplicated = Direction(run.summary, "r1", "alice").at("duplicated");
    EXPECT_NEAR(duplicated / 800, 0.1, kZ95 * std::sqrt(0.09 / 800));
    EXPECT_EQ(alice.at("packets_duplicated"), duplicated);
    EXPECT_EQ(DirectionOrIdle(run.summary, "alice", "r1").at("duplicated"), 0);
}
