// Flow measurement: what the apps report against theory and against the
// pcaps read independently with tshark.
#include "test-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <queue>

using namespace nslab::test;
namespace fs = std::filesystem;

namespace
{

const std::string kWire = "duration = 5s\n[link.wire]\ntype = p2p\nnodes = alice bob\nrate = 10Mbps\ndelay = 10ms\n";

/**
 * The completion time of a lossless transfer, computed segment by segment
 * from slow start and serialization: 10 Mbit/s, 10 ms one way, MSS 1448;
 * every frame carries 20 (IPv4) + 20 (TCP) + 12 (timestamps) + 2 (PPP) bytes
 * of headers; the window starts at 10 segments and, in NewReno's slow start,
 * grows by one segment per ACK; the receiver acknowledges the first segment
 * at once, then every second one (delayed ACKs), and the last one at once
 * (its FIN follows). Returns seconds from connect() to the ACK of the last byte.
 */
double
SlowStartCompletionTime(uint64_t bytes)
{
    const double rate = 10e6, prop = 0.010;
    const uint64_t mss = 1448, overhead = 20 + 20 + 12 + 2;
    const double ackTime = overhead * 8 / rate;
    // Handshake: SYN and SYN-ACK, 20 + 20 (+ 20 B of options) + 2 bytes each.
    const double synTime = (20 + 20 + 20 + 2) * 8 / rate;
    uint64_t n = (bytes + mss - 1) / mss;
    double link = 2 * (prop + synTime); // established: the first data segment may leave
    uint64_t cwnd = 10, acked = 0;
    using Ack = std::pair<double, uint64_t>; // arrival at the sender, segments acknowledged
    std::priority_queue<Ack, std::vector<Ack>, std::greater<>> acks;
    double done = 0;
    for (uint64_t i = 0; i < n; ++i)
    {
        while (i >= acked + cwnd) // window full: wait for the next ACK
        {
            auto [time, count] = acks.top();
            acks.pop();
            acked = std::max(acked, count);
            cwnd += 1;
            link = std::max(link, time);
        }
        uint64_t payload = i + 1 < n ? mss : bytes - mss * (n - 1);
        link += (payload + overhead) * 8 / rate; // serialization
        double arrival = link + prop;
        if (i == 0 || i % 2 == 0 || i + 1 == n)
        {
            acks.push({arrival + prop + ackTime, i + 1});
            done = arrival + prop + ackTime;
        }
    }
    return done;
}

TEST(Measurement, CompletionTimeFollowsSlowStartAndSerialization)
{
    Results run(kWire + "[app.file]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 1MB\n"
                        "[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto file = App(run.summary, "file");
    ASSERT_TRUE(file.at("completed").get<bool>());
    double model = SlowStartCompletionTime(1000000);
    double measured = file.at("completion_time_s");
    // The pure line-rate bound, for scale: 691 full-size frames at 10 Mbit/s take 830 ms.
    EXPECT_GT(model, 691 * 1502 * 8 / 10e6);
    EXPECT_NEAR(measured, model, 0.05 * model) << "model " << model << " s";
    EXPECT_NEAR(file.at("goodput_bps").get<double>(), 8e6 / measured, 1);
    EXPECT_NEAR(file.at("connect_time_s").get<double>(), 0.020, 0.001);
    EXPECT_EQ(file.at("retransmissions"), 0);
    EXPECT_NEAR(file.at("rtt_min_s").get<double>(), 0.020, 0.002);
}

TEST(Measurement, TcpCountsAgreeWithTsharkOnTheSendersPcap)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    for (std::string args : {"--run 1", "--run 2", "--set link.lan.loss=5% --run 3"})
    {
        SCOPED_TRACE(args);
        TempDir dir;
        ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --quiet --out " + dir.Path() + " " + args).status, 0);
        auto file = App(ReadJson(dir / "summary.json"), "file");
        std::string pcap = dir / "alice-eth0.pcap";
        // In the sender's own capture every out-of-order segment is a
        // retransmission: tshark calls those sent soon after a higher one "out of order".
        size_t retransmitted = Lines(Tshark(pcap, "-Y 'tcp.analysis.retransmission || tcp.analysis.out_of_order'"));
        size_t dupAcks = Lines(Tshark(pcap, "-Y 'tcp.analysis.duplicate_ack && ip.src == 10.0.1.2'"));
        size_t dataSegments = Lines(Tshark(pcap, "-Y 'tcp.len > 0 && ip.src == 10.0.1.1'"));
        EXPECT_GT(file.at("retransmissions").get<size_t>(), 0u);
        EXPECT_EQ(file.at("retransmissions").get<size_t>(), retransmitted);
        EXPECT_EQ(file.at("duplicate_acks").get<size_t>(), dupAcks);
        EXPECT_EQ(file.at("segments_sent").get<size_t>(), dataSegments);
        EXPECT_EQ(file.at("retransmissions").get<size_t>(),
                  file.at("retransmissions_fast").get<size_t>() + file.at("retransmissions_timeout").get<size_t>());
    }
}

TEST(Measurement, DefaultQueueDiscDropsAreCountedAtTheSender)
{
    // 1 MiB windows on a 100 Mbit/s, 50 ms RTT wire (625 kB in flight): the
    // rest queues at alice for up to 40 ms, and ns-3's default FqCoDel drops
    // what waits over 5 ms for 100 ms. The wire itself loses nothing.
    const std::string buffers = " --set app.file.buffer=1MiB --set app.file-sink.buffer=1MiB";
    TempDir dir;
    Outcome run = Nslab("run " + Scenario("window-rtt.ini") + buffers + " --out " + dir.Path());
    ASSERT_EQ(run.status, 0) << run.err;
    auto summary = ReadJson(dir / "summary.json");
    auto disc = summary.at("interfaces").at(0).at("queue_disc");
    EXPECT_EQ(disc.at("type"), "FqCoDel");
    uint64_t dropped = disc.at("dropped").get<uint64_t>();
    EXPECT_GE(dropped, 1u);
    uint64_t byReason = 0;
    for (const auto& [reason, count] : disc.at("dropped_by_reason").items())
    {
        byReason += count.get<uint64_t>();
    }
    EXPECT_EQ(byReason, dropped);
    EXPECT_EQ(disc.at("dropped_by_reason").value("Target exceeded drop", 0u), dropped);
    if (HaveTshark())
    {
        // What TCP handed down and never reached alice's own capture is what the queue dropped.
        size_t captured = Lines(Tshark(dir / "alice-ppp0.pcap", "-Y 'tcp.len > 0 && ip.src == 10.0.1.1'"));
        EXPECT_EQ(App(summary, "file").at("segments_sent").get<uint64_t>() - captured, dropped);
    }
    for (const auto& direction : summary.at("links").at(0).at("directions"))
    {
        EXPECT_EQ(direction.at("dropped"), 0) << "the wire's counters count the impairments only";
    }
    EXPECT_NE(run.out.find("  queue alice.ppp0 (ns-3's default FqCoDel queue disc): " + std::to_string(dropped) +
                           (dropped == 1 ? " packet" : " packets") + " dropped (Target exceeded drop: " +
                           std::to_string(dropped) + ")\n"),
              std::string::npos)
        << run.out;

    // With its send buffer full of data behind the hole, ns-3.37 resends
    // in-flight segments (NextSeg rule 3 without condition 1.b, see
    // docs/measurements.md); with room for new data, one drop costs one
    // retransmission.
    EXPECT_GT(App(summary, "file").at("retransmissions").get<uint64_t>(), 100 * dropped);
    auto variant = [&buffers](const std::string& set) {
        Results r(Slurp(Scenario("window-rtt.ini")), buffers + " --set " + set);
        EXPECT_EQ(r.outcome.status, 0) << r.outcome.err;
        return std::make_pair(App(r.summary, "file"), r.summary.at("interfaces").at(0).at("queue_disc"));
    };
    auto [roomyFile, roomyDisc] = variant("app.file.buffer=2MiB");
    EXPECT_EQ(roomyFile.at("retransmissions"), roomyDisc.at("dropped"));

    // A plain FIFO of 1000 packets holds the whole window: no drop, no retransmission.
    auto [fifoFile, fifoDisc] = variant("link.wire.queue=1000");
    EXPECT_EQ(fifoDisc.at("type"), "Netem");
    EXPECT_EQ(fifoDisc.at("dropped"), 0);
    EXPECT_EQ(fifoFile.at("retransmissions"), 0);
}

TEST(Measurement, RttSamplesAreTsharksAckRttPlusTheSendersQueue)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    for (std::string args : {"--run 1", "--set link.lan.loss=5%"})
    {
        SCOPED_TRACE(args);
        TempDir dir;
        ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --quiet --set link.lan.type=p2p --out " + dir.Path() +
                        " " + args)
                      .status,
                  0);
        auto file = App(ReadJson(dir / "summary.json"), "file");
        std::vector<double> samples;
        for (const auto& row : Fields(dir / "alice-ppp0.pcap", "tcp.analysis.ack_rtt && ip.src == 10.0.1.2",
                                      "-e tcp.analysis.ack_rtt"))
        {
            samples.push_back(std::stod(row.at(0)));
        }
        ASSERT_FALSE(samples.empty());
        double mean = std::accumulate(samples.begin(), samples.end(), 0.0) / samples.size();
        EXPECT_EQ(file.at("rtt_samples").get<size_t>(), samples.size());
        EXPECT_NEAR(file.at("rtt_min_s").get<double>(), *std::min_element(samples.begin(), samples.end()), 1e-6);
        EXPECT_NEAR(file.at("rtt_max_s").get<double>(), *std::max_element(samples.begin(), samples.end()), 1e-3);
        // Ours also count the time a segment queued behind its predecessors in
        // the sender, and time a retransmitted segment from its last
        // transmission where tshark sometimes takes the first.
        EXPECT_NEAR(file.at("rtt_mean_s").get<double>(), mean, 0.03 * mean);
    }
}

