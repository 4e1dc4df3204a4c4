// nslab sweep: statistics against the runs' own summaries, resuming,
// failures, GNU parallel, input errors. Runs the nslab binary on a 2 s UDP
// stream (tests/data/udp-stream.ini: 200 datagrams, tens of ms per run).

#include "io.h"
#include "sweep.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <csignal>
#include <map>
#include <tuple>

namespace
{

using namespace nslab::test;
namespace fs = std::filesystem;
using Row = std::map<std::string, std::string>;

const std::string kStream = std::string(NSLAB_SOURCE_DIR) + "/tests/data/udp-stream.ini";

std::string
Sweep(const std::string& dir, const std::string& args)
{
    return "sweep " + kStream + " --vary link.lan.loss=0%,10% --runs 5 --jobs 2 --out " + dir + " " + args;
}

std::vector<std::string>
Split(const std::string& line)
{
    std::vector<std::string> cells;
    std::istringstream in(line);
    for (std::string cell; std::getline(in, cell, ',');)
    {
        cells.push_back(cell);
    }
    if (!line.empty() && line.back() == ',')
    {
        cells.push_back("");
    }
    return cells;
}

/** \return the rows of a CSV file with a header row, as header -> cell. */
std::vector<Row>
ReadCsv(const std::string& file)
{
    std::istringstream in(Slurp(file));
    std::string line;
    std::getline(in, line);
    std::vector<std::string> header = Split(line);
    std::vector<Row> rows;
    while (std::getline(in, line))
    {
        std::vector<std::string> cells = Split(line);
        EXPECT_EQ(cells.size(), header.size()) << line;
        Row row;
        for (size_t i = 0; i < header.size() && i < cells.size(); ++i)
        {
            row[header[i]] = cells[i];
        }
        rows.push_back(row);
    }
    return rows;
}

size_t
CountSummaries(const std::string& dir)
{
    size_t n = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir))
    {
        n += entry.path().filename() == "summary.json";
    }
    return n;
}

void
ExpectNear(double expected, const std::string& cell, const std::string& what)
{
    ASSERT_FALSE(cell.empty()) << what;
    EXPECT_NEAR(expected, std::stod(cell), 1e-9 * std::max(1.0, std::fabs(expected))) << what;
}

TEST(SweepStats, DescribeIsSampleSdAndStudentT)
{
    nslab::sweep::Stat s = nslab::sweep::Describe({1, 2, 3, 4});
    EXPECT_DOUBLE_EQ(s.mean, 2.5);
    EXPECT_NEAR(s.sd, std::sqrt(5.0 / 3), 1e-12);
    EXPECT_NEAR(s.ci95, 3.182446 * std::sqrt(5.0 / 3) / 2, 1e-6);
    EXPECT_EQ(s.n, 4u);
    EXPECT_TRUE(std::isnan(nslab::sweep::Describe({7}).sd));
    // Two-sided 95 % quantiles of Student's t, as printed in statistics tables,
    // with no jump to the normal's 1.96 after 30 degrees of freedom.
    EXPECT_NEAR(nslab::sweep::TQuantile95(1), 12.7062, 1e-4);
    EXPECT_NEAR(nslab::sweep::TQuantile95(30), 2.0423, 1e-4);
    EXPECT_NEAR(nslab::sweep::TQuantile95(31), 2.0395, 1e-4);
    EXPECT_NEAR(nslab::sweep::TQuantile95(60), 2.0003, 1e-4);
    EXPECT_NEAR(nslab::sweep::TQuantile95(1000), 1.9623, 1e-4);
}

TEST(SweepFiles, AFailedWriteThrowsAndLeavesNoFile)
{
    TempDir tmp;
    std::string file = tmp / "sweep.csv";
    fs::create_directories(file + ".tmp"); // the temporary file cannot be opened
    try
    {
        nslab::WriteFileAtomically(file, "a,b\n");
        ADD_FAILURE() << "no WriteError";
    }
    catch (const nslab::WriteError& e)
    {
        EXPECT_EQ(std::string(e.what()), "cannot write " + file + ".tmp: Is a directory");
    }
    EXPECT_FALSE(fs::exists(file));
    EXPECT_TRUE(fs::is_directory(file + ".tmp")); // not removed: it is not the writer's
    fs::remove(file + ".tmp");
    nslab::WriteFileAtomically(file, "a,b\n");
    EXPECT_EQ(Slurp(file), "a,b\n");
    EXPECT_FALSE(fs::exists(file + ".tmp"));
}

