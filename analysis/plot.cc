#include "io.h"
#include "plot.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <unistd.h>

namespace nslab
{

namespace
{

namespace fs = std::filesystem;
using Json = nlohmann::json;

/** \return the summary of a results folder, its fields used here checked. */
Json
ReadSummary(const fs::path& dir)
{
    fs::path file = dir / "summary.json";
    std::string error;
    Json summary = ReadJsonFile(file.string(), error);
    if (error == std::strerror(ENOENT))
    {
        throw PlotInputError(dir.string() + ": not a results folder (no summary.json)");
    }
    if (!error.empty())
    {
        throw PlotInputError(file.string() + ": " + error);
    }
    if (!summary.is_object() || !summary.contains("apps") || !summary["apps"].is_array())
    {
        throw PlotInputError(file.string() + ": not an nslab summary");
    }
    auto check = [&](const Json& object, const char* key, bool (Json::*is)() const, const char* what) {
        if (object.contains(key) && !(object[key].*is)())
        {
            throw PlotInputError(file.string() + ": '" + key + "' is not " + what);
        }
    };
    check(summary, "scenario", &Json::is_string, "a string");
    check(summary, "seed", &Json::is_number_integer, "an integer");
    check(summary, "run", &Json::is_number_integer, "an integer");
    check(summary, "duration_s", &Json::is_number, "a number");
    if (summary.contains("duration_s") && !(summary["duration_s"].get<double>() >= 1e-9 &&
                                            summary["duration_s"].get<double>() <= 1e6))
    {
        throw PlotInputError(file.string() + ": 'duration_s' is not a run's length (1ns..1000000s)");
    }
    for (const auto& app : summary["apps"])
    {
        if (!app.is_object() || !app.contains("name") || !app.contains("type") || !app.contains("node"))
        {
            throw PlotInputError(file.string() + ": an app without name, type or node");
        }
        for (const char* key : {"name", "type", "node"})
        {
            check(app, key, &Json::is_string, "a string");
        }
        // The name becomes a file name in DIR/plots.
        std::string name = app["name"];
        if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
            HasControlCharacter(name))
        {
            throw PlotInputError(file.string() + ": app name '" + name + "' cannot be a file name");
        }
    }
    return summary;
}

/** \return a CSV series of the run, as an input of the figure (read bounded, regular files only). */
GnuplotFile
Series(const fs::path& dir, const std::string& app, const std::string& kind)
{
    std::string name = app + "." + kind + ".csv";
    std::string error;
    std::string text = ReadText((dir / name).string(), error);
    if (error == std::strerror(ENOENT))
    {
        throw PlotInputError((dir / name).string() + ": missing (run the scenario again with this nslab)");
    }
    if (!error.empty())
    {
        throw PlotInputError((dir / name).string() + ": " + error);
    }
    return {GnuplotFile::kInput, kind + "_csv", "../" + name, text};
}

/** \return true if a CSV series holds no row under its header (an app that saw nothing). */
bool
NoRows(const std::string& csv)
{
    size_t header = csv.find('\n');
    return header == std::string::npos || header + 1 >= csv.size();
}

/** \return the rows of a CSV series under its header, split at commas. \throw PlotInputError for a row of another width */
std::vector<std::vector<std::string>>
CsvRows(const std::string& text, const std::string& file, size_t columns)
{
    std::vector<std::vector<std::string>> rows;
    std::istringstream in(text);
    std::string line;
    std::getline(in, line); // the header
    for (size_t number = 2; std::getline(in, line); ++number)
    {
        std::vector<std::string> cells;
        std::istringstream cellStream(line);
        for (std::string cell; std::getline(cellStream, cell, ',');)
        {
            cells.push_back(cell);
        }
        if (!line.empty() && line.back() == ',')
        {
            cells.emplace_back();
        }
        if (cells.size() != columns)
        {
            throw PlotInputError(file + ":" + std::to_string(number) + ": expected " + std::to_string(columns) +
                                 " comma-separated values, got '" + line + "'");
        }
        rows.push_back(cells);
    }
    return rows;
}

/** \return a CSV cell as a number. \throw PlotInputError if it is not one */
double
CellNumber(const std::string& cell, const std::string& file)
{
    char* end = nullptr;
    double value = std::strtod(cell.c_str(), &end);
    if (cell.empty() || *end != '\0' || !std::isfinite(value))
    {
        throw PlotInputError(file + ": '" + cell + "' is not a number");
    }
    return value;
}

/** \return a number for a data file: 12 significant digits, as the CSV series. */
std::string
DataNumber(double value)
{
    std::ostringstream out;
    out.precision(12);
    out << value;
    return out.str();
}

/** \return "50 ms", "1.25 s": a bin's width for a legend. */
std::string
Width(double seconds)
{
    std::ostringstream out;
    out.precision(6);
    if (seconds < 1)
    {
        out << seconds * 1e3 << " ms";
    }
    else
    {
        out << seconds << " s";
    }
    return out.str();
}

/**
 * \return the throughput panel's data: per bin of <app>.throughput.csv its
 * rate, bytes x 8 / the bin's width, in Mbit/s, and a last row at the end of
 * the run that closes the last bin (a step line draws a row only up to the
 * next one). The last bin ends at the end of the run: when the duration is
 * not a whole number of bins it is narrower than the others, and its rate is
 * over its own width (the CSV divides by the full bin); `note` then says so.
 */
std::string
ThroughputData(const GnuplotFile& csv, const std::string& file, double duration, std::string& note)
{
    auto rows = CsvRows(csv.text, file, 3);
    std::ostringstream data;
    data << "# time_s,Mbit_s: per bin of " << csv.name.substr(3)
         << ", bytes x 8 / the bin's width; the last row closes the last bin at the end of the run\n";
    for (size_t i = 0; i + 1 < rows.size(); ++i)
    {
        data << rows[i][0] << "," << DataNumber(CellNumber(rows[i][2], file) / 1e6) << "\n";
    }
    if (rows.empty())
    {
        return data.str();
    }
    const auto& last = rows.back();
    double start = CellNumber(last[0], file);
    double bps = CellNumber(last[2], file);
    // The last bin ends at the end of the run, or one bin after its start in
    // a series that stops early (written by hand).
    double bin = rows.size() > 1 ? start - CellNumber(rows[rows.size() - 2][0], file) : duration - start;
    double end = std::min(duration, start + bin);
    if (!(end > start))
    {
        throw PlotInputError(file + ": its last bin starts at " + last[0] + " s, not before the end of the run (" +
                             DataNumber(duration) + " s)");
    }
    if (end - start < bin * (1 - 1e-6))
    {
        bps = CellNumber(last[1], file) * 8 / (end - start);
        note = "; the last bin (" + last[0] + "-" + DataNumber(end) + " s) is " + Width(end - start) +
               " wide: its bytes over those " + Width(end - start);
    }
    data << last[0] << "," << DataNumber(bps / 1e6) << "\n" << DataNumber(end) << "," << DataNumber(bps / 1e6) << "\n";
    return data.str();
}

/**
 * \return when a tcp-client's connection stopped mattering to its window: the
 * arrival of the ACK of its last byte if the transfer completed, else the end
 * of the run (the connection was still open, or closing with data unsent).
 */
double
ConnectionEnd(const Json& app, double duration)
{
    const Json& completion = app.contains("completion_time_s") ? app["completion_time_s"] : Json();
    if (app.value("completed", false) && completion.is_number() && app.contains("start_s") && app["start_s"].is_number())
    {
        return std::min(duration, app["start_s"].get<double>() + completion.get<double>());
    }
    return duration;
}

/**
 * \return the window and RTT panels' data: the rows of <app>.tcp.csv, then
 * one at the connection's end with the last cwnd, ssthresh and SRTT, so that
 * each step line runs on to that end: a row is written only when one of them
 * changes, so the last value held until then. Bytes in flight is a sample
 * taken as a row begins, not a value that holds: the last row leaves it empty.
 */
std::string
TcpData(const GnuplotFile& csv, const std::string& file, double end)
{
    double last = 0;
    auto rows = CsvRows(csv.text, file, 5);
    std::ostringstream data;
    data << "# time_s,cwnd_bytes,ssthresh_bytes,srtt_s,bytes_in_flight: the rows of " << csv.name.substr(3)
         << ", then one at the connection's end (" << DataNumber(end) << " s) with the last values\n";
    for (const auto& row : rows)
    {
        last = CellNumber(row[0], file);
        data << row[0] << "," << row[1] << "," << row[2] << "," << row[3] << "," << row[4] << "\n";
    }
    if (!rows.empty() && end > last)
    {
        const auto& row = rows.back();
        data << DataNumber(end) << "," << row[1] << "," << row[2] << "," << row[3] << ",\n";
    }
    return data.str();
}

/** One panel: a y label, the data it draws, whether that holds no row, and the plot command. */
struct Panel
{
    std::string ylabel;
    GnuplotFile data;
    bool empty = false;
    std::string plot;
};

std::vector<Panel>
PanelsFor(const Json& summary, const Json& app, const fs::path& dir)
{
    std::string name = app.at("name");
    std::string type = app.at("type");
    double duration = summary.value("duration_s", 10.0);
    std::string what = type == "udp-client" ? "sent" : type == "tcp-client" ? "acknowledged" : "received";
    GnuplotFile throughput = Series(dir, name, "throughput");
    std::string file = (dir / (name + ".throughput.csv")).string();
    std::string note;
    std::string rates = ThroughputData(throughput, file, duration, note);
    std::vector<Panel> panels{{"throughput (Mbit/s)",
                               {GnuplotFile::kData, "throughput_dat", name + ".throughput.dat", rates},
                               NoRows(throughput.text),
                               "plot throughput_dat using 1:($2) with steps lw 2 title " +
                                   GnuplotString(what + " per bin" + note)}};
    if (type == "tcp-client")
    {
        GnuplotFile csv = Series(dir, name, "tcp");
        GnuplotFile tcp{GnuplotFile::kData, "tcp_dat", name + ".tcp.dat",
                        TcpData(csv, (dir / (name + ".tcp.csv")).string(), ConnectionEnd(app, duration))};
        panels.push_back({"window (KB)", tcp, NoRows(csv.text),
                          "plot tcp_dat using 1:($2/1e3) with steps lw 2 title 'cwnd', "
                          "tcp_dat using 1:($3/1e3) with steps title 'ssthresh', "
                          "tcp_dat using 1:($5/1e3) with steps title 'bytes in flight'"});
        panels.push_back({"RTT (ms)", tcp, NoRows(csv.text),
                          "plot tcp_dat using 1:($4*1e3) with steps lw 2 title 'smoothed RTT (SRTT)'"});
    }
    if (type == "udp-server")
    {
        GnuplotFile latency = Series(dir, name, "latency");
        panels.push_back({"one-way latency (ms)", latency, NoRows(latency.text),
                          "plot latency_csv skip 1 using 4:($5*1e3) with points pt 7 ps 0.4 "
                          "title 'per datagram (at arrival)'"});
    }
    return panels;
}

/**
 * \return the gnuplot lines of one panel. A series without rows (a server
 * that received nothing) is an empty panel saying so: gnuplot refuses to
 * plot no points at all.
 */
std::string
PanelScript(const Panel& panel)
{
    std::string head = "set ylabel " + GnuplotString(panel.ylabel) + "\n";
    if (!panel.empty)
    {
        return head + panel.plot + "\n";
    }
    return head + "set label 1 'no data' at graph 0.5,0.5 center\nset yrange [0:1]\nplot 1/0 notitle\n"
                  "unset label 1\nset yrange [0:*]\n";
}

/** \return the figure of one app: DIR/plots/<app>.png, .svg, .gp. */
GnuplotFigure
FigureOf(const Json& summary, const Json& app, const fs::path& dir)
{
    std::vector<Panel> panels = PanelsFor(summary, app, dir);
    std::string name = app.at("name");
    std::string title = name + " (" + app.at("type").get<std::string>() + " on " + app.at("node").get<std::string>() +
                        ") - " + summary.value("scenario", "") + ", seed " +
                        std::to_string(summary.value("seed", 1LL)) + ", run " + std::to_string(summary.value("run", 1LL));
    GnuplotFigure figure{(dir / "plots").string(), name + ".gp", "", {}};
    std::ostringstream body;
    body << "set multiplot layout " << panels.size() << ",1 title " << GnuplotString(title) << "\n";
    for (const auto& panel : panels)
    {
        body << PanelScript(panel);
        if (figure.files.empty() || figure.files.back().variable != panel.data.variable)
        {
            figure.files.push_back(panel.data);
        }
    }
    body << "unset multiplot\n";
    std::ostringstream script;
    script << "set datafile separator ','\nset grid\nset key top right\nset xlabel 'time (s)'\n"
           << "set xrange [0:" << summary.value("duration_s", 10.0) << "]\nset yrange [0:*]\n";
    int height = 300 * static_cast<int>(panels.size()) + 60;
    for (std::string ext : {"png", "svg"})
    {
        script << "set terminal " << (ext == "png" ? "pngcairo" : "svg dynamic") << " size 1000," << height
               << " font 'sans,10'\nset output " << ext << "_file\n"
               << body.str();
        figure.files.push_back({GnuplotFile::kImage, ext + "_file", name + "." + ext, ""});
    }
    figure.commands = script.str();
    return figure;
}

/**
 * A fresh folder only this process can use, in the system's temporary folder
 * (sticky: nobody else can rename it or put a link in its place, as anyone who
 * may write to a shared results folder could), removed with what it holds.
 */
class PrivateFolder
{
  public:
    PrivateFolder()
    {
        std::string pattern = (fs::temp_directory_path() / "nslab-gnuplot-XXXXXX").string();
        if (!mkdtemp(pattern.data()))
        {
            throw WriteError("cannot create a folder for gnuplot in " + fs::temp_directory_path().string() + ": " +
                             std::strerror(errno));
        }
        m_path = pattern;
    }
    ~PrivateFolder()
    {
        std::error_code ignored;
        fs::remove_all(m_path, ignored); // removes links, never follows them
    }
    PrivateFolder(const PrivateFolder&) = delete;
    PrivateFolder& operator=(const PrivateFolder&) = delete;
    const fs::path& Path() const { return m_path; }

