// Issue 12 (hardening), the helpers' side: no shell and no untrusted text in
// gnuplot scripts (nslab plot, sweep --plot, analyze --plot), job lists that
// GNU parallel and Slurm cannot split, no output written through a planted
// link, bounded and non-blocking reads of plan.json, summary.json, CSVs and
// captures, sweeps that refuse a changed scenario, and models checked
// before any run.

#include "test-util.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sys/stat.h>

namespace
{

namespace fs = std::filesystem;
using namespace nslab::test;

const std::string kStream = std::string(NSLAB_SOURCE_DIR) + "/tests/data/udp-stream.ini";
const std::string kLan = std::string(NSLAB_SOURCE_DIR) + "/tests/data/three-on-a-lan.ini";

/** A name that runs `touch PWNED` if a shell or gnuplot ever reads it as a command. */
const std::string kEvil = "r$(touch PWNED)`touch PWNED`'q";

/** \return TEXT single-quoted for sh (newlines and all). */
std::string
Sq(const std::string& text)
{
    std::string out = "'";
    for (char c : text)
    {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

/** Run nslab in folder DIR (so that a command that runs would create DIR/PWNED), within 20 s. */
Outcome
NslabIn(const TempDir& dir, const std::string& args)
{
    return Shell("cd " + Sq(dir.Path()) + " && timeout 20 " + NSLAB_BIN + " " + args);
}

bool
HaveGnuplot()
{
    return std::system("command -v gnuplot >/dev/null 2>&1") == 0;
}

void
Write(const std::string& path, const std::string& text)
{
    std::ofstream(path, std::ios::binary) << text;
}

/** \return JSON nested DEPTH arrays deep. */
std::string
Deep(int depth)
{
    return std::string(depth, '[') + std::string(depth, ']');
}

/** A results folder written by hand: one udp-client "a" with a throughput series. */
void
HandMadeResults(const std::string& dir, const std::string& scenario, const std::string& app = "a",
                const std::string& extra = "")
{
    fs::create_directories(dir);
    nlohmann::json summary = {{"scenario", scenario}, {"seed", 1}, {"run", 1}, {"duration_s", 2.0},
                              {"apps", {{{"name", app}, {"type", "udp-client"}, {"node", "n"}}}}};
    std::string text = summary.dump();
    Write(dir + "/summary.json", extra.empty() ? text : text.substr(0, text.size() - 1) + ", " + extra + "}");
    Write(dir + "/" + app + ".throughput.csv", "time_s,bytes,throughput_bps\n0,0,0\n0.1,1000,80000\n");
}

TEST(HardeningShell, PlotOfAFolderNamedLikeACommandRunsNothing)
{
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    std::string out = tmp / kEvil;
    ASSERT_EQ(NslabIn(tmp, "run " + kStream + " --quiet --out " + Sq(out)).status, 0);
    Outcome plot = NslabIn(tmp, "plot " + Sq(out));
    EXPECT_EQ(plot.status, 0) << plot.err;
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
    EXPECT_FALSE(fs::exists(out + "/plots/PWNED"));
    EXPECT_GT(fs::file_size(out + "/plots/voice-sink.png"), 1000u);
    // The kept script names its files relative to its folder, never by the path given.
    std::string gp = Slurp(out + "/plots/voice-sink.gp");
    EXPECT_EQ(gp.find("touch"), std::string::npos) << gp;
    EXPECT_NE(gp.find("png_file = 'voice-sink.png'\n"), std::string::npos) << gp;
}

TEST(HardeningShell, NewlineInSummaryStringsEndsNoCommentIntoACommand)
{
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    std::string dir = tmp / "res";
    HandMadeResults(dir, "x\n!touch PWNED\nsystem('touch PWNED')\n`touch PWNED`");
    Outcome plot = NslabIn(tmp, "plot res");
    EXPECT_EQ(plot.status, 0) << plot.err;
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
    EXPECT_FALSE(fs::exists(dir + "/plots/PWNED"));
    EXPECT_GT(fs::file_size(dir + "/plots/a.png"), 1000u);
    // An app name is a file name: with a newline (or a slash) it is refused.
    std::string bad = tmp / "bad";
    HandMadeResults(bad, "x", "a\n!touch PWNED");
    Outcome refused = NslabIn(tmp, "plot bad");
    EXPECT_EQ(refused.status, 2);
    EXPECT_NE(refused.err.find("bad/summary.json: app name"), std::string::npos) << refused.err;
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
}

TEST(HardeningShell, SweepPlotIntoAFolderNamedLikeACommandRunsNothing)
{
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    std::string out = tmp / kEvil;
    Outcome o = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0%,10% --runs 2 --quiet --out " + Sq(out) +
                                 " --plot voice-sink.delivery_ratio --model fragments");
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
    EXPECT_FALSE(fs::exists(out + "/plots/PWNED"));
    EXPECT_GT(fs::file_size(out + "/plots/voice-sink.delivery_ratio.png"), 1000u);
    EXPECT_NE(Slurp(out + "/plots/voice-sink.delivery_ratio.gp").find("data_file = 'voice-sink.delivery_ratio.dat'"),
              std::string::npos);
}

TEST(HardeningShell, AnalyzePlotOfACaptureNamedLikeACommandRunsNothing)
{
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    ASSERT_EQ(NslabIn(tmp, "run " + kLan + " --quiet --out run").status, 0);
    std::string pcap = tmp / (kEvil + ".pcap");
    fs::copy_file(tmp / "run/alice-eth0.pcap", pcap);
    Outcome o = NslabIn(tmp, "analyze " + Sq(pcap) + " --plot --out " + Sq(tmp / ("out-" + kEvil)));
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
    EXPECT_GT(fs::file_size(tmp / ("out-" + kEvil + "/" + kEvil + ".flow1.tsg.png")), 1000u);
    // A newline in a capture's name cannot be named in a script: refused before any file is written.
    fs::copy_file(tmp / "run/alice-eth0.pcap", tmp / "a\n!touch PWNED\n.pcap");
    Outcome refused = NslabIn(tmp, "analyze " + Sq("a\n!touch PWNED\n.pcap") + " --plot --out nl");
    EXPECT_EQ(refused.status, 2);
    EXPECT_NE(refused.err.find("control character"), std::string::npos) << refused.err;
    EXPECT_FALSE(fs::exists(tmp / "nl"));
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
}

TEST(HardeningShell, EmitRefusesWhatAJobLineCannotHold)
{
    TempDir tmp;
    Outcome value = NslabIn(tmp, "sweep " + kStream + " --vary " + Sq("link.lan.delay=1ms,2ms\ntouch PWNED") +
                                     " --runs 1 --emit parallel --out s1");
    EXPECT_EQ(value.status, 2);
    EXPECT_NE(value.err.find("--vary 'link.lan.delay=1ms,2ms\\x0Atouch PWNED': holds a control character"),
              std::string::npos)
        << value.err;
    EXPECT_FALSE(fs::exists(tmp / "s1"));
    Outcome out = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.delay=1ms,2ms --runs 1 --emit slurm --out " +
                                   Sq("s2\ntouch PWNED"));
    EXPECT_EQ(out.status, 2);
    EXPECT_NE(out.err.find("--emit: --out '"), std::string::npos) << out.err;
    EXPECT_FALSE(fs::exists(tmp / "s2\ntouch PWNED"));
    // Quotes and shell syntax are fine: every argument is single-quoted, and
    // the Slurm script runs a line without another shell's -c.
    std::string dir = tmp / kEvil;
    ASSERT_EQ(NslabIn(tmp, "sweep " + kStream + " --vary link.lan.delay=1ms,2ms --runs 1 --emit slurm --out " + Sq(dir))
                  .status,
              0);
    EXPECT_EQ(Slurp(dir + "/sweep.slurm").find("bash -c"), std::string::npos);
    EXPECT_NE(Slurp(dir + "/sweep.slurm").find("eval \"$line\""), std::string::npos);
    Outcome job = Shell("cd " + Sq(tmp.Path()) + " && SLURM_ARRAY_TASK_ID=2 bash " + Sq(dir + "/sweep.slurm"));
    EXPECT_EQ(job.status, 0) << job.err;
    EXPECT_TRUE(fs::exists(dir + "/runs/1-delay=2ms/run-1/summary.json"));
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
}

TEST(HardeningLinks, PlotImagesReplaceAPlantedLink)
{
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    std::string dir = tmp / "res";
    HandMadeResults(dir, "x");
    Write(tmp / "victim", "precious\n");
    fs::create_directories(dir + "/plots");
    fs::create_symlink(tmp / "victim", dir + "/plots/a.png");
    fs::create_symlink(tmp / "victim", dir + "/plots/a.svg");
    ASSERT_EQ(NslabIn(tmp, "plot res").status, 0);
    EXPECT_EQ(Slurp(tmp / "victim"), "precious\n");
    EXPECT_FALSE(fs::is_symlink(dir + "/plots/a.png"));
    EXPECT_EQ(Slurp(dir + "/plots/a.png").substr(1, 3), "PNG");
    // No private drawing folder is left behind.
    for (const auto& entry : fs::directory_iterator(dir + "/plots"))
    {
        EXPECT_NE(entry.path().filename().string().rfind(".gnuplot-", 0), 0u) << entry.path();
    }
}

TEST(HardeningLinks, SweepRunOutputsReplaceAPlantedLink)
{
    TempDir tmp;
    std::string run = tmp / "s/runs/0-loss=0pct/run-1";
    fs::create_directories(run);
    Write(tmp / "victim", "precious\n");
    fs::create_symlink(tmp / "victim", run + "/stdout.txt");
    fs::create_symlink(tmp / "victim", run + "/stderr.txt");
    Outcome o = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --quiet --out s");
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(Slurp(tmp / "victim"), "precious\n");
    EXPECT_FALSE(fs::is_symlink(run + "/stdout.txt"));
    EXPECT_TRUE(fs::exists(run + "/summary.json"));
}

// A link planted where a run's folder goes would send its pcaps and summary elsewhere.
TEST(HardeningLinks, SweepRunFoldersAreNeverLinks)
{
    TempDir tmp;
    fs::create_directories(tmp / "s/runs");
    fs::create_directories(tmp / "elsewhere");
    fs::create_directory_symlink(tmp / "elsewhere", tmp / "s/runs/0-loss=0pct");
    Outcome run = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --quiet --out s");
    EXPECT_EQ(run.status, 1) << run.err; // that run failed, and the sweep says why
    EXPECT_NE(run.err.find("0-loss=0pct: a symbolic link is in the way"), std::string::npos) << run.err;
    Outcome emit = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --emit parallel --out s");
    EXPECT_EQ(emit.status, 2) << emit.err;
    EXPECT_NE(emit.err.find("a symbolic link is in the way"), std::string::npos) << emit.err;
    EXPECT_TRUE(fs::is_empty(tmp / "elsewhere"));
}

// A plots folder that is a link sent every figure elsewhere; gnuplot's own
// folder was made inside plots/, where anyone who may write there could swap it.
TEST(HardeningLinks, PlotsFolderIsNeverALinkAndGnuplotWorksOutsideIt)
{
    TempDir tmp;
    std::string dir = tmp / "res";
    HandMadeResults(dir, "x");
    fs::create_directories(tmp / "victim");
    fs::create_directory_symlink(tmp / "victim", dir + "/plots");
    Outcome o = NslabIn(tmp, "plot res");
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_NE(o.err.find("res/plots: a symbolic link is in the way"), std::string::npos) << o.err;
    EXPECT_TRUE(fs::is_empty(tmp / "victim"));
    if (!HaveGnuplot())
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    fs::remove(dir + "/plots");
    // gnuplot runs in TMPDIR: a folder there is the only one it may see.
    fs::create_directories(tmp / "t");
    Outcome drawn = Shell("cd " + Sq(tmp.Path()) + " && TMPDIR=" + Sq(tmp / "t") + " timeout 20 " + NSLAB_BIN +
                          " plot res");
    ASSERT_EQ(drawn.status, 0) << drawn.err;
    EXPECT_TRUE(fs::is_empty(tmp / "t")); // made there and removed
    for (const auto& entry : fs::directory_iterator(dir + "/plots"))
    {
        EXPECT_TRUE(entry.is_regular_file()) << entry.path();
    }
}

TEST(HardeningSweepFolder, AFolderWithoutAPlanKeepsTheUsersFiles)
{
    TempDir tmp;
    fs::create_directories(tmp / "own");
    Write(tmp / "own/sweep.csv", "mine\n");
    Outcome o = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --emit parallel --out own");
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_NE(o.err.find("own/sweep.csv is not a sweep's (there is no plan.json)"), std::string::npos) << o.err;
    EXPECT_EQ(Slurp(tmp / "own/sweep.csv"), "mine\n");
}

TEST(HardeningSweepFolder, APlanWithoutResolvedScenariosIsNotContinued)
{
    TempDir tmp;
    std::string sweep = "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --emit parallel --out s";
    ASSERT_EQ(NslabIn(tmp, sweep).status, 0);
    nlohmann::json plan = nlohmann::json::parse(Slurp(tmp / "s/plan.json"));
    plan.erase("resolved_fnv1a64"); // as an older nslab wrote it
    Write(tmp / "s/plan.json", plan.dump());
    Outcome o = NslabIn(tmp, sweep);
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_NE(o.err.find("records no resolved scenarios"), std::string::npos) << o.err;
}

// The commands --emit prints are pasted into a shell.
TEST(HardeningShell, EmitPrintsCommandsWhosePathsAreOneWord)
{
    TempDir tmp;
    Outcome o = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --emit parallel --out " +
                                 Sq("e $(touch PWNED)"));
    ASSERT_EQ(o.status, 0) << o.err;
    std::string collect = o.out.substr(o.out.find("then: ") + 6);
    ASSERT_EQ(Shell("cd " + Sq(tmp.Path()) + " && echo " + collect).status, 0);
    EXPECT_FALSE(fs::exists(tmp / "PWNED"));
    EXPECT_NE(o.out.find("parallel --joblog '" + tmp.Path()), std::string::npos) << o.out;
}