// Helper programs (gnuplot) run with an argument vector, and a hung one
// cannot hang nslab: it is killed after its time.
TEST(SweepFiles, HelperProgramsRunWithoutAShellAndWithinTheirTime)
{
    nslab::ProgramResult echo = nslab::RunProgram({"echo", "$(touch PWNED)", "`x`"});
    EXPECT_EQ(echo.status, 0);
    EXPECT_EQ(echo.output, "$(touch PWNED) `x`\n");
    EXPECT_EQ(nslab::RunProgram({"no-such-program-nslab"}).status, 127);
    auto begin = std::chrono::steady_clock::now();
    nslab::ProgramResult hung = nslab::RunProgram({"sleep", "30"}, 1u << 20, 1);
    EXPECT_EQ(hung.status, 128 + SIGKILL);
    EXPECT_NE(hung.output.find("(stopped after 1 s)"), std::string::npos);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(20)); // not the sleep's 30 s
}

TEST(SweepFiles, OneSweepPerFolderAtATime)
{
    TempDir tmp;
    std::string dir = tmp / "sweep";
    fs::create_directories(dir);
    {
        nslab::FolderLock held(dir, "test"); // as a sweep running in that folder holds it
        Outcome busy = Nslab(Sweep(dir, "--quiet"));
        EXPECT_EQ(busy.status, 2);
        EXPECT_EQ(busy.err, "nslab sweep: " + dir + ": another nslab process is using this folder\n");
        EXPECT_FALSE(fs::exists(dir + "/plan.json"));
        Outcome emit = Nslab(Sweep(dir, "--emit parallel"));
        EXPECT_EQ(emit.status, 2) << emit.err;
    }
    Outcome free = Nslab(Sweep(dir, "--emit parallel"));
    EXPECT_EQ(free.status, 0) << free.err;
    EXPECT_TRUE(fs::exists(dir + "/plan.json"));
}

TEST(SweepPlan, CombinationsLastKeyFastestWithFolders)
{
    nslab::sweep::Plan plan;
    plan.sets = {"duration=3s"};
    plan.vary = {nslab::sweep::ParseVary("link.lan.loss=0%,0.5%"),
                 nslab::sweep::ParseVary("link.lan.alice->bob.delay=1ms,2ms,5ms")};
    auto combinations = nslab::sweep::Combinations(plan);
    ASSERT_EQ(combinations.size(), 6u);
    EXPECT_EQ(combinations[1].values, (std::vector<std::string>{"0%", "2ms"}));
    EXPECT_EQ(combinations[3].overrides,
              (std::vector<std::string>{"duration=3s", "link.lan.loss=0.5%", "link.lan.alice->bob.delay=1ms"}));
    EXPECT_EQ(combinations[3].folder, "runs/3-loss=0.5pct-delay=1ms");
    EXPECT_THROW(nslab::sweep::ParseVary("link.lan.loss"), nslab::sweep::SweepInputError);
    EXPECT_THROW(nslab::sweep::ParseVary("link.lan.loss=1%,,2%"), nslab::sweep::SweepInputError);
    EXPECT_THROW(nslab::sweep::ParseVary("link.lan.loss=1%,"), nslab::sweep::SweepInputError);
}

