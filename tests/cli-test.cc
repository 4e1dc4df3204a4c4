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
                 "", "FILE:5: [link.lan] unknown key 'rat' (did you mean 'rate'?); keys: type, nodes, rate, medium, mtu, subnet, capture, state, delay, "
                 "jitter, distribution, reorder, loss, loss_burst, gilbert, drop, corrupt, duplicate, queue"},
        BadInput{"bad unit", With("delay", "3sec"), "",
                 "FILE:5: [link.lan] delay: unknown unit 'sec' in '3sec' (did you mean 's'?): expected a time such as '5ms' (units: s, ms, us, ns)"},
        BadInput{"rate without unit", With("rate", "10"), "",
                 "FILE:5: [link.lan] rate: missing unit in '10': expected a rate such as '100Mbps' (units: Gbps, Mbps, Kbps, bps)"},
        BadInput{"unknown link type", "[link.lan]\ntype = token-ring\nnodes = a b\n", "",
                 "FILE:2: [link.lan] type: unknown link type 'token-ring'; types: ethernet, p2p, wifi"},
        BadInput{"unknown app type", kGood + "[app.x]\ntype = sctp-client\n", "",
                 "FILE:16: [app.x] type: unknown app type 'sctp-client' (did you mean 'tcp-client'?); types: tcp-client, tcp-server, udp-client, udp-server, ping, traceroute, process"},
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

/** \return the rows of a CSV file or of a data file nslab plot wrote: cells split at commas, '#' lines and a header left out. */
std::vector<std::vector<std::string>>
Rows(const std::string& file, bool header)
{
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(Slurp(file));
    std::string line;
    if (header)
    {
        std::getline(in, line);
    }
    while (std::getline(in, line))
    {
        if (line.empty() || line[0] == '#')
        {
            continue;
        }
        std::vector<std::string> cells;
        std::istringstream cellStream(line);
        for (std::string cell; std::getline(cellStream, cell, ',');)
        {
            cells.push_back(cell);
        }
        if (line.back() == ',')
        {
            cells.emplace_back();
        }
        rows.push_back(cells);
    }
    return rows;
}

bool
HaveGnuplot()
{
    return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

// A run of 3.65 s in bins of 100 ms: the last bin, 3.6-3.65 s, is 50 ms
// wide. gnuplot draws a step only up to the next point, so the data file
// nslab plot draws ends with a point at 3.65 s, and the last bin's rate is
// its bytes over 50 ms (the CSV divides them by the full 100 ms).
TEST(Cli, PlotDrawsTheLastBinOverItsTrueWidth)
{
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot not installed";
    }
    TempDir dir;
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --set duration=3.65s --quiet --out " + dir.Path()).status, 0);
    Outcome plot = Nslab("plot " + dir.Path());
    ASSERT_EQ(plot.status, 0) << plot.err;
    for (std::string app : {"file", "voice-sink"})
    {
        SCOPED_TRACE(app);
        auto csv = Rows(dir / (app + ".throughput.csv"), true);
        auto dat = Rows(dir / ("plots/" + app + ".throughput.dat"), false);
        ASSERT_EQ(csv.size(), 37u); // 0, 0.1, ..., 3.6
        ASSERT_EQ(dat.size(), csv.size() + 1);
        for (size_t i = 0; i + 1 < csv.size(); ++i)
        {
            EXPECT_EQ(dat[i][0], csv[i][0]);
            EXPECT_NEAR(std::stod(dat[i][1]), std::stod(csv[i][2]) / 1e6, 1e-9) << csv[i][0];
        }
        double last = std::stod(csv.back()[1]) * 8 / 0.05 / 1e6;
        EXPECT_GT(last, 0) << "the last bin carried data";
        EXPECT_EQ(dat[csv.size() - 1][0], "3.6");
        EXPECT_NEAR(std::stod(dat[csv.size() - 1][1]), last, 1e-9);
        EXPECT_EQ(dat.back()[0], "3.65");
        EXPECT_NEAR(std::stod(dat.back()[1]), last, 1e-9);
        std::string gp = Slurp(dir / ("plots/" + app + ".gp"));
        EXPECT_NE(gp.find("throughput_dat = '" + app + ".throughput.dat'\n"), std::string::npos);
        EXPECT_NE(gp.find("plot throughput_dat using 1:($2) with steps lw 2 title '"), std::string::npos);
        EXPECT_NE(gp.find("per bin; the last bin (3.6-3.65 s) is 50 ms wide: its bytes over those 50 ms'"),
                  std::string::npos)
            << gp;
    }
    // Whole bins: the last one is closed at the end of the run with the CSV's own rate, and no note.
    TempDir whole;
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --set duration=3.7s --quiet --out " + whole.Path()).status, 0);
    ASSERT_EQ(Nslab("plot " + whole.Path()).status, 0);
    auto csv = Rows(whole / "voice.throughput.csv", true);
    auto dat = Rows(whole / "plots/voice.throughput.dat", false);
    ASSERT_EQ(dat.size(), csv.size() + 1);
    EXPECT_EQ(dat.back()[0], "3.7");
    EXPECT_NEAR(std::stod(dat.back()[1]), std::stod(csv.back()[2]) / 1e6, 1e-9);
    EXPECT_EQ(Slurp(whole / "plots/voice.gp").find("the last bin"), std::string::npos);
}

