// Wire-true links, end to end through the nslab binary: the cable's delay
// sits between the two captures, ARP and neighbour discovery behave like
// Linux hosts, a switch keeps unicast away from third parties, WiFi pcaps
// show what the host saw, and a big LAN costs what its traffic costs.
#include "test-util.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>

using namespace nslab::test;

namespace
{

/** Transmission time in seconds of an Ethernet frame (header + payload) at rate, with FCS, preamble and gap. */
double
TxTime(double headerAndPayload, double rate)
{
    return (std::max(headerAndPayload, 60.0) + 24) * 8 / rate;
}

/** \return the frame.time_epoch of the first frame matching the filter (NaN if none). */
double
FirstTime(const std::string& pcap, const std::string& filter)
{
    auto rows = Fields(pcap, filter, "-e frame.time_epoch");
    return rows.empty() || rows[0].empty() ? NAN : std::stod(rows[0][0]);
}

size_t
Count(const std::string& pcap, const std::string& filter)
{
    return Fields(pcap, filter, "-e frame.number").size();
}

const std::string kCable = "duration = 2s\n"
                           "[link.cable]\ntype = ethernet\nnodes = alice bob\nrate = 100Mbps\ndelay = 20ms\n"
                           "[app.srv]\ntype = tcp-server\nnode = bob\nport = 5000\n"
                           "[app.cli]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 20000\n";

constexpr double kDelay = 0.020, kRate = 100e6, kTick = 2e-6; // pcaps keep microseconds

/** The pcap's link-layer type (DLT), from its global header. */
uint32_t
LinkType(const std::string& pcap)
{
    std::ifstream in(pcap, std::ios::binary);
    uint32_t header[6] = {};
    in.read(reinterpret_cast<char*>(header), sizeof header);
    return header[5];
}

} // namespace

TEST(Wire, CableDelaySitsBetweenTheTwoCaptures)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    Results r(kCable);
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    std::string a = r.Out("alice-eth0.pcap"), b = r.Out("bob-eth0.pcap");
    // ARP: request (42 bytes) out and reply back: two delays and two transmissions.
    double request = FirstTime(a, "arp.opcode == 1"), reply = FirstTime(a, "arp.opcode == 2");
    EXPECT_NEAR(reply - request, 2 * (kDelay + TxTime(42, kRate)), kTick);
    // The same request reaches bob one delay and one transmission later.
    EXPECT_NEAR(FirstTime(b, "arp.opcode == 1") - request, kDelay + TxTime(42, kRate), kTick);
    // bob learnt alice from her request: he never asks for her address.
    EXPECT_EQ(Count(b, "arp.opcode == 1 && eth.src == " + Fields(b, "arp.opcode == 2", "-e eth.src")[0][0]), 0u);
    EXPECT_EQ(Count(a, "arp.opcode == 1"), 1u);
    // SYN to SYN-ACK at the sender: the true round trip (SYN 74, SYN-ACK 74 bytes).
    double syn = FirstTime(a, "tcp.flags.syn == 1 && tcp.flags.ack == 0");
    double synAck = FirstTime(a, "tcp.flags.syn == 1 && tcp.flags.ack == 1");
    double synLen = std::stod(Fields(a, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-e frame.len")[0][0]);
    double synAckLen = std::stod(Fields(a, "tcp.flags.syn == 1 && tcp.flags.ack == 1", "-e frame.len")[0][0]);
    EXPECT_NEAR(synAck - syn, 2 * kDelay + TxTime(synLen, kRate) + TxTime(synAckLen, kRate), kTick);
    EXPECT_NEAR(FirstTime(b, "tcp.flags.syn == 1 && tcp.flags.ack == 0") - syn, kDelay + TxTime(synLen, kRate), kTick);
    // Wireshark's RTT at the sender is the true one (two delays), not one.
    auto rtts = Fields(a, "tcp.analysis.ack_rtt", "-e tcp.analysis.ack_rtt");
    ASSERT_FALSE(rtts.empty());
    EXPECT_GT(std::stod(rtts[0][0]), 2 * kDelay);
    EXPECT_LT(std::stod(rtts[0][0]), 2 * kDelay + 0.001);
    EXPECT_EQ(LinkType(a), 1u); // DLT_EN10MB
}

TEST(Wire, Ipv6NeighbourDiscoveryCrossesTheWireAndHostsAreNoRouters)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    Results r("ip = v6\n" + kCable);
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    std::string a = r.Out("alice-eth0.pcap"), b = r.Out("bob-eth0.pcap");
    const std::string ns = "icmpv6.type == 135 && !(ipv6.src == ::)", na = "icmpv6.type == 136 && !(ipv6.dst == ff02::1)";
    double solicit = FirstTime(a, ns + " && ipv6.src == fd00:1::1"), advert = FirstTime(a, na);
    double nsLen = std::stod(Fields(a, ns + " && ipv6.src == fd00:1::1", "-e frame.len")[0][0]);
    double naLen = std::stod(Fields(a, na, "-e frame.len")[0][0]);
    EXPECT_NEAR(advert - solicit, 2 * kDelay + TxTime(nsLen, kRate) + TxTime(naLen, kRate), kTick);
    EXPECT_NEAR(FirstTime(b, ns + " && ipv6.src == fd00:1::1") - solicit, kDelay + TxTime(nsLen, kRate), kTick);
    // Hosts do not route: no advertisement carries the router flag.
    EXPECT_EQ(Count(a, "icmpv6.type == 136 && icmpv6.nd.na.flag.r == 1"), 0u);
    EXPECT_EQ(Count(b, "icmpv6.type == 136 && icmpv6.nd.na.flag.r == 1"), 0u);
    EXPECT_EQ(Count(a, "icmpv6.type == 133"), 0u); // nor do they solicit routers (ns-3 would send five at once)
    // bob learnt alice from her solicitation: he answers the SYN without soliciting her.
    double bobSolicits = FirstTime(b, ns + " && ipv6.src == fd00:1::2");
    double bobSynAck = FirstTime(b, "tcp.flags.syn == 1 && tcp.flags.ack == 1");
    EXPECT_TRUE(std::isnan(bobSolicits) || bobSolicits > bobSynAck) << bobSolicits << " " << bobSynAck;
    // Set up in as long as over IPv4: one round trip of resolution, one of handshake.
    double syn = FirstTime(a, "tcp.flags.syn == 1 && tcp.flags.ack == 0");
    EXPECT_NEAR(FirstTime(a, "tcp.flags.syn == 1 && tcp.flags.ack == 1") - syn, 2 * kDelay, 0.0001);
}