TEST(Measurement, UdpCountsEqualThePcapCounts)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    // A p2p wire: no ARP, so every datagram the client sends is on its wire
    // (on Ethernet a lost ARP exchange makes the sender drop datagrams itself).
    TempDir dir;
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") +
                    " --quiet --set link.lan.type=p2p --set link.lan.loss=10% --out " + dir.Path())
                  .status,
              0);
    auto summary = ReadJson(dir / "summary.json");
    auto voice = App(summary, "voice");
    auto sink = App(summary, "voice-sink");
    EXPECT_EQ(voice.at("packets_sent").get<size_t>(), Lines(Tshark(dir / "alice-ppp0.pcap", "-Y 'udp.dstport == 6000'")));
    size_t arrived = Lines(Tshark(dir / "bob-ppp0.pcap", "-Y 'udp.dstport == 6000'"));
    EXPECT_EQ(sink.at("packets_received").get<size_t>(), arrived);
    // The client stops 1 s before the end: nothing is in flight, every gap is a loss.
    EXPECT_EQ(sink.at("packets_lost").get<size_t>(), voice.at("packets_sent").get<size_t>() - arrived);
    EXPECT_GT(sink.at("loss_runs").get<size_t>(), 0u);
    EXPECT_GE(sink.at("loss_run_mean").get<double>(), 1.0);
}