// ns-3 writes a row of <app>.tcp.csv only when cwnd, ssthresh or SRTT
// changes: the last values held until the connection's end, and the lines
// run on to it: the end of the run for a transfer still under way, the ACK
// of the last byte for one that completed.
TEST(Cli, PlotRunsCwndAndSsthreshToTheConnectionsEnd)
{
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot not installed";
    }
    // 2 MB over 10 Mbit/s from 1 s on: still under way at the end of the run, 2.5 s.
    TempDir dir;
    ASSERT_EQ(Nslab("run " + Scenario("tcp-vs-udp.ini") + " --set duration=2.5s --quiet --out " + dir.Path()).status, 0);
    ASSERT_EQ(Nslab("plot " + dir.Path()).status, 0);
    EXPECT_FALSE(App(ReadJson(dir / "summary.json"), "file").at("completed").get<bool>());
    auto csv = Rows(dir / "file.tcp.csv", true);
    auto dat = Rows(dir / "plots/file.tcp.dat", false);
    ASSERT_GT(csv.size(), 10u);
    ASSERT_EQ(dat.size(), csv.size() + 1);
    for (size_t i = 0; i < csv.size(); ++i)
    {
        EXPECT_EQ(dat[i], csv[i]);
    }
    EXPECT_LT(std::stod(csv.back()[0]), 2.5);
    ASSERT_EQ(dat.back().size(), 5u);
    EXPECT_EQ(dat.back()[0], "2.5");
    // cwnd, ssthresh and SRTT as in the last row; bytes in flight is a sample, not held.
    EXPECT_EQ(std::vector<std::string>(dat.back().begin() + 1, dat.back().begin() + 4),
              std::vector<std::string>(csv.back().begin() + 1, csv.back().begin() + 4));
    EXPECT_FALSE(dat.back()[2].empty()) << "this transfer lost segments: ssthresh is set";
    EXPECT_EQ(dat.back()[4], "");
    std::string gp = Slurp(dir / "plots/file.gp");
    EXPECT_NE(gp.find("tcp_dat = 'file.tcp.dat'\n"), std::string::npos);
    EXPECT_NE(gp.find("plot tcp_dat using 1:($2/1e3) with steps lw 2 title 'cwnd', tcp_dat using 1:($3/1e3) with "
                      "steps title 'ssthresh'"),
              std::string::npos)
        << gp;
    EXPECT_NE(gp.find("plot tcp_dat using 1:($4*1e3) with steps lw 2 title 'smoothed RTT (SRTT)'"), std::string::npos);

    // A transfer that completed: the lines end at the ACK of its last byte,
    // start_s + completion_time_s (here 1 s + 2.5 s), not at the end of the run.
    TempDir done;
    nlohmann::json summary = {{"scenario", "s"},
                              {"duration_s", 5.0},
                              {"apps",
                               {{{"name", "c"},
                                 {"type", "tcp-client"},
                                 {"node", "n"},
                                 {"start_s", 1.0},
                                 {"completed", true},
                                 {"completion_time_s", 2.5}}}}};
    std::ofstream(done / "summary.json") << summary.dump();
    std::ofstream(done / "c.throughput.csv") << "time_s,bytes,throughput_bps\n0,0,0\n2.5,100,320\n";
    std::ofstream(done / "c.tcp.csv") << "time_s,cwnd_bytes,ssthresh_bytes,srtt_s,bytes_in_flight\n"
                                         "1.01,14480,,0.01,0\n2.0,28960,,0.012,1448\n";
    Outcome plot = Nslab("plot " + done.Path());
    ASSERT_EQ(plot.status, 0) << plot.err;
    EXPECT_EQ(Slurp(done / "plots/c.tcp.dat"), "# time_s,cwnd_bytes,ssthresh_bytes,srtt_s,bytes_in_flight: the rows "
                                               "of c.tcp.csv, then one at the connection's end (3.5 s) with the last "
                                               "values\n1.01,14480,,0.01,0\n2.0,28960,,0.012,1448\n3.5,28960,,0.012,\n");
    // Bins of 2.5 s, the last one closed at the end of the run.
    EXPECT_EQ(Slurp(done / "plots/c.throughput.dat"),
              "# time_s,Mbit_s: per bin of c.throughput.csv, bytes x 8 / the bin's width; the last row closes the last "
              "bin at the end of the run\n0,0\n2.5,0.00032\n5,0.00032\n");
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