  private:
    fs::path m_path;
};

/** \return the script with its files named by NAME (the kept one) or by fixed names (the one gnuplot runs). */
std::string
ScriptText(const GnuplotFigure& figure, bool fixedNames)
{
    std::string text = "# Drawn by nslab. To redraw the figure, run gnuplot on this script in its folder.\n";
    for (const auto& file : figure.files)
    {
        text += file.variable + " = " + GnuplotString(fixedNames ? file.variable : file.name) + "\n";
    }
    return text + figure.commands;
}

} // namespace

std::string
GnuplotString(const std::string& text)
{
    std::string out = "'";
    for (char c : text)
    {
        if (c == '\'')
        {
            out += "''";
        }
        else if (!HasControlCharacter(std::string(1, c)))
        {
            out += c;
        }
    }
    return out + "'";
}

std::vector<std::string>
DrawFigure(const GnuplotFigure& figure)
{
    fs::path dir(figure.dir);
    for (const auto& file : figure.files)
    {
        if (HasControlCharacter(file.name))
        {
            throw PathError((dir / file.name).string() + ": a file name with a control character cannot be drawn");
        }
    }
    if (!dir.empty())
    {
        // The figure's folder itself is made without following a link planted in its place.
        fs::path parent = dir.has_parent_path() ? dir.parent_path() : fs::path(".");
        fs::create_directories(parent);
        CreateFoldersBelow(parent.string(), dir.filename().string());
    }
    for (const auto& file : figure.files)
    {
        if (file.kind == GnuplotFile::kData)
        {
            WriteFileAtomically((dir / file.name).string(), file.text);
        }
    }
    fs::path script = dir / figure.script;
    WriteFileAtomically(script.string(), ScriptText(figure, false));
    PrivateFolder work;
    std::vector<std::string> images;
    for (const auto& file : figure.files)
    {
        if (file.kind == GnuplotFile::kImage)
        {
            images.push_back((dir / file.name).string());
        }
        else
        {
            WriteFileAtomically((work.Path() / file.variable).string(), file.text);
        }
    }
    WriteFileAtomically((work.Path() / "plot.gp").string(), ScriptText(figure, true));
    // gnuplot's chatter (e.g. "no valid points" for an ssthresh never set)
    // is shown only when it fails.
    ProgramResult result = RunProgramIn(work.Path().string(), {"gnuplot", "plot.gp"});
    if (result.status != 0)
    {
        for (const auto& image : images)
        {
            ::unlink(image.c_str()); // an old figure is not left beside a new script
        }
        throw std::runtime_error("gnuplot failed on " + script.string() +
                                 (result.status == 127 ? " (is gnuplot installed?)" : "") +
                                 (result.output.empty() ? "" : ":\n" + result.output));
    }
    for (const auto& file : figure.files)
    {
        if (file.kind == GnuplotFile::kImage)
        {
            // Copied, not renamed: the temporary folder may be on another file system.
            std::string error;
            std::string image = ReadText((work.Path() / file.variable).string(), error);
            if (!error.empty())
            {
                throw WriteError("gnuplot drew no " + (dir / file.name).string() + ": " + error);
            }
            WriteFileAtomically((dir / file.name).string(), image);
        }
    }
    return images;
}

