// nslab: run network scenarios on ns-3. A thin command line over the testbed
// library: parse options, load the scenario, run, write results.

#include "io.h"
#include "keys.h"
#include "plot.h"
#include "report.h"
#include "web-report.h"
#include "runner.h"
#include "scenario.h"
#include "sweep.h"

#include <boost/program_options.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <sys/resource.h>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>
#include <thread>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;

namespace
{

constexpr int kBadInput = 2;

/** Bad command-line usage, reported like a scenario error (exit status 2). */
struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

const char* kMainHelp = R"(nslab - network scenarios on ns-3: TCP and UDP over lossy Ethernet, WiFi and p2p links

usage:
  nslab run [SCENARIO.ini] [--set SECTION.KEY=VALUE]... [--out DIR] [--seed N] [--run N] [--quiet]
  nslab check SCENARIO.ini [--set SECTION.KEY=VALUE]...
  nslab plot RESULTS_DIR          draw each app's time series (PNG and SVG, with gnuplot)
  nslab report RESULTS_DIR        write RESULTS_DIR/report.html again (a run writes it)
  nslab plot SWEEP_DIR --metric APP.METRIC   draw a metric of a sweep
  nslab analyze PCAP... [--json]  explain captures: flows, TCP analysis, UDP loss, ladders, plots
  nslab sweep SCENARIO.ini --vary KEY=V1,V2,... [--runs R] [--jobs N] [--plot METRIC]
  nslab sweep --collect DIR        statistics of the finished runs of a sweep, from any machine
  nslab --help | --version        nslab COMMAND --help

example:
  nslab run scenarios/tcp-vs-udp.ini --set link.lan.loss=5% --run 2
)";

const char* kRunExample = R"(
Runs a scenario and writes DIR/summary.json, DIR/scenario.ini (resolved),
DIR/report.html (one page to look at: topology, apps, plots, ladders, a
step-through of the frames, drops) and one DIR/<node>-<iface>.pcap per interface, as the host's tcpdump sees it (WiFi
interfaces also DIR/<node>-<iface>.radio.pcap, the radio's view; the scenario's
capture key says how much). Without SCENARIO, runs the default teaching
scenario (tcp-vs-udp.ini).

example:
  nslab run scenarios/tcp-vs-udp.ini --set link.lan.loss=5% --seed 7 --out /tmp/lossy
)";

const char* kPlotExample = R"(
Draws one figure per app of a results folder, from the CSV time series the
run wrote: throughput, and for TCP clients cwnd, ssthresh, bytes in flight and
RTT; for UDP servers the one-way latency of every datagram. Writes
RESULTS_DIR/plots/<app>.png, .svg, the gnuplot script <app>.gp and the data
it draws. Given a sweep folder and --metric, draws that metric of the sweep
as `nslab sweep --plot` does (points some run has no value for are left out,
with a warning).

example:
  nslab run scenarios/tcp-vs-udp.ini --out /tmp/lossy && nslab plot /tmp/lossy
  nslab plot results/tcp-vs-udp-sweep --metric file.goodput_bps --model mathis   (a sweep folder)
)";

const char* kCheckExample = R"(
Validates a scenario and prints it resolved: every key explicit, defaults filled in.

example:
  nslab check scenarios/wifi-cell.ini --set link.air.distance=30m
)";

const char* kSweepExample = R"(
Runs every combination of the varied values times every replication (run
numbers 1..R), each as its own `nslab run` in DIR/runs/<index>-<values>/run-<R>/,
N at a time, then writes DIR/sweep.csv and DIR/sweep.json: per combination the
mean, standard deviation, 95 % confidence interval and count of every numeric
app metric. Rerunning the same command skips finished runs. DIR defaults to
results/<name>-sweep. See docs/sweep.md.

examples:
  nslab sweep scenarios/tcp-vs-udp.ini --vary link.lan.loss=0%,0.5%,1%,2%,5% --runs 10 \
      --plot file.goodput_bps --model mathis
  nslab sweep scenarios/fragmentation.ini --vary 'link.lan.alice->bob.loss=0%,5%,10%' --emit parallel --out /tmp/frag
  parallel --joblog /tmp/frag/parallel.log < /tmp/frag/jobs.txt && nslab sweep --collect /tmp/frag
)";

std::string
DefaultScenario()
{
    for (std::string dir : {std::string(NSLAB_SCENARIO_DIR), std::string("scenarios")})
    {
        if (fs::exists(dir + "/tcp-vs-udp.ini"))
        {
            return dir + "/tcp-vs-udp.ini";
        }
    }
    return std::string(NSLAB_SCENARIO_DIR) + "/tcp-vs-udp.ini";
}

po::variables_map
Parse(const std::vector<std::string>& args, const po::options_description& options, const char* command)
{
    po::positional_options_description positional;
    positional.add("scenario", 1);
    po::variables_map vm;
    try
    {
        po::store(po::command_line_parser(args).options(options).positional(positional).run(), vm);
        po::notify(vm);
    }
    catch (const po::error& e)
    {
        throw UsageError(std::string("nslab ") + command + ": " + e.what() + " (see 'nslab " + command + " --help')");
    }
    return vm;
}

po::options_description
CommonOptions(const char* caption)
{
    po::options_description options(caption);
    options.add_options()("help,h", "show this help")(
        "set", po::value<std::vector<std::string>>()->composing(), "override a key: SECTION.KEY=VALUE (repeatable)")(
        "scenario", po::value<std::string>(), "scenario file");
    return options;
}

