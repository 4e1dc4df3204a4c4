// The socket lesson, complete (issue 14): what a socket program would see of
// each outcome (refused, timed out, reset; ICMP port unreachable for UDP),
// TCP as a byte stream read by recv(recv_size), raw clients without nslab's
// header, and a paced TCP client. Every test runs nslab and reads its
// summary, and where tshark is installed, the pcaps too.
#include "test-util.h"

#include <gtest/gtest.h>

using namespace nslab::test;

namespace
{

/** alice and bob on a 10 Mbit/s, 5 ms link of the given type, then the apps. */
std::string
Wire(const std::string& apps, const std::string& head = "duration = 6s\n", const std::string& link = "ethernet")
{
    return "name = socket\n" + head + "[link.wire]\ntype = " + link +
           "\nnodes = alice bob\nrate = 10Mbps\ndelay = 5ms\n" + apps;
}

const std::string kTcpClient = "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n";
const std::string kTcpServer = "[app.s]\ntype = tcp-server\nnode = bob\nport = 5000\n";
const std::string kUdpClient = "[app.u]\ntype = udp-client\nnode = alice\npeer = bob:6000\n";
const std::string kUdpServer = "[app.us]\ntype = udp-server\nnode = bob\nport = 6000\n";
const std::string kLesson = "messages = hello \"how are you\" bye\nraw = true\n";

/** Runs scenario text into a temporary folder, with the text summary on stdout. */
struct Loud : Results
{
    explicit Loud(const std::string& scenarioText, const std::string& args = "")
        : Results(scenarioText, args, false)
    {
    }
};

/** \return the texts of a server's reads, joined. */
std::string
Joined(const nlohmann::json& server)
{
    std::string all;
    for (const auto& read : server.at("reads"))
    {
        all += read.at("text").get<std::string>();
    }
    return all;
}

/** \return the number of frames of a pcap that match a display filter. */
size_t
Frames(const std::string& pcap, const std::string& filter)
{
    return Fields(pcap, filter, "-e frame.number").size();
}

class SocketOutcome : public ::testing::TestWithParam<std::string>
{
};

} // namespace

// connect() to a port where nothing listens: the RST ends it at once, as on
// Linux. ns-3.37 alone ignores that RST and sends the SYN again 3 s later.
TEST_P(SocketOutcome, ClosedTcpPortRefusesAtOnce)
{
    Loud r(Wire(kTcpClient + "bytes = 10KB\n"), "--set ip=" + GetParam());
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto c = App(r.summary, "c");
    EXPECT_EQ(c.at("error"), "ECONNREFUSED");
    EXPECT_TRUE(c.at("connect_failed").get<bool>());
    EXPECT_FALSE(c.at("connected").get<bool>());
    EXPECT_EQ(c.at("bytes_sent"), 0);
    EXPECT_EQ(c.at("rtt_samples"), 0); // the RST is no round trip of the handshake
    // One round trip after connect() at 1 s (and the wait for ARP or neighbor discovery).
    EXPECT_GT(c.at("error_time_s").get<double>(), 1.01);
    EXPECT_LT(c.at("error_time_s").get<double>(), 1.05);
    if (HaveTshark())
    {
        std::string pcap = r.Out("alice-eth0.pcap");
        EXPECT_EQ(Frames(pcap, "tcp.flags.syn == 1"), 1u);  // one SYN, no retry
        EXPECT_EQ(Frames(pcap, "tcp.flags.reset == 1"), 1u); // bob's RST; alice sends none back
        EXPECT_EQ(Frames(pcap, "tcp"), 2u);
    }
}