// A loop of links where a folder goes was "internal error: filesystem error" (exit 1).
TEST(HardeningReads, ALinkLoopIsBadInput)
{
    TempDir tmp;
    fs::create_directories(tmp / "lp");
    fs::create_symlink("plan.json", tmp / "lp/plan.json");
    Outcome o = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --emit parallel --out lp");
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_NE(o.err.find("plan.json"), std::string::npos) << o.err;
}

// Metric names come from runs' summary.json files, which anyone may have edited:
// a CR or an escape sequence went raw into sweep.csv's header and the terminal.
TEST(HardeningReads, CollectLeavesOutMetricNamesWithControlCharacters)
{
    TempDir tmp;
    ASSERT_EQ(NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --emit parallel --out s").status, 0);
    std::string run;
    for (const auto& entry : fs::recursive_directory_iterator(tmp / "s/runs"))
    {
        run = entry.path().filename() == "run-1" ? entry.path().string() : run;
    }
    ASSERT_FALSE(run.empty());
    Write(run + "/summary.json", R"({"apps": [{"name": "x\r\u001b]0;OWNED\u0007", "type": "udp-client", "packets_sent": 1}]})");
    Outcome o = NslabIn(tmp, "sweep --collect s");
    EXPECT_EQ(o.status, 1) << o.err;
    EXPECT_NE(o.err.find("broken: s/runs/0-loss=0pct/run-1: summary.json: not an nslab summary (a name with a control "
                         "character"),
              std::string::npos)
        << o.err;
    EXPECT_EQ(Slurp(tmp / "s/sweep.csv").find('\x1b'), std::string::npos);
}