/** Load the scenario named on the command line with its --set overrides; warnings go to stderr. */
nslab::Scenario
LoadScenario(const po::variables_map& vm, const std::string& file)
{
    auto overrides = vm.count("set") ? vm["set"].as<std::vector<std::string>>() : std::vector<std::string>{};
    for (const char* key : {"seed", "run"})
    {
        if (vm.count(key))
        {
            // Same checks and same place in scenario.ini as if written in the file.
            overrides.push_back(std::string(key) + "=" + vm[key].as<std::string>());
        }
    }
    nslab::Scenario scenario = nslab::LoadScenarioFile(file, overrides);
    for (const auto& warning : scenario.warnings)
    {
        std::cerr << warning << " (warning)\n";
    }
    return scenario;
}

/** A results folder's list of the files its last run created: the next run removes exactly these. */
constexpr char kManifest[] = ".nslab-files";

/** \return true if an nslab run wrote the folder: its scenario.ini says so in its first line. */
bool
WrittenByARun(const fs::path& dir)
{
    std::string error;
    std::string text = nslab::ReadText((dir / "scenario.ini").string(), error);
    return error.empty() && text.substr(0, text.find('\n')).find(nslab::kResolvedBy) != std::string::npos;
}

/**
 * \return true if NAME is a plain file name in the folder of a kind a run
 * writes (a pcap, a CSV, scenario.ini, summary.json, or the FILE.tmp of one):
 * a manifest planted by someone else can make a run remove no other file.
 */
bool
IsPlainName(const std::string& name)
{
    if (name.empty() || name[0] == '.' || name.find('/') != std::string::npos || nslab::HasControlCharacter(name) ||
        !nslab::IsValidUtf8(name))
    {
        return false;
    }
    fs::path written = fs::path(name).extension() == ".tmp" ? fs::path(name).stem() : fs::path(name);
    std::string ext = written.extension().string();
    return ext == ".pcap" || ext == ".csv" || ext == ".stdout" || ext == ".stderr" || written == "scenario.ini" ||
           written == "summary.json" || written == "report.html";
}

/** \return the files the earlier run into DIR created, as its manifest lists them (none without one). */
std::set<std::string>
EarlierRunFiles(const fs::path& dir)
{
    fs::path manifest = dir / kManifest;
    struct stat st {};
    if (lstat(manifest.c_str(), &st) != 0 && errno == ENOENT)
    {
        return {};
    }
    std::string error = S_ISREG(st.st_mode) ? "" : "not a regular file";
    std::string text = error.empty() ? nslab::ReadText(manifest.string(), error, 16u << 20) : "";
    if (!error.empty())
    {
        throw UsageError("--out: cannot read " + manifest.string() + ": " + error);
    }
    std::set<std::string> files;
    std::istringstream lines(text);
    size_t number = 0;
    for (std::string line; std::getline(lines, line);)
    {
        ++number;
        if (!IsPlainName(line))
        {
            throw UsageError("--out: " + manifest.string() + ":" + std::to_string(number) +
                             ": not the name of a file a run writes (a pcap, a CSV, a program's .stdout or .stderr, scenario.ini, "
                             "summary.json); that list is not "
                             "nslab's: choose another folder");
        }
        files.insert(line);
    }
    return files;
}

/**
 * Remove what the earlier run listed (unlink: a link goes, never what it
 * points to; a directory stays and is reported by the check that follows),
 * and the figures `nslab plot` drew from that run's CSVs: plots/<app>.png,
 * .svg, .gp, the data files .throughput.dat and .tcp.dat, and their FILE.tmp.
 * Nothing else.
 */