TEST(Measurement, LossIsCountedOfTheDatagramsWhoseFateIsKnown)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    // The streams of fragmentation.ini send until the end of the run: those
    // sent after the cutoff and not arrived are unresolved, and the ones that
    // did arrive must not count either, or the loss would read low.
    TempDir dir;
    Outcome run = Nslab("run " + Scenario("fragmentation.ini") + " --out " + dir.Path());
    ASSERT_EQ(run.status, 0) << run.err;
    auto sink = App(ReadJson(dir / "summary.json"), "big-sink");
    double cutoff = 10 - std::max(1.0, 2 * sink.at("latency_max_s").get<double>());
    auto sentBy = [cutoff](const std::vector<std::vector<std::string>>& rows) {
        return std::count_if(rows.begin(), rows.end(),
                             [cutoff](const auto& row) { return std::stod(row.at(0)) / 1e9 <= cutoff; });
    };
    // Every datagram the client sent by then (alice's pcap, reassembled), and those bob got.
    const std::string big = "udp.dstport == 6000 && nslab";
    auto sent = sentBy(Fields(dir / "alice-eth0.pcap", big, "-e nslab.sent_ns"));
    auto arrived = sentBy(Fields(dir / "bob-eth0.pcap", big, "-e nslab.sent_ns"));
    uint64_t lost = sink.at("packets_lost").get<uint64_t>();
    EXPECT_EQ(sink.at("packets_resolved").get<int64_t>(), sent);
    EXPECT_EQ(static_cast<int64_t>(lost), sent - arrived);
    EXPECT_GT(sink.at("packets_unresolved").get<uint64_t>(), 0u) << "the case this test is about";
    char percent[16];
    std::snprintf(percent, sizeof percent, "%.2f", 100.0 * static_cast<double>(lost) / static_cast<double>(sent));
    EXPECT_NE(run.out.find("lost " + std::to_string(lost) + " of " + std::to_string(sent) + " (" + percent + " %)"),
              std::string::npos)
        << run.out;
}

