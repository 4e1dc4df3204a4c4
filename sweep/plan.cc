// The plan of a sweep: combinations, jobs, plan.json, and the job lists for
// GNU parallel and Slurm.

#include "sweep.h"

#include "io.h"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace nslab::sweep
{

namespace
{

namespace fs = std::filesystem;
using Json = nlohmann::json;

/** \return text safe in a folder name: '%' as "pct", anything but [A-Za-z0-9.+-] as '_'. */
std::string
Slug(const std::string& text)
{
    std::string out;
    for (char c : text)
    {
        if (c == '%')
        {
            out += "pct";
        }
        else
        {
            out += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '+') ? c : '_';
        }
    }
    return out;
}

/** \return the key's last component: "loss" of "link.lan.alice->bob.loss". */
std::string
ShortKey(const std::string& key)
{
    size_t dot = key.rfind('.');
    return dot == std::string::npos ? key : key.substr(dot + 1);
}

std::string
ShellQuote(const std::string& text)
{
    std::string out = "'";
    for (char c : text)
    {
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return out + "'";
}

/** \return the argument of a --vary as given: KEY=V1,V2,... */
std::string
VaryText(const Vary& vary)
{
    std::string text = vary.key + "=";
    for (size_t i = 0; i < vary.values.size(); ++i)
    {
        text += (i ? "," : "") + vary.values[i];
    }
    return text;
}

/** The loader applies overrides in order, so a key given twice would silently keep only its last value. */
void
CheckKeysOnce(const Plan& plan)
{
    for (size_t k = 0; k < plan.vary.size(); ++k)
    {
        const std::string& key = plan.vary[k].key;
        for (size_t j = 0; j < k; ++j)
        {
            if (plan.vary[j].key == key)
            {
                throw SweepInputError("--vary '" + VaryText(plan.vary[k]) + "': '" + key + "' is already varied by --vary '" +
                                      VaryText(plan.vary[j]) + "'; give all its values in one --vary");
            }
        }
        for (const auto& set : plan.sets)
        {
            if (set.substr(0, set.find('=')) == key)
            {
                throw SweepInputError("--set '" + set + "': '" + key + "' is also varied by --vary '" +
                                      VaryText(plan.vary[k]) + "'; drop the --set (or the --vary, to keep it fixed)");
            }
        }
    }
}

/** \return the number of combinations of the varied values; false if it overflows. */
bool
CountCombinations(const Plan& plan, unsigned long long& count)
{
    bool over = false;
    count = 1;
    for (const auto& vary : plan.vary)
    {
        over |= __builtin_mul_overflow(count, vary.values.size(), &count);
    }
    return !over;
}

/** Checked before the combinations are made and loaded: a million of them take minutes to validate. */
void
CheckRunCount(const Plan& plan)
{
    unsigned long long combinations = 0;
    unsigned long long runs = 0;
    bool over = !CountCombinations(plan, combinations);
    over |= __builtin_mul_overflow(combinations, static_cast<unsigned long long>(plan.runs), &runs);
    if (over || runs > kMaxRuns)
    {
        std::string product = std::to_string(combinations) + (combinations == 1 ? " combination x " : " combinations x ") +
                              std::to_string(plan.runs) + " runs = " + std::to_string(runs) + " runs";
        std::string count = over ? "more than " + std::to_string(~0ULL) + " runs" : product;
        throw SweepInputError("--vary, --runs: " + count + "; a sweep may have at most " + std::to_string(kMaxRuns) +
                              " (vary fewer values or lower --runs)");
    }
}

} // namespace

void
CheckPlan(const Plan& plan)
{
    CheckKeysOnce(plan);
    CheckRunCount(plan);
}

Vary
ParseVary(const std::string& text)
{
    size_t eq = text.find('=');
    if (eq == std::string::npos || eq == 0)
    {
        throw SweepInputError("--vary '" + text + "': expected KEY=VALUE,VALUE,... (e.g. link.lan.loss=0%,1%,2%)");
    }
    Vary vary{text.substr(0, eq), {}};
    if (vary.key == "run")
    {
        throw SweepInputError("--vary '" + text + "': the run number is the replication; give --runs N instead");
    }
    std::istringstream values(text.substr(eq + 1));
    for (std::string value; std::getline(values, value, ',');)
    {
        if (value.empty())
        {
            throw SweepInputError("--vary '" + text + "': an empty value");
        }
        vary.values.push_back(value);
    }
    if (vary.values.empty() || text.back() == ',')
    {
        throw SweepInputError("--vary '" + text + "': " + (vary.values.empty() ? "no value" : "an empty value"));
    }
    return vary;
}

std::vector<Combination>
Combinations(const Plan& plan)
{
    unsigned long long count = 0;
    CountCombinations(plan, count); // a sweep bounds it first (CheckPlan)
    size_t width = std::to_string(count > 1 ? count - 1 : 0).size();
    std::vector<Combination> combinations;
    for (size_t index = 0; index < count; ++index)
    {
        Combination c;
        c.index = index;
        c.overrides = plan.sets;
        std::string number = std::to_string(index);
        std::string slug = std::string(width - number.size(), '0') + number;
        size_t rest = index;
        std::vector<std::string> values(plan.vary.size());
        for (size_t k = plan.vary.size(); k-- > 0;) // the last key changes fastest
        {
            values[k] = plan.vary[k].values[rest % plan.vary[k].values.size()];
            rest /= plan.vary[k].values.size();
        }
        for (size_t k = 0; k < plan.vary.size(); ++k)
        {
            c.overrides.push_back(plan.vary[k].key + "=" + values[k]);
            slug += "-" + Slug(ShortKey(plan.vary[k].key)) + "=" + Slug(values[k]);
        }
        c.values = values;
        c.folder = "runs/" + slug;
        combinations.push_back(c);
    }
    return combinations;
}

std::vector<Job>
Jobs(const Plan& plan, const std::string& dir)
{
    std::vector<Job> jobs;
    for (const auto& c : Combinations(plan))
    {
        for (int run = 1; run <= plan.runs; ++run)
        {
            Job job;
            job.combination = c.index;
            job.run = run;
            job.dir = (fs::path(dir) / c.folder / ("run-" + std::to_string(run))).string();
            job.args = {"run", plan.scenario};
            for (const auto& o : c.overrides)
            {
                job.args.insert(job.args.end(), {"--set", o});
            }
            job.args.insert(job.args.end(), {"--run", std::to_string(run), "--out", job.dir, "--quiet"});
            jobs.push_back(job);
        }
    }
    return jobs;
}

bool
Finished(const Job& job)
{
    return fs::exists(fs::path(job.dir) / "summary.json");
}

void
WritePlan(const Plan& plan, const std::string& dir)
{
    Json vary = Json::array();
    for (const auto& v : plan.vary)
    {
        vary.push_back({{"key", v.key}, {"values", v.values}});
    }
    Json j = {{"scenario", plan.scenario}, {"name", plan.name}, {"set", plan.sets}, {"vary", vary}, {"runs", plan.runs}};
    fs::create_directories(dir);
    WriteFileAtomically((fs::path(dir) / "plan.json").string(), j.dump(2) + "\n");
}

Plan
ReadPlan(const std::string& dir)
{
    fs::path file = fs::path(dir) / "plan.json";
    std::string error;
    std::string text = ReadText(file.string(), error);
    if (!error.empty())
    {
        throw SweepInputError(fs::exists(file) ? file.string() + ": " + error
                                               : dir + ": not a sweep folder (no plan.json)");
    }
    Json j = Json::parse(text, nullptr, false);
    try
    {
        Plan plan;
        plan.scenario = j.at("scenario").get<std::string>();
        plan.name = j.at("name").get<std::string>();
        plan.sets = j.at("set").get<std::vector<std::string>>();
        for (const auto& v : j.at("vary"))
        {
            plan.vary.push_back({v.at("key").get<std::string>(), v.at("values").get<std::vector<std::string>>()});
        }
        plan.runs = j.at("runs").get<int>();
        return plan;
    }
    catch (const Json::exception&)
    {
        throw SweepInputError(file.string() + ": not an nslab sweep plan");
    }
}

std::string
ShellLine(const Job& job, const std::string& program)
{
    std::string dir = ShellQuote(job.dir);
    std::string line = "mkdir -p " + dir + " && " + ShellQuote(program);
    for (const auto& arg : job.args)
    {
        line += " " + ShellQuote(arg);
    }
    return line + " >" + ShellQuote(job.dir + "/stdout.txt") + " 2>" + ShellQuote(job.dir + "/stderr.txt");
}

size_t
Emit(const std::vector<Job>& jobs, const std::string& program, const std::string& dir, const std::string& kind)
{
    std::ostringstream lines;
    size_t count = 0;
    for (const auto& job : jobs)
    {
        if (!Finished(job))
        {
            lines << ShellLine(job, program) << "\n";
            ++count;
        }
    }
    fs::path list = fs::path(dir) / "jobs.txt";
    WriteFileAtomically(list.string(), lines.str());
    fs::path script = fs::path(dir) / "sweep.slurm";
    if (kind == "slurm" && count == 0)
    {
        fs::remove(script); // nothing to submit: no array of zero tasks, and no stale script
    }
    else if (kind == "slurm")
    {
        // One array task per line of jobs.txt; the task's line is run by bash.
        std::ostringstream text;
        text << "#!/bin/bash\n"
             << "#SBATCH --job-name=nslab-sweep\n"
             << "#SBATCH --array=1-" << count << "\n"
             << "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
             << "#SBATCH --output=" << (fs::path(dir) / "slurm-%A_%a.out").string() << "\n"
             << "# Runs line $SLURM_ARRAY_TASK_ID of jobs.txt; then: nslab sweep --collect " << dir << "\n"
             << "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" " << ShellQuote(list.string()) << ")\n"
             << "exec bash -c \"$line\"\n";
        WriteFileAtomically(script.string(), text.str());
    }
    return count;
}

} // namespace nslab::sweep