// '.duration' is the loader's 'duration': varied under both names, one axis did nothing.
TEST(HardeningSweepFolder, AKeyAndItsDottedAliasAreVariedOnce)
{
    TempDir tmp;
    Outcome o = NslabIn(tmp, "sweep " + kStream + " --vary duration=2s,3s --vary .duration=2s,4s --runs 1 "
                             "--emit parallel --out s");
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_NE(o.err.find("'duration' is already varied"), std::string::npos) << o.err;
    o = NslabIn(tmp, "sweep " + kStream + " --set .duration=5s --vary duration=2s,3s --runs 1 --emit parallel --out s");
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_FALSE(fs::exists(tmp / "s"));
}

TEST(HardeningReads, AFifoIsRefusedAtOnceByEveryReader)
{
    TempDir tmp;
    // nslab analyze: a capture.
    ASSERT_EQ(mkfifo((tmp / "fifo.pcap").c_str(), 0644), 0);
    Outcome analyze = NslabIn(tmp, "analyze fifo.pcap");
    EXPECT_EQ(analyze.status, 2);
    EXPECT_EQ(analyze.err, "fifo.pcap: not a regular file\n");
    // nslab plot: summary.json, then a CSV.
    fs::create_directories(tmp / "res");
    ASSERT_EQ(mkfifo((tmp / "res/summary.json").c_str(), 0644), 0);
    Outcome summary = NslabIn(tmp, "plot res");
    EXPECT_EQ(summary.status, 2);
    EXPECT_EQ(summary.err, "res/summary.json: not a regular file\n");
    HandMadeResults(tmp / "csv", "x");
    fs::remove(tmp / "csv/a.throughput.csv");
    ASSERT_EQ(mkfifo((tmp / "csv/a.throughput.csv").c_str(), 0644), 0);
    Outcome csv = NslabIn(tmp, "plot csv");
    EXPECT_EQ(csv.status, 2);
    EXPECT_EQ(csv.err, "csv/a.throughput.csv: not a regular file\n");
    // nslab sweep --collect: plan.json.
    fs::create_directories(tmp / "s");
    ASSERT_EQ(mkfifo((tmp / "s/plan.json").c_str(), 0644), 0);
    Outcome plan = NslabIn(tmp, "sweep --collect s");
    EXPECT_EQ(plan.status, 2);
    EXPECT_EQ(plan.err, "s/plan.json: not a regular file\n");
}