TEST(Wire, FullDuplexCableCarriesNinetyMegabitsOfTcp)
{
    // CUBIC, as Linux: NewReno halves its window at each of the CoDel drops
    // its own slow start causes at the sender's queue disc, then takes seconds
    // to refill the pipe (see docs/measurements.md).
    Results r("duration = 8s\ncapture = none\n"
              "[link.cable]\ntype = ethernet\nnodes = alice bob\nrate = 100Mbps\ndelay = 20ms\n"
              "[app.srv]\ntype = tcp-server\nnode = bob\nport = 5000\nbuffer = 8MB\n"
              "[app.cli]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 50MB\nbuffer = 8MB\n"
              "congestion = cubic\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto client = App(r.summary, "cli");
    EXPECT_EQ(client.at("bytes_acked").get<uint64_t>(), 50000000u) << client.dump();
    // Once slow start is over (1 s after the start), every 100 ms carries the
    // Ethernet ceiling: 1448 bytes of data per 1538 on the wire.
    std::ifstream csv(r.Out("srv.throughput.csv"));
    std::string line;
    std::getline(csv, line);
    std::vector<double> steady;
    for (double t, bytes, bps; std::getline(csv, line) && std::sscanf(line.c_str(), "%lf,%lf,%lf", &t, &bytes, &bps) == 3;)
    {
        if (t >= 2.0 && bps > 0)
        {
            steady.push_back(bps);
        }
    }
    ASSERT_GT(steady.size(), 20u);
    steady.pop_back(); // the bin the transfer ends in
    double ceiling = 100e6 * 1448 / 1538;
    for (double bps : steady)
    {
        EXPECT_NEAR(bps, ceiling, 0.005 * ceiling);
    }
    double goodput = client.at("goodput_bps").get<double>();
    std::printf("50 MB over 100 Mbit/s, 20 ms: %.2f Mbit/s after slow start, %.2f Mbit/s from connect() on\n",
                steady[steady.size() / 2] / 1e6, goodput / 1e6);
    // From connect(): two round trips of set-up and slow start (initial window 10) cost about 0.2 s.
    EXPECT_GE(goodput, 87e6);
    EXPECT_FALSE(std::filesystem::exists(r.Out("alice-eth0.pcap"))); // capture = none
}

TEST(Wire, SwitchKeepsUnicastFromTheThirdHost)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    const std::string lan = "duration = 2s\n[link.lan]\ntype = ethernet\nnodes = a b c\nrate = 100Mbps\ndelay = 1ms\n"
                            "[app.srv]\ntype = tcp-server\nnode = b\nport = 5000\n"
                            "[app.cli]\ntype = tcp-client\nnode = a\npeer = b:5000\nbytes = 100000\n";
    for (std::string medium : {"switched", "shared"})
    {
        Results r(lan + "", "--set link.lan.medium=" + medium);
        ASSERT_EQ(r.outcome.status, 0) << medium << ": " << r.outcome.err;
        EXPECT_EQ(App(r.summary, "cli").at("bytes_acked").get<uint64_t>(), 100000u) << medium;
        std::string c = r.Out("c-eth0.pcap");
        EXPECT_EQ(Count(c, "tcp"), 0u) << medium;
        EXPECT_GE(Count(c, "arp.opcode == 1"), 1u) << medium; // broadcasts reach everyone
        if (medium == "switched")
        {
            // Host to host crosses two cables of 1 ms: the ARP round trip is four delays.
            std::string a = r.Out("a-eth0.pcap");
            double rtt = FirstTime(a, "arp.opcode == 2") - FirstTime(a, "arp.opcode == 1");
            EXPECT_NEAR(rtt, 4 * 0.001 + 4 * TxTime(42, kRate), kTick);
        }
    }
}