TEST(Measurement, UdpGoodputLeavesDuplicatesOut)
{
    // duplicate-corrupt.ini: 200 B every 5 ms (320 kbit/s offered), 5 % of
    // the frames duplicated. The server reads more datagrams than were sent;
    // its goodput still cannot exceed what was offered.
    TempDir dir;
    ASSERT_EQ(Nslab("run " + Scenario("duplicate-corrupt.ini") + " --quiet --out " + dir.Path()).status, 0);
    auto summary = ReadJson(dir / "summary.json");
    auto sink = App(summary, "probe-sink");
    double sent = App(summary, "probe").at("packets_sent").get<double>();
    double received = sink.at("packets_received").get<double>(), duplicates = sink.at("packets_duplicated");
    ASSERT_GT(received, sent) << "the duplicates this test is about";
    double offered = 200 * 8 / 0.005;
    double goodput = sink.at("goodput_bps").get<double>();
    EXPECT_LT(goodput, offered);
    EXPECT_NEAR(goodput / offered, (received - duplicates) / sent, 0.01);
}

TEST(Measurement, AClientWhoseDatagramsAllVanishedIsCountedToo)
{
    Results run(kWire + "loss = 100%\n[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\ncount = 30\n"
                        "interval = 10ms\n[app.s]\ntype = udp-server\nnode = bob\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto server = App(run.summary, "s");
    EXPECT_EQ(server.at("packets_received"), 0);
    EXPECT_EQ(server.at("packets_lost"), 30);
    EXPECT_EQ(server.at("loss_runs"), 1);
    EXPECT_EQ(server.at("loss_run_mean"), 30.0);
}

TEST(Measurement, AServerReportsEachClientAndTheirTotal)
{
    Results run(kWire + "[app.a]\ntype = udp-client\nnode = alice\npeer = bob:6000\ncount = 10\ninterval = 10ms\n"
                        "[app.b]\ntype = udp-client\nnode = alice\npeer = bob:6000\ncount = 20\ninterval = 10ms\n"
                        "size = 200B\n[app.s]\ntype = udp-server\nnode = bob\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto server = App(run.summary, "s");
    EXPECT_EQ(server.at("packets_received"), 30);
    EXPECT_EQ(server.at("bytes_received"), 10 * 1000 + 20 * 200);
    EXPECT_EQ(server.at("latency_samples"), 30);
    ASSERT_EQ(server.at("flows").size(), 2u);
    EXPECT_EQ(server.at("flows")[0].at("client"), "a");
    EXPECT_EQ(server.at("flows")[0].at("packets_received"), 10);
    EXPECT_EQ(server.at("flows")[1].at("client"), "b");
    EXPECT_EQ(server.at("flows")[1].at("packets_received"), 20);
    // Each flow's one-way latency: 10 ms plus its own datagram's serialization at 10 Mbit/s.
    EXPECT_NEAR(server.at("flows")[0].at("latency_min_s").get<double>(), 0.010 + 1030 * 8 / 10e6, 1e-9);
    EXPECT_NEAR(server.at("flows")[1].at("latency_min_s").get<double>(), 0.010 + 230 * 8 / 10e6, 1e-9);
    EXPECT_NEAR(server.at("latency_min_s").get<double>(), 0.010 + 230 * 8 / 10e6, 1e-9);
}

TEST(Measurement, LatencyPercentilesAndJitterMatchThePcaps)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    // Voice shares the cable with a TCP transfer, so its latency varies with the queue.
    TempDir dir;
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --quiet --set link.lan.loss=0 --set app.file.bytes=20MB "
                    "--set link.lan.rate=20Mbps --out " + dir.Path()).status, 0);
    auto sink = App(ReadJson(dir / "summary.json"), "voice-sink");
    // Independently: arrival time in bob's pcap minus the send time in the nslab header, in arrival order.
    std::vector<double> latencies;
    double jitter = 0, previous = 0;
    for (const auto& row : Fields(dir / "bob-eth0.pcap", "udp.dstport == 6000", "-e frame.time_epoch -e nslab.sent_ns"))
    {
        double latency = std::stod(row.at(0)) - std::stod(row.at(1)) / 1e9;
        if (!latencies.empty())
        {
            jitter += (std::abs(latency - previous) - jitter) / 16; // RFC 3550
        }
        previous = latency;
        latencies.push_back(latency);
    }
    ASSERT_EQ(latencies.size(), sink.at("latency_samples").get<size_t>());
    std::sort(latencies.begin(), latencies.end());
    auto rank = [&](double p) { return latencies[static_cast<size_t>(std::ceil(p / 100 * latencies.size())) - 1]; };
    // pcap timestamps have microsecond resolution.
    EXPECT_NEAR(sink.at("latency_min_s").get<double>(), latencies.front(), 1e-6);
    EXPECT_NEAR(sink.at("latency_p50_s").get<double>(), rank(50), 1e-6);
    EXPECT_NEAR(sink.at("latency_p95_s").get<double>(), rank(95), 1e-6);
    EXPECT_NEAR(sink.at("latency_p99_s").get<double>(), rank(99), 1e-6);
    EXPECT_NEAR(sink.at("latency_max_s").get<double>(), latencies.back(), 1e-6);
    EXPECT_NEAR(sink.at("jitter_s").get<double>(), jitter, 2e-6);
    EXPECT_GT(latencies.back() - latencies.front(), 1e-3) << "the queue should spread the latencies";
    EXPECT_GT(sink.at("jitter_s").get<double>(), 1e-5);
}

