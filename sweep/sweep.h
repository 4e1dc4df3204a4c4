#ifndef NSLAB_SWEEP_H
#define NSLAB_SWEEP_H

// Parameter studies: every combination of varied keys times every
// replication, each one a separate `nslab run` process with its own results
// folder, then statistics over the replications. No ns-3 here: scenarios are
// checked by a callback the caller passes (the testbed's loader).

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace nslab::sweep
{

/** \brief Bad sweep input (option, folder, plan): the command exits with status 2. */
class SweepInputError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/** \brief A sweep file could not be written (disk full, permissions): the command exits with status 1. */
class SweepIoError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/** \brief One varied key and its values, as in `--vary link.lan.loss=0%,1%`. */
struct Vary
{
    std::string key;
    std::vector<std::string> values;
};

/**
 * \brief Parse a `--vary KEY=V1,V2,...` argument.
 * \throw SweepInputError without '=', without a value, or with an empty value
 */
Vary ParseVary(const std::string& text);

/** \brief What a sweep is; stored as DIR/plan.json so `--collect` needs no command line. */
struct Plan
{
    std::string scenario;           //!< absolute path of the scenario file
    std::string name;               //!< the scenario's name
    std::vector<std::string> sets;  //!< fixed overrides, KEY=VALUE, applied to every run
    std::vector<Vary> vary;         //!< varied keys, first one is the x axis of plots
    int runs = 1;                   //!< replications: run numbers 1..runs
    /** Per combination, ResolvedHash of its resolved scenario: a later sweep into the
     *  folder must resolve to the same scenarios. Empty in plans of older nslab versions. */
    std::vector<std::string> resolved;
};

/**
 * \return FNV-1a (64 bits, a fixed algorithm: the same on every host and
 * version) of a resolved scenario (ToIni), its first line (a comment naming
 * the file as given) left out; 16 hex digits.
 */
std::string ResolvedHash(const std::string& resolvedIni);

/** \brief The most runs (combinations times replications) one sweep may have. */
constexpr unsigned long long kMaxRuns = 100000;

/**
 * \brief Check a plan before its combinations are made: no key varied twice,
 * none both varied and set, at most kMaxRuns runs (plan.runs >= 1), keys and
 * values UTF-8 without control characters (a newline cannot be in a job
 * line, a folder name or a plot title).
 * \throw SweepInputError naming the option to change
 */
void CheckPlan(const Plan& plan);

/** \brief One combination of varied values. */
struct Combination
{
    size_t index = 0;
    std::vector<std::string> values;    //!< one per varied key
    std::vector<std::string> overrides; //!< the plan's sets, then KEY=VALUE per varied key
    std::string folder;                 //!< "runs/<index>-<slug>", relative to the sweep folder
};

/** \return every combination, the last varied key changing fastest. */
std::vector<Combination> Combinations(const Plan& plan);

/** \brief One `nslab run` of the sweep. */
struct Job
{
    size_t combination = 0;
    int run = 1;
    std::string dir;               //!< the run's results folder
    std::vector<std::string> args; //!< arguments after the program name: run SCENARIO --set ... --quiet
};

/** \return every job of the plan, with results folders under dir. */
std::vector<Job> Jobs(const Plan& plan, const std::string& dir);

/** \return whether a job's run finished (its summary.json exists: `nslab run` writes it last, atomically). */
bool Finished(const Job& job);

/** \brief Write DIR/plan.json. */
void WritePlan(const Plan& plan, const std::string& dir);

/**
 * \brief Read DIR/plan.json, bounded (ReadJsonFile), every field checked as
 * strictly as a new sweep's options (CheckPlan).
 * \throw SweepInputError if missing or not a valid plan, naming plan.json and the field
 */
Plan ReadPlan(const std::string& dir);

/** \brief How to run the jobs. */
struct RunSettings
{
    std::string program;  //!< the nslab binary
    int jobs = 1;         //!< processes at a time
    bool progress = false; //!< progress bar and ETA on stderr
};

/** \brief A run that exited with a non-zero status. */
struct Failure
{
    std::string dir;
    int status = 0;          //!< exit status, or 128 + signal
    std::string message;     //!< last line of its stderr
};

/** \brief What running the jobs did. */
struct RunOutcome
{
    size_t started = 0; //!< processes started
    size_t skipped = 0; //!< runs finished before (not started again)
    std::vector<Failure> failures;
    int interrupted = 0; //!< the signal (SIGINT, SIGTERM) that stopped the sweep, 0 if none
};

/**
 * \brief Run the jobs that have not finished, settings.jobs at a time, each with
 * stdout and stderr in stdout.txt and stderr.txt of its folder. SIGINT or
 * SIGTERM stops the sweep: no new run starts, the running ones get SIGTERM
 * (they leave no summary.json) and are waited for.
 */
RunOutcome RunJobs(const std::vector<Job>& jobs, const RunSettings& settings);

/** \brief Statistics of one metric over the replications of one combination. */
struct Stat
{
    double mean = 0;
    double sd = 0;   //!< sample standard deviation (n - 1); NaN for n < 2
    double ci95 = 0; //!< half-width of the 95 % confidence interval of the mean (Student t); NaN for n < 2
    size_t n = 0;
    double min = 0;  //!< smallest sample; NaN for n = 0
    double max = 0;  //!< largest sample; NaN for n = 0
};

/** \return the statistics of samples (n = 0: all NaN). */
Stat Describe(const std::vector<double>& samples);

/** \return Student's t quantile for a two-sided 95 % interval with df degrees of freedom (1.96 beyond 30). */
double TQuantile95(size_t df);

/** \brief The statistics of a sweep: one row per combination. */
struct Table
{
    Plan plan;
    std::vector<Combination> combinations;
    std::vector<std::string> metrics;           //!< "<app>.<metric>", in order of first appearance
    std::vector<std::vector<Stat>> stats;       //!< [combination][metric]
    std::vector<std::vector<int>> finishedRuns; //!< [combination]: run numbers with a summary
    std::vector<Failure> broken;                //!< run folders with an unreadable summary.json
    /** [combination]: per "<app>.<metric>" that finished runs reported as null (a transfer that did
     *  not finish has no goodput), why ("did not finish the transfer (no goodput)") -> how many runs. */
    std::vector<std::map<std::string, std::map<std::string, size_t>>> noValue;
};

/**
 * \brief Read the summary.json of every finished run of a sweep folder.
 * Every numeric field of every app becomes a metric (nested objects
 * flattened with dots, arrays skipped); udp-servers also get
 * `delivery_ratio`.
 */
Table Aggregate(const Plan& plan, const std::string& dir);

/** \brief Write DIR/sweep.csv (one row per combination) and DIR/sweep.json (with outcome, when given). */
void WriteTable(const Table& table, const std::string& dir, const RunOutcome* outcome);

/** \brief What to draw over a metric. */
struct PlotSettings
{
    std::string metric;    //!< "<app>.<metric>"
    std::string model;     //!< "", "mathis" or "fragments"
    int fragments = 0;     //!< k for the fragments model (0: from the scenario)
};

/**
 * \brief Check, before any run, that a plot can be drawn: something varied, a
 * known model, and for a model every value of the first varied key a loss ratio.
 * \throw SweepInputError if not
 */
void CheckPlot(const Plan& plan, const PlotSettings& settings);

/**
 * \brief Check, before any run, that the plot's model applies to one
 * combination's resolved scenario (ToIni): mathis needs a tcp-client, fragments
 * a udp-client whose datagrams have one size (not `messages`) unless --fragments K.
 * \throw SweepInputError saying what is missing
 */
void CheckModel(const std::string& resolvedIni, const PlotSettings& settings);

/**
 * \brief Draw a metric against the first varied key, error bars = 95 % CI, one
 * curve per value of the other varied keys, with gnuplot: DIR/plots/<metric>.png, .svg, .gp, .dat.
 * A combination where some finished run has no value of the metric (MissingPoints)
 * is not drawn, but marked "no value"; error bars stop at 0 (and a ratio's at 1).
 * \return the image files written
 * \throw SweepInputError for an unknown metric or a model that does not apply
 */
std::vector<std::string> Plot(const Table& table, const std::string& dir, const PlotSettings& settings);

/**
 * \return one line per combination that Plot leaves out because some of its
 * finished runs have no value of the metric (or none finished), and why:
 * "link.lan.loss=5%: 3 of 5 runs did not finish the transfer (no goodput)".
 * The mean of the others would be the mean of a selection (the transfers that
 * finished), not the point.
 */
std::vector<std::string> MissingPoints(const Table& table, const std::string& metric);

/**
 * \brief Check that every job line of a plan can be written for GNU parallel
 * and Slurm: no control character in the scenario path, the sweep folder or
 * the nslab binary's path (the plan's keys and values are checked by CheckPlan).
 * \throw SweepInputError naming the option or path
 */
void CheckEmit(const Plan& plan, const std::string& dir, const std::string& program);

/** \return a shell line that runs the job (every argument single-quoted), with stdout and stderr into its folder. */
std::string ShellLine(const Job& job, const std::string& program);

/**
 * \brief Write DIR/jobs.txt (one shell line per unfinished job) and, for
 * "slurm", DIR/sweep.slurm (a job array over those lines).
 * \return the number of lines written
 */
size_t Emit(const std::vector<Job>& jobs, const std::string& program, const std::string& dir, const std::string& kind);

/** \return TEXT single-quoted for a POSIX shell ('\\'' for a quote): one word, nothing expanded. */
std::string ShellQuote(const std::string& text);

/** \return TEXT as it is where a shell reads it as one plain word, else ShellQuote(TEXT). */
std::string ShellWord(const std::string& text);

} // namespace nslab::sweep

#endif