// A connected UDP socket to a closed port: bob's stack answers each datagram
// with ICMP port unreachable (ICMPv6 over IPv6), which ns-3 hands to the socket.
TEST_P(SocketOutcome, UdpToClosedPortGetsPortUnreachable)
{
    Loud r(Wire(kUdpClient + "size = 100B\ncount = 3\n"), "--set ip=" + GetParam());
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto u = App(r.summary, "u");
    EXPECT_EQ(u.at("packets_sent"), 3);
    EXPECT_EQ(u.at("icmp_unreachable"), 3);
    EXPECT_EQ(u.at("error"), "ECONNREFUSED");
    EXPECT_NE(r.outcome.out.find("3 ICMP errors (destination unreachable) came back, the first at 1.02"),
              std::string::npos)
        << r.outcome.out;
    EXPECT_NE(r.outcome.out.find("connection refused (ECONNREFUSED)"), std::string::npos);
    if (HaveTshark())
    {
        std::string filter = GetParam() == "v6" ? "icmpv6.type == 1 && icmpv6.code == 4"
                                                : "icmp.type == 3 && icmp.code == 3";
        EXPECT_EQ(Frames(r.Out("alice-eth0.pcap"), filter), 3u);
    }
}

INSTANTIATE_TEST_SUITE_P(IpVersions, SocketOutcome, ::testing::Values("v4", "v6"));

// Nothing answers: ns-3 sends the SYN 6 times (ConnTimeout 3 s, doubling:
// at 0, 3, 9, 21, 45 and 93 s) and gives up 189 s after connect().
TEST(Socket, UnansweredSynTimesOut)
{
    Loud r(Wire(kTcpClient + "bytes = 10KB\n" + kTcpServer, "duration = 200s\n", "p2p"),
              "--set link.wire.loss=100%");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto c = App(r.summary, "c");
    EXPECT_EQ(c.at("error"), "ETIMEDOUT");
    EXPECT_TRUE(c.at("connect_failed").get<bool>());
    EXPECT_DOUBLE_EQ(c.at("error_time_s").get<double>(), 190.0); // start 1 s + 189 s
    EXPECT_NE(r.outcome.out.find("connect() failed after 189.000 s: connection timed out (ETIMEDOUT)"),
              std::string::npos)
        << r.outcome.out;
    if (HaveTshark())
    {
        EXPECT_EQ(Frames(r.Out("alice-ppp0.pcap"), "tcp.flags.syn == 1"), 6u);
    }
}

