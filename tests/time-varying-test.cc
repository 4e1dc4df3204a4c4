// Scenarios that change over time (issue 17): events on links, radios that
// move, rate control, cells that share a channel, routing that reacts.
#include "test-util.h"

#include <gtest/gtest.h>

using namespace nslab::test;

namespace
{

/** A p2p wire with a UDP stream (a datagram every 10 ms) and a paced TCP flow, and events. */
std::string
Wire(const std::string& events)
{
    return "name = wire\nduration = 14s\n[link.wan]\ntype = p2p\nnodes = alice bob\nrate = 10Mbps\ndelay = 10ms\n"
           "[app.stream]\ntype = udp-client\nnode = alice\npeer = bob:6000\ninterval = 10ms\nsize = 200B\nstart = 1s\n"
           "[app.sink]\ntype = udp-server\nnode = bob\nport = 6000\n"
           "[app.bulk]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nrate = 1Mbps\nsize = 1000B\nstart = 1s\n"
           "[app.tsink]\ntype = tcp-server\nnode = bob\nport = 5000\n" +
           events;
}

/** \return the frames of a pcap that match a display filter and were captured in [from, to) seconds. */
size_t
FramesBetween(const std::string& pcap, const std::string& filter, double from, double to)
{
    std::string window = "frame.time_epoch >= " + std::to_string(from) + " && frame.time_epoch < " + std::to_string(to);
    return Lines(Tshark(pcap, "-Y '(" + filter + ") && " + window + "'"));
}

} // namespace

