// Statistics over the replications of a sweep: sweep.csv and sweep.json.

#include "sweep.h"

#include "io.h"
#include "plot.h"

#include <boost/math/distributions/students_t.hpp>
#include <nlohmann/json.hpp>

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

/** Every numeric leaf of an object, nested objects flattened with dots; arrays and booleans skipped. */
void
Flatten(const Json& object, const std::string& prefix, std::vector<std::pair<std::string, double>>& out)
{
    for (const auto& [key, value] : object.items())
    {
        if (value.is_number())
        {
            out.emplace_back(prefix + key, value.get<double>());
        }
        else if (value.is_object())
        {
            Flatten(value, prefix + key + ".", out);
        }
    }
}

/** \return the metrics of one run's summary, "<app>.<metric>" -> value. */
std::vector<std::pair<std::string, double>>
RunMetrics(const Json& summary)
{
    std::vector<std::pair<std::string, double>> metrics;
    for (const auto& app : summary.at("apps"))
    {
        std::string name = app.at("name").get<std::string>();
        Json measured = app;
        for (const char* setting : {"start_s", "stop_s", "port"}) // the app's settings, not what it measured
        {
            measured.erase(setting);
        }
        Flatten(measured, name + ".", metrics);
        if (app.value("type", "") == "udp-server")
        {
            // As the text summary counts loss: of the datagrams whose fate is
            // known (sent early enough to have arrived), those that arrived.
            double resolved = app.value("packets_resolved", 0.0);
            if (resolved > 0)
            {
                metrics.emplace_back(name + ".delivery_ratio", 1 - app.value("packets_lost", 0.0) / resolved);
            }
        }
    }
    return metrics;
}

/**
 * \return the metrics of a finished run's summary.json; or none, with broken
 * saying why it is unusable (unreadable, e.g. a directory; not a summary; an
 * old or hand-edited one): that run is left out, the others still count.
 */
std::vector<std::pair<std::string, double>>
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
CheckMetrics(const std::vector<std::pair<std::string, double>>& metrics, const std::map<std::string, size_t>& column,
             size_t combinations)
{
    size_t known = column.size();
    for (const auto& [metric, value] : metrics)
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

std::string
CsvCell(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
    {
        return text;
    }
    std::string out = "\"";
    for (char c : text)
    {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

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
        return {nan, nan, nan, 0};
    }
    double sum = 0;
    for (double x : samples)
    {
        sum += x;
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
    for (const auto& job : Jobs(plan, dir))
    {
        if (!Finished(job))
        {
            continue;
        }
        std::string broken;
        std::vector<std::pair<std::string, double>> metrics = SummaryMetrics(job.dir, broken);
        if (!broken.empty())
        {
            table.broken.push_back({job.dir, 0, "summary.json: " + broken});
            continue;
        }
        broken = CheckMetrics(metrics, column, table.combinations.size());
        if (!broken.empty())
        {
            table.broken.push_back({job.dir, 0, "summary.json: " + broken});
            continue;
        }
        table.finishedRuns[job.combination].push_back(job.run);
        for (const auto& [metric, value] : metrics)
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