TEST(Measurement, MessagesKeepTheirBoundariesAndMissingOnesAreNamed)
{
    Results run(kWire + "loss = 30%\n"
                        "[app.talk]\ntype = udp-client\nnode = alice\npeer = bob:6000\n"
                        "messages = hello \"how are you\" bye\ninterval = 100ms\n"
                        "[app.listen]\ntype = udp-server\nnode = bob\nport = 6000\n"
                        "[app.chat]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n"
                        "messages = hi \"tcp keeps boundaries\" ok\n"
                        "[app.chat-sink]\ntype = tcp-server\nnode = bob\nport = 5000\n",
                "--set duration=8s --seed 2");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    std::vector<std::string> tcpTexts;
    auto chatSink = App(run.summary, "chat-sink"), listen = App(run.summary, "listen"), talk = App(run.summary, "talk");
    for (const auto& m : chatSink.at("messages"))
    {
        tcpTexts.push_back(m.at("text"));
    }
    EXPECT_EQ(tcpTexts, (std::vector<std::string>{"hi", "tcp keeps boundaries", "ok"}));
    EXPECT_EQ(App(run.summary, "chat").at("bytes_sent"), 3 * 24 + 2 + 20 + 2);

    // UDP: what the server lists is exactly what is in bob's pcap; the rest never arrived.
    std::vector<std::string> arrived;
    for (const auto& m : listen.at("messages"))
    {
        arrived.push_back(m.at("text"));
    }
    size_t missing = 0;
    for (const auto& m : talk.at("messages"))
    {
        bool there = std::count(arrived.begin(), arrived.end(), m.at("text").get<std::string>()) > 0;
        EXPECT_EQ(m.at("received_s").is_null(), !there);
        missing += !there;
    }
    EXPECT_EQ(missing, 3 - arrived.size());
    EXPECT_GT(missing, 0u) << "seed 2 loses a datagram; the scenario should show one missing";
    if (HaveTshark())
    {
        std::string inPcap = Tshark(run.Out("bob-ppp0.pcap"), "-Y 'udp && nslab.text' -T fields -e nslab.text");
        std::string listed;
        for (const auto& text : arrived)
        {
            listed += text + "\n";
        }
        EXPECT_EQ(inPcap, listed);
    }
    Outcome text = Nslab("run " + (run.dir / "scenario-in.ini") + " --set duration=8s --seed 2 --out " + (run.dir / "again"));
    EXPECT_NE(text.out.find("bob received 'tcp keeps boundaries' at "), std::string::npos) << text.out;
    EXPECT_NE(text.out.find("never arrived"), std::string::npos) << text.out;
}