/** A valid plan.json of a sweep of udp-stream.ini, with FIELDS replaced or added. */
void
WritePlan(const std::string& dir, const nlohmann::json& fields)
{
    nlohmann::json plan = {{"scenario", kStream}, {"name", "udp-stream"}, {"set", nlohmann::json::array()},
                           {"vary", {{{"key", "link.lan.loss"}, {"values", {"0%"}}}}}, {"runs", 1}};
    if (fields.is_object())
    {
        plan.update(fields);
    }
    fs::create_directories(dir);
    Write(dir + "/plan.json", plan.dump());
}

TEST(HardeningReads, PlanJsonCheckedAsStrictlyAsOptions)
{
    TempDir tmp;
    WritePlan(tmp / "ok", {});
    EXPECT_EQ(NslabIn(tmp, "sweep --collect ok").status, 0);
    auto refused = [&](const nlohmann::json& fields, const std::string& message) {
        TempDir dir;
        WritePlan(dir / "s", fields);
        Outcome o = NslabIn(tmp, "sweep --collect " + (dir / "s"));
        EXPECT_EQ(o.status, 2) << fields.dump();
        EXPECT_EQ(o.err, (dir / "s/plan.json") + ": " + message + "\n") << fields.dump();
    };
    refused({{"runs", -3}}, "'runs' must be a whole number from 1 to 100000, got -3");
    refused({{"runs", 0}}, "'runs' must be a whole number from 1 to 100000, got 0");
    refused({{"runs", "5"}}, "'runs' must be a whole number from 1 to 100000, got \"5\"");
    refused({{"runs", 100000}, {"vary", {{{"key", "seed"}, {"values", {"1", "2"}}}}}},
            "--vary, --runs: 2 combinations x 100000 runs = 200000 runs; a sweep may have at most 100000 "
            "(vary fewer values or lower --runs)");
    refused({{"set", {"app.voice.size=2\n00B"}}}, "'set[0]' holds a control character");
    refused({{"vary", {{{"key", "link.lan.loss"}, {"values", nlohmann::json::array()}}}}},
            "'vary[0].values' must not be empty");
    refused({{"vary", {{{"key", 5}, {"values", {"1%"}}}}}}, "'vary[0].key' must be a string");
    refused({{"extra", Deep(3)}}, "'extra' is not a field of a sweep plan");
    // Nested 1000 deep: refused while parsing, whatever the field.
    TempDir deep;
    fs::create_directories(deep / "s");
    Write(deep / "s/plan.json", "{\"x\": " + Deep(1000) + "}");
    Outcome o = NslabIn(tmp, "sweep --collect " + (deep / "s"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, (deep / "s/plan.json") + ": nested deeper than 64 levels\n");
}

TEST(HardeningReads, DeepSummaryIsRefusedByPlot)
{
    TempDir tmp;
    HandMadeResults(tmp / "res", "x", "a", "\"deep\": " + Deep(1000));
    Outcome o = NslabIn(tmp, "plot res");
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "res/summary.json: nested deeper than 64 levels\n");
}

