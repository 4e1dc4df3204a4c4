// Big topologies (issue 16): includes, node ranges, app ranges and their
// group summaries: on files written here, and on the topology files of
// topologies/ and the shipped scenarios that include them.
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

// The topology files in topologies/: each documented in its header comment,
// links only (no name, duration or apps), loading on its own, and included by
// some shipped scenario.
namespace
{

namespace fs = std::filesystem;

std::vector<fs::path>
IniFiles(const std::string& folder)
{
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(std::string(NSLAB_SOURCE_DIR) + "/" + folder))
    {
        if (entry.path().extension() == ".ini")
        {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    return files;
}

/** \return the files a scenario's include key names, as written. */
std::vector<std::string>
IncludesOf(const fs::path& scenario)
{
    std::istringstream in(Slurp(scenario));
    std::vector<std::string> names;
    for (std::string line; std::getline(in, line) && line.rfind("[", 0) != 0;)
    {
        if (line.rfind("include", 0) == 0 && line.find('=') != std::string::npos)
        {
            std::istringstream words(line.substr(line.find('=') + 1));
            for (std::string word; words >> word && word[0] != '#';)
            {
                names.push_back(word);
            }
        }
    }
    return names;
}

/** Runs a shipped scenario. */
Results
Shipped(const std::string& name)
{
    return Results(FromFile{Scenario(name)});
}

size_t
Count(const Results& r, const std::string& pcap, const std::string& filter)
{
    return Lines(Tshark(r.Out(pcap), "-Y '" + filter + "'"));
}

} // namespace

TEST(Topologies, EachIsDocumentedIncludedAndLoads)
{
    auto topologies = IniFiles("topologies");
    ASSERT_GE(topologies.size(), 4u);
    for (const auto& topology : topologies)
    {
        SCOPED_TRACE(topology.string());
        std::string text = Slurp(topology);
        // A header comment: what it is, its nodes, links and parameters.
        EXPECT_EQ(text.rfind("# Topology: ", 0), 0u);
        std::string header = text.substr(0, text.find("\n[")); // up to the first section
        for (const std::string& part : std::vector<std::string>{"\n# Nodes:", "\n# Links", "\n# Parameters",
                                                                 "include = ../topologies/" + topology.filename().string()})
        {
            EXPECT_NE(header.find(part), std::string::npos) << part;
        }
        // Links (and nodes) only: every line after the header is blank, a
        // comment, a [link.*] or [node.*] header, or a key of such a section.
        std::istringstream lines(text.substr(header.size()));
        for (std::string line; std::getline(lines, line);)
        {
            if (!line.empty() && line[0] == '[')
            {
                EXPECT_TRUE(line.rfind("[link.", 0) == 0 || line.rfind("[node.", 0) == 0) << line;
            }
        }
        auto check = Nslab("check " + topology.string());
        EXPECT_EQ(check.status, 0) << check.err;
        EXPECT_EQ(check.err, "");
        EXPECT_EQ(check.out.find("[app."), std::string::npos);
        // Included by a shipped scenario.
        size_t users = 0;
        for (const auto& scenario : IniFiles("scenarios"))
        {
            for (const auto& name : IncludesOf(scenario))
            {
                users += fs::weakly_canonical(scenario.parent_path() / name) == fs::weakly_canonical(topology);
            }
        }
        EXPECT_GE(users, 1u) << "no scenario in scenarios/ includes it";
    }
}

// The dumbbell: ten pairs share the bottleneck, whose queue drops.
TEST(Topologies, DumbbellFlowsShareTheBottleneck)
{
    Results r = Shipped("dumbbell-flows.ini");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    double delivered = 0, last = 0;
    for (int i = 1; i <= 10; ++i)
    {
        auto flow = App(r.summary, "flow-l" + std::to_string(i));
        SCOPED_TRACE(flow.dump());
        EXPECT_EQ(flow.at("peer"), "r" + std::to_string(i) + ":5000"); // pairs
        ASSERT_TRUE(flow.at("completed").get<bool>());
        EXPECT_EQ(App(r.summary, "sink-r" + std::to_string(i)).at("bytes_received"), 2000000);
        delivered += flow.at("bytes_acked").get<double>();
        last = std::max(last, flow.at("completion_time_s").get<double>());
        // A fair share of 10 Mbit/s is 1 Mbit/s; NewReno keeps each within a factor of 2.
        EXPECT_GT(flow.at("goodput_bps").get<double>(), 0.5e6);
        EXPECT_LT(flow.at("goodput_bps").get<double>(), 2e6);
        // The path's RTT: 2 x (20 ms + 4 x 0.1 ms) at least.
        EXPECT_GE(flow.at("rtt_min_s").get<double>(), 0.0408);
    }
    // What all delivered, over the time all took, stays under the bottleneck's
    // TCP payload rate (10 Mbit/s x 1448 / 1502 with PPP), and uses most of it.
    double rate = delivered * 8 / last;
    EXPECT_LT(rate, 10e6 * 1448 / 1502);
    EXPECT_GT(rate, 0.85 * 10e6 * 1448 / 1502);
    auto bottleneck = Direction(r.summary, "left-router", "right-router");
    EXPECT_GT(bottleneck.at("dropped_by_cause").at("queue").get<int>(), 0);
    const auto& group = r.summary.at("groups").at(0);
    EXPECT_EQ(group.at("name"), "flow");
    EXPECT_EQ(group.at("apps"), 10);
    EXPECT_EQ(group.at("true_count").at("completed"), 10);
}

// The star: every host's datagrams reach the server; the incast then
// overflows the server's switch port.
TEST(Topologies, StarHostsAllReachTheServer)
{
    Results r = Shipped("star-incast.ini");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto sink = App(r.summary, "report-sink");
    EXPECT_EQ(sink.at("packets_received"), 2000);
    EXPECT_EQ(sink.at("packets_lost"), 0);
    ASSERT_EQ(sink.at("flows").size(), 20u);
    for (const auto& flow : sink.at("flows"))
    {
        EXPECT_EQ(flow.at("packets_received"), 100) << flow.dump();
    }
    // Two cables of 50 us each, at least.
    EXPECT_GE(sink.at("latency_min_s").get<double>(), 100e-6);
    for (int i = 1; i <= 20; ++i)
    {
        EXPECT_TRUE(App(r.summary, "reply-h" + std::to_string(i)).at("completed").get<bool>()) << i;
    }
    EXPECT_EQ(App(r.summary, "reply-sink").at("bytes_received"), 20 * 200000);
    EXPECT_GT(r.summary.at("links").at(0).at("switch").at("dropped").get<int>(), 0);
}

// The campus: a building's traffic crosses its building router and the core.
TEST(Topologies, CampusTrafficCrossesItsBuildingRouter)
{
    Results r = Shipped("campus.ini");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    for (std::string s : {"s1", "s2", "s3", "s4"})
    {
        auto sink = App(r.summary, "camera-sink-" + s);
        EXPECT_EQ(sink.at("packets_received"), 25 * 75) << s;
        EXPECT_EQ(sink.at("flows").size(), 25u) << s;
        // Two LAN cables, the 1 ms uplink, two data-center cables.
        EXPECT_GE(sink.at("latency_min_s").get<double>(), 2 * 100e-6 + 1e-3 + 2 * 10e-6) << s;
    }
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    // Building a's hosts are 10.0.2.0/24, b's 10.0.3.0/24; the servers 10.0.1.0/24.
    EXPECT_EQ(Count(r, "building-a-ppp0.pcap", "udp.dstport == 6000 && ip.src == 10.0.2.0/24"), 1875u);
    EXPECT_EQ(Count(r, "building-a-ppp0.pcap", "ip.src == 10.0.3.0/24"), 0u);
    EXPECT_EQ(Count(r, "core-ppp0.pcap", "udp.dstport == 6000 && ip.src == 10.0.2.0/24 && ip.ttl == 63"), 1875u);
    EXPECT_EQ(Count(r, "s1-eth0.pcap", "udp.dstport == 6000 && ip.src == 10.0.2.0/24 && ip.ttl == 62"), 1875u);
}

// The fat tree: single-path routing sends every flow between pods through
// core1; the other cores carry only the hellos.
TEST(Topologies, FatTreeUsesOneCoreBetweenPods)
{
    Results r = Shipped("fat-tree.ini");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    size_t pings = 0;
    for (const auto& app : r.summary.at("apps"))
    {
        if (app.at("type") == "ping")
        {
            ++pings;
            EXPECT_EQ(app.at("packets_received"), app.at("packets_sent")) << app.dump();
            EXPECT_GT(app.at("packets_sent").get<int>(), 0);
        }
        if (app.at("type") == "tcp-client")
        {
            EXPECT_TRUE(app.at("completed").get<bool>()) << app.dump();
            EXPECT_LT(app.at("goodput_bps").get<double>(), 1e9 * 1448 / 1502) << app.dump();
        }
    }
    EXPECT_EQ(pings, 32u); // one per router-to-router link
    if (!HaveTshark())
    {
        GTEST_SKIP() << "tshark not installed";
    }
    for (int pod = 1; pod <= 4; ++pod)
    {
        EXPECT_GT(Count(r, "core1-ppp" + std::to_string(pod - 1) + ".pcap", "tcp"), 0u) << pod;
    }
    for (std::string core : {"core2", "core3", "core4"})
    {
        for (int i = 0; i < 4; ++i)
        {
            std::string pcap = core + "-ppp" + std::to_string(i) + ".pcap";
            EXPECT_EQ(Count(r, pcap, "tcp"), 0u) << pcap;
            EXPECT_EQ(Count(r, pcap, "icmp"), 6u) << pcap; // 3 requests (1, 2, 3 s), 3 replies
        }
    }
}