TEST(Measurement, EchoRoundTripIsTwiceTheOneWayTime)
{
    Results run(kWire + "[app.ping]\ntype = udp-client\nnode = alice\npeer = bob:7000\nsize = 100B\ncount = 20\n"
                        "interval = 50ms\nrtt = true\n"
                        "[app.pong]\ntype = udp-server\nnode = bob\nport = 7000\necho = true\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto ping = App(run.summary, "ping");
    EXPECT_EQ(ping.at("echo_replies"), 20);
    // Each way: 10 ms plus (100 + 8 UDP + 20 IPv4 + 2 PPP) B at 10 Mbit/s = 104 us.
    double oneWay = 0.010 + 130 * 8 / 10e6;
    EXPECT_NEAR(ping.at("echo_rtt_min_s").get<double>(), 2 * oneWay, 1e-9);
    EXPECT_NEAR(ping.at("echo_rtt_p50_s").get<double>(), 2 * oneWay, 1e-9);
    std::string csv = Slurp(run.Out("ping.rtt.csv"));
    EXPECT_EQ(Lines(csv), 21u);
    // Without an echoing server there is nothing to time: refused up front.
    Results bad(kWire + "[app.ping]\ntype = udp-client\nnode = alice\npeer = bob:7000\nrtt = true\n"
                        "[app.pong]\ntype = udp-server\nnode = bob\nport = 7000\n");
    EXPECT_EQ(bad.outcome.status, 2);
    EXPECT_NE(bad.outcome.err.find("rtt: round trips need a server that echoes; set echo = true in [app.pong]"),
              std::string::npos)
        << bad.outcome.err;
}

TEST(Measurement, TimeSeriesAddUpToTheTotals)
{
    Results run(std::string("bin = 50ms\n") + kWire + "loss = 1%\n" +
                "[app.file]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 2MB\n"
                "[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n"
                "[app.voice]\ntype = udp-client\nnode = alice\npeer = bob:6000\nsize = 200B\ninterval = 20ms\n"
                "stop = 4s\n[app.voice-sink]\ntype = udp-server\nnode = bob\nport = 6000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    auto sumBytes = [&](const std::string& file) {
        std::istringstream in(Slurp(run.Out(file)));
        std::string line;
        std::getline(in, line);
        EXPECT_EQ(line, "time_s,bytes,throughput_bps");
        uint64_t total = 0;
        size_t rows = 0;
        for (; std::getline(in, line); ++rows)
        {
            total += std::stoull(line.substr(line.find(',') + 1));
        }
        EXPECT_EQ(rows, 100u) << "5 s in bins of 50 ms";
        return total;
    };
    EXPECT_EQ(sumBytes("sink.throughput.csv"), App(run.summary, "sink").at("bytes_received").get<uint64_t>());
    EXPECT_EQ(sumBytes("file.throughput.csv"), App(run.summary, "file").at("bytes_acked").get<uint64_t>());
    EXPECT_EQ(sumBytes("voice-sink.throughput.csv"), App(run.summary, "voice-sink").at("bytes_received").get<uint64_t>());
    EXPECT_EQ(Lines(Slurp(run.Out("voice-sink.latency.csv"))) - 1,
              App(run.summary, "voice-sink").at("latency_samples").get<size_t>());
    std::string tcp = Slurp(run.Out("file.tcp.csv"));
    EXPECT_EQ(tcp.substr(0, tcp.find('\n')), "time_s,cwnd_bytes,ssthresh_bytes,srtt_s,bytes_in_flight");
    EXPECT_GT(Lines(tcp), 100u);
}

TEST(Measurement, PlotsAreDrawnForEveryApp)
{
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "gnuplot not installed";
    }
    TempDir dir;
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --quiet --out " + dir.Path()).status, 0);
    Outcome plot = Nslab("plot " + dir.Path());
    ASSERT_EQ(plot.status, 0) << plot.err;
    EXPECT_EQ(Lines(plot.out), 8u); // 4 apps, PNG and SVG each
    for (std::string app : {"file", "file-sink", "voice", "voice-sink"})
    {
        std::string png = Slurp(dir / ("plots/" + app + ".png"));
        std::string svg = Slurp(dir / ("plots/" + app + ".svg"));
        EXPECT_EQ(png.substr(1, 3), "PNG") << app;
        EXPECT_GT(png.size(), 10000u) << app;
        EXPECT_NE(svg.find("<svg"), std::string::npos) << app;
        EXPECT_NE(svg.find("throughput (Mbit/s)"), std::string::npos) << app;
    }
    EXPECT_NE(Slurp(dir / "plots/file.svg").find("RTT (ms)"), std::string::npos);
    EXPECT_NE(Slurp(dir / "plots/voice-sink.svg").find("one-way latency (ms)"), std::string::npos);
    Outcome notResults = Nslab("plot " + (dir / "plots"));
    EXPECT_EQ(notResults.status, 2);
    EXPECT_EQ(notResults.err, (dir / "plots") + ": not a results folder (no summary.json)\n");
    // A script that cannot be written is named, not left to gnuplot to trip over.
    std::filesystem::remove(dir / "plots/voice.gp");
    std::filesystem::create_directory(dir / "plots/voice.gp.tmp");
    Outcome blocked = Nslab("plot " + dir.Path());
    EXPECT_EQ(blocked.status, 1);
    EXPECT_EQ(blocked.err, "nslab: cannot write " + (dir / "plots/voice.gp.tmp") + ": Is a directory\n");
    EXPECT_FALSE(std::filesystem::exists(dir / "plots/voice.gp"));
}

} // namespace