// 60 MB of zeros in one array took 1.6 GB to parse: the values are counted too.
TEST(HardeningReads, ASummaryOfMillionsOfValuesIsRefusedByPlot)
{
    TempDir tmp;
    std::string zeros = "0";
    for (int i = 0; i < 4000000; ++i)
    {
        zeros += ",0";
    }
    HandMadeResults(tmp / "res", "x", "a", "\"many\": [" + zeros + "]");
    Outcome o = NslabIn(tmp, "plot res");
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "res/summary.json: more than 4000000 values\n");
}

TEST(HardeningSweepFolder, EditedScenarioIsRefused)
{
    TempDir tmp;
    fs::copy_file(kStream, tmp / "s.ini");
    std::string sweep = "sweep s.ini --vary link.lan.loss=0%,10% --runs 1 --emit parallel --out s";
    ASSERT_EQ(NslabIn(tmp, sweep).status, 0);
    EXPECT_EQ(NslabIn(tmp, sweep).status, 0); // the same scenario: resumed
    std::string text = Slurp(tmp / "s.ini");
    Write(tmp / "s.ini", text.replace(text.find("delay = 1ms"), 11, "delay = 2ms"));
    std::string plan = Slurp(tmp / "s/plan.json");
    Outcome o = NslabIn(tmp, sweep);
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.err.find("s.ini: the scenario resolves differently than when the sweep in '" + (tmp / "s") +
                         "' began (the file, or a file it names, was edited)"),
              std::string::npos)
        << o.err;
    EXPECT_EQ(Slurp(tmp / "s/plan.json"), plan);
}