Json
ReadJsonFile(const std::string& file, std::string& error)
{
    std::string text = ReadText(file, error);
    if (!error.empty())
    {
        return nullptr;
    }
    // The parser keeps its own stack, but deep documents still cost every
    // recursive reader later (and flattening them): refused while parsing.
    // So are documents of more values than nslab writes (each costs tens of
    // bytes in memory: 60 MB of zeros took 1.6 GB).
    struct TooDeep
    {
    };
    struct TooMany
    {
    };
    size_t values = 0;
    auto limit = [&values](int depth, Json::parse_event_t event, Json&) {
        if (depth > kMaxJsonDepth)
        {
            throw TooDeep{};
        }
        if (event == Json::parse_event_t::value && ++values > kMaxJsonValues)
        {
            throw TooMany{};
        }
        return true;
    };
    try
    {
        Json json = Json::parse(text, limit, false);
        error = json.is_discarded() ? "not JSON" : "";
        return json.is_discarded() ? Json(nullptr) : json;
    }
    catch (const TooDeep&)
    {
        error = "nested deeper than " + std::to_string(kMaxJsonDepth) + " levels";
        return nullptr;
    }
    catch (const TooMany&)
    {
        error = "more than " + std::to_string(kMaxJsonValues) + " values";
        return nullptr;
    }
}

std::vector<std::string>
PlotResults(const std::string& dirName)
{
    fs::path dir(dirName);
    Json summary = ReadSummary(dir);
    std::vector<GnuplotFigure> figures;
    for (const auto& app : summary["apps"])
    {
        figures.push_back(FigureOf(summary, app, dir)); // every input checked before any file is written
    }
    std::vector<std::string> written;
    for (const auto& figure : figures)
    {
        std::vector<std::string> images = DrawFigure(figure);
        written.insert(written.end(), images.begin(), images.end());
    }
    return written;
}

} // namespace nslab