void
ClearEarlierRun(const fs::path& dir, const std::set<std::string>& earlier)
{
    const std::string series = ".throughput.csv"; // every app has one
    int plots = open((dir / "plots").c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    for (const auto& name : earlier)
    {
        unlink((dir / name).c_str());
        if (plots >= 0 && name.size() > series.size() &&
            name.compare(name.size() - series.size(), series.size(), series) == 0)
        {
            std::string app = name.substr(0, name.size() - series.size());
            for (std::string ext : {".png", ".svg", ".gp", ".throughput.dat", ".tcp.dat"})
            {
                unlinkat(plots, (app + ext).c_str(), 0);
                unlinkat(plots, (app + ext + ".tmp").c_str(), 0);
            }
        }
    }
    if (plots >= 0)
    {
        close(plots);
        unlinkat(AT_FDCWD, (dir / "plots").c_str(), AT_REMOVEDIR); // only if now empty
    }
}

/**
 * Make DIR ready for a run that creates FILES, before the simulation starts:
 * a file in the way that no run listed is the user's (refused, never deleted);
 * what the earlier run listed goes (with its summary.json: a folder with a
 * summary is a complete run); the manifest of this run is written before any
 * result file; and every name is tried once (created and removed), so that a
 * directory in the way, a name too long or a read-only folder is found now.
 * The caller holds DIR's lock.
 */
void
PrepareOutDir(const fs::path& dir, const std::vector<std::string>& files)
{
    std::set<std::string> earlier = EarlierRunFiles(dir);
    for (const auto& name : files)
    {
        struct stat st {};
        if (earlier.count(name) || lstat((dir / name).c_str(), &st) != 0)
        {
            continue; // not there, or unreachable (a name too long): the trial below says why
        }
        if (S_ISDIR(st.st_mode))
        {
            throw UsageError("--out: cannot create " + (dir / name).string() + ": " + std::strerror(EISDIR));
        }
        bool legacy = earlier.empty() && WrittenByARun(dir);
        throw UsageError("--out: " + (dir / name).string() +
                         " is not one a run wrote, and the results would replace it: choose another folder" +
                         (legacy ? " (or remove the results of the earlier nslab, which listed no files)" : ""));
    }
    ClearEarlierRun(dir, earlier);
    std::string manifest;
    for (const auto& name : files)
    {
        manifest += name + "\n";
    }
    try
    {
        nslab::WriteFileAtomically((dir / kManifest).string(), manifest);
    }
    catch (const nslab::WriteError& e)
    {
        throw UsageError(std::string("--out: ") + e.what());
    }
    for (const auto& name : files)
    {
        std::string path = (dir / name).string();
        try
        {
            close(nslab::CreateExclusive(path));
            unlink(path.c_str());
        }
        catch (const nslab::PathError& e)
        {
            throw UsageError(std::string("--out: ") + e.what());
        }
    }
}

/** Refuse a path that JSON and the resolved scenario cannot carry as given. */
void
CheckPathText(const std::string& what, const std::string& path)
{
    if (!nslab::IsValidUtf8(path) || nslab::HasControlCharacter(path))
    {
        throw UsageError(what + ": the path holds a control character or is not valid UTF-8; choose another");
    }
}

/** \return the results folder, created. */
fs::path
OutDir(const po::variables_map& vm, const nslab::Scenario& scenario)
{
    fs::path dir = vm.count("out") ? fs::path(vm["out"].as<std::string>()) : fs::path("results") / scenario.name;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
    {
        throw UsageError("--out: cannot create results folder '" + dir.string() + "'" +
                         (ec ? ": " + ec.message() : ": a file of that name exists"));
    }
    return dir;
}

/**
 * Every pcap stays open for the whole run (ns-3's writer): raise the soft
 * limit of open files to what the run needs, and refuse the run, before it
 * writes anything, if the hard limit is too low.
 */
void
RaiseOpenFileLimit(const nslab::Scenario& scenario)
{
    rlim_t pcaps = 0;
    for (const auto& file : nslab::ResultFiles(scenario))
    {
        pcaps += file.size() > 5 && file.compare(file.size() - 5, 5, ".pcap") == 0;
    }
    const rlim_t needed = pcaps + 256; // ns-3, taps, output files and the C++ runtime's own
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= needed)
    {
        return;
    }
    if (limit.rlim_max != RLIM_INFINITY && limit.rlim_max < needed)
    {
        throw UsageError("nslab run: this run writes " + std::to_string(pcaps) +
                         " pcaps, each an open file, and this process may open at most " +
                         std::to_string(limit.rlim_max) + " files (the hard limit, ulimit -Hn): raise it, or set "
                         "capture = none on some links or nodes");
    }
    limit.rlim_cur = needed;
    setrlimit(RLIMIT_NOFILE, &limit);
}

bool WritePage(nslab::ReportPage& page, const std::string& dir);

int
Run(const std::vector<std::string>& args)
{
    po::options_description options = CommonOptions("nslab run [SCENARIO.ini] [options]");
    options.add_options()("out,o", po::value<std::string>(), "results folder (default results/<name>)")(
        "seed", po::value<std::string>(), "random seed, as --set seed=N")(
        "run", po::value<std::string>(), "replication number (default 1): another run, other random outcomes; as --set run=N")(
        "quiet,q", "no progress and no summary on the terminal")(
        "no-report", "no report.html (nslab report DIR writes it later)");
    po::variables_map vm = Parse(args, options, "run");
    if (vm.count("help"))
    {
        std::cout << options << kRunExample;
        return 0;
    }
    std::string file = vm.count("scenario") ? vm["scenario"].as<std::string>() : DefaultScenario();
    CheckPathText("nslab run: " + file, file);
    if (vm.count("out"))
    {
        CheckPathText("--out", vm["out"].as<std::string>());
    }
    nslab::Scenario scenario = LoadScenario(vm, file);
    if (scenario.HasProcesses())
    {
        std::string missing = nslab::RealProgramsUnavailable();
        auto real = std::find_if(scenario.apps.begin(), scenario.apps.end(),
                                 [](const nslab::AppSpec& a) { return a.IsProcess(); });
        if (!missing.empty())
        {
            throw UsageError("nslab run: " + file + ": [app." + real->name + "] is a real program (type = process), "
                             "which runs in a network namespace of its own, and " + missing +
                             " ('nslab check' validates the scenario without them)");
        }
    }
    RaiseOpenFileLimit(scenario);
    bool quiet = vm.count("quiet") > 0;
    nslab::RunOptions run;
    fs::path dir = OutDir(vm, scenario);
    // For the whole run: two runs into one folder would interleave their files.
    nslab::FolderLock lock(dir.string(), "nslab run");
    PrepareOutDir(dir, nslab::ResultFiles(scenario));
    run.outDir = dir.string();
    run.progress = !quiet && isatty(STDERR_FILENO);
    nslab::RunReport report = nslab::RunScenario(scenario, run);
    if (report.interrupted)
    {
        // No summary.json: the folder does not look like a complete run.
        std::cerr << "nslab run: interrupted; the programs were stopped, and the pcaps and the programs' output up to "
                     "then are in " << run.outDir << "/ (no summary.json)\n";
        return 130;
    }
    std::optional<nslab::ReportPage> page; // reads the frames of the complete captures meanwhile
    if (!vm.count("no-report"))
    {
        page.emplace(scenario, run.outDir);
    }
    nslab::WriteResults(report, run.outDir);
    if (page)
    {
        WritePage(*page, run.outDir);
    }
    if (!quiet)
    {
        std::cout << nslab::SummaryText(report, run.outDir);
    }
    return 0;
}

