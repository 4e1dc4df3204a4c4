// The plan of a sweep: combinations, jobs, plan.json, and the job lists for
// GNU parallel and Slurm.

#include "sweep.h"

#include "io.h"
#include "plot.h"

#include <nlohmann/json.hpp>

#include <algorithm>
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


/** \return text for a message: control characters and bytes that are not UTF-8 as \xHH. */
std::string
Printable(const std::string& text)
{
    std::string out;
    bool utf8 = IsValidUtf8(text);
    for (unsigned char c : text)
    {
        char hex[5];
        std::snprintf(hex, sizeof hex, "\\x%02X", c);
        out += c < 0x20 || c == 0x7F || (c >= 0x80 && !utf8) ? std::string(hex) : std::string(1, static_cast<char>(c));
    }
    return out;
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

/** \return why TEXT cannot be a key or value of a sweep ("" if it can). */
std::string
TextProblem(const std::string& text)
{
    if (!IsValidUtf8(text))
    {
        return "is not UTF-8";
    }
    return HasControlCharacter(text) ? "holds a control character (a job line, folder name or plot title cannot)" : "";
}

void
CheckText(const Plan& plan)
{
    for (const auto& set : plan.sets)
    {
        if (std::string problem = TextProblem(set); !problem.empty())
        {
            throw SweepInputError("--set '" + Printable(set) + "': " + problem);
        }
    }
    for (const auto& vary : plan.vary)
    {
        if (std::string problem = TextProblem(VaryText(vary)); !problem.empty())
        {
            throw SweepInputError("--vary '" + Printable(VaryText(vary)) + "': " + problem);
        }
    }
    if (!IsValidUtf8(plan.scenario))
    {
        throw SweepInputError("SCENARIO '" + Printable(plan.scenario) + "': the path is not UTF-8");
    }
}

/** \return KEY as the loader reads it: '.duration' is the global 'duration'. */
std::string
CanonicalKey(const std::string& key)
{
    bool global = key.size() > 1 && key[0] == '.' && key.find('.', 1) == std::string::npos;
    return global ? key.substr(1) : key;
}

/** The loader applies overrides in order, so a key given twice would silently keep only its last value. */
void
CheckKeysOnce(const Plan& plan)
{
    for (size_t k = 0; k < plan.vary.size(); ++k)
    {
        const std::string key = CanonicalKey(plan.vary[k].key);
        for (size_t j = 0; j < k; ++j)
        {
            if (CanonicalKey(plan.vary[j].key) == key)
            {
                throw SweepInputError("--vary '" + VaryText(plan.vary[k]) + "': '" + key + "' is already varied by --vary '" +
                                      VaryText(plan.vary[j]) + "'; give all its values in one --vary");
            }
        }
        for (const auto& set : plan.sets)
        {
            if (CanonicalKey(set.substr(0, set.find('='))) == key)
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

std::string
ShellWord(const std::string& text)
{
    bool plain = !text.empty();
    for (unsigned char c : text)
    {
        plain = plain && (std::isalnum(c) || std::strchr("_./=+-,:@%", c));
    }
    return plain ? text : ShellQuote(text);
}

void
CheckPlan(const Plan& plan)
{
    CheckText(plan);
    CheckKeysOnce(plan);
    CheckRunCount(plan);
}

std::string
ResolvedHash(const std::string& resolvedIni)
{
    size_t begin = 0;
    if (!resolvedIni.empty() && resolvedIni[0] == '#')
    {
        begin = std::min(resolvedIni.size(), resolvedIni.find('\n') + 1); // npos + 1 is 0: no line break
        begin = begin == 0 ? resolvedIni.size() : begin;
    }
    uint64_t hash = 0xcbf29ce484222325ULL; // FNV-1a 64: offset basis, then the prime per byte
    for (size_t i = begin; i < resolvedIni.size(); ++i)
    {
        hash = (hash ^ static_cast<unsigned char>(resolvedIni[i])) * 0x100000001b3ULL;
    }
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
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
    Json j = {{"scenario", plan.scenario}, {"name", plan.name},   {"set", plan.sets},
              {"vary", vary},              {"runs", plan.runs},   {"resolved_fnv1a64", plan.resolved}};
    fs::create_directories(dir);
    WriteFileAtomically((fs::path(dir) / "plan.json").string(), j.dump(2) + "\n");
}

namespace
{

/** Reads the fields of plan.json, each checked; a bad one names the file and the field. */
class PlanReader
{
  public:
    explicit PlanReader(const std::string& file)
        : m_file(file)
    {
    }

    [[noreturn]] void Fail(const std::string& field, const std::string& problem) const
    {
        throw SweepInputError(m_file + ": '" + field + "' " + problem);
    }

    /** \return a string without control characters (non-empty if required). */
    std::string Text(const Json& value, const std::string& field, bool nonEmpty = true) const
    {
        if (!value.is_string())
        {
            Fail(field, "must be a string");
        }
        std::string text = value.get<std::string>();
        if ((nonEmpty && text.empty()) || HasControlCharacter(text))
        {
            Fail(field, text.empty() ? "must not be empty" : "holds a control character");
        }
        return text;
    }

    /** \return an array of such strings. */
    std::vector<std::string> Texts(const Json& value, const std::string& field) const
    {
        if (!value.is_array())
        {
            Fail(field, "must be an array of strings");
        }
        std::vector<std::string> texts;
        for (size_t i = 0; i < value.size(); ++i)
        {
            texts.push_back(Text(value[i], field + "[" + std::to_string(i) + "]"));
        }
        return texts;
    }

    const Json& Member(const Json& object, const std::string& key, const std::string& field) const
    {
        if (!object.contains(key))
        {
            Fail(field, "is missing");
        }
        return object.at(key);
    }

    /** Refuse members not in KNOWN: a plan of another version or edited by hand. */
    void OnlyKnown(const Json& object, std::initializer_list<const char*> known, const std::string& where) const
    {
        for (const auto& [key, value] : object.items())
        {
            if (std::find_if(known.begin(), known.end(), [&](const char* k) { return key == k; }) == known.end())
            {
                Fail(where + key, "is not a field of a sweep plan");
            }
        }
    }

  private:
    std::string m_file;
};

Plan
PlanOf(const Json& j, const PlanReader& read)
{
    if (!j.is_object())
    {
        read.Fail("(top)", "must be an object");
    }
    read.OnlyKnown(j, {"scenario", "name", "set", "vary", "runs", "resolved_fnv1a64"}, "");
    Plan plan;
    plan.scenario = read.Text(read.Member(j, "scenario", "scenario"), "scenario");
    plan.name = read.Text(read.Member(j, "name", "name"), "name", false);
    plan.sets = read.Texts(read.Member(j, "set", "set"), "set");
    const Json& vary = read.Member(j, "vary", "vary");
    if (!vary.is_array())
    {
        read.Fail("vary", "must be an array of {key, values}");
    }
    for (size_t i = 0; i < vary.size(); ++i)
    {
        std::string field = "vary[" + std::to_string(i) + "]";
        if (!vary[i].is_object())
        {
            read.Fail(field, "must be an object {key, values}");
        }
        read.OnlyKnown(vary[i], {"key", "values"}, field + ".");
        Vary v{read.Text(read.Member(vary[i], "key", field + ".key"), field + ".key"),
               read.Texts(read.Member(vary[i], "values", field + ".values"), field + ".values")};
        if (v.values.empty())
        {
            read.Fail(field + ".values", "must not be empty");
        }
        plan.vary.push_back(v);
    }
    const Json& runs = read.Member(j, "runs", "runs");
    if (!runs.is_number_integer() || runs.get<long long>() < 1 || runs.get<long long>() > static_cast<long long>(kMaxRuns))
    {
        read.Fail("runs", "must be a whole number from 1 to " + std::to_string(kMaxRuns) + ", got " + runs.dump());
    }
    plan.runs = runs.get<int>();
    if (j.contains("resolved_fnv1a64"))
    {
        plan.resolved = read.Texts(j["resolved_fnv1a64"], "resolved_fnv1a64");
    }
    return plan;
}

} // namespace

Plan
ReadPlan(const std::string& dir)
{
    fs::path file = fs::path(dir) / "plan.json";
    std::string error;
    Json j = ReadJsonFile(file.string(), error);
    if (!error.empty())
    {
        throw SweepInputError(error == std::strerror(ENOENT) ? dir + ": not a sweep folder (no plan.json)"
                                                             : file.string() + ": " + error);
    }
    PlanReader read(file.string());
    Plan plan = PlanOf(j, read);
    try
    {
        CheckPlan(plan); // the same limits as on the command line
    }
    catch (const SweepInputError& e)
    {
        throw SweepInputError(file.string() + ": " + e.what());
    }
    unsigned long long combinations = 0;
    CountCombinations(plan, combinations);
    if (!plan.resolved.empty() && plan.resolved.size() != combinations)
    {
        read.Fail("resolved_fnv1a64", "must have one hash per combination (" + std::to_string(combinations) + ")");
    }
    return plan;
}

void
CheckEmit(const Plan& plan, const std::string& dir, const std::string& program)
{
    for (const auto& [what, text] : {std::pair<std::string, std::string>{"SCENARIO", plan.scenario},
                                     {"--out", dir},
                                     {"the nslab binary's path", program}})
    {
        if (HasControlCharacter(text))
        {
            throw SweepInputError("--emit: " + what + " '" + Printable(text) +
                                  "' holds a control character, which a job line cannot hold; use another path");
        }
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
            // Made here, where a planted link is refused; the line's mkdir -p then finds them.
            fs::path run(job.dir);
            CreateFoldersBelow(dir, (fs::path("runs") / run.parent_path().filename() / run.filename()).string());
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
        // One array task per line of jobs.txt; bash runs the task's line
        // itself (eval), every argument of it single-quoted.
        std::ostringstream text;
        text << "#!/bin/bash\n"
             << "#SBATCH --job-name=nslab-sweep\n"
             << "#SBATCH --array=1-" << count << "\n"
             << "#SBATCH --ntasks=1\n#SBATCH --cpus-per-task=1\n"
             << "#SBATCH --output=" << (fs::path(dir) / "slurm-%A_%a.out").string() << "\n"
             << "# Runs line $SLURM_ARRAY_TASK_ID of jobs.txt; then: nslab sweep --collect " << dir << "\n"
             << "line=$(sed -n \"${SLURM_ARRAY_TASK_ID}p\" " << ShellQuote(list.string()) << ")\n"
             << "eval \"$line\"\n";
        WriteFileAtomically(script.string(), text.str());
    }
    return count;
}

} // namespace nslab::sweep
