// The nslab command line: bad input exits 2 with FILE:LINE: message on stderr
// and leaves no summary.json; help texts carry examples.
#include "test-util.h"

#include <gtest/gtest.h>

#include <regex>

using namespace nslab::test;

namespace
{

const std::string kGood = "duration = 2s\n"
                          "[link.lan]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\n"
                          "[app.s]\ntype = udp-server\nnode = bob\nport = 6000\n"
                          "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\ncount = 5\n";

struct BadInput
{
    const char* what;
    std::string scenario;  //!< file content
    std::string extra;     //!< more arguments
    std::string expected;  //!< stderr, with FILE standing for the scenario's path
};

class CliBadInput : public ::testing::TestWithParam<BadInput>
{
};

TEST_P(CliBadInput, ExitsTwoWithFileLineAndWritesNoSummary)
{
    TempDir dir;
    std::string file = dir / "bad.ini";
    std::ofstream(file, std::ios::binary) << GetParam().scenario;
    Outcome o = Nslab("run " + file + " --out " + (dir / "out") + " " + GetParam().extra);
    std::string expected = std::regex_replace(GetParam().expected, std::regex("FILE"), file);
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, expected + "\n");
    EXPECT_EQ(o.out, "");
    EXPECT_FALSE(std::filesystem::exists(dir / "out/summary.json"));
}

std::string
With(const std::string& key, const std::string& value)
{
    std::string s = kGood;
    return s.replace(s.find("rate = 10Mbps"), 13, key + " = " + value);
}

INSTANTIATE_TEST_SUITE_P(
    Cases,
    CliBadInput,
    ::testing::Values(
        BadInput{"unknown key", With("rat", "10Mbps"),
                 "", "FILE:5: [link.lan] unknown key 'rat' (did you mean 'rate'?); keys: type, nodes, rate, medium, mtu, subnet, capture, delay, "
                 "jitter, distribution, reorder, loss, loss_burst, gilbert, drop, corrupt, duplicate, queue"},
        BadInput{"bad unit", With("delay", "3sec"), "",
                 "FILE:5: [link.lan] delay: unknown unit 'sec' in '3sec' (did you mean 's'?): expected a time such as '5ms' (units: s, ms, us, ns)"},
        BadInput{"rate without unit", With("rate", "10"), "",
                 "FILE:5: [link.lan] rate: missing unit in '10': expected a rate such as '100Mbps' (units: Gbps, Mbps, Kbps, bps)"},
        BadInput{"unknown link type", "[link.lan]\ntype = token-ring\nnodes = a b\n", "",
                 "FILE:2: [link.lan] type: unknown link type 'token-ring'; types: ethernet, p2p, wifi"},
        BadInput{"unknown app type", kGood + "[app.x]\ntype = sctp-client\n", "",
                 "FILE:16: [app.x] type: unknown app type 'sctp-client' (did you mean 'tcp-client'?); types: tcp-client, tcp-server, udp-client, udp-server, ping, traceroute"},
        BadInput{"unknown node", kGood + "[app.x]\ntype = tcp-server\nnode = carol\nport = 1\n", "",
                 "FILE:17: [app.x] node: unknown node 'carol'; nodes come from the links' nodes and ap keys"},
        BadInput{"port out of range", kGood + "[app.x]\ntype = tcp-server\nnode = bob\nport = 65536\n", "",
                 "FILE:18: [app.x] port: port 65536 is outside 1..65535"},
        BadInput{"loss above 100 %", With("loss", "101%"), "", "FILE:5: [link.lan] loss: '101%' is outside 0..100 %"},
        BadInput{"negative time", With("delay", "-2ms"), "", "FILE:5: [link.lan] delay: negative value '-2ms': a time must be 0 or more"},
        BadInput{"broken section header", "[link.lan\n", "",
                 "FILE:1: broken section header '[link.lan': expected '[kind.name]', e.g. '[link.lan]'"},
        BadInput{"binary garbage", std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "",
                 "FILE:1: not a text file: byte 0x89 is not UTF-8; a scenario is an INI text file"},
        BadInput{"--set on a missing section", kGood, "--set link.wan.loss=5%",
                 "--set:1: link.wan.loss: FILE has no section [link.wan] (did you mean [link.lan]?)"},
        BadInput{"--set with a bad value", kGood, "--set app.c.count=many",
                 "--set:1: [app.c] count: expected a whole number such as '10', got 'many'"},
        BadInput{"bad option", kGood, "--sed 3", "nslab run: unrecognised option '--sed' (see 'nslab run --help')"}),
    [](const ::testing::TestParamInfo<BadInput>& info) {
        std::string name = info.param.what;
        for (char& c : name)
        {
            c = std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
        }
        return name;
    });

TEST(Cli, MissingFileExitsTwo)
{
    TempDir dir;
    Outcome o = Nslab("run " + (dir / "nope.ini") + " --out " + (dir / "out"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, (dir / "nope.ini") + ": cannot open the scenario: No such file or directory\n");
    EXPECT_FALSE(std::filesystem::exists(dir / "out"));
}

TEST(Cli, StaleSummaryIsRemovedBeforeARun)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    ASSERT_EQ(Nslab("run " + (dir / "good.ini") + " --out " + (dir / "out") + " --quiet").status, 0);
    ASSERT_TRUE(std::filesystem::exists(dir / "out/summary.json"));
    // A run that fails before its summary is complete must not leave the old
    // one: here the temporary summary cannot be created, found before the run.
    std::filesystem::create_directory(dir / "out/summary.json.tmp");
    Outcome o = Nslab("run " + (dir / "good.ini") + " --out " + (dir / "out") + " --quiet");
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--out: cannot create " + (dir / "out") + "/summary.json.tmp: Is a directory\n");
    EXPECT_FALSE(std::filesystem::exists(dir / "out/summary.json"));
}