/** Write report.html; the run's results stand without it, so a failure is said, not fatal. */
bool
WritePage(nslab::ReportPage& page, const std::string& dir)
{
    try
    {
        page.Write();
        return true;
    }
    catch (const std::exception& e)
    {
        std::cerr << "nslab: " << dir << "/report.html not written: " << e.what() << "\n";
        return false;
    }
}

const char* kReportHelp = R"(usage: nslab report RESULTS_DIR

Writes RESULTS_DIR/report.html again from the folder's files (summary.json,
scenario.ini, the time series and the pcaps): one self-contained page with the
topology, the apps, the plots, TCP ladder diagrams, a step-through of the
frames and the drops. nslab run writes it after every run (unless --no-report).
)";

/** nslab report DIR: the page of an earlier run. */
int
Report(const std::vector<std::string>& args)
{
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h"))
    {
        std::cout << kReportHelp;
        return 0;
    }
    if (args.size() != 1)
    {
        throw UsageError("nslab report: expected one RESULTS_DIR (see 'nslab report --help')");
    }
    const std::string& dir = args[0];
    CheckPathText("nslab report", dir);
    struct stat st {};
    if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || lstat((dir + "/summary.json").c_str(), &st) != 0 ||
        !S_ISREG(st.st_mode) || lstat((dir + "/scenario.ini").c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    {
        throw UsageError("nslab report: " + dir + ": not a run's results folder (no summary.json and scenario.ini in it)");
    }
    nslab::FolderLock lock(dir, "nslab report");
    nslab::ReportPage page(nslab::LoadScenarioFile(dir + "/scenario.ini", {}), dir);
    if (!WritePage(page, dir))
    {
        return 1;
    }
    std::cout << "report: " << dir << "/report.html\n";
    return 0;
}

int
Check(const std::vector<std::string>& args)
{
    po::options_description options = CommonOptions("nslab check SCENARIO.ini [options]");
    po::variables_map vm = Parse(args, options, "check");
    if (vm.count("help"))
    {
        std::cout << options << kCheckExample;
        return 0;
    }
    if (!vm.count("scenario"))
    {
        throw UsageError("nslab check: missing SCENARIO.ini (see 'nslab check --help')");
    }
    std::cout << nslab::ToIni(LoadScenario(vm, vm["scenario"].as<std::string>()));
    return 0;
}

const char* kKeysHelp = R"(usage:
  nslab keys [KIND]                  the keys of each kind of section (or of one)
  nslab keys --markdown TABLE        one key table of docs/scenario-format.md
  nslab keys --update-docs FILE.md   rewrite the <!-- keys:TABLE begin/end --> blocks of FILE.md

Kinds: global, node, ethernet, p2p, wifi, direction, event, tcp-client, tcp-server,
udp-client, udp-server, ping, traceroute, process. Tables: global, node,
link-types, link, event, app-types, app. Every key is declared once, in
testbed/keys.cc: the loader and the docs both take it from there.
)";

/** nslab keys: the table of scenario keys (testbed/keys.cc), and the docs' key tables made from it. */
int
Keys(const std::vector<std::string>& args)
{
    if (!args.empty() && (args[0] == "--help" || args[0] == "-h"))
    {
        std::cout << kKeysHelp;
        return 0;
    }
    if (args.size() == 2 && args[0] == "--markdown")
    {
        try
        {
            std::cout << nslab::KeyTableMarkdown(args[1]);
        }
        catch (const std::invalid_argument& e)
        {
            throw UsageError(std::string("nslab keys: ") + e.what());
        }
        return 0;
    }
    if (args.size() == 2 && args[0] == "--update-docs")
    {
        std::ifstream in(args[1], std::ios::binary);
        if (!in)
        {
            throw UsageError("nslab keys: cannot read " + args[1]);
        }
        std::stringstream text;
        text << in.rdbuf();
        std::string updated;
        try
        {
            updated = nslab::UpdateKeyTables(text.str());
        }
        catch (const std::invalid_argument& e)
        {
            throw UsageError("nslab keys: " + args[1] + ": " + e.what());
        }
        if (updated != text.str())
        {
            std::ofstream out(args[1], std::ios::binary | std::ios::trunc);
            out << updated;
            if (!out.flush())
            {
                throw UsageError("nslab keys: cannot write " + args[1]);
            }
            std::cout << "updated " << args[1] << "\n";
        }
        return 0;
    }
    const auto& kinds = nslab::SectionKinds();
    if (args.size() > 1 || (args.size() == 1 && std::find(kinds.begin(), kinds.end(), args[0]) == kinds.end()))
    {
        throw UsageError("nslab keys: expected a kind of section, --markdown TABLE or --update-docs FILE "
                         "(see 'nslab keys --help')");
    }
    for (const auto& kind : kinds)
    {
        if (args.empty() || args[0] == kind)
        {
            std::cout << kind << ":";
            for (const auto& key : nslab::KeysOf(kind))
            {
                std::cout << " " << key;
            }
            std::cout << "\n";
        }
    }
    return 0;
}