// A server that stops while its client still sends closes as close() does
// (FIN); the data that arrives after it gets a RST, as from Linux, and the
// client sees ECONNRESET.
TEST(Socket, ServerStopResetsTheTransfer)
{
    Loud r(Wire(kTcpClient + "bytes = 10MB\n" + kTcpServer + "stop = 2s\n", "duration = 4s\n", "p2p"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto c = App(r.summary, "c");
    EXPECT_EQ(c.at("error"), "ECONNRESET");
    EXPECT_TRUE(c.at("connected").get<bool>());
    EXPECT_FALSE(c.at("completed").get<bool>());
    EXPECT_GT(c.at("error_time_s").get<double>(), 2.0);
    EXPECT_LT(c.at("error_time_s").get<double>(), 2.02); // the first segment after the FIN, a round trip later
    auto s = App(r.summary, "s");
    EXPECT_EQ(s.at("bytes_received"), c.at("bytes_acked")); // what the server read, it acknowledged; no more
    EXPECT_NE(r.outcome.out.find("connection reset by peer (ECONNRESET) at 2.0"), std::string::npos)
        << r.outcome.out;
    if (HaveTshark())
    {
        std::string pcap = r.Out("bob-ppp0.pcap");
        EXPECT_EQ(Frames(pcap, "tcp.srcport == 5000 && tcp.flags.fin == 1"), 1u);
        // The first RST carries the timestamp option: from the closed connection,
        // before ns-3 tears it down; then each segment still in flight gets one.
        EXPECT_EQ(Frames(pcap, "tcp.srcport == 5000 && tcp.flags.reset == 1 && tcp.options.timestamp.tsval"), 1u);
        // Nothing after the FIN acknowledges data.
        auto fin = Fields(pcap, "tcp.srcport == 5000 && tcp.flags.fin == 1", "-e tcp.ack");
        auto acks = Fields(pcap, "tcp.srcport == 5000 && tcp.flags.reset == 0", "-e tcp.ack");
        ASSERT_EQ(fin.size(), 1u);
        EXPECT_EQ(acks.back(), fin[0]);
    }
}

// TCP keeps no message boundaries: the lesson's three texts, written without
// nslab's header, reach the server as one stream.
TEST(Socket, RawTextsAreReadAsOneStream)
{
    Loud r(Wire(kTcpClient + kLesson + kTcpServer + kUdpClient + kLesson + kUdpServer, "duration = 3s\n", "p2p"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto s = App(r.summary, "s");
    EXPECT_EQ(Joined(s), "hellohow are youbye");
    EXPECT_EQ(s.at("bytes_received"), 19);
    EXPECT_EQ(s.at("recv_calls"), s.at("reads").size());
    EXPECT_TRUE(s.at("raw").get<bool>());
    EXPECT_TRUE(s.at("messages_received").is_null()); // no header: no message to count
    EXPECT_TRUE(s.at("message_delay_mean_s").is_null());
    EXPECT_EQ(s.at("malformed_bytes"), 0);
    auto c = App(r.summary, "c");
    EXPECT_EQ(c.at("bytes_sent"), 19);
    EXPECT_TRUE(c.at("completed").get<bool>());
    EXPECT_TRUE(c.at("messages")[0].at("received_s").is_null());
    // Written at once, the three texts share a segment and a read.
    EXPECT_EQ(s.at("reads").size(), 1u);
    // UDP keeps them: one datagram, one read each.
    auto us = App(r.summary, "us");
    ASSERT_EQ(us.at("reads").size(), 3u);
    EXPECT_EQ(us.at("reads")[1].at("text"), "how are you");
    EXPECT_EQ(us.at("packets_received"), 3);
    EXPECT_TRUE(us.at("packets_lost").is_null());
    EXPECT_TRUE(us.at("flows").empty());
    EXPECT_NE(r.outcome.out.find("bob read 19 B at 1.0"), std::string::npos) << r.outcome.out;
    if (HaveTshark())
    {
        // On the wire, the payload is the texts alone.
        auto data = Fields(r.Out("bob-ppp0.pcap"), "tcp.len > 0", "-e tcp.payload");
        ASSERT_EQ(data.size(), 1u);
        EXPECT_EQ(data[0][0], "68656c6c6f686f772061726520796f75627965"); // "hellohow are youbye"
    }
}

// recv(4) takes at most 4 bytes a call: five reads, that join to the stream.
TEST(Socket, RecvSizeCutsTheStreamIntoReads)
{
    Loud r(Wire(kTcpClient + kLesson + kTcpServer + "recv_size = 4B\n", "duration = 3s\n", "p2p"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto s = App(r.summary, "s");
    EXPECT_EQ(s.at("recv_calls"), 5);
    ASSERT_EQ(s.at("reads").size(), 5u);
    EXPECT_EQ(s.at("reads")[0].at("text"), "hell");
    EXPECT_EQ(s.at("reads")[4].at("text"), "bye");
    EXPECT_EQ(s.at("reads")[4].at("bytes"), 3);
    EXPECT_EQ(Joined(s), "hellohow are youbye");
}

// Texts paced one per interval leave in segments of their own: three reads.
TEST(Socket, PacedTextsAreReadOneByOne)
{
    Loud r(Wire(kTcpClient + kLesson + "interval = 100ms\n" + kTcpServer, "duration = 3s\n", "p2p"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto s = App(r.summary, "s");
    ASSERT_EQ(s.at("reads").size(), 3u);
    EXPECT_EQ(s.at("reads")[0].at("text"), "hello");
    EXPECT_EQ(s.at("reads")[2].at("text"), "bye");
    EXPECT_NEAR(s.at("reads")[2].at("time_s").get<double>() - s.at("reads")[0].at("time_s").get<double>(), 0.2,
                0.001);
}

// With nslab's header, the reads show it: 24 bytes before each text.
TEST(Socket, ReadsShowTheHeaderOfNslabMessages)
{
    Loud r(Wire(kTcpClient + "messages = hi\n" + kTcpServer, "duration = 3s\n", "p2p"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto s = App(r.summary, "s");
    ASSERT_EQ(s.at("reads").size(), 1u);
    EXPECT_EQ(s.at("reads")[0].at("bytes"), 26);
    std::string text = s.at("reads")[0].at("text");
    EXPECT_EQ(text.substr(0, 14), "NS\\x01\\x01\\x00"); // magic, version, text flag, app id...
    EXPECT_EQ(text.substr(text.size() - 2), "hi");
    EXPECT_EQ(s.at("messages_received"), 1);
}

// Voice over TCP: a 160-byte message every 20 ms, 150 of them, over a wire
// that loses 2 %: TCP delivers all count x size bytes, UDP loses some.
TEST(Socket, PacedTcpDeliversCountTimesSize)
{
    std::string pace = "size = 160B\ninterval = 20ms\ncount = 150\n";
    Loud r(Wire(kTcpClient + pace + kTcpServer + kUdpClient + pace + kUdpServer, "duration = 6s\n", "p2p"),
              "--set link.wire.loss=2%");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto c = App(r.summary, "c");
    auto s = App(r.summary, "s");
    EXPECT_EQ(c.at("messages_sent"), 150);
    EXPECT_EQ(c.at("bytes_sent"), 24000);
    EXPECT_TRUE(c.at("completed").get<bool>());
    EXPECT_TRUE(c.at("error").is_null());
    EXPECT_EQ(s.at("bytes_received"), 24000);
    EXPECT_EQ(s.at("messages_received"), 150);
    // The last message falls due 149 intervals after the first.
    EXPECT_GT(c.at("completion_time_s").get<double>(), 149 * 0.02);
    auto us = App(r.summary, "us");
    EXPECT_LT(us.at("flows")[0].at("packets_received").get<int>(), 150);
    EXPECT_NE(r.outcome.out.find("sent 24000 of 24000 B in 150 messages, one every 20.000 ms"), std::string::npos)
        << r.outcome.out;
}

// The shipped scenario of the three errors: each as its summary and the pcap show it.
TEST(Socket, ShippedErrorsScenario)
{
    Loud r(Slurp(Scenario("socket-errors.ini")));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "refused").at("error"), "ECONNREFUSED");
    EXPECT_EQ(App(r.summary, "upload").at("error"), "ECONNRESET");
    EXPECT_EQ(App(r.summary, "voice").at("error"), "ECONNREFUSED");
    EXPECT_EQ(App(r.summary, "voice").at("icmp_unreachable"), 10);
    if (HaveTshark())
    {
        std::string pcap = r.Out("alice-eth0.pcap");
        EXPECT_EQ(Frames(pcap, "tcp.port == 5001"), 2u); // the SYN and the RST
        EXPECT_EQ(Lines(Tshark(pcap, "-Y '_ws.malformed || _ws.expert.severity == error'")), 0u);
    }
}

// The shipped byte-stream scenario: one read for the burst, three for the paced texts and the datagrams.
TEST(Socket, ShippedByteStreamScenario)
{
    Loud r(Slurp(Scenario("byte-stream.ini")));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "stream").at("reads").size(), 1u);
    EXPECT_EQ(Joined(App(r.summary, "stream")), "hellohow are youbye");
    EXPECT_EQ(App(r.summary, "stream2").at("reads").size(), 3u);
    EXPECT_EQ(Joined(App(r.summary, "stream2")), "hellohow are youbye");
    EXPECT_EQ(App(r.summary, "datagrams").at("reads").size(), 3u);
}