// The CSV's statistics are those of the runs' summary.json files; the UDP
// delivery ratio is 1 - p within the confidence interval; a second
// invocation starts no process and writes the same CSV.
TEST(SweepRun, CsvMatchesRunsAndResumeSkipsFinished)
{
    TempDir tmp;
    std::string dir = tmp / "sweep";
    Outcome first = Nslab(Sweep(dir, ""));
    ASSERT_EQ(first.status, 0) << first.err;
    EXPECT_NE(first.err.find("10 runs: 0 finished before, 10 started, 0 failed"), std::string::npos) << first.err;
    EXPECT_EQ(ReadJson(dir + "/sweep.json").at("started"), 10);
    EXPECT_EQ(first.err.find('\r'), std::string::npos); // no progress bar: stderr is not a terminal
    std::vector<Row> rows = ReadCsv(dir + "/sweep.csv");
    ASSERT_EQ(rows.size(), 2u);
    for (const char* setting : {"voice.start_s.mean", "voice-sink.stop_s.mean", "voice-sink.port.mean"})
    {
        EXPECT_EQ(rows[0].count(setting), 0u) << setting << ": a setting, not a measurement";
    }
    const char* folders[] = {"/runs/0-loss=0pct", "/runs/1-loss=10pct"};
    for (size_t c = 0; c < 2; ++c)
    {
        std::vector<double> received;
        std::vector<double> ratio;
        for (int run = 1; run <= 5; ++run)
        {
            auto sink = App(ReadJson(dir + folders[c] + "/run-" + std::to_string(run) + "/summary.json"), "voice-sink");
            double got = sink.at("packets_received").get<double>();
            received.push_back(got);
            ratio.push_back(1 - sink.at("packets_lost").get<double>() / sink.at("packets_resolved").get<double>());
        }
        nslab::sweep::Stat r = nslab::sweep::Describe(received);
        EXPECT_EQ(rows[c]["link.lan.loss"], c ? "10%" : "0%");
        EXPECT_EQ(rows[c]["voice-sink.packets_received.n"], "5");
        ExpectNear(r.mean, rows[c]["voice-sink.packets_received.mean"], "mean");
        ExpectNear(r.sd, rows[c]["voice-sink.packets_received.sd"], "sd");
        ExpectNear(r.ci95, rows[c]["voice-sink.packets_received.ci95"], "ci95");
        nslab::sweep::Stat d = nslab::sweep::Describe(ratio);
        ExpectNear(d.mean, rows[c]["voice-sink.delivery_ratio.mean"], "delivery mean");
        double p = c ? 0.1 : 0.0;
        EXPECT_LE(std::fabs(d.mean - (1 - p)), std::stod(rows[c]["voice-sink.delivery_ratio.ci95"]) + 1e-12)
            << "delivery " << d.mean << " +- " << d.ci95 << " against 1 - " << p;
    }
    EXPECT_GT(std::stod(rows[1]["voice-sink.delivery_ratio.sd"]), 0); // real losses, varying by run

    std::string csv = Slurp(dir + "/sweep.csv");
    Outcome second = Nslab(Sweep(dir, ""));
    ASSERT_EQ(second.status, 0) << second.err;
    EXPECT_NE(second.err.find("10 runs: 10 finished before, 0 started, 0 failed"), std::string::npos) << second.err;
    EXPECT_EQ(ReadJson(dir + "/sweep.json").at("skipped"), 10);
    EXPECT_EQ(Slurp(dir + "/sweep.csv"), csv);
}