/**
 * Say on stderr which points of a sweep's plot are left out, and why: runs
 * that finished without a value of the metric (a transfer that did not finish
 * has no goodput). The mean of the others would be a selection's, not the point.
 */
void
WarnMissingPoints(const nslab::sweep::Table& table, const std::string& metric, const std::string& command)
{
    std::vector<std::string> lines = nslab::sweep::MissingPoints(table, metric);
    std::set<std::string> points;
    for (const auto& line : lines)
    {
        std::cerr << command << ": warning: " << line << "\n";
        points.insert(line.substr(0, line.find(": ")));
    }
    if (!lines.empty())
    {
        std::cerr << command << ": warning: " << metric << ": " << points.size() << " of "
                  << table.combinations.size() << " points not drawn (marked 'no value'): the mean of only the runs "
                  << "that reported it would not be the point\n";
    }
}

/** `nslab plot SWEEP_DIR --metric APP.METRIC`: a sweep's plot, from its finished runs. */
void WriteSweepPage(const std::string& dir);

int
PlotSweep(const std::string& dir, const po::variables_map& vm)
{
    nslab::sweep::Plan plan = nslab::sweep::ReadPlan(dir);
    nslab::FolderLock lock(dir, "nslab plot");
    nslab::sweep::Table table = nslab::sweep::Aggregate(plan, dir);
    if (!vm.count("metric"))
    {
        std::string known;
        for (const auto& m : table.metrics)
        {
            known += (known.empty() ? "" : ", ") + m;
        }
        throw UsageError("nslab plot: " + dir + " is a sweep folder: name the metric to draw, --metric APP.METRIC" +
                         (known.empty() ? "" : " (metrics: " + known + ")"));
    }
    nslab::sweep::PlotSettings settings{vm["metric"].as<std::string>(),
                                        vm.count("model") ? vm["model"].as<std::string>() : "",
                                        vm.count("fragments") ? vm["fragments"].as<int>() : 0};
    for (const auto& file : nslab::sweep::Plot(table, dir, settings))
    {
        std::cout << file << "\n";
    }
    WarnMissingPoints(table, settings.metric, "nslab plot");
    WriteSweepPage(dir); // with the new figure
    return 0;
}

int
Plot(const std::vector<std::string>& args)
{
    po::options_description options("nslab plot RESULTS_DIR | SWEEP_DIR --metric APP.METRIC");
    options.add_options()("help,h", "show this help")("scenario", po::value<std::string>(), "results folder")(
        "metric", po::value<std::string>(), "a sweep folder: draw APP.METRIC against the first varied key")(
        "model", po::value<std::string>(), "a sweep folder: overlay a model, mathis or fragments")(
        "fragments", po::value<int>(), "k for --model fragments");
    po::variables_map vm = Parse(args, options, "plot");
    if (vm.count("help"))
    {
        std::cout << options << kPlotExample;
        return 0;
    }
    if (!vm.count("scenario"))
    {
        throw UsageError("nslab plot: missing RESULTS_DIR (see 'nslab plot --help')");
    }
    std::string dir = vm["scenario"].as<std::string>();
    if (!fs::is_directory(dir))
    {
        throw UsageError("nslab plot: " + dir + ": not a results folder");
    }
    if (vm.count("fragments") && vm["fragments"].as<int>() < 1)
    {
        throw UsageError("--fragments: expected a positive number of fragments, got '" +
                         std::to_string(vm["fragments"].as<int>()) + "'");
    }
    if (fs::exists(fs::path(dir) / "plan.json") && !fs::exists(fs::path(dir) / "summary.json"))
    {
        return PlotSweep(dir, vm);
    }
    if (vm.count("metric") || vm.count("model") || vm.count("fragments"))
    {
        throw UsageError("nslab plot: --metric, --model and --fragments are for a sweep folder; " + dir +
                         " is a run's results folder");
    }
    nslab::FolderLock lock(dir, "nslab plot"); // no run rewrites the CSVs while they are drawn
    try
    {
        for (const auto& file : nslab::PlotResults(dir))
        {
            std::cout << file << "\n";
        }
    }
    catch (const nslab::PlotInputError& e)
    {
        throw UsageError(e.what());
    }
    return 0;
}

/** \return this program's own path, for the `nslab run` processes of a sweep. */
std::string
SelfPath()
{
    std::error_code ec;
    fs::path self = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
    {
        throw std::runtime_error("cannot find the nslab binary (/proc/self/exe): " + ec.message());
    }
    return self.string();
}

nslab::sweep::PlotSettings
PlotSettingsOf(const po::variables_map& vm)
{
    return {vm.count("plot") ? vm["plot"].as<std::string>() : "", vm.count("model") ? vm["model"].as<std::string>() : "",
            vm.count("fragments") ? vm["fragments"].as<int>() : 0};
}

/**
 * Check every combination with the loader before any run: a bad key or value
 * fails with its message, a plot model that does not apply is refused. Sets
 * the plan's name and the hash of each resolved combination.
 */
/**
 * \return the scenario of one combination. The loader numbers the overrides
 * as --set:N; those past the plan's own --set are --vary values, and the
 * message names that --vary instead.
 */
nslab::Scenario
LoadCombination(const nslab::sweep::Plan& plan, const nslab::sweep::Combination& combination)
{
    try
    {
        return nslab::LoadScenarioFile(plan.scenario, combination.overrides);
    }
    catch (const nslab::ScenarioError& e)
    {
        std::string text = e.what();
        for (size_t k = 0; k < plan.vary.size(); ++k)
        {
            std::string label = "--set:" + std::to_string(plan.sets.size() + k + 1) + ": ";
            if (text.rfind(label, 0) == 0)
            {
                const auto& vary = plan.vary[k];
                throw UsageError("--vary '" + vary.key + "=" + combination.values[k] + "': " +
                                 text.substr(label.size()));
            }
        }
        throw;
    }
}

