// A metric of a sweep against its first varied key, with error bars and an
// optional model: Mathis et al. for TCP throughput, (1-p)^k for fragments.

#include "io.h"
#include "plot.h"
#include "sweep.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdint>
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
using NoValues = std::map<std::string, std::map<std::string, size_t>>;

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
    size_t metric = 0;        //!< column of the metric in the table (its size: no run reported a number)
    std::string app;          //!< the metric's app
    bool numeric = true;      //!< every x value starts with a number
    bool percent = false;     //!< x values are percentages
    size_t groups = 1;        //!< curves
    std::vector<int> k;       //!< per curve, k of the fragments model
    double lower = 0;         //!< error bars stop here: no metric of nslab's is negative...
    double upper = HUGE_VAL;  //!< ... and a ratio is at most 1
    std::vector<bool> clipped; //!< per curve, an error bar was cut at lower or upper
    bool anyValue = false;     //!< some point or model value is drawn
};

/** \return the statistics of the figure's metric at a combination (n = 0 if no run reported a number). */
Stat
StatOf(const Table& table, const Figure& figure, size_t c)
{
    return figure.metric < table.metrics.size() ? table.stats[c][figure.metric] : Describe({});
}

/**
 * \return true if a combination's point is drawn: every finished run reported
 * the metric. If some did not (a transfer that did not finish has no goodput),
 * the mean of the others is the mean of a selection, not the point.
 */
bool
Drawn(const Table& table, const Figure& figure, size_t c)
{
    size_t n = StatOf(table, figure, c).n;
    return n > 0 && n >= table.finishedRuns[c].size();
}

/** \return the x position of the i-th value of the first varied key. */
double
XOf(const Table& table, const Figure& figure, size_t i)
{
    double x = i;
    bool percent = false;
    if (figure.numeric)
    {
        ParseNumber(table.plan.vary.front().values[i], x, percent);
    }
    return x;
}

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

/**
 * \return gnuplot data: one block per curve of lines "x mean ci95 model label
 * low high n runs": low and high are the ends of the error bar, mean ± ci95
 * within the metric's range; n the runs that reported the metric, runs those
 * that finished. A point not drawn has NaN for mean, ci95, low and high: a gap
 * in its curve (gnuplot joins a line across '?', not across NaN).
 */
std::string
DataFile(const Table& table, const std::string& dir, const PlotSettings& settings, Figure& figure)
{
    const Vary& x = table.plan.vary.front();
    std::ostringstream data;
    for (size_t g = 0; g < figure.groups; ++g)
    {
        data << "# x mean ci95 model label low high n runs\n";
        for (size_t i = 0; i < x.values.size(); ++i)
        {
            size_t c = i * figure.groups + g; // the first key changes slowest
            Stat s = StatOf(table, figure, c);
            double model = ModelAt(table, dir, settings, figure, c);
            figure.anyValue = figure.anyValue || Drawn(table, figure, c) || !std::isnan(model);
            data << Cell(XOf(table, figure, i)) << " ";
            if (Drawn(table, figure, c))
            {
                double ci = std::isnan(s.ci95) ? 0 : s.ci95;
                double low = std::max(figure.lower, s.mean - ci), high = std::min(figure.upper, s.mean + ci);
                figure.clipped[g] = figure.clipped[g] || low > s.mean - ci || high < s.mean + ci;
                data << Cell(s.mean) << " " << Cell(ci) << " " << Cell(model) << " " << DataLabel(x.values[i]) << " "
                     << Cell(low) << " " << Cell(high);
            }
            else
            {
                data << "NaN NaN " << Cell(model) << " " << DataLabel(x.values[i]) << " NaN NaN";
            }
            data << " " << s.n << " " << table.finishedRuns[c].size() << "\n";
        }
        data << "\n\n";
    }
    return data.str();
}

/** \return a curve's title: the values of the other varied keys, or the metric. */
std::string
CurveTitle(const Table& table, const PlotSettings& settings, size_t g)
{
    std::string title;
    for (size_t k = 1; k < table.plan.vary.size(); ++k)
    {
        title += (title.empty() ? "" : ", ") + table.plan.vary[k].key + "=" + table.combinations[g].values[k];
    }
    return title.empty() ? settings.metric : title;
}

/** \return the gnuplot plot command: per curve the means with error bars, then the model. */
std::string
PlotCommand(const Table& table, const PlotSettings& settings, const Figure& figure)
{
    std::string clip = figure.upper < HUGE_VAL ? ", bars clipped to 0..1" : ", bars clipped at 0";
    std::ostringstream plot;
    plot << "plot ";
    for (size_t g = 0; g < figure.groups; ++g)
    {
        plot << (g ? ", " : "") << "data_file index " << g << " using "
             << (figure.numeric ? "1:2:6:7" : "1:2:6:7:xticlabels(5)") << " with yerrorlines lw 2 pt 7 lc " << g + 1
             << " title "
             << GnuplotString(CurveTitle(table, settings, g) + " (mean, 95 % CI" + (figure.clipped[g] ? clip : "") + ")");
        if (!settings.model.empty())
        {
            std::string name = settings.model == "mathis" ? "Mathis et al.: MSS/RTT sqrt(3/2)/sqrt(p)"
                                                          : "(1-p)^k, k = " + std::to_string(figure.k[g]) + " fragments";
            plot << ", data_file index " << g << " using 1:4 with linespoints dt 2 title " << GnuplotString(name);
        }
    }
    return plot.str() + "\n";
}

/**
 * \return gnuplot settings that show the points not drawn: a cross near the
 * bottom at each one's x, "no value (3 of 5 runs)", in its curve's colour; and
 * the x range, which the points drawn alone would not span.
 */