namespace
{

/** Runs scenario text; the run must end normally, whatever the network did. */
Results RunToTheEnd(const std::string& scenario)
{
    Results run(scenario);
    EXPECT_EQ(run.outcome.status, 0) << run.outcome.err;
    return run;
}

} // namespace

TEST(Robustness, AnEchoServerWhoseConnectionIsResetStops)
{
    // Bursty loss on both ways and a 1 ms minimum RTO: the client's
    // connection dies by timeouts while the echo server still owes data. The
    // error callback used to close the dead socket, which reported the error
    // again: an endless recursion.
    Results run = RunToTheEnd("[link.l0]\ntype = ethernet\nnodes = b e d a\ngilbert = 1% 1% 50% 0%\n"
                              "[app.c1]\ntype = tcp-client\nnode = d\npeer = a:1002\ninitial_cwnd = 1\nmin_rto = 1ms\n"
                              "[app.s1]\ntype = tcp-server\nnode = a\nport = 1002\necho = true\nmin_rto = 1ms\n"
                              "start = 2s\n");
    // The server may hold a segment whose ACK was lost when the connection died.
    EXPECT_GE(App(run.summary, "s1").at("bytes_received"), App(run.summary, "c1").at("bytes_acked"));
    EXPECT_LE(App(run.summary, "s1").at("bytes_received").get<uint64_t>(),
              App(run.summary, "c1").at("bytes_acked").get<uint64_t>() + 1448);
    EXPECT_FALSE(App(run.summary, "c1").at("completed").get<bool>());
}