// The example: down from 3 s to 5 s, then 20 % loss from 8 s.
TEST(Events, LinkDownThenUpThenLossy)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    Results r(Wire("[event.cut]\nat = 3s\nlink.wan.state = down\n[event.fixed]\nat = 5s\nlink.wan.state = up\n"
                   "[event.lossy]\nat = 8s\nlink.wan.loss = 20%\n"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    std::string sent = r.Out("alice-ppp0.pcap"), got = r.Out("bob-ppp0.pcap");
    // Nothing crosses while it is down (in both directions), and both flows cross again after.
    EXPECT_EQ(FramesBetween(got, "ip", 3.0, 5.0), 0u);
    EXPECT_EQ(FramesBetween(r.Out("alice-ppp0.pcap"), "ip.src == 10.0.1.2", 3.0, 5.0), 0u);
    EXPECT_GT(FramesBetween(got, "udp.dstport == 6000", 5.0, 5.5), 40u);
    EXPECT_GT(FramesBetween(got, "tcp.len > 0", 5.0, 8.0), 100u);
    EXPECT_GT(FramesBetween(got, "tcp.len > 0", 2.0, 3.0), 100u);
    // No loss before 8 s; 20 +- 8 % after (frames take 10 ms to cross).
    size_t before = FramesBetween(sent, "udp.dstport == 6000", 5.5, 7.9);
    EXPECT_EQ(FramesBetween(got, "udp.dstport == 6000", 5.51, 7.91), before);
    size_t out = FramesBetween(sent, "udp.dstport == 6000", 8.0, 13.9);
    size_t in = FramesBetween(got, "udp.dstport == 6000", 8.01, 13.91);
    ASSERT_GT(out, 500u);
    double loss = 1 - static_cast<double>(in) / out;
    EXPECT_NEAR(loss, 0.20, 0.08) << in << " of " << out;
    // The summary lists the events, and counts what the link dropped while down.
    ASSERT_EQ(r.summary.at("events").size(), 3u);
    EXPECT_EQ(r.summary.at("events").at(0).at("name"), "cut");
    EXPECT_EQ(r.summary.at("events").at(0).at("set").at("link.wan.state"), "down");
    EXPECT_DOUBLE_EQ(r.summary.at("events").at(2).at("time_s").get<double>(), 8.0);
    EXPECT_GT(Direction(r.summary, "alice", "bob").at("dropped_by_cause").at("random"), 60);
}

// A delay that changes: each frame crosses with the delay of when it was sent.
TEST(Events, DelayChangesOnTheWire)
{
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark is not installed";
    }
    Results r(Wire("[event.far]\nat = 4s\nlink.wan.alice->bob.delay = 50ms\n"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto latency = App(r.summary, "sink").at("latency_max_s").get<double>();
    EXPECT_GT(latency, 0.050);
    EXPECT_LT(App(r.summary, "sink").at("latency_min_s").get<double>(), 0.0105);
}

TEST(Events, CheckPrintsTheTimelineAndRefusesMistakes)
{
    TempDir dir;
    auto check = [&](const std::string& events) {
        std::ofstream(dir / "s.ini") << Wire(events);
        return Nslab("check " + (dir / "s.ini"));
    };
    auto ok = check("[event.b]\nat = 5s\nlink.wan.state = up\n[event.a]\nat = 3s\nlink.wan.state = down\n");
    ASSERT_EQ(ok.status, 0) << ok.err;
    EXPECT_NE(ok.out.find("# timeline\n#   3s  a: link.wan.state = down\n#   5s  b: link.wan.state = up\n"),
              std::string::npos)
        << ok.out;
    // The resolved scenario loads again to the same.
    std::ofstream(dir / "again.ini") << ok.out;
    auto body = [](const std::string& text) { return text.substr(text.find('\n')); }; // after the file's name
    EXPECT_EQ(body(Nslab("check " + (dir / "again.ini")).out), body(ok.out));

    auto late = check("[event.late]\nat = 14s\nlink.wan.loss = 5%\n");
    EXPECT_EQ(late.status, 2);
    EXPECT_NE(late.err.find("s.ini:31: [event.late] at: an event happens during the run"), std::string::npos) << late.err;
    auto mtu = check("[event.m]\nat = 2s\nlink.wan.mtu = 1000\n");
    EXPECT_EQ(mtu.status, 2);
    EXPECT_NE(mtu.err.find("s.ini:32: [event.m] link.wan.mtu: 'mtu' cannot change during a run"), std::string::npos)
        << mtu.err;
    auto typo = check("[event.t]\nat = 2s\nlink.wna.loss = 5%\n");
    EXPECT_EQ(typo.status, 2);
    EXPECT_NE(typo.err.find("no section [link.wna] (did you mean [link.wan]?)"), std::string::npos) << typo.err;
    auto value = check("[event.v]\nat = 2s\nlink.wan.loss = 120%\n");
    EXPECT_EQ(value.status, 2);
    EXPECT_NE(value.err.find("s.ini:32: [link.wan] loss:"), std::string::npos) << value.err;
    auto state = check("[event.s]\nat = 2s\nlink.wan.state = off\n");
    EXPECT_EQ(state.status, 2);
    EXPECT_NE(state.err.find("s.ini:32: [link.wan] state:"), std::string::npos) << state.err;
}

// The example: a station walks from 5 m to 400 m of its access point in 20 s (Minstrel-HT).
TEST(Movement, StationWalkingAwayLosesItsThroughput)
{
    Results r("name = walk\nduration = 20s\ncapture = none\n[link.air]\ntype = wifi\nap = ap\nnodes = sta\n"
              "rate_control = minstrel\n[node.sta]\nwaypoints = 0s:5,0 20s:400,0\n"
              "[app.up]\ntype = udp-client\nnode = sta\npeer = ap:6000\nrate = 10Mbps\nsize = 1000B\nstart = 0.5s\n"
              "[app.sink]\ntype = udp-server\nnode = ap\nport = 6000\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    double first = MeanThroughput(r.Out("sink.throughput.csv"), 0.5, 3.5);
    double last = MeanThroughput(r.Out("sink.throughput.csv"), 17, 20);
    EXPECT_GT(first, 5e6);
    EXPECT_LT(last, 0.3 * first) << first << " then " << last;
}

// The example: two saturated cells on one channel against the same on two.
TEST(SharedChannel, TwoCellsOnOneChannelShareTheAir)
{
    auto cells = [](const std::string& second) {
        std::string text = "name = share\nduration = 4s\ncapture = none\n";
        for (std::string n : {"1", "2"})
        {
            text += "[link.c" + n + "]\ntype = wifi\nap = ap" + n + "\nnodes = s" + n + "\nchannel = " +
                    (n == "1" ? "1" : second) + "\n[app.u" + n + "]\ntype = udp-client\nnode = s" + n +
                    "\npeer = ap" + n + ":6000\nrate = 60Mbps\nsize = 1400B\nstart = 1s\n[app.k" + n +
                    "]\ntype = udp-server\nnode = ap" + n + "\nport = 6000\n";
        }
        Results r(text);
        EXPECT_EQ(r.outcome.status, 0) << r.outcome.err;
        return App(r.summary, "k1").at("bytes_received").get<double>() +
               App(r.summary, "k2").at("bytes_received").get<double>();
    };
    double shared = cells("1"), apart = cells("6");
    EXPECT_GT(apart, 0);
    EXPECT_LT(shared, 0.75 * apart) << shared << " against " << apart;
}

TEST(RateControl, ConstantModeAndMistakes)
{
    std::string head = "name = rc\nduration = 3s\ncapture = none\n[link.air]\ntype = wifi\nap = ap\nnodes = sta\n";
    std::string apps = "[app.up]\ntype = udp-client\nnode = sta\npeer = ap:6000\nrate = 20Mbps\nsize = 1000B\n"
                       "[app.sink]\ntype = udp-server\nnode = ap\nport = 6000\n";
    // HT MCS 0 carries 6.5 Mbit/s: a 20 Mbit/s stream gets less than that through.
    Results slow(head + "rate_control = constant\nmode = HtMcs0\n" + apps);
    ASSERT_EQ(slow.outcome.status, 0) << slow.outcome.err;
    double goodput = App(slow.summary, "sink").at("bytes_received").get<double>() * 8 / 2;
    EXPECT_LT(goodput, 6.5e6);
    EXPECT_GT(goodput, 3e6);
    Results fast(head + "rate_control = constant\nmode = HtMcs7\n" + apps);
    ASSERT_EQ(fast.outcome.status, 0) << fast.outcome.err;
    EXPECT_GT(App(fast.summary, "sink").at("bytes_received").get<double>() * 8 / 2, 2 * goodput);

    TempDir dir;
    std::ofstream(dir / "a.ini") << head + "rate_control = constant\nmode = HtMcs9\n" + apps;
    auto bad = Nslab("check " + (dir / "a.ini"));
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("a.ini:9: [link.air] mode: 'HtMcs9' is not a mode of 802.11n"), std::string::npos) << bad.err;
    std::ofstream(dir / "b.ini") << head + "rate_control = minstrel\nmode = HtMcs1\n" + apps;
    EXPECT_NE(Nslab("check " + (dir / "b.ini")).err.find("mode: a mode is the one rate of rate_control = constant"),
              std::string::npos);
    std::ofstream(dir / "c.ini") << head + "[node.ap]\nposition = 1,2,3,4\n" + apps;
    EXPECT_NE(Nslab("check " + (dir / "c.ini")).err.find("c.ini:9: [node.ap] position: expected a point"),
              std::string::npos);
}

// The example: a triangle of routers whose direct link fails at 10 s.
// RIP finds the way through the third router; routes computed once (fixed) do not.
TEST(Routing, RipReroutesAroundAFailedLink)
{
    auto run = [](const std::string& routing) {
        std::string text = "name = triangle\nduration = 20s\nrouting = " + routing + "\n" +
                           (routing == "rip" ? "rip_update = 2s\nrip_timeout = 6s\nrip_garbage = 4s\n" : "") +
                           "[link.lan1]\ntype = ethernet\nnodes = h1 r1\n[link.lan3]\ntype = ethernet\nnodes = h3 r3\n"
                           "[link.r1r3]\ntype = p2p\nnodes = r1 r3\ndelay = 5ms\n"
                           "[link.r1r2]\ntype = p2p\nnodes = r1 r2\ndelay = 5ms\n"
                           "[link.r2r3]\ntype = p2p\nnodes = r2 r3\ndelay = 5ms\n"
                           "[app.stream]\ntype = udp-client\nnode = h1\npeer = h3:6000\ninterval = 100ms\nsize = 200B\n"
                           "start = 5s\n[app.sink]\ntype = udp-server\nnode = h3\nport = 6000\n"
                           "[event.cut]\nat = 10s\nlink.r1r3.state = down\n";
        auto r = std::make_unique<Results>(text);
        EXPECT_EQ(r->outcome.status, 0) << r->outcome.err;
        return r;
    };
    auto rip = run("rip");
    auto fixed = run("fixed");
    auto oracle = run("static");
    // 150 datagrams from 5 s to 20 s, 50 before the failure.
    int viaRip = App(rip->summary, "sink").at("packets_received");
    EXPECT_GT(viaRip, 130);
    EXPECT_LT(viaRip, 150);
    EXPECT_EQ(App(oracle->summary, "sink").at("packets_received"), 150);
    EXPECT_EQ(App(fixed->summary, "sink").at("packets_received"), 50);
    if (HaveTshark())
    {
        // After the failure the datagrams cross r2's links.
        EXPECT_GT(FramesBetween(rip->Out("r2-ppp1.pcap"), "udp.dstport == 6000", 12, 20), 70u);
        EXPECT_EQ(FramesBetween(fixed->Out("r2-ppp1.pcap"), "udp.dstport == 6000", 0, 20), 0u);
    }
}