void
CheckCombinations(nslab::sweep::Plan& plan, const nslab::sweep::PlotSettings& plot)
{
    std::set<std::string> warned;
    plan.resolved.clear();
    for (const auto& combination : nslab::sweep::Combinations(plan))
    {
        nslab::Scenario scenario = LoadCombination(plan, combination);
        plan.name = scenario.name;
        for (const auto& warning : scenario.warnings)
        {
            if (warned.insert(warning).second)
            {
                std::cerr << warning << " (warning)\n";
            }
        }
        std::string resolved = nslab::ToIni(scenario);
        plan.resolved.push_back(nslab::sweep::ResolvedHash(resolved));
        if (!plot.model.empty())
        {
            nslab::sweep::CheckModel(resolved, plot);
        }
    }
}

nslab::sweep::Plan
SweepPlan(const po::variables_map& vm)
{
    nslab::sweep::Plan plan;
    if (!vm.count("scenario"))
    {
        throw UsageError("nslab sweep: missing SCENARIO.ini (see 'nslab sweep --help')");
    }
    plan.scenario = fs::absolute(vm["scenario"].as<std::string>()).lexically_normal().string();
    if (vm.count("set"))
    {
        plan.sets = vm["set"].as<std::vector<std::string>>();
    }
    if (vm.count("vary"))
    {
        for (const auto& text : vm["vary"].as<std::vector<std::string>>())
        {
            plan.vary.push_back(nslab::sweep::ParseVary(text));
        }
    }
    plan.runs = vm["runs"].as<int>();
    if (plan.runs < 1)
    {
        throw UsageError("nslab sweep: --runs must be at least 1");
    }
    nslab::sweep::CheckPlan(plan); // before the combinations are loaded, one by one
    if (vm.count("plot"))
    {
        nslab::sweep::CheckPlot(plan, PlotSettingsOf(vm));
    }
    CheckCombinations(plan, PlotSettingsOf(vm));
    return plan;
}

/** \return the absolute folder of a sweep: --out, or results/<name>-sweep. */
std::string
SweepDirPath(const po::variables_map& vm, const nslab::sweep::Plan& plan)
{
    fs::path dir = vm.count("out") ? fs::path(vm["out"].as<std::string>()) : fs::path("results") / (plan.name + "-sweep");
    return fs::absolute(dir).lexically_normal().string();
}

/** Refuse a folder that holds another sweep (other scenario, keys or values), or one whose scenario file changed. */
void
CheckSameSweep(const fs::path& dir, const nslab::sweep::Plan& plan)
{
    nslab::sweep::Plan old = nslab::sweep::ReadPlan(dir.string());
    bool same = old.scenario == plan.scenario && old.sets == plan.sets && old.vary.size() == plan.vary.size();
    for (size_t k = 0; same && k < plan.vary.size(); ++k)
    {
        same = old.vary[k].key == plan.vary[k].key && old.vary[k].values == plan.vary[k].values;
    }
    if (!same)
    {
        throw UsageError("--out: '" + dir.string() +
                         "' holds another sweep (its plan.json has another scenario, --set or --vary); "
                         "choose another folder or remove it");
    }
    if (old.resolved.size() != plan.resolved.size())
    {
        // An older nslab wrote no hashes: whether the scenario changed since cannot be told.
        throw UsageError("--out: '" + dir.string() + "' holds a sweep whose plan.json records no resolved "
                         "scenarios (an older nslab's): sweep into another folder (--out), or remove this one");
    }
    for (size_t c = 0; c < old.resolved.size() && c < plan.resolved.size(); ++c)
    {
        if (old.resolved[c] != plan.resolved[c])
        {
            throw UsageError(plan.scenario + ": the scenario resolves differently than when the sweep in '" +
                             dir.string() + "' began (the file, or a file it names, was edited): its runs would "
                             "mix two scenarios; sweep into another folder (--out), or remove this one to start over");
        }
    }
}

/** Create the folder of a sweep; one that holds another sweep is refused. */
void
SweepDir(const std::string& path, const nslab::sweep::Plan& plan)
{
    fs::path dir(path);
    if (fs::exists(dir / "plan.json"))
    {
        CheckSameSweep(dir, plan);
    }
    else
    {
        // No sweep began here: what a sweep would write over is the user's.
        for (const char* name : {"sweep.csv", "sweep.json", "jobs.txt", "sweep.slurm"})
        {
            std::error_code ec;
            if (fs::symlink_status(dir / name, ec).type() != fs::file_type::not_found)
            {
                throw UsageError("--out: " + (dir / name).string() +
                                 " is not a sweep's (there is no plan.json), and the sweep would replace it: choose "
                                 "another folder");
            }
        }
    }
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec || !fs::is_directory(dir))
    {
        throw UsageError("--out: cannot create sweep folder '" + dir.string() + "'");
    }
}

/** Write sweep.html (after sweep.json and the plots it shows); the sweep's results stand without it. */
void
WriteSweepPage(const std::string& dir)
{
    try
    {
        nslab::web::WriteSweepReport(dir);
        std::cout << dir << "/sweep.html\n";
    }
    catch (const std::exception& e)
    {
        std::cerr << "nslab sweep: " << dir << "/sweep.html not written: " << e.what() << "\n";
    }
}