TEST(Wire, WifiHostViewHasNoFalseRetransmissionsAndTheRadioViewIs80211)
{
    Results r("duration = 3s\n[link.air]\ntype = wifi\nap = ap\nnodes = s1 s2\n"
              "[app.srv]\ntype = tcp-server\nnode = s2\nport = 5000\n"
              "[app.cli]\ntype = tcp-client\nnode = s1\npeer = s2:5000\nbytes = 1MB\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "cli").at("bytes_acked").get<uint64_t>(), 1000000u);
    for (std::string node : {"s1", "s2"})
    {
        std::string host = r.Out(node + "-wlan0.pcap");
        EXPECT_EQ(LinkType(host), 1u) << node;                                 // Ethernet
        EXPECT_EQ(LinkType(r.Out(node + "-wlan0.radio.pcap")), 127u) << node; // 802.11 + radiotap
        auto analysis = Nslab("analyze " + host + " --json");
        ASSERT_EQ(analysis.status, 0) << analysis.err;
        auto flows = nlohmann::json::parse(analysis.out).at("captures").at(0).at("flows");
        ASSERT_FALSE(flows.empty());
        ASSERT_EQ(flows.size(), 1u);
        const auto& flow = flows[0];
        for (const char* way : {"a_to_b", "b_to_a"})
        {
            const auto& flags = flow.at(way).at("analysis");
            EXPECT_EQ(flags.at("retransmission"), 0) << node << " " << flow.dump();
            EXPECT_EQ(flags.at("out_of_order"), 0) << node << " " << flow.dump();
        }
        // Duplicate ACKs: only those the receiver really sent (ns-3 acknowledges its own FIN twice).
        EXPECT_EQ(flow.at("a_to_b").at("analysis").at("duplicate_ack"), 0) << node;
        EXPECT_EQ(flow.at("b_to_a").at("analysis").at("duplicate_ack"),
                  App(r.summary, "cli").at("duplicate_acks")) << node;
        if (HaveTshark())
        {
            // The radio hears each segment twice (to and from the access point): "retransmissions".
            EXPECT_GT(Count(r.Out(node + "-wlan0.radio.pcap"), "tcp.analysis.retransmission"), 100u) << node;
        }
    }
}

TEST(Wire, HeadersCaptureKeepsTheFirst128BytesOfEveryFrame)
{
    Results r(kCable, "--set capture=headers");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    std::ifstream in(r.Out("alice-eth0.pcap"), std::ios::binary);
    uint32_t global[6] = {};
    in.read(reinterpret_cast<char*>(global), sizeof global);
    EXPECT_EQ(global[4], 128u); // snaplen
    size_t frames = 0, cut = 0;
    for (uint32_t record[4]; in.read(reinterpret_cast<char*>(record), sizeof record);)
    {
        EXPECT_LE(record[2], 128u);
        cut += record[3] > 128;
        ++frames;
        in.seekg(record[2], std::ios::cur);
    }
    EXPECT_GT(frames, 10u);
    EXPECT_GT(cut, 5u); // the data segments were longer
}

TEST(Wire, PerNodeAndPerLinkCaptureWinOverTheGlobalOne)
{
    Results r("capture = none\n" + kCable + "[node.bob]\ncapture = headers\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_FALSE(std::filesystem::exists(r.Out("alice-eth0.pcap")));
    EXPECT_TRUE(std::filesystem::exists(r.Out("bob-eth0.pcap")));
    EXPECT_FALSE(r.summary.at("interfaces")[0].contains("pcap"));
    EXPECT_EQ(r.summary.at("interfaces")[1].at("pcap"), "bob-eth0.pcap");
    auto bad = Results(kCable + "[node.bobby]\ncapture = none\n");
    EXPECT_EQ(bad.outcome.status, 2);
    EXPECT_NE(bad.outcome.err.find("did you mean 'bob'"), std::string::npos) << bad.outcome.err;
    auto word = Results(kCable, "--set capture=header");
    EXPECT_EQ(word.outcome.status, 2);
    EXPECT_NE(word.outcome.err.find("full | headers | none"), std::string::npos) << word.outcome.err;
}

TEST(Wire, AnIdleLanOf400NodesCostsWhatItCarries)
{
    std::string nodes;
    for (int i = 1; i <= 400; ++i)
    {
        nodes += " h" + std::to_string(i);
    }
    Results r("duration = 1s\ncapture = none\n[link.lan]\ntype = ethernet\nsubnet = 10.128.0.0/16\nloss = 1%\nnodes =" +
              nodes + "\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto size = std::filesystem::file_size(r.Out("summary.json"));
    std::printf("summary.json of an idle 400-node LAN: %ju bytes\n", static_cast<uintmax_t>(size));
    EXPECT_LT(size, 1000000u);
    EXPECT_TRUE(r.summary.at("links")[0].at("directions").empty()); // nothing crossed it
}
