// Big topologies (issue 16): includes, node ranges, app ranges and their
// group summaries. Every test runs nslab on files written here.
#include "test-util.h"

#include <gtest/gtest.h>

using namespace nslab::test;

namespace
{

/** Files of a scenario in one folder; run or check the one named. */
struct Files
{
    Files& Add(const std::string& name, const std::string& text)
    {
        std::ofstream(dir / name) << text;
        return *this;
    }
    Outcome Check(const std::string& name, const std::string& args = "") const
    {
        return Nslab("check " + (dir / name) + " " + args);
    }
    TempDir dir;
};

const std::string kLan = "# 49 hosts and a server\n[link.lan]\ntype = ethernet\nnodes = h[1..49] server\nrate = 100Mbps\n"
                         "delay = 1ms\n";

} // namespace

// The example: a range of 49 clients to one server, the LAN in an included file.
TEST(Ranges, FortyNineClientsOfAnIncludedLan)
{
    Files f;
    f.Add("lan.ini", kLan)
        .Add("s.ini", "name = range\nduration = 3s\ninclude = lan.ini\n[app.u]\ntype = udp-client\nnode = h[1..49]\n"
                      "peer = server:6000\ncount = 10\ninterval = 100ms\n[app.sink]\ntype = udp-server\nnode = server\n"
                      "port = 6000\n");
    Results r(FromFile{f.dir / "s.ini"});
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    size_t clients = 0;
    for (const auto& app : r.summary.at("apps"))
    {
        clients += app.at("type") == "udp-client";
    }
    EXPECT_EQ(clients, 49u);
    EXPECT_EQ(App(r.summary, "u-h1").at("node"), "h1");
    EXPECT_EQ(App(r.summary, "u-h49").at("node"), "h49");
    EXPECT_EQ(App(r.summary, "sink").at("packets_received"), 490);
    const auto& group = r.summary.at("groups").at(0);
    EXPECT_EQ(group.at("name"), "u");
    EXPECT_EQ(group.at("apps"), 49);
    EXPECT_EQ(group.at("total").at("packets_sent"), 490);
}