TEST(HardeningSweepFolder, JobsZeroWritesNothing)
{
    TempDir tmp;
    Outcome o = NslabIn(tmp, "sweep " + kStream + " --vary link.lan.loss=0% --runs 1 --jobs 0 --out s");
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "nslab sweep: --jobs must be at least 1\n");
    EXPECT_FALSE(fs::exists(tmp / "s"));
}

TEST(HardeningModels, FragmentsModelOfAMessagesClientRefusedBeforeAnyRun)
{
    TempDir tmp;
    std::string text = Slurp(kStream);
    text.replace(text.find("size = 200B"), 11, "messages = hello \"a longer one\"");
    Write(tmp / "m.ini", text);
    std::string sweep = "sweep m.ini --vary link.lan.loss=0%,10% --runs 2 --quiet --out s --plot voice-sink.delivery_ratio";
    Outcome o = NslabIn(tmp, sweep + " --model fragments");
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--model fragments: udp-client 'voice' sends messages (datagrams of different sizes), so k is "
                     "not one number; give --fragments K\n");
    EXPECT_FALSE(fs::exists(tmp / "s"));
    Outcome mathis = NslabIn(tmp, sweep + " --model mathis");
    EXPECT_EQ(mathis.status, 2);
    EXPECT_EQ(mathis.err, "--model mathis: the scenario has no tcp-client\n");
    EXPECT_FALSE(fs::exists(tmp / "s"));
    if (HaveGnuplot())
    {
        Outcome given = NslabIn(tmp, sweep + " --model fragments --fragments 1");
        EXPECT_EQ(given.status, 0) << given.err;
    }
}

} // namespace