/** Write sweep.csv, sweep.json, the plots and sweep.html; report what is missing or broken. */
int
Report(const nslab::sweep::Plan& plan, const std::string& dir, const nslab::sweep::RunOutcome* outcome,
       const po::variables_map& vm)
{
    nslab::sweep::Table table = nslab::sweep::Aggregate(plan, dir);
    nslab::sweep::WriteTable(table, dir, outcome);
    size_t finished = 0;
    for (const auto& runs : table.finishedRuns)
    {
        finished += runs.size();
    }
    std::cout << dir << "/sweep.csv: " << table.combinations.size() << " combinations, " << finished << " of "
              << table.combinations.size() * plan.runs << " runs finished\n";
    if (vm.count("plot"))
    {
        for (const auto& file : nslab::sweep::Plot(table, dir, PlotSettingsOf(vm)))
        {
            std::cout << file << "\n";
        }
        WarnMissingPoints(table, PlotSettingsOf(vm).metric, "nslab sweep");
    }
    WriteSweepPage(dir);
    std::vector<nslab::sweep::Failure> failures = table.broken;
    if (outcome)
    {
        failures.insert(failures.end(), outcome->failures.begin(), outcome->failures.end());
    }
    for (const auto& f : failures)
    {
        // Status 0: a folder whose summary.json is not one (remove the folder to run it again).
        std::cerr << "nslab sweep: " << (f.status ? "failed: " + f.dir + " (exit status " + std::to_string(f.status) + ")"
                                                  : "broken: " + f.dir)
                  << ": " << f.message << "\n";
    }
    return failures.empty() ? 0 : 1;
}

/** Write the job list (and Slurm script) of the runs still missing; say how to run them. */
int
EmitJobs(const std::vector<nslab::sweep::Job>& jobs, const std::string& dir, const std::string& kind)
{
    size_t lines = nslab::sweep::Emit(jobs, SelfPath(), dir, kind);
    if (lines == 0)
    {
        std::cout << "every run has finished; nslab sweep --collect " << nslab::sweep::ShellWord(dir) << "\n";
        return 0;
    }
    // Commands to paste into a shell: every path one word, whatever it holds.
    auto word = [&dir](const std::string& file) { return nslab::sweep::ShellWord(dir + file); };
    std::cout << dir << "/jobs.txt: " << lines << " of " << jobs.size() << " runs to do\n"
              << (kind == "slurm" ? "  sbatch " + word("/sweep.slurm") + "\n"
                                  : "  parallel --joblog " + word("/parallel.log") + " < " + word("/jobs.txt") + "\n" +
                                        "  parallel --sshlogin 8/host1,8/host2 --joblog " + word("/parallel.log") +
                                        " < " + word("/jobs.txt") + "   (same paths on every host)\n")
              << "then: nslab sweep --collect " << word("") << "\n";
    return 0;
}

int
Sweep(const std::vector<std::string>& args)
{
    po::options_description options = CommonOptions("nslab sweep SCENARIO.ini --vary KEY=V1,V2,... [options]");
    int cores = std::max(1u, std::thread::hardware_concurrency());
    options.add_options()("vary", po::value<std::vector<std::string>>()->composing(),
                          "a key and its values: SECTION.KEY=V1,V2,... (repeatable; the first is the x axis)")(
        "runs,r", po::value<int>()->default_value(10), "replications per combination (run numbers 1..R)")(
        "jobs,j", po::value<int>()->default_value(cores), "runs at a time (default: all cores)")(
        "out,o", po::value<std::string>(), "sweep folder (default results/<name>-sweep)")(
        "quiet,q", "no progress bar")("plot", po::value<std::string>(),
                                      "draw APP.METRIC against the first varied key (PNG and SVG, gnuplot)")(
        "model", po::value<std::string>(), "overlay a model on the plot: mathis (TCP throughput) or fragments ((1-p)^k)")(
        "fragments", po::value<int>(), "k for --model fragments (default: from the UDP client's size and the MTU)")(
        "emit", po::value<std::string>(), "do not run; write DIR/jobs.txt for GNU parallel (parallel) or also DIR/sweep.slurm (slurm)")(
        "collect", po::value<std::string>(), "aggregate the finished runs of the sweep folder DIR (after --emit)");
    po::variables_map vm = Parse(args, options, "sweep");
    if (vm.count("help"))
    {
        std::cout << options << kSweepExample;
        return 0;
    }
    if (vm.count("model") && !vm.count("plot"))
    {
        throw UsageError("--model needs --plot METRIC");
    }
    if (vm.count("fragments") && vm["fragments"].as<int>() < 1)
    {
        // 0 or less would be ignored: the plot would silently use the computed k.
        throw UsageError("--fragments: expected a positive number of fragments, got '" +
                         std::to_string(vm["fragments"].as<int>()) + "'");
    }
    if (vm.count("emit") && vm["emit"].as<std::string>() != "parallel" && vm["emit"].as<std::string>() != "slurm")
    {
        throw UsageError("--emit: expected parallel or slurm, got '" + vm["emit"].as<std::string>() + "'");
    }
    if (vm["jobs"].as<int>() < 1)
    {
        throw UsageError("nslab sweep: --jobs must be at least 1"); // before anything is written
    }
    if (vm.count("collect"))
    {
        std::string dir = vm["collect"].as<std::string>();
        nslab::sweep::Plan plan = nslab::sweep::ReadPlan(dir);
        nslab::FolderLock lock(dir, "nslab sweep");
        if (vm.count("plot"))
        {
            nslab::sweep::CheckPlot(plan, PlotSettingsOf(vm));
        }
        return Report(plan, dir, nullptr, vm);
    }
    nslab::sweep::Plan plan = SweepPlan(vm); // the plot and its model checked too, before any run
    std::string dir = SweepDirPath(vm, plan);
    if (vm.count("emit"))
    {
        nslab::sweep::CheckEmit(plan, dir, SelfPath()); // before anything is written
    }
    SweepDir(dir, plan);
    nslab::FolderLock lock(dir, "nslab sweep");
    nslab::sweep::WritePlan(plan, dir);
    std::vector<nslab::sweep::Job> jobs = nslab::sweep::Jobs(plan, dir);
    if (vm.count("emit"))
    {
        return EmitJobs(jobs, dir, vm["emit"].as<std::string>());
    }
    bool quiet = vm.count("quiet") > 0;
    nslab::sweep::RunSettings settings{SelfPath(), vm["jobs"].as<int>(), !quiet && isatty(STDERR_FILENO)};
    nslab::sweep::RunOutcome outcome = nslab::sweep::RunJobs(jobs, settings);
    if (outcome.interrupted)
    {
        nslab::sweep::WriteTable(nslab::sweep::Aggregate(plan, dir), dir, &outcome);
        std::cerr << "nslab sweep: interrupted (" << strsignal(outcome.interrupted)
                  << "); finished runs are kept, the same command continues\n";
        return 128 + outcome.interrupted;
    }
    if (!quiet)
    {
        std::cerr << "nslab sweep: " << jobs.size() << " runs: " << outcome.skipped << " finished before, "
                  << outcome.started << " started, " << outcome.failures.size() << " failed\n";
    }
    return Report(plan, dir, &outcome, vm);
}