// Pairs (the i-th node to the i-th peer), fan-out (one node, a range of
// peers), zero-padded ranges, and servers on a range.
TEST(Ranges, PairsFanOutAndPadding)
{
    std::string head = "name = pairs\nduration = 2s\n[link.lan]\ntype = ethernet\nnodes = c[01..03] s[1..3] hub\n";
    Results r(head +
              "[app.pair]\ntype = udp-client\nnode = c[01..03]\npeer = s[1..3]:7000\ncount = 4\ninterval = 100ms\n"
              "[app.fan]\ntype = udp-client\nnode = hub\npeer = s[1..3]:7001\ncount = 2\ninterval = 100ms\n"
              "[app.sink]\ntype = udp-server\nnode = s[1..3]\nport = 7000\n"
              "[app.fansink]\ntype = udp-server\nnode = s[1..3]\nport = 7001\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "pair-c02").at("peer"), "s2:7000");
    EXPECT_EQ(App(r.summary, "fan-s3").at("node"), "hub");
    EXPECT_EQ(App(r.summary, "fan-s3").at("peer"), "s3:7001");
    for (std::string s : {"s1", "s2", "s3"})
    {
        EXPECT_EQ(App(r.summary, "sink-" + s).at("packets_received"), 4) << s;
        EXPECT_EQ(App(r.summary, "fansink-" + s).at("packets_received"), 2) << s;
    }
}

TEST(Ranges, MistakesAreNamed)
{
    Files f;
    auto error = [&](const std::string& apps, const std::string& nodes = "h[1..3] server") {
        f.Add("s.ini", "name = bad\n[link.lan]\ntype = ethernet\nnodes = " + nodes + "\n" + apps);
        auto o = f.Check("s.ini");
        EXPECT_EQ(o.status, 2) << apps << nodes;
        return o.err;
    };
    std::string client = "[app.u]\ntype = udp-client\n";
    EXPECT_NE(error("", "h[3..1] server").find("s.ini:4: [link.lan] nodes: 'h[3..1]' counts down"), std::string::npos);
    EXPECT_NE(error("", "h[1..x] server").find("'h[1..x]' is not a range such as h[1..50]"), std::string::npos);
    EXPECT_NE(error("", "h[1..200000]").find("names more than 100000 nodes"), std::string::npos);
    EXPECT_NE(error(client + "node = h[1..3]\npeer = h[1..2]:5000\n")
                  .find("s.ini:8: [app.u] peer: 2 peers for 3 nodes"),
              std::string::npos);
    EXPECT_NE(error(client + "node = h[1..4]\npeer = server:5000\n").find("unknown node 'h4'"), std::string::npos);
    EXPECT_NE(error(client + "node = h[1..2]\npeer = server:5000\n[app.u-h1]\ntype = udp-server\nnode = server\nport = 1\n")
                  .find("[app.u-h1]: two apps have this name"),
              std::string::npos);
}

// include: nested, relative to the including file, later keys win, --set
// last; a cycle is refused with its chain.
TEST(Includes, NestedOverriddenAndCyclesRefused)
{
    Files f;
    std::filesystem::create_directory(f.dir / "topo");
    f.Add("topo/base.ini", "[link.wan]\ntype = p2p\nnodes = a b\nrate = 10Mbps\ndelay = 5ms\n")
        .Add("topo/mid.ini", "include = base.ini\n[link.wan]\ndelay = 20ms\n")
        .Add("s.ini", "name = inc\ninclude = topo/mid.ini\n[link.wan]\nrate = 1Mbps\n");
    auto ok = f.Check("s.ini", "--set link.wan.loss=1%");
    ASSERT_EQ(ok.status, 0) << ok.err;
    EXPECT_NE(ok.out.find("rate = 1Mbps"), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("delay = 20ms"), std::string::npos) << ok.out;
    EXPECT_NE(ok.out.find("loss = 1%"), std::string::npos) << ok.out;
    EXPECT_EQ(ok.out.find("include"), std::string::npos) << "the resolved scenario needs no include";
    // An error in an included file names that file and line.
    f.Add("topo/base.ini", "[link.wan]\ntype = p2p\nnodes = a b\nmtu = big\n");
    auto bad = f.Check("s.ini");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("topo/base.ini:4: [link.wan] mtu:"), std::string::npos) << bad.err;
    // Cycles.
    f.Add("topo/base.ini", "include = ../s.ini\n[link.wan]\ntype = p2p\nnodes = a b\n");
    auto cycle = f.Check("s.ini");
    EXPECT_EQ(cycle.status, 2);
    EXPECT_NE(cycle.err.find("topo/base.ini:1: include: a cycle: " + (f.dir / "s.ini") + " -> " + (f.dir / "topo/mid.ini") +
                             " -> " + (f.dir / "topo/base.ini") + " -> " + (f.dir / "topo/../s.ini")),
              std::string::npos)
        << cycle.err;
    f.Add("s.ini", "name = inc\ninclude = missing.ini\n");
    auto missing = f.Check("s.ini");
    EXPECT_EQ(missing.status, 2);
    EXPECT_NE(missing.err.find("missing.ini"), std::string::npos) << missing.err;
}

// Each pcap is an open file for the whole run: 1100 of them under a soft
// limit of 1024 raise it; a hard limit below what the run needs refuses the
// run before it writes anything.
TEST(Scale, OpenFileLimitIsRaisedOrTheRunRefused)
{
    Files f;
    f.Add("s.ini", "name = idle\nduration = 100ms\nbin = 10ms\n[link.lan]\ntype = ethernet\nnodes = h[1..1100]\n");
    auto ok = Shell("ulimit -Sn 1024 && " + std::string(NSLAB_BIN) + " run " + (f.dir / "s.ini") + " -q --out " +
                    (f.dir / "out"));
    ASSERT_EQ(ok.status, 0) << ok.err;
    size_t pcaps = 0;
    for (const auto& entry : std::filesystem::directory_iterator(f.dir / "out"))
    {
        pcaps += entry.path().extension() == ".pcap";
    }
    EXPECT_EQ(pcaps, 1100u);
    auto refused = Shell("ulimit -Sn 500 && ulimit -Hn 600 && " + std::string(NSLAB_BIN) + " run " + (f.dir / "s.ini") +
                         " -q --out " + (f.dir / "out2"));
    EXPECT_EQ(refused.status, 2);
    EXPECT_NE(refused.err.find("this run writes 1100 pcaps, each an open file, and this process may open at most 600 "
                               "files (the hard limit, ulimit -Hn)"),
              std::string::npos)
        << refused.err;
    EXPECT_FALSE(std::filesystem::exists(f.dir / "out2/h1-eth0.pcap"));
}