TEST(Cli, EverySubcommandHelpShowsAnExample)
{
    for (std::string command : {"--help", "run --help", "check --help", "plot --help"})
    {
        Outcome o = Nslab(command);
        EXPECT_EQ(o.status, 0) << command;
        EXPECT_NE(o.out.find("example:\n  nslab "), std::string::npos) << command << "\n" << o.out;
    }
}

TEST(Cli, CheckPrintsTheResolvedScenarioWhichLoadsAgain)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    Outcome o = Nslab("check " + (dir / "good.ini") + " --set link.lan.loss=3%");
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_NE(o.out.find("loss = 3%\n"), std::string::npos) << o.out;
    EXPECT_NE(o.out.find("mtu = 1500\n"), std::string::npos) << o.out;
    std::ofstream(dir / "resolved.ini") << o.out;
    Outcome again = Nslab("check " + (dir / "resolved.ini"));
    ASSERT_EQ(again.status, 0) << again.err;
    EXPECT_EQ(again.out.substr(again.out.find('\n')), o.out.substr(o.out.find('\n')));
}

} // namespace

namespace
{

TEST(Cli, ADirectoryOrAnUnreachablePeerIsBadInput)
{
    TempDir dir;
    Outcome o = Nslab("run " + dir.Path());
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, dir.Path() + ": cannot open the scenario: it is a directory\n");
    std::ofstream(dir / "islands.ini") << "[link.a]\ntype = p2p\nnodes = a b\n[link.c]\ntype = p2p\nnodes = c d\n"
                                          "[app.u]\ntype = udp-client\nnode = a\npeer = c:6000\n";
    o = Nslab("check " + (dir / "islands.ini"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, (dir / "islands.ini") + ":10: [app.u] peer: no path from a to c: no chain of links joins them\n");
}

TEST(Cli, AStreamTooDenseToSimulateIsRefused)
{
    TempDir dir;
    std::ofstream(dir / "dense.ini") << "[link.a]\ntype = p2p\nnodes = a b\n"
                                        "[app.u]\ntype = udp-client\nnode = a\npeer = b:6000\nsize = 24B\nrate = 10Gbps\n";
    Outcome o = Nslab("check " + (dir / "dense.ini"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, (dir / "dense.ini") + ":9: [app.u] rate: this client would send 450000001 datagrams; nslab "
                                           "allows at most 10000000 per client (a longer interval, a lower rate, a "
                                           "count or an earlier stop)\n");
}

TEST(Cli, PlotDrawsAServerThatReceivedNothing)
{
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "gnuplot not installed";
    }
    TempDir dir;
    // Nobody sends to port 7000: voice-sink's latency series has no row.
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --set duration=2s --set app.voice-sink.port=7000 --out " +
                    dir.Path() + " --quiet")
                  .status,
              0);
    Outcome plot = Nslab("plot " + dir.Path());
    ASSERT_EQ(plot.status, 0) << plot.err;
    EXPECT_EQ(Lines(plot.out), 8u); // 4 apps, PNG and SVG each
    for (const char* ext : {"png", "svg"})
    {
        EXPECT_GT(std::filesystem::file_size(dir / (std::string("plots/voice-sink.") + ext)), 1000u) << ext;
    }
    std::string svg = Slurp(dir / "plots/voice-sink.svg");
    EXPECT_NE(svg.find("one-way latency (ms)"), std::string::npos);
    EXPECT_NE(svg.find("no data"), std::string::npos) << "the empty panel says why it is empty";
    EXPECT_EQ(Slurp(dir / "plots/voice.svg").find("no data"), std::string::npos) << "the sender has data";
}

TEST(Cli, SummaryOfManyMessagesIsWritten)
{
    // 150,000 messages: matching each with every arrival (as nslab once did)
    // takes minutes; the run itself takes about a second.
    const size_t n = 150000;
    std::string words;
    for (size_t i = 0; i < n; ++i)
    {
        words += i ? " x" : "x";
    }
    TempDir dir;
    std::ofstream(dir / "many.ini") << "duration = 5s\n[link.wire]\ntype = p2p\nnodes = alice bob\nrate = 100Mbps\n"
                                       "[app.chat]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nmessages = "
                                    << words << "\n[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n";
    Outcome o = Nslab("run " + (dir / "many.ini") + " --out " + (dir / "out"));
    ASSERT_EQ(o.status, 0) << o.err;
    nlohmann::json summary = ReadJson(dir / "out/summary.json");
    nlohmann::json chat = App(summary, "chat"), sink = App(summary, "sink");
    EXPECT_EQ(chat.at("messages_sent"), n);
    EXPECT_EQ(sink.at("messages_received"), n);
    ASSERT_EQ(chat.at("messages").size(), n);
    size_t arrived = 0;
    for (const auto& m : chat.at("messages"))
    {
        arrived += !m.at("received_s").is_null();
    }
    EXPECT_EQ(arrived, n);
    EXPECT_EQ(chat.at("messages").back().at("seq"), n - 1);
    EXPECT_EQ(o.out.find("never arrived"), std::string::npos);
}

} // namespace