/**
 * `nslab analyze` is the nslab-analyze program beside this binary, which needs
 * no ns-3: this process is replaced by it, arguments passed through. It runs
 * from the executable's preinit_array, before ns-3's libraries initialise
 * themselves (milliseconds of TypeId registration), so only C library calls.
 */
void
ExecAnalyze(int argc, char** argv, char** /* envp */)
{
    if (argc < 2 || std::strcmp(argv[1], "analyze") != 0)
    {
        return;
    }
    static const char kTool[] = "nslab-analyze";
    char path[4096];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - sizeof kTool);
    if (n <= 0)
    {
        n = static_cast<ssize_t>(strnlen(argv[0], sizeof path - sizeof kTool));
        std::memcpy(path, argv[0], n);
    }
    path[n] = '\0';
    char* slash = std::strrchr(path, '/');
    std::memcpy(slash ? slash + 1 : path, kTool, sizeof kTool);
    argv[1] = const_cast<char*>("nslab analyze");
    execv(path, argv + 1);
    std::fprintf(stderr, "nslab analyze: cannot run %s: %s\n", path, std::strerror(errno));
    _exit(1);
}

__attribute__((section(".preinit_array"), used)) void (*const kExecAnalyze)(int, char**, char**) = ExecAnalyze;

int
Dispatch(const std::vector<std::string>& args)
{
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help")
    {
        std::cout << kMainHelp;
        return args.empty() ? kBadInput : 0;
    }
    if (args[0] == "--version")
    {
        std::cout << "nslab " << NSLAB_VERSION << " (ns-3.37)\n";
        return 0;
    }
    std::vector<std::string> rest(args.begin() + 1, args.end());
    if (args[0] == "run")
    {
        return Run(rest);
    }
    if (args[0] == "check")
    {
        return Check(rest);
    }
    if (args[0] == "plot")
    {
        return Plot(rest);
    }
    if (args[0] == "report")
    {
        return Report(rest);
    }
    if (args[0] == "sweep")
    {
        return Sweep(rest);
    }
    if (args[0] == "keys")
    {
        return Keys(rest); // not in the help: a tool for the docs
    }
    throw UsageError("nslab: unknown command '" + args[0] + "'; commands: run, check, plot, report, analyze, sweep (see 'nslab --help')");
}

} // namespace

int
main(int argc, char** argv)
{
    try
    {
        return Dispatch(std::vector<std::string>(argv + 1, argv + argc));
    }
    catch (const nslab::ScenarioError& e)
    {
        std::cerr << e.what() << "\n";
        return kBadInput;
    }
    catch (const nslab::sweep::SweepInputError& e)
    {
        std::cerr << e.what() << "\n";
        return kBadInput;
    }
    catch (const UsageError& e)
    {
        std::cerr << e.what() << "\n";
        return kBadInput;
    }
    catch (const nslab::PathError& e)
    {
        std::cerr << e.what() << "\n";
        return kBadInput;
    }
    catch (const fs::filesystem_error& e)
    {
        // A path given or found in the way (a link loop, a file where a folder goes).
        std::cerr << "nslab: " << e.what() << "\n";
        return kBadInput;
    }
    catch (const nslab::sweep::SweepIoError& e)
    {
        std::cerr << e.what() << "\n";
        return 1;
    }
    catch (const nslab::WriteError& e)
    {
        std::cerr << "nslab: " << e.what() << "\n";
        return 1;
    }
    catch (const std::exception& e)
    {
        std::cerr << "nslab: internal error: " << e.what() << "\n";
        return 1;
    }
}