std::string
MissingMarks(const Table& table, const Figure& figure)
{
    const Vary& x = table.plan.vary.front();
    std::ostringstream marks;
    double low = XOf(table, figure, 0), high = low;
    for (size_t i = 0; i < x.values.size(); ++i)
    {
        low = std::min(low, XOf(table, figure, i));
        high = std::max(high, XOf(table, figure, i));
    }
    double pad = high > low ? (high - low) * 0.05 : std::max(0.5, std::fabs(low) * 0.05);
    marks << "set xrange [" << Cell(low - pad) << ":" << Cell(high + pad) << "]\n";
    if (!figure.anyValue)
    {
        marks << "set yrange [0:1]\n"; // nothing to scale the axis by: gnuplot would refuse to draw
    }
    int tag = 1;
    for (size_t g = 0; g < figure.groups; ++g)
    {
        for (size_t i = 0; i < x.values.size(); ++i)
        {
            size_t c = i * figure.groups + g;
            if (Drawn(table, figure, c))
            {
                continue;
            }
            size_t finished = table.finishedRuns[c].size();
            size_t without = finished - std::min(finished, StatOf(table, figure, c).n);
            std::string text = finished ? "no value in " + std::to_string(without) + " of " +
                                              std::to_string(finished) + (finished == 1 ? " run" : " runs")
                                        : "no run finished";
            // Beside the axis' ends the text goes inwards, so that it is not cut off.
            double xv = XOf(table, figure, i);
            const char* align = xv == low && high > low ? "left" : xv == high && high > low ? "right" : "center";
            marks << "set label " << tag++ << " " << GnuplotString(text) << " at first " << Cell(xv) << ", graph "
                  << Cell(0.05 + 0.07 * static_cast<double>(g)) << " " << align << " point pt 2 ps 1.5 lc " << g + 1
                  << " offset 0,0.9 textcolor lt " << g + 1 << "\n";
        }
    }
    return marks.str();
}

/** \return "5 runs per point", or "3 to 5 runs per point" when the points drawn have different counts. */
std::string
RunsPerPoint(const Table& table, const Figure& figure)
{
    size_t least = SIZE_MAX, most = 0;
    for (size_t c = 0; c < table.combinations.size(); ++c)
    {
        if (Drawn(table, figure, c))
        {
            least = std::min(least, StatOf(table, figure, c).n);
            most = std::max(most, StatOf(table, figure, c).n);
        }
    }
    if (most == 0)
    {
        return "no point has a value in every run";
    }
    return (least == most ? std::to_string(most) : std::to_string(least) + " to " + std::to_string(most)) +
           (most == 1 ? " run per point" : " runs per point");
}

/** \return the figure of a metric. \throw SweepInputError for an unknown metric or nothing varied */
Figure
FigureOf(const Table& table, const PlotSettings& settings)
{
    Figure figure;
    figure.metric = std::find(table.metrics.begin(), table.metrics.end(), settings.metric) - table.metrics.begin();
    bool reportedNull = std::any_of(table.noValue.begin(), table.noValue.end(),
                                    [&settings](const auto& missing) { return missing.count(settings.metric) > 0; });
    if (figure.metric == table.metrics.size() && !reportedNull)
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
    figure.clipped.assign(figure.groups, false);
    // Counts, sizes, times, rates and ratios: none is negative, a ratio is at
    // most 1. A metric some run did report out of that range is not cut.
    const std::string ratio = "_ratio";
    bool isRatio = metric.size() > ratio.size() && metric.compare(metric.size() - ratio.size(), ratio.size(), ratio) == 0;
    for (size_t c = 0; c < table.combinations.size(); ++c)
    {
        Stat s = StatOf(table, figure, c);
        figure.lower = s.n && s.min < 0 ? -HUGE_VAL : figure.lower;
        isRatio = isRatio && !(s.n && s.max > 1);
    }
    figure.upper = isRatio ? 1 : HUGE_VAL;
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
           << GnuplotString(table.plan.name + ": " + RunsPerPoint(table, figure)) << "\n"
           << MissingMarks(table, figure);
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

std::vector<std::string>
MissingPoints(const Table& table, const std::string& metric)
{
    size_t column = std::find(table.metrics.begin(), table.metrics.end(), metric) - table.metrics.begin();
    std::vector<std::string> lines;
    for (size_t c = 0; c < table.combinations.size(); ++c)
    {
        size_t n = column < table.metrics.size() ? table.stats[c][column].n : 0;
        size_t finished = table.finishedRuns[c].size();
        if (n > 0 && n >= finished)
        {
            continue;
        }
        std::string label;
        for (size_t k = 0; k < table.plan.vary.size(); ++k)
        {
            label += (k ? ", " : "") + table.plan.vary[k].key + "=" + table.combinations[c].values[k];
        }
        if (finished == 0)
        {
            lines.push_back(label + ": none of " + std::to_string(table.plan.runs) + " runs finished");
            continue;
        }
        size_t explained = 0;
        auto runs = [finished](size_t count) {
            return std::to_string(count) + " of " + std::to_string(finished) + (finished == 1 ? " run " : " runs ");
        };
        auto why = c < table.noValue.size() ? table.noValue[c].find(metric) : NoValues::const_iterator();
        if (c < table.noValue.size() && why != table.noValue[c].end())
        {
            for (const auto& [reason, count] : why->second)
            {
                lines.push_back(label + ": " + runs(count) + reason);
                explained += count;
            }
        }
        if (finished > n + explained)
        {
            lines.push_back(label + ": " + runs(finished - n - explained) + "did not report " + metric);
        }
    }
    return lines;
}

} // namespace nslab::sweep