TEST(Robustness, AWindowFilledExactlyAfterLossesDoesNotCrashTcp)
{
    // A first window of 100 segments into a one-packet queue: most of it is
    // dropped, and the data sent then fills bob's 128 KiB window to the byte.
    // ns-3.37's NextSeg offered a segment of 0 bytes there and TCP crashed;
    // nslab reports a full window as full.
    Results run = RunToTheEnd("[link.lan]\ntype = ethernet\nnodes = alice bob\nqueue = 1500B\n"
                              "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbuffer = 1MB\n"
                              "initial_cwnd = 100\n[app.s]\ntype = tcp-server\nnode = bob\nport = 5000\n");
    EXPECT_EQ(App(run.summary, "s").at("bytes_received"), 1000000);
    auto ab = Direction(run.summary, "alice", "bob");
    EXPECT_GT(ab.at("dropped_by_cause").at("queue").get<uint64_t>(), 50u);
    // Every drop is resent; a timeout may resend one segment more.
    EXPECT_GE(App(run.summary, "c").at("retransmissions"), ab.at("dropped_by_cause").at("queue"));
    EXPECT_LE(App(run.summary, "c").at("retransmissions").get<uint64_t>(),
              ab.at("dropped_by_cause").at("queue").get<uint64_t>() + 2);
}

TEST(Robustness, AListeningSocketThatGetsAResetDoesNotCrashTcp)
{
    // Alice connects to her own server at the instant it starts listening:
    // the SYN is lost, and at 2 s she gives up with a RST, which reaches the
    // listening socket. ns-3.37 let it enter zero-window persist and probe
    // with data it did not have, a crash 6 s later.
    Results run = RunToTheEnd("[link.lan]\ntype = p2p\nnodes = alice bob\n"
                              "[app.c]\ntype = tcp-client\nnode = alice\npeer = alice:5000\nstart = 0s\nstop = 2s\n"
                              "[app.s]\ntype = tcp-server\nnode = alice\nport = 5000\n");
    EXPECT_FALSE(App(run.summary, "c").at("connected").get<bool>());
    EXPECT_EQ(App(run.summary, "s").at("connections"), 0);
}

TEST(HonestNumbers, NoRateFromTooShortAFlowAndNullWithoutSamples)
{
    Results run("duration = 3s\n[link.l]\ntype = p2p\nnodes = a b\ndelay = 5ms\n"
                "[app.talk]\ntype = tcp-client\nnode = a\npeer = b:5000\nmessages = hi, yo\n"
                "[app.listen]\ntype = tcp-server\nnode = b\nport = 5000\n"
                "[app.voice]\ntype = udp-client\nnode = a\npeer = b:6000\ninterval = 20ms\ncount = 50\nstart = 1.5s\n"
                "[app.ear]\ntype = udp-server\nnode = b\nport = 6000\n"
                "[app.deaf]\ntype = udp-server\nnode = a\nport = 7000\n");
    ASSERT_EQ(run.outcome.status, 0) << run.outcome.err;
    // Two short messages arrive within microseconds: no rate to speak of, and it says why.
    auto listen = App(run.summary, "listen");
    EXPECT_TRUE(listen.at("goodput_bps").is_null()) << listen.dump();
    EXPECT_NE(listen.at("goodput_note").get<std::string>().find("too short to measure"), std::string::npos);
    auto talk = App(run.summary, "talk");
    EXPECT_TRUE(talk.at("completed").get<bool>());
    EXPECT_TRUE(talk.at("goodput_bps").is_null()) << talk.dump();
    EXPECT_NE(talk.at("goodput_note").get<std::string>().find("completed in"), std::string::npos);
    // A constant-delay stream has a jitter of exactly 0.
    EXPECT_EQ(App(run.summary, "ear").at("jitter_s").get<double>(), 0.0);
    EXPECT_FALSE(App(run.summary, "ear").at("goodput_bps").is_null());
    // A server that received nothing has no latencies: null, not 0.
    auto deaf = App(run.summary, "deaf");
    EXPECT_EQ(deaf.at("latency_samples"), 0);
    for (const char* key : {"latency_min_s", "latency_mean_s", "latency_p50_s", "latency_max_s", "jitter_s"})
    {
        EXPECT_TRUE(deaf.at(key).is_null()) << key;
    }
}
