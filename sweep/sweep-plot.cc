// A metric of a sweep against its first varied key, with error bars and an
// optional model: Mathis et al. for TCP throughput, (1-p)^k for fragments.

#include "io.h"
#include "plot.h"
#include "sweep.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

namespace nslab::sweep
{

namespace
{

namespace fs = std::filesystem;
using Json = nlohmann::json;

/** A resolved scenario.ini: section -> key -> value, sections in file order. */
struct Ini
{
    std::vector<std::string> sections;
    std::map<std::string, std::map<std::string, std::string>> values;
};

Ini
ParseIni(const std::string& text)
{
    Ini ini;
    std::istringstream in(text);
    std::string section;
    for (std::string line; std::getline(in, line);)
    {
        line = line.substr(0, line.find('#'));
        auto trim = [](std::string s) {
            s.erase(0, s.find_first_not_of(" \t"));
            s.erase(s.find_last_not_of(" \t\r") + 1);
            return s;
        };
        line = trim(line);
        if (line.size() > 2 && line.front() == '[' && line.back() == ']')
        {
            section = line.substr(1, line.size() - 2);
            ini.sections.push_back(section);
        }
        else if (size_t eq = line.find('='); eq != std::string::npos)
        {
            ini.values[section][trim(line.substr(0, eq))] = trim(line.substr(eq + 1));
        }
    }
    return ini;
}

/** \return a key of a section ("" if either is missing). */
std::string
Value(const Ini& ini, const std::string& section, const std::string& key)
{
    auto s = ini.values.find(section);
    if (s == ini.values.end())
    {
        return "";
    }
    auto k = s->second.find(key);
    return k == s->second.end() ? "" : k->second;
}

/** \return the number a value starts with; percent says whether it ends in '%'. False if not a number. */
bool
ParseNumber(const std::string& text, double& value, bool& percent)
{
    char* end = nullptr;
    value = std::strtod(text.c_str(), &end);
    if (end == text.c_str())
    {
        return false;
    }
    percent = std::string(end) == "%";
    return true;
}

/** \return bytes of a resolved size: "200B", "4KB" (SI), "64KiB". */
double
SizeBytes(const std::string& text)
{
    double value = 0;
    bool percent = false;
    ParseNumber(text, value, percent);
    std::string unit = text.substr(text.find_first_not_of("0123456789.eE+-"));
    const std::map<std::string, double> scale = {{"B", 1},      {"KB", 1e3},          {"MB", 1e6},
                                                 {"GB", 1e9},   {"KiB", 1024.0},      {"MiB", 1048576.0},
                                                 {"GiB", 1073741824.0}};
    auto it = scale.find(unit);
    return value * (it == scale.end() ? 1 : it->second);
}

/** \return the varied value as a probability: "2%" -> 0.02, "0.02" -> 0.02. */
double
Probability(const std::string& text, const std::string& model)
{
    double value = 0;
    bool percent = false;
    size_t unit = text.find_first_not_of("0123456789.eE+-");
    bool ratio = unit == std::string::npos || text.substr(unit) == "%";
    if (!ratio || !ParseNumber(text, value, percent) || (percent ? value / 100 : value) > 1 || value < 0)
    {
        throw SweepInputError("--model " + model + ": the first varied key must be a loss ratio (e.g. 1% or 0.01), got '" +
                              text + "'");
    }
    return percent ? value / 100 : value;
}

/** \return the first app section of that type in a resolved scenario ("app.file"), preferring `preferred`. */
std::string
AppSection(const Ini& ini, const std::string& type, const std::string& preferred)
{
    if (Value(ini, "app." + preferred, "type") == type)
    {
        return "app." + preferred;
    }
    for (const auto& section : ini.sections)
    {
        if (section.rfind("app.", 0) == 0 && Value(ini, section, "type") == type)
        {
            return section;
        }
    }
    return "";
}

/** The data a model needs from one combination's first finished run. */
struct RunFacts
{
    Ini ini;
    Json summary;
};

RunFacts
FirstRun(const Table& table, const std::string& dir, size_t combination)
{
    const auto& runs = table.finishedRuns[combination];
    if (runs.empty())
    {
        return {};
    }
    fs::path run = fs::path(dir) / table.combinations[combination].folder / ("run-" + std::to_string(runs.front()));
    RunFacts facts;
    std::string error;
    std::string ini = ReadText((run / "scenario.ini").string(), error);
    if (error.empty())
    {
        facts.ini = ParseIni(ini);
        facts.summary = ReadJsonFile((run / "summary.json").string(), error);
    }
    if (!error.empty())
    {
        throw SweepInputError(run.string() + ": " + error);
    }
    return facts;
}

/** \return the MSS of the tcp-client of a resolved scenario. \throw SweepInputError without one */
double
Mss(const Ini& ini, const std::string& app)
{
    std::string section = AppSection(ini, "tcp-client", app);
    double mss = std::atof(Value(ini, section, "mss").c_str());
    if (section.empty() || mss <= 0)
    {
        throw SweepInputError("--model mathis: the scenario has no tcp-client");
    }
    return mss;
}

/** Mathis et al.: rate < MSS/RTT * sqrt(3/2) / sqrt(p), in bit/s, with the client's MSS and its smallest RTT. */
double
Mathis(const RunFacts& facts, const std::string& app, double p)
{
    std::string section = AppSection(facts.ini, "tcp-client", app);
    double mss = Mss(facts.ini, app);
    double rtt = 0;
    for (const auto& a : facts.summary.value("apps", Json::array()))
    {
        if (a.is_object() && a.value("name", Json()) == section.substr(4) && a.contains("rtt_min_s") &&
            a["rtt_min_s"].is_number())
        {
            rtt = a["rtt_min_s"].get<double>();
        }
    }
    return p > 0 && rtt > 0 ? mss * 8 / rtt * std::sqrt(1.5) / std::sqrt(p) : std::nan("");
}

/**
 * k = ceil((size + 8) / fragment payload): the payload is what an MTU holds
 * after the IPv4 header (20 bytes), or after the IPv6 header and its fragment
 * header (40 + 8) when the client sends over IPv6, rounded down to a multiple of 8.
 * \throw SweepInputError without a udp-client of one datagram size
 */
int
Fragments(const Ini& ini, const std::string& app)
{
    std::string section = AppSection(ini, "udp-client", app);
    if (section.empty())
    {
        throw SweepInputError("--model fragments: the scenario has no udp-client (or give --fragments K)");
    }
    if (Value(ini, section, "size").empty())
    {
        throw SweepInputError("--model fragments: udp-client '" + section.substr(4) +
                              "' sends messages (datagrams of different sizes), so k is not one number; "
                              "give --fragments K");
    }
    double size = SizeBytes(Value(ini, section, "size"));
    double mtu = 65535;
    for (const auto& [name, keys] : ini.values)
    {
        if (name.rfind("link.", 0) == 0 && keys.count("mtu"))
        {
            mtu = std::min(mtu, std::atof(keys.at("mtu").c_str()));
        }
    }
    bool v6 = Value(ini, section, "ip") == "v6";
    double payload = std::floor((mtu - (v6 ? 48 : 20)) / 8) * 8;
    double k = std::ceil((size + 8) / payload);
    if (!(payload >= 8 && k >= 1 && k <= 65536)) // a scenario.ini no run wrote (mtu 20): no k to cast
    {
        throw SweepInputError("--model fragments: the first run's scenario.ini gives no usable mtu and size; "
                              "give --fragments K");
    }
    return static_cast<int>(k);
}

std::string
Cell(double value)
{
    if (std::isnan(value))
    {
        return "?";
    }
    std::ostringstream s;
    s.precision(12);
    s << value;
    return s.str();
}

/** What one figure shows: the metric's column, the x axis, one curve per combination of the other keys. */
struct Figure
{
    size_t metric = 0;
    std::string app;          //!< the metric's app
    bool numeric = true;      //!< every x value starts with a number
    bool percent = false;     //!< x values are percentages
    size_t groups = 1;        //!< curves
    std::vector<int> k;       //!< per curve, k of the fragments model
};

/** \return the model at one combination (NaN without a finished run); sets the curve's k. */
double
ModelAt(const Table& table, const std::string& dir, const PlotSettings& settings, Figure& figure, size_t c)
{
    if (settings.model.empty() || table.finishedRuns[c].empty())
    {
        return std::nan("");
    }
    size_t group = c % figure.groups;
    double p = Probability(table.combinations[c].values.front(), settings.model);
    if (settings.model == "mathis")
    {
        return Mathis(FirstRun(table, dir, c), figure.app, p);
    }
    figure.k[group] = settings.fragments > 0 ? settings.fragments : Fragments(FirstRun(table, dir, c).ini, figure.app);
    return std::pow(1 - p, figure.k[group]);
}

/** \return a value as a string of a gnuplot data file (values hold no control character: CheckPlan). */
std::string
DataLabel(const std::string& value)
{
    std::string label = value;
    label.erase(std::remove(label.begin(), label.end(), '"'), label.end());
    return "\"" + label + "\"";
}

/** \return gnuplot data: one block per curve of lines "x mean ci95 model label". */
std::string
DataFile(const Table& table, const std::string& dir, const PlotSettings& settings, Figure& figure)
{
    const Vary& x = table.plan.vary.front();
    std::ostringstream data;
    for (size_t g = 0; g < figure.groups; ++g)
    {
        data << "# x mean ci95 model label\n";
        for (size_t i = 0; i < x.values.size(); ++i)
        {
            size_t c = i * figure.groups + g; // the first key changes slowest
            const Stat& s = table.stats[c][figure.metric];
            double xv = i;
            bool percent = false;
            if (figure.numeric)
            {
                ParseNumber(x.values[i], xv, percent);
            }
            double model = ModelAt(table, dir, settings, figure, c);
            data << Cell(xv) << " " << Cell(s.mean) << " " << Cell(std::isnan(s.ci95) ? 0 : s.ci95) << " "
                 << Cell(model) << " " << DataLabel(x.values[i]) << "\n";
        }
        data << "\n\n";
    }
    return data.str();
}

/** \return the gnuplot plot command: per curve the means with error bars, then the model. */
std::string
PlotCommand(const Table& table, const PlotSettings& settings, const Figure& figure)
{
    std::ostringstream plot;
    plot << "plot ";
    for (size_t g = 0; g < figure.groups; ++g)
    {
        std::string title;
        for (size_t k = 1; k < table.plan.vary.size(); ++k)
        {
            title += (title.empty() ? "" : ", ") + table.plan.vary[k].key + "=" + table.combinations[g].values[k];
        }
        plot << (g ? ", " : "") << "data_file index " << g << " using "
             << (figure.numeric ? "1:2:3" : "1:2:3:xticlabels(5)") << " with yerrorlines lw 2 pt 7 title "
             << GnuplotString((title.empty() ? settings.metric : title) + " (mean, 95 % CI)");
        if (!settings.model.empty())
        {
            std::string name = settings.model == "mathis" ? "Mathis et al.: MSS/RTT sqrt(3/2)/sqrt(p)"
                                                          : "(1-p)^k, k = " + std::to_string(figure.k[g]) + " fragments";
            plot << ", data_file index " << g << " using 1:4 with linespoints dt 2 title " << GnuplotString(name);
        }
    }
    return plot.str() + "\n";
}

/** \return the figure of a metric. \throw SweepInputError for an unknown metric or nothing varied */
Figure
FigureOf(const Table& table, const PlotSettings& settings)
{
    Figure figure;
    figure.metric = std::find(table.metrics.begin(), table.metrics.end(), settings.metric) - table.metrics.begin();
    if (figure.metric == table.metrics.size())
    {
        std::string known;
        for (const auto& m : table.metrics)
        {
            known += (known.empty() ? "" : ", ") + m;
        }
        throw SweepInputError("--plot: no metric '" + settings.metric + "' in the finished runs" +
                              (known.empty() ? "" : "; metrics: " + known));
    }
    CheckPlot(table.plan, settings);
    const std::string& metric = settings.metric;
    if (metric.empty() || metric[0] == '.' || metric.find('/') != std::string::npos || HasControlCharacter(metric))
    {
        throw SweepInputError("--plot: metric '" + metric + "' cannot be a file name");
    }
    figure.app = settings.metric.substr(0, settings.metric.find('.'));
    const Vary& x = table.plan.vary.front();
    for (size_t i = 0; i < x.values.size(); ++i)
    {
        double value = 0;
        bool percent = false;
        figure.numeric = figure.numeric && ParseNumber(x.values[i], value, percent);
        figure.percent = i == 0 ? percent : figure.percent;
    }
    figure.percent = figure.percent && figure.numeric;
    figure.groups = table.combinations.size() / x.values.size();
    figure.k.assign(figure.groups, settings.fragments);
    return figure;
}

} // namespace

void
CheckPlot(const Plan& plan, const PlotSettings& settings)
{
    if (plan.vary.empty())
    {
        throw SweepInputError("--plot: nothing varied to plot against (give --vary)");
    }
    if (!settings.model.empty() && settings.model != "mathis" && settings.model != "fragments")
    {
        throw SweepInputError("--model: unknown model '" + settings.model + "' (models: mathis, fragments)");
    }
    for (const auto& value : settings.model.empty() ? std::vector<std::string>{} : plan.vary.front().values)
    {
        Probability(value, settings.model);
    }
}

void
CheckModel(const std::string& resolvedIni, const PlotSettings& settings)
{
    Ini ini = ParseIni(resolvedIni);
    std::string app = settings.metric.substr(0, settings.metric.find('.'));
    if (settings.model == "mathis")
    {
        Mss(ini, app);
    }
    else if (settings.model == "fragments" && settings.fragments <= 0)
    {
        Fragments(ini, app);
    }
}

std::vector<std::string>
Plot(const Table& table, const std::string& dir, const PlotSettings& settings)
{
    Figure figure = FigureOf(table, settings);
    std::string data = DataFile(table, dir, settings, figure); // throws before any file is written
    const std::string& key = table.plan.vary.front().key;
    std::ostringstream script;
    script << "set datafile missing '?'\nset grid\nset key top right\n"
           << "set xlabel " << GnuplotString(key + (figure.percent ? " (%)" : "")) << "\nset ylabel "
           << GnuplotString(settings.metric) << "\nset title "
           << GnuplotString(table.plan.name + ": " + std::to_string(table.plan.runs) + " runs per point")
           << "\nset offsets graph 0.05, graph 0.05, 0, 0\n";
    for (std::string ext : {"png", "svg"})
    {
        script << "set terminal " << (ext == "png" ? "pngcairo" : "svg dynamic")
               << " noenhanced size 900,600 font 'sans,10'\nset output " << ext << "_file\n"
               << PlotCommand(table, settings, figure);
    }
    const std::string& name = settings.metric;
    GnuplotFigure gp{(fs::path(dir) / "plots").string(), name + ".gp", script.str(), {}};
    gp.files = {{GnuplotFile::kData, "data_file", name + ".dat", data},
                {GnuplotFile::kImage, "png_file", name + ".png", ""},
                {GnuplotFile::kImage, "svg_file", name + ".svg", ""}};
    return DrawFigure(gp);
}

} // namespace nslab::sweep
