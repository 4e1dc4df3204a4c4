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
#include <regex>
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

// sweep.csv and drops.csv quote a cell with a comma or a quote; the report
// and nslab analyze --lost read drops.csv back cell by cell.
TEST(SweepFiles, CsvCellsReadBackWhatCsvCellWrote)
{
    std::vector<std::string> cells{"plain", "a,b", "say \"hi\"", "", "\"", ",", "queue disc FqCoDel: Overlimit drop"};
    std::string line;
    for (const auto& cell : cells)
    {
        line += (line.empty() ? "" : ",") + nslab::CsvCell(cell);
    }
    EXPECT_EQ(line, "plain,\"a,b\",\"say \"\"hi\"\"\",,\"\"\"\",\",\",queue disc FqCoDel: Overlimit drop");
    EXPECT_EQ(nslab::CsvCells(line), cells);
    EXPECT_EQ(nslab::CsvCells(""), std::vector<std::string>{""});
    EXPECT_EQ(nslab::CsvCells("a,"), (std::vector<std::string>{"a", ""}));
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
                       "subnet, capture, state, delay, jitter, distribution, reorder, loss, loss_burst, gilbert, drop, corrupt, "
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
    EXPECT_EQ(o.out, dir + "/sweep.csv: 2 combinations, 9 of 10 runs finished\n" + dir + "/sweep.html\n");
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

// ---------------------------------------------------------------- plots that tell the truth

/**
 * A sweep's table built here: the first varied key "link.lan.loss" at 0%,
 * 1%, 2%, each combination with these samples of one metric, out of
 * `finished` runs (a run without a sample reported the metric as null, for
 * `why`).
 */
nslab::sweep::Table
SyntheticTable(const std::string& metric, const std::vector<std::vector<double>>& samples, size_t finished,
               const std::string& why = "did not finish the transfer (no goodput)")
{
    nslab::sweep::Table table;
    table.plan.name = "synthetic";
    table.plan.runs = static_cast<int>(finished);
    table.plan.vary = {nslab::sweep::ParseVary("link.lan.loss=0%,1%,2%")};
    table.combinations = nslab::sweep::Combinations(table.plan);
    table.metrics = {metric};
    table.noValue.resize(samples.size());
    for (size_t c = 0; c < samples.size(); ++c)
    {
        table.stats.push_back({nslab::sweep::Describe(samples[c])});
        std::vector<int> runs;
        for (size_t r = 1; r <= finished; ++r)
        {
            runs.push_back(static_cast<int>(r));
        }
        table.finishedRuns.push_back(runs);
        if (samples[c].size() < finished)
        {
            table.noValue[c][metric][why] = finished - samples[c].size();
        }
    }
    return table;
}

/** \return the data rows of a sweep plot's .dat file, split at blanks. */
std::vector<std::vector<std::string>>
DataRows(const std::string& file)
{
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(Slurp(file));
    for (std::string line; std::getline(in, line);)
    {
        if (line.empty() || line[0] == '#')
        {
            continue;
        }
        std::istringstream cells(line);
        std::vector<std::string> row;
        for (std::string cell; cells >> cell;)
        {
            row.push_back(cell);
        }
        rows.push_back(row);
    }
    return rows;
}

// Counts, sizes, times and rates cannot be negative, a ratio cannot exceed 1:
// the error bars (mean ± ci95, columns low and high of the data file) stop
// there, and the legend says so. A metric some run reported negative is not cut.
TEST(SweepPlot, ErrorBarsStopAtZeroAndAtOneForARatio)
{
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    // Mostly 0, one run 12: mean 3, ci95 = 3.182 * 6 / 2 = 9.547.
    std::vector<std::vector<double>> retransmissions{{0, 0, 0, 0}, {0, 0, 0, 12}, {10, 11, 12, 13}};
    auto table = SyntheticTable("file.retransmissions", retransmissions, 4);
    ASSERT_EQ(nslab::sweep::Plot(table, tmp.Path(), {"file.retransmissions", "", 0}).size(), 2u);
    auto rows = DataRows(tmp / "plots/file.retransmissions.dat");
    ASSERT_EQ(rows.size(), 3u);
    // x mean ci95 model label low high n runs
    EXPECT_EQ(rows[1][1], "3");
    double ci = std::stod(rows[1][2]);
    EXPECT_NEAR(ci, nslab::sweep::Describe(retransmissions[1]).ci95, 1e-9);
    EXPECT_GT(ci, 3);
    EXPECT_EQ(rows[1][5], "0") << "the bar stops at 0, not at " << 3 - ci;
    EXPECT_NEAR(std::stod(rows[1][6]), 3 + ci, 1e-9);
    EXPECT_NEAR(std::stod(rows[2][5]), 11.5 - nslab::sweep::Describe(retransmissions[2]).ci95, 1e-9) << "not cut";
    EXPECT_EQ(rows[0][5], "0");
    EXPECT_EQ(rows[0][6], "0");
    std::string gp = Slurp(tmp / "plots/file.retransmissions.gp");
    EXPECT_NE(gp.find("using 1:2:6:7 with yerrorlines"), std::string::npos) << gp;
    EXPECT_NE(gp.find("title 'file.retransmissions (mean, 95 % CI, bars clipped at 0)'"), std::string::npos) << gp;

    // A delivery ratio near 1: the bar stops at 1.
    std::vector<std::vector<double>> ratio{{1, 1, 1, 0.9}, {0.9, 0.95, 0.9, 0.95}, {0.5, 0.6, 0.7, 0.8}};
    table = SyntheticTable("sink.delivery_ratio", ratio, 4);
    nslab::sweep::Plot(table, tmp.Path(), {"sink.delivery_ratio", "", 0});
    rows = DataRows(tmp / "plots/sink.delivery_ratio.dat");
    EXPECT_EQ(rows[0][6], "1");
    EXPECT_NEAR(std::stod(rows[0][5]), 0.975 - nslab::sweep::Describe(ratio[0]).ci95, 1e-9);
    EXPECT_NE(Slurp(tmp / "plots/sink.delivery_ratio.gp").find("(mean, 95 % CI, bars clipped to 0..1)"),
              std::string::npos);

    // Nothing to cut: no note. A metric reported negative somewhere: not cut.
    table = SyntheticTable("x.offset_s", {{-1, 1, 0, 0}, {5, 6}, {7, 8}}, 2);
    table.finishedRuns[0] = {1, 2, 3, 4};
    nslab::sweep::Plot(table, tmp.Path(), {"x.offset_s", "", 0});
    rows = DataRows(tmp / "plots/x.offset_s.dat");
    EXPECT_LT(std::stod(rows[0][5]), 0);
    EXPECT_EQ(Slurp(tmp / "plots/x.offset_s.gp").find("clipped"), std::string::npos);
}

// A point whose runs did not all report the metric is not the mean of those
// that did (the transfers that happened to finish): it is left out of its
// curve (NaN: a gap, where '?' would be joined across), marked "no value" in
// the figure, and MissingPoints says why.
TEST(SweepPlot, PointsWithoutAValueInEveryRunAreMissing)
{
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    auto table = SyntheticTable("file.goodput_bps", {{8e6, 9e6, 8.5e6, 9e6, 8e6}, {7e6, 6e6}, {}}, 5);
    nslab::sweep::Plot(table, tmp.Path(), {"file.goodput_bps", "", 0});
    auto rows = DataRows(tmp / "plots/file.goodput_bps.dat");
    ASSERT_EQ(rows.size(), 3u);
    EXPECT_EQ(rows[0][1], "8500000");
    EXPECT_EQ((std::vector<std::string>{rows[0][7], rows[0][8]}), (std::vector<std::string>{"5", "5"}));
    for (size_t c : {1, 2})
    {
        EXPECT_EQ(rows[c][1], "NaN") << "not the mean of the runs that finished";
        EXPECT_EQ(rows[c][5], "NaN");
        EXPECT_EQ(rows[c][6], "NaN");
        EXPECT_EQ(rows[c][8], "5");
    }
    EXPECT_EQ(rows[1][7], "2");
    EXPECT_EQ(rows[2][7], "0");
    std::string gp = Slurp(tmp / "plots/file.goodput_bps.gp");
    EXPECT_NE(gp.find("set label 1 'no value in 3 of 5 runs' at first 1, graph 0.05 center point pt 2"),
              std::string::npos)
        << gp;
    EXPECT_NE(gp.find("set label 2 'no value in 5 of 5 runs' at first 2, graph 0.05 right point pt 2"),
              std::string::npos)
        << gp;
    EXPECT_NE(gp.find("set title 'synthetic: 5 runs per point'"), std::string::npos) << gp;
    EXPECT_NE(gp.find("set xrange [-0.1:2.1]"), std::string::npos) << gp;
    EXPECT_EQ(nslab::sweep::MissingPoints(table, "file.goodput_bps"),
              (std::vector<std::string>{"link.lan.loss=1%: 3 of 5 runs did not finish the transfer (no goodput)",
                                        "link.lan.loss=2%: 5 of 5 runs did not finish the transfer (no goodput)"}));

    // No point at all: gnuplot still draws the frame and the marks.
    table = SyntheticTable("file.goodput_bps", {{}, {}, {}}, 3);
    table.finishedRuns[2].clear();
    table.noValue[2].clear();
    ASSERT_EQ(nslab::sweep::Plot(table, tmp.Path(), {"file.goodput_bps", "", 0}).size(), 2u);
    gp = Slurp(tmp / "plots/file.goodput_bps.gp");
    EXPECT_NE(gp.find("set yrange [0:1]"), std::string::npos) << gp;
    EXPECT_NE(gp.find("'no run finished'"), std::string::npos) << gp;
    EXPECT_NE(gp.find("set title 'synthetic: no point has a value in every run'"), std::string::npos) << gp;
    EXPECT_EQ(nslab::sweep::MissingPoints(table, "file.goodput_bps"),
              (std::vector<std::string>{"link.lan.loss=0%: 3 of 3 runs did not finish the transfer (no goodput)",
                                        "link.lan.loss=1%: 3 of 3 runs did not finish the transfer (no goodput)",
                                        "link.lan.loss=2%: none of 3 runs finished"}));
}

// End to end: TCP transfers of 500 KB on a shared 10 Mbit/s LAN for 1.5 s,
// some lossy runs too slow to finish. The warnings and the data file say, per
// combination, what the runs' own summaries say.
TEST(SweepPlot, UnfinishedTransfersAreWarnedAboutAndNotAveraged)
{
    if (std::system("command -v gnuplot >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "gnuplot missing";
    }
    TempDir tmp;
    std::string dir = tmp / "sweep";
    Outcome o = Nslab("sweep " + std::string(NSLAB_SOURCE_DIR) + "/tests/data/three-on-a-lan.ini" +
                      " --set duration=1.5s --vary link.lan.loss=0%,3%,10% --runs 4 --jobs 2 --quiet --out " + dir +
                      " --plot file.goodput_bps");
    ASSERT_EQ(o.status, 0) << o.err;
    auto rows = DataRows(dir + "/plots/file.goodput_bps.dat");
    ASSERT_EQ(rows.size(), 3u);
    const char* loss[] = {"0%", "3%", "10%"};
    const char* folders[] = {"/runs/0-loss=0pct", "/runs/1-loss=3pct", "/runs/2-loss=10pct"};
    std::string expected;
    size_t missingPoints = 0;
    for (size_t c = 0; c < 3; ++c)
    {
        SCOPED_TRACE(loss[c]);
        std::vector<double> goodput;
        size_t unfinished = 0, unconnected = 0;
        for (int run = 1; run <= 4; ++run)
        {
            auto file = App(ReadJson(dir + folders[c] + "/run-" + std::to_string(run) + "/summary.json"), "file");
            if (file.at("goodput_bps").is_number())
            {
                goodput.push_back(file.at("goodput_bps").get<double>());
            }
            unconnected += !file.at("connected").get<bool>();
            unfinished += file.at("connected").get<bool>() && !file.at("completed").get<bool>();
        }
        EXPECT_EQ(goodput.size() + unfinished + unconnected, 4u);
        std::string label = std::string("nslab sweep: warning: link.lan.loss=") + loss[c] + ": ";
        if (unfinished)
        {
            expected += label + std::to_string(unfinished) + " of 4 runs did not finish the transfer (no goodput)\n";
        }
        if (unconnected)
        {
            expected += label + std::to_string(unconnected) + " of 4 runs never connected (no goodput)\n";
        }
        EXPECT_EQ(rows[c][7], std::to_string(goodput.size()));
        EXPECT_EQ(rows[c][8], "4");
        if (goodput.size() == 4)
        {
            ExpectNear(nslab::sweep::Describe(goodput).mean, rows[c][1], "mean of every run");
            continue;
        }
        ++missingPoints;
        EXPECT_EQ(rows[c][1], "NaN") << "not the mean of the " << goodput.size() << " that finished";
        EXPECT_NE(Slurp(dir + "/plots/file.goodput_bps.gp")
                      .find("'no value in " + std::to_string(4 - goodput.size()) + " of 4 runs' at first " +
                            (c ? (c == 1 ? "3," : "10,") : "0,")),
                  std::string::npos);
        auto noValue = ReadJson(dir + "/sweep.json").at("combinations").at(c).at("metrics");
        if (noValue.contains("file.goodput_bps"))
        {
            EXPECT_EQ(noValue.at("file.goodput_bps").at("no_value").at("did not finish the transfer (no goodput)"),
                      unfinished);
        }
    }
    ASSERT_EQ(rows[0][7], "4") << "without loss every transfer finishes";
    ASSERT_GT(missingPoints, 0u) << "10 % loss leaves transfers unfinished";
    expected += "nslab sweep: warning: file.goodput_bps: " + std::to_string(missingPoints) +
                " of 3 points not drawn (marked 'no value'): the mean of only the runs that reported it would not be "
                "the point\n";
    EXPECT_EQ(o.err, expected);
    // nslab plot on the sweep folder: the same figure, the same warnings.
    std::string dat = Slurp(dir + "/plots/file.goodput_bps.dat");
    Outcome plot = Nslab("plot " + dir + " --metric file.goodput_bps");
    ASSERT_EQ(plot.status, 0) << plot.err;
    EXPECT_EQ(plot.out, dir + "/plots/file.goodput_bps.png\n" + dir + "/plots/file.goodput_bps.svg\n" + dir +
                            "/sweep.html\n");
    EXPECT_EQ(plot.err, std::regex_replace(expected, std::regex("nslab sweep:"), "nslab plot:"));
    EXPECT_EQ(Slurp(dir + "/plots/file.goodput_bps.dat"), dat);
    Outcome noMetric = Nslab("plot " + dir);
    EXPECT_EQ(noMetric.status, 2);
    EXPECT_EQ(noMetric.err.rfind("nslab plot: " + dir + " is a sweep folder: name the metric to draw, --metric "
                                 "APP.METRIC (metrics: file.bytes_acked, ",
                                 0),
              0u)
        << noMetric.err;
}

} // namespace