// Runs that fail (a process exits 1; a results folder cannot be made) and a
// broken run folder are reported; every other run finishes and is counted.
TEST(SweepRun, FailedAndBrokenRunsReportedOthersFinish)
{
    TempDir tmp;
    std::string dir = tmp / "sweep";
    fs::create_directories(dir + "/runs/1-loss=10pct");
    std::ofstream(dir + "/runs/1-loss=10pct/run-2") << "a file where the run's folder goes\n";
    fs::create_directories(dir + "/runs/1-loss=10pct/run-4/summary.json.tmp"); // the run exits 2 before it starts
    fs::create_directories(dir + "/runs/0-loss=0pct/run-3");
    std::ofstream(dir + "/runs/0-loss=0pct/run-3/summary.json") << "{ truncated";
    fs::create_directories(dir + "/runs/1-loss=10pct/run-1"); // an app entry without a name
    std::ofstream(dir + "/runs/1-loss=10pct/run-1/summary.json") << R"({"apps": [{"type": "udp-server"}]})";
    Outcome o = Nslab(Sweep(dir, ""));
    EXPECT_EQ(o.status, 1);
    EXPECT_NE(o.err.find("failed: " + dir + "/runs/1-loss=10pct/run-2 (exit status 127): cannot create " + dir + "/runs/1-loss=10pct/run-2: a file is in the way"),
              std::string::npos)
        << o.err;
    EXPECT_NE(o.err.find("failed: " + dir + "/runs/1-loss=10pct/run-4 (exit status 2): --out: cannot create " + dir +
                         "/runs/1-loss=10pct/run-4/summary.json.tmp: Is a directory"),
              std::string::npos)
        << o.err;
    EXPECT_NE(o.err.find("broken: " + dir + "/runs/0-loss=0pct/run-3: summary.json: not an nslab summary"),
              std::string::npos)
        << o.err;
    EXPECT_NE(o.err.find("broken: " + dir + "/runs/1-loss=10pct/run-1: summary.json: [json.exception"),
              std::string::npos)
        << o.err;
    std::vector<Row> rows = ReadCsv(dir + "/sweep.csv");
    ASSERT_EQ(rows.size(), 2u);
    EXPECT_EQ(rows[0]["runs"], "4");
    EXPECT_EQ(rows[1]["runs"], "2");
    EXPECT_EQ(rows[1]["voice-sink.packets_received.n"], "2");
    EXPECT_EQ(ReadJson(dir + "/sweep.json").at("failed").size(), 4u);
    EXPECT_EQ(ReadJson(dir + "/sweep.json").at("started"), 8); // the broken ones count as finished
}

// A sweep killed with SIGKILL keeps every run it finished: the next
// invocation skips them all and runs only the rest.
TEST(SweepRun, KilledSweepLosesNoFinishedRun)
{
    TempDir tmp;
    std::string dir = tmp / "sweep";
    std::string command = std::string(NSLAB_BIN) + " sweep " + kStream +
                          " --vary link.lan.loss=0%,10% --runs 20 --jobs 1 --quiet --out " + dir;
    Outcome killed = Shell("(" + command + " & pid=$!; for i in $(seq 24000); do [ $(find " + dir +
                           " -name summary.json 2>/dev/null | wc -l) -ge 3 ] && break; sleep 0.005; done; "
                           "kill -9 $pid; wait $pid; sleep 0.2; pgrep -f -- '[-]-out " + dir + "/runs' | wc -l; exit 0)");
    ASSERT_EQ(killed.status, 0) << killed.err;
    EXPECT_EQ(killed.out, "0\n"); // its run died with it (it would hold its folder's lock)
    size_t finished = CountSummaries(dir);
    ASSERT_GE(finished, 3u);
    Outcome resumed = Nslab(command.substr(std::string(NSLAB_BIN).size() + 1));
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    nlohmann::json result = ReadJson(dir + "/sweep.json");
    EXPECT_GE(result.at("skipped").get<size_t>(), finished);
    EXPECT_EQ(result.at("skipped").get<size_t>() + result.at("started").get<size_t>(), 40u);
    EXPECT_EQ(CountSummaries(dir), 40u);
}

// SIGTERM stops a sweep: its running processes are stopped too, sweep.json
// says so, and the same command continues where it stopped.
TEST(SweepRun, TerminatedSweepStopsItsRunsAndContinues)
{
    TempDir tmp;
    std::string dir = tmp / "sweep";
    std::string args = "sweep " + kStream + " --set duration=6s --set app.voice.stop=5s" +
                       " --vary link.lan.loss=0%,10% --runs 20 --jobs 2 --quiet --out " + dir;
    Outcome stopped = Shell("(" + std::string(NSLAB_BIN) + " " + args + " & pid=$!; for i in $(seq 24000); do [ $(find " + dir +
                            " -name summary.json 2>/dev/null | wc -l) -ge 2 ] && break; sleep 0.005; done; "
                            "kill -TERM $pid; wait $pid; echo $?; pgrep -f -- '[-]-out " + dir + "/runs' | wc -l)");
    EXPECT_EQ(stopped.out, "143\n0\n") << stopped.err; // 128 + SIGTERM; no run left behind
    EXPECT_NE(stopped.err.find("nslab sweep: interrupted (Terminated)"), std::string::npos) << stopped.err;
    nlohmann::json interrupted = ReadJson(dir + "/sweep.json");
    EXPECT_TRUE(interrupted.at("interrupted").get<bool>());
    EXPECT_EQ(interrupted.at("failed").size(), 0u); // runs stopped by the sweep are not failures
    size_t finished = CountSummaries(dir);
    Outcome resumed = Nslab(args);
    ASSERT_EQ(resumed.status, 0) << resumed.err;
    nlohmann::json result = ReadJson(dir + "/sweep.json");
    EXPECT_EQ(result.at("skipped").get<size_t>(), finished);
    EXPECT_EQ(result.at("started").get<size_t>(), 40u - finished);
    EXPECT_FALSE(result.at("interrupted").get<bool>());
}

