// Statistics over the replications of a sweep: sweep.csv and sweep.json.

#include "sweep.h"

#include "io.h"
#include "plot.h"

#include <boost/math/distributions/students_t.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

namespace nslab::sweep
{

namespace
{

namespace fs = std::filesystem;
using Json = nlohmann::json;

/** What one run's summary reports: numbers, and the metrics it reports as null, with why. */
struct RunValues
{
    std::vector<std::pair<std::string, double>> metrics; //!< "<app>.<metric>" -> value
    std::vector<std::pair<std::string, std::string>> noValue; //!< "<app>.<metric>" -> why it is null
};

/** \return true if the object's key is the boolean false. */
bool
IsFalse(const Json& object, const char* key)
{
    return object.contains(key) && object[key].is_boolean() && !object[key].get<bool>();
}

/**
 * \return why an app reported a field as null, in words for a warning after
 * "3 of 5 runs": "did not finish the transfer (no goodput)".
 */
std::string
NoValueReason(const Json& app, const std::string& field)
{
    std::string what = field == "goodput_bps" ? "goodput" : field;
    std::string type = app.value("type", Json("")).is_string() ? app.value("type", "") : "";
    std::string cause = "reported none";
    if (type == "tcp-client" && IsFalse(app, "connected"))
    {
        cause = "never connected";
    }
    else if (type == "tcp-client" && IsFalse(app, "completed"))
    {
        cause = "did not finish the transfer";
    }
    else if (field == "goodput_bps" && app.contains("goodput_note") && app["goodput_note"].is_string())
    {
        std::string note = app["goodput_note"];
        cause = "were " + note.substr(0, note.find(':')); // "too short to measure: completed in ..."
    }
    else if (app.contains("bytes_received") && app["bytes_received"] == 0)
    {
        cause = "received nothing";
    }
    return cause + " (no " + what + ")";
}

/** Every numeric leaf of an object, nested objects flattened with dots; null leaves noted; arrays and booleans skipped. */
void
Flatten(const Json& app, const Json& object, const std::string& prefix, const std::string& path, RunValues& out)
{
    for (const auto& [key, value] : object.items())
    {
        if (value.is_number())
        {
            out.metrics.emplace_back(prefix + path + key, value.get<double>());
        }
        else if (value.is_null())
        {
            out.noValue.emplace_back(prefix + path + key, NoValueReason(app, path + key));
        }
        else if (value.is_object())
        {
            Flatten(app, value, prefix, path + key + ".", out);
        }
    }
}

/** \return the metrics of one run's summary, "<app>.<metric>" -> value, and those it reports as null. */
RunValues
RunMetrics(const Json& summary)
{
    RunValues values;
    for (const auto& app : summary.at("apps"))
    {
        std::string name = app.at("name").get<std::string>();
        Json measured = app;
        for (const char* setting : {"start_s", "stop_s", "port"}) // the app's settings, not what it measured
        {
            measured.erase(setting);
        }
        Flatten(app, measured, name + ".", "", values);
        if (app.value("type", Json("")) == "udp-server")
        {
            // As the text summary counts loss: of the datagrams whose fate is
            // known (sent early enough to have arrived), those that arrived.
            double resolved = app.value("packets_resolved", 0.0);
            if (resolved > 0)
            {
                values.metrics.emplace_back(name + ".delivery_ratio", 1 - app.value("packets_lost", 0.0) / resolved);
            }
            else
            {
                values.noValue.emplace_back(name + ".delivery_ratio",
                                            "knew the fate of no datagram (no delivery_ratio)");
            }
        }
    }
    return values;
}

/**
 * \return the metrics of a finished run's summary.json; or none, with broken
 * saying why it is unusable (unreadable, e.g. a directory; not a summary; an
 * old or hand-edited one): that run is left out, the others still count.
 */
RunValues
SummaryMetrics(const std::string& runDir, std::string& broken)
{
    Json summary = ReadJsonFile((fs::path(runDir) / "summary.json").string(), broken);
    if (broken == "not JSON")
    {
        broken = "not an nslab summary";
    }
    if (!broken.empty())
    {
        return {};
    }
    if (!summary.is_object() || !summary.contains("apps") || !summary["apps"].is_array())
    {
        broken = "not an nslab summary";
        return {};
    }
    try
    {
        return RunMetrics(summary);
    }
    catch (const Json::exception& e)
    {
        broken = e.what();
        return {};
    }
}

/** Cells of a sweep's table (combinations × metrics): a bound on its memory, far above nslab's own summaries. */
constexpr size_t kMaxCells = 4000000;

/**
 * \return why a run's metrics cannot join the table ("" if they can): a name
 * that a CSV header or a terminal cannot show as it is, or so many new names
 * that the table would outgrow its bound (a summary nslab did not write).
 */
std::string
CheckMetrics(const RunValues& values, const std::map<std::string, size_t>& column, size_t combinations)
{
    size_t known = column.size();
    std::vector<std::string> names;
    for (const auto& [metric, value] : values.metrics)
    {
        names.push_back(metric);
    }
    for (const auto& [metric, why] : values.noValue)
    {
        names.push_back(metric); // a name that a warning shows
    }
    for (const auto& metric : names)
    {
        if (HasControlCharacter(metric) || !IsValidUtf8(metric))
        {
            return "not an nslab summary (a name with a control character or not UTF-8)";
        }
        known += column.count(metric) ? 0 : 1;
    }
    if (known * std::max<size_t>(combinations, 1) > kMaxCells)
    {
        return "not an nslab summary (with the other runs' metrics, more than " + std::to_string(kMaxCells) +
               " cells of statistics)";
    }
    return "";
}

std::string
Number(double value)
{
    if (std::isnan(value))
    {
        return "";
    }
    char text[32];
    std::snprintf(text, sizeof text, "%.12g", value);
    return text;
}

using NoValues = std::map<std::string, std::map<std::string, size_t>>;

Json
JsonNumber(double value)
{
    return std::isnan(value) ? Json(nullptr) : Json(value);
}

} // namespace

double
TQuantile95(size_t df)
{
    if (df == 0)
    {
        return std::nan("");
    }
    boost::math::students_t t(static_cast<double>(df));
    return boost::math::quantile(boost::math::complement(t, 0.025));
}

Stat
Describe(const std::vector<double>& samples)
{
    Stat s;
    s.n = samples.size();
    double nan = std::nan("");
    if (s.n == 0)
    {
        return {nan, nan, nan, 0, nan, nan};
    }
    double sum = 0;
    s.min = s.max = samples.front();
    for (double x : samples)
    {
        sum += x;
        s.min = std::min(s.min, x);
        s.max = std::max(s.max, x);
    }
    s.mean = sum / s.n;
    if (s.n < 2)
    {
        s.sd = s.ci95 = nan;
        return s;
    }
    double squares = 0;
    for (double x : samples)
    {
        squares += (x - s.mean) * (x - s.mean);
    }
    s.sd = std::sqrt(squares / (s.n - 1));
    s.ci95 = TQuantile95(s.n - 1) * s.sd / std::sqrt(static_cast<double>(s.n));
    return s;
}

Table
Aggregate(const Plan& plan, const std::string& dir)
{
    Table table;
    table.plan = plan;
    table.combinations = Combinations(plan);
    std::map<std::string, size_t> column;
    std::vector<std::vector<std::vector<double>>> samples(table.combinations.size()); // [combination][metric][run]
    table.finishedRuns.resize(table.combinations.size());
    table.noValue.resize(table.combinations.size());
    for (const auto& job : Jobs(plan, dir))
    {
        if (!Finished(job))
        {
            continue;
        }
        std::string broken;
        RunValues values = SummaryMetrics(job.dir, broken);
        if (!broken.empty())
        {
            table.broken.push_back({job.dir, 0, "summary.json: " + broken});
            continue;
        }
        broken = CheckMetrics(values, column, table.combinations.size());
        if (!broken.empty())
        {
            table.broken.push_back({job.dir, 0, "summary.json: " + broken});
            continue;
        }
        table.finishedRuns[job.combination].push_back(job.run);
        for (const auto& [metric, why] : values.noValue)
        {
            ++table.noValue[job.combination][metric][why];
        }
        for (const auto& [metric, value] : values.metrics)
        {
            auto [it, added] = column.emplace(metric, table.metrics.size());
            if (added)
            {
                table.metrics.push_back(metric);
            }
            auto& row = samples[job.combination];
            row.resize(table.metrics.size());
            row[it->second].push_back(value);
        }
    }
    for (auto& row : samples)
    {
        row.resize(table.metrics.size());
        std::vector<Stat> stats;
        for (const auto& values : row)
        {
            stats.push_back(Describe(values));
        }
        table.stats.push_back(stats);
    }
    return table;
}

void
WriteTable(const Table& table, const std::string& dir, const RunOutcome* outcome)
{
    std::ostringstream csv;
    for (const auto& vary : table.plan.vary)
    {
        csv << CsvCell(vary.key) << ",";
    }
    csv << "runs";
    for (const auto& metric : table.metrics)
    {
        for (const char* stat : {".mean", ".sd", ".ci95", ".n"})
        {
            csv << "," << CsvCell(metric + stat);
        }
    }
    csv << "\n";
    Json rows = Json::array();
    for (size_t c = 0; c < table.combinations.size(); ++c)
    {
        Json values = Json::object();
        for (size_t k = 0; k < table.plan.vary.size(); ++k)
        {
            csv << CsvCell(table.combinations[c].values[k]) << ",";
            values[table.plan.vary[k].key] = table.combinations[c].values[k];
        }
        csv << table.finishedRuns[c].size();
        Json metrics = Json::object();
        for (size_t m = 0; m < table.metrics.size(); ++m)
        {
            const Stat& s = table.stats[c][m];
            csv << "," << Number(s.mean) << "," << Number(s.sd) << "," << Number(s.ci95) << "," << s.n;
            metrics[table.metrics[m]] = {{"mean", JsonNumber(s.mean)}, {"sd", JsonNumber(s.sd)},
                                         {"ci95", JsonNumber(s.ci95)}, {"n", s.n}};
            auto why = c < table.noValue.size() ? table.noValue[c].find(table.metrics[m]) : NoValues::const_iterator();
            if (c < table.noValue.size() && why != table.noValue[c].end())
            {
                metrics[table.metrics[m]]["no_value"] = why->second; // why n is less than the finished runs
            }
        }
        csv << "\n";
        rows.push_back({{"values", values}, {"folder", table.combinations[c].folder},
                        {"finished_runs", table.finishedRuns[c]}, {"metrics", metrics}});
    }
    Json failed = Json::array();
    auto addFailure = [&failed](const Failure& f) {
        failed.push_back({{"dir", f.dir}, {"status", f.status}, {"message", f.message}});
    };
    for (const auto& f : table.broken)
    {
        addFailure(f);
    }
    Json j = {{"scenario", table.plan.scenario}, {"name", table.plan.name}, {"runs", table.plan.runs},
              {"combinations", rows}};
    if (outcome)
    {
        for (const auto& f : outcome->failures)
        {
            addFailure(f);
        }
        j["started"] = outcome->started;
        j["skipped"] = outcome->skipped;
        j["interrupted"] = outcome->interrupted != 0;
    }
    j["failed"] = failed;
    WriteFileAtomically((fs::path(dir) / "sweep.csv").string(), csv.str());
    // A run's last line of stderr or a folder's name need not be UTF-8; JSON must be.
    WriteFileAtomically((fs::path(dir) / "sweep.json").string(),
                        j.dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

} // namespace nslab::sweep