// GNU parallel runs the emitted job list; --collect gives the CSV of the built-in runner.
TEST(SweepEmit, GnuParallelThenCollectEqualsBuiltIn)
{
    if (std::system("command -v parallel >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "GNU parallel missing (bash scripts/setup.sh installs it)";
    }
    TempDir tmp;
    Outcome builtIn = Nslab(Sweep(tmp / "builtin", "--quiet"));
    ASSERT_EQ(builtIn.status, 0) << builtIn.err;
    std::string dir = tmp / "emitted";
    Outcome emit = Nslab(Sweep(dir, "--emit parallel"));
    ASSERT_EQ(emit.status, 0) << emit.err;
    EXPECT_NE(emit.out.find("jobs.txt: 10 of 10 runs to do"), std::string::npos) << emit.out;
    EXPECT_EQ(Lines(Slurp(dir + "/jobs.txt")), 10u);
    EXPECT_FALSE(fs::exists(dir + "/sweep.csv"));
    Outcome parallel = Shell("(parallel -j2 --joblog " + dir + "/parallel.log < " + dir + "/jobs.txt)");
    ASSERT_EQ(parallel.status, 0) << parallel.err;
    EXPECT_EQ(Lines(Slurp(dir + "/parallel.log")), 11u); // a header and one line per job
    Outcome collect = Nslab("sweep --collect " + dir);
    ASSERT_EQ(collect.status, 0) << collect.err;
    EXPECT_NE(collect.out.find("10 of 10 runs finished"), std::string::npos) << collect.out;
    EXPECT_EQ(Slurp(dir + "/sweep.csv"), Slurp(tmp / "builtin/sweep.csv"));

    Outcome slurm = Nslab(Sweep(dir, "--emit slurm"));
    ASSERT_EQ(slurm.status, 0) << slurm.err;
    EXPECT_EQ(Slurp(dir + "/jobs.txt"), ""); // nothing left to do
    EXPECT_NE(slurm.out.find("every run has finished"), std::string::npos) << slurm.out;
    EXPECT_FALSE(fs::exists(dir + "/sweep.slurm")); // no array of zero tasks to submit
}

TEST(SweepEmit, SlurmArrayOverJobLines)
{
    TempDir tmp;
    std::string dir = tmp / "sweep";
    Outcome o = Nslab("sweep " + kStream + " --vary 'link.lan.loss=1%,2%,3%' --vary app.voice.size=100B,1400B --runs 2 "
                      "--emit slurm --out " + dir);
    ASSERT_EQ(o.status, 0) << o.err;
    std::string jobs = Slurp(dir + "/jobs.txt");
    EXPECT_EQ(Lines(jobs), 12u);
    EXPECT_NE(jobs.find("'--set' 'app.voice.size=1400B' '--run' '2' '--out' '" + dir + "/runs/5-loss=3pct-size=1400B/run-2'"),
              std::string::npos)
        << jobs;
    std::string script = Slurp(dir + "/sweep.slurm");
    EXPECT_NE(script.find("#SBATCH --array=1-12\n"), std::string::npos) << script;
    EXPECT_NE(script.find("sed -n \"${SLURM_ARRAY_TASK_ID}p\""), std::string::npos) << script;
}

TEST(SweepInput, BadVaryExitsTwoWithLoaderMessage)
{
    TempDir tmp;
    Outcome key = Nslab("sweep " + kStream + " --vary link.lan.los=1% --out " + (tmp / "s"));
    EXPECT_EQ(key.status, 2);
    EXPECT_EQ(key.err, "--vary 'link.lan.los=1%': [link.lan] unknown key 'los' (did you mean 'loss'?); keys: type, "
                       "nodes, rate, mtu, "
                       "subnet, capture, delay, jitter, distribution, reorder, loss, loss_burst, gilbert, drop, corrupt, "
                       "duplicate, queue\n");
    Outcome value = Nslab("sweep " + kStream + " --set duration=3s --vary link.lan.loss=1%,7x --out " + (tmp / "s"));
    EXPECT_EQ(value.status, 2);
    EXPECT_EQ(value.err, "--vary 'link.lan.loss=7x': [link.lan] loss: expected a percentage such as '2%' or a "
                         "fraction such as '0.02', got '7x'\n");
    Outcome form = Nslab("sweep " + kStream + " --vary link.lan.loss --out " + (tmp / "s"));
    EXPECT_EQ(form.status, 2);
    EXPECT_EQ(form.err, "--vary 'link.lan.loss': expected KEY=VALUE,VALUE,... (e.g. link.lan.loss=0%,1%,2%)\n");
    Outcome run = Nslab("sweep " + kStream + " --vary run=5,6 --out " + (tmp / "s"));
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(run.err, "--vary 'run=5,6': the run number is the replication; give --runs N instead\n");
    EXPECT_FALSE(fs::exists(tmp / "s")); // nothing started, no folder
    Outcome other = Nslab(Sweep(tmp / "t", "--emit parallel"));
    ASSERT_EQ(other.status, 0) << other.err;
    Outcome reuse = Nslab("sweep " + kStream + " --vary link.lan.loss=5% --out " + (tmp / "t"));
    EXPECT_EQ(reuse.status, 2);
    EXPECT_NE(reuse.err.find("holds another sweep"), std::string::npos) << reuse.err;
}

// A key given twice would keep only its last value: the rows 1,3 and 2,3
// would be the same runs under different labels.
TEST(SweepInput, KeyVariedTwiceRefused)
{
    TempDir tmp;
    Outcome o = Nslab("sweep " + kStream + " --vary seed=1,2 --vary seed=3,4 --out " + (tmp / "s"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--vary 'seed=3,4': 'seed' is already varied by --vary 'seed=1,2'; give all its values in one --vary\n");
    EXPECT_FALSE(fs::exists(tmp / "s"));
}

TEST(SweepInput, KeyBothVariedAndSetRefused)
{
    TempDir tmp;
    Outcome o = Nslab("sweep " + kStream + " --set duration=3s --set link.lan.loss=5% --vary link.lan.loss=1%,2% --out " +
                      (tmp / "s"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--set 'link.lan.loss=5%': 'link.lan.loss' is also varied by --vary 'link.lan.loss=1%,2%'; "
                     "drop the --set (or the --vary, to keep it fixed)\n");
    EXPECT_FALSE(fs::exists(tmp / "s"));
}

// k <= 0 used to be ignored: the plot drew the computed k.
TEST(SweepInput, FragmentsMustBePositive)
{
    TempDir tmp;
    for (const auto& [option, k] : {std::pair{"--fragments -3", "-3"}, std::pair{"--fragments=0", "0"}})
    {
        Outcome o = Nslab(Sweep(tmp / "s", std::string("--plot voice-sink.delivery_ratio --model fragments ") + option));
        EXPECT_EQ(o.status, 2) << option;
        EXPECT_EQ(o.err, std::string("--fragments: expected a positive number of fragments, got '") + k + "'\n");
    }
    EXPECT_FALSE(fs::exists(tmp / "s"));
    Outcome collect = Nslab("sweep --collect " + (tmp / "s") + " --plot voice-sink.delivery_ratio --model fragments --fragments -1");
    EXPECT_EQ(collect.status, 2);
    EXPECT_EQ(collect.err, "--fragments: expected a positive number of fragments, got '-1'\n");
}

/** \return "FIRST,FIRST+1,...,FIRST+99" with the unit after each number. */
std::string
HundredValues(int first, const std::string& unit)
{
    std::string values;
    for (int i = first; i < first + 100; ++i)
    {
        values += (values.empty() ? "" : ",") + std::to_string(i) + unit;
    }
    return values;
}

// A million combinations took over a minute to validate before the sweep
// failed or started; the count is refused before any is loaded.
TEST(SweepInput, TooManyRunsRefusedAtOnce)
{
    // Refused before the million combinations are built and loaded (that
    // took minutes; ctest's timeout would catch a relapse).
    TempDir tmp;
    Outcome o = Nslab("sweep " + kStream + " --vary seed=" + HundredValues(1, "") + " --vary app.voice.size=" +
                      HundredValues(100, "B") + " --vary duration=" + HundredValues(1, "s") + " --emit parallel --out " +
                      (tmp / "s"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--vary, --runs: 1000000 combinations x 10 runs = 10000000 runs; a sweep may have at most 100000 "
                     "(vary fewer values or lower --runs)\n");
    Outcome runs = Nslab("sweep " + kStream + " --runs 100001 --emit parallel --out " + (tmp / "s"));
    EXPECT_EQ(runs.status, 2);
    EXPECT_EQ(runs.err, "--vary, --runs: 1 combination x 100001 runs = 100001 runs; a sweep may have at most 100000 "
                        "(vary fewer values or lower --runs)\n");
    EXPECT_FALSE(fs::exists(tmp / "s"));
    nslab::sweep::Plan plan;
    plan.runs = 1000;
    plan.vary = {nslab::sweep::ParseVary("seed=" + HundredValues(1, ""))};
    EXPECT_NO_THROW(nslab::sweep::CheckPlan(plan)); // exactly the limit
    plan.runs = 1001;
    EXPECT_THROW(nslab::sweep::CheckPlan(plan), nslab::sweep::SweepInputError);
}

// A summary.json that cannot be read (here a directory) is a broken run like
// one that is not a summary, not an internal error; the other runs count.
TEST(SweepRun, UnreadableSummaryReportedAsBroken)
{
    TempDir tmp;
    std::string dir = tmp / "sweep";
    ASSERT_EQ(Nslab(Sweep(dir, "--quiet")).status, 0);
    std::string run = dir + "/runs/1-loss=10pct/run-2";
    fs::remove(run + "/summary.json");
    fs::create_directories(run + "/summary.json");
    Outcome o = Nslab("sweep --collect " + dir);
    EXPECT_EQ(o.status, 1);
    EXPECT_EQ(o.err, "nslab sweep: broken: " + run + ": summary.json: Is a directory\n");
    EXPECT_EQ(o.out, dir + "/sweep.csv: 2 combinations, 9 of 10 runs finished\n");
    EXPECT_EQ(ReadCsv(dir + "/sweep.csv")[1]["runs"], "4");
    EXPECT_EQ(ReadJson(dir + "/sweep.json").at("failed").size(), 1u);
    // The same for the sweep's plan.json: bad input (exit 2), before any run.
    fs::rename(dir + "/plan.json", dir + "/plan.old");
    fs::create_directories(dir + "/plan.json");
    Outcome plan = Nslab("sweep --collect " + dir);
    EXPECT_EQ(plan.status, 2);
    EXPECT_EQ(plan.err, dir + "/plan.json: Is a directory\n");
}

TEST(SweepPlot, DeliveryRatioWithFragmentsModel)
{
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    std::string dir = tmp / "sweep";
    Outcome o = Nslab(Sweep(dir, "--quiet --plot voice-sink.delivery_ratio --model fragments"));
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_GT(fs::file_size(dir + "/plots/voice-sink.delivery_ratio.png"), 1000u);
    EXPECT_NE(Slurp(dir + "/plots/voice-sink.delivery_ratio.svg").find("<svg"), std::string::npos);
    // 200-byte datagrams fit one frame: k = 1, the model is 1 - p.
    std::string data = Slurp(dir + "/plots/voice-sink.delivery_ratio.dat");
    EXPECT_NE(data.find(" 0.9 \"10%\""), std::string::npos) << data;
    EXPECT_NE(Slurp(dir + "/plots/voice-sink.delivery_ratio.gp").find("k = 1 fragments"), std::string::npos);
    // 4000-byte datagrams over MTU 1500: 3 fragments.
    EXPECT_EQ(Nslab("sweep " + kStream + " --set app.voice.size=4000B --vary link.lan.loss=10% --runs 2 --quiet --out " +
                    (tmp / "frag") + " --plot voice-sink.delivery_ratio --model fragments")
                  .status,
              0);
    EXPECT_NE(Slurp(tmp / "frag/plots/voice-sink.delivery_ratio.dat").find(" 0.729 \"10%\""), std::string::npos);
    // 2900-byte datagrams: 2 fragments over IPv4 (1480 bytes each), 3 over IPv6
    // (1448: the fragment header takes 8 more).
    for (const auto& [ip, k, model] : {std::tuple{"v4", "2", " 0.81 "}, std::tuple{"v6", "3", " 0.729 "}})
    {
        std::string out = tmp / (std::string("frag-") + ip);
        ASSERT_EQ(Nslab("sweep " + kStream + " --set ip=" + ip + " --set app.voice.size=2900B --vary link.lan.loss=10% " +
                        "--runs 2 --quiet --out " + out + " --plot voice-sink.delivery_ratio --model fragments")
                      .status,
                  0)
            << ip;
        EXPECT_NE(Slurp(out + "/plots/voice-sink.delivery_ratio.gp").find(std::string("k = ") + k + " fragments"),
                  std::string::npos)
            << ip;
        EXPECT_NE(Slurp(out + "/plots/voice-sink.delivery_ratio.dat").find(std::string(model) + "\"10%\""),
                  std::string::npos)
            << ip;
    }
    Outcome unknown = Nslab("sweep --collect " + dir + " --plot voice-sink.nothing");
    EXPECT_EQ(unknown.status, 2);
    EXPECT_NE(unknown.err.find("--plot: no metric 'voice-sink.nothing' in the finished runs; metrics: voice.bytes_sent, voice.icmp_unreachable, voice.packets_sent"),
              std::string::npos)
        << unknown.err;
}

// Mathis et al.: MSS/RTT * sqrt(3/2)/sqrt(p), MSS from the run's resolved
// scenario.ini, RTT its client's rtt_min_s, p the varied loss.
TEST(SweepPlot, MathisModelFromMssAndMeasuredRtt)
{
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    std::string dir = tmp / "sweep";
    Outcome o = Nslab("sweep " + std::string(NSLAB_SOURCE_DIR) + "/tests/data/three-on-a-lan.ini" +
                      " --vary link.lan.loss=1%,2% --runs 2 --quiet --out " + dir + " --plot file.goodput_bps --model mathis");
    ASSERT_EQ(o.status, 0) << o.err;
    std::istringstream data(Slurp(dir + "/plots/file.goodput_bps.dat"));
    std::string line;
    std::getline(data, line); // the column names
    const char* folders[] = {"/runs/0-loss=1pct", "/runs/1-loss=2pct"};
    for (int c = 0; c < 2; ++c)
    {
        ASSERT_TRUE(std::getline(data, line));
        std::istringstream cells(line);
        double x, mean, ci, model;
        cells >> x >> mean >> ci >> model;
        std::string run = dir + folders[c] + "/run-1";
        ASSERT_NE(Slurp(run + "/scenario.ini").find("\nmss = 1448\n"), std::string::npos);
        double rtt = App(ReadJson(run + "/summary.json"), "file").at("rtt_min_s").get<double>();
        double p = c ? 0.02 : 0.01;
        EXPECT_NEAR(model, 1448 * 8 / rtt * std::sqrt(1.5 / p), 1e-6 * model) << line;
    }
    EXPECT_NE(Slurp(dir + "/plots/file.goodput_bps.gp").find("Mathis et al."), std::string::npos);
    Outcome notLoss = Nslab("sweep " + kStream + " --vary link.lan.delay=1ms,2ms --runs 2 --quiet --out " + (tmp / "d") +
                            " --plot voice-sink.delivery_ratio --model fragments");
    EXPECT_EQ(notLoss.status, 2);
    EXPECT_NE(notLoss.err.find("--model fragments: the first varied key must be a loss ratio (e.g. 1% or 0.01), got '1ms'"),
              std::string::npos)
        << notLoss.err;
    EXPECT_FALSE(fs::exists(tmp / "d/runs")); // refused before any run
}

} // namespace
