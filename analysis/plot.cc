#include "io.h"
#include "plot.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

namespace nslab
{

namespace
{

namespace fs = std::filesystem;
using Json = nlohmann::json;

Json
ReadSummary(const fs::path& dir)
{
    std::ifstream in(dir / "summary.json");
    if (!in)
    {
        throw PlotInputError(dir.string() + ": not a results folder (no summary.json)");
    }
    Json summary = Json::parse(in, nullptr, false);
    if (summary.is_discarded() || !summary.contains("apps") || !summary["apps"].is_array())
    {
        throw PlotInputError((dir / "summary.json").string() + ": not an nslab summary");
    }
    return summary;
}


/** One panel: a y label, the CSV series it draws and the plot command. */
struct Panel
{
    std::string ylabel;
    fs::path csv;
    std::string plot;
};

/** \return true if a CSV series holds no row under its header (an app that saw nothing). */
bool
NoRows(const fs::path& csv)
{
    std::ifstream in(csv);
    std::string line;
    return !std::getline(in, line) || !std::getline(in, line);
}

std::vector<Panel>
PanelsFor(const Json& app, const fs::path& dir)
{
    std::string name = app.at("name");
    std::string type = app.at("type");
    auto csv = [&](const std::string& kind) {
        fs::path file = dir / (name + "." + kind + ".csv");
        if (!fs::exists(file))
        {
            throw PlotInputError(file.string() + ": missing (run the scenario again with this nslab)");
        }
        return file;
    };
    std::string what = type == "udp-client" ? "sent" : type == "tcp-client" ? "acknowledged" : "received";
    fs::path rate = csv("throughput");
    std::vector<Panel> panels{{"throughput (Mbit/s)", rate,
                               "plot " + Quote(rate.string()) + " skip 1 using 1:($3/1e6) with steps lw 2 title " +
                                   Quote(what + " per bin")}};
    if (type == "tcp-client")
    {
        fs::path file = csv("tcp");
        std::string tcp = Quote(file.string());
        panels.push_back({"window (KB)", file,
                          "plot " + tcp + " skip 1 using 1:($2/1e3) with steps lw 2 title \"cwnd\", " + tcp +
                              " skip 1 using 1:($3/1e3) with steps title \"ssthresh\", " + tcp +
                              " skip 1 using 1:($5/1e3) with steps title \"bytes in flight\""});
        panels.push_back({"RTT (ms)", file,
                          "plot " + tcp + " skip 1 using 1:($4*1e3) with steps lw 2 title \"smoothed RTT (SRTT)\""});
    }
    if (type == "udp-server")
    {
        fs::path file = csv("latency");
        panels.push_back({"one-way latency (ms)", file,
                          "plot " + Quote(file.string()) +
                              " skip 1 using 4:($5*1e3) with points pt 7 ps 0.4 title \"per datagram (at arrival)\""});
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
    std::string head = "set ylabel " + Quote(panel.ylabel) + "\n";
    if (!NoRows(panel.csv))
    {
        return head + panel.plot + "\n";
    }
    return head + "set label 1 \"no data\" at graph 0.5,0.5 center\nset yrange [0:1]\nplot 1/0 notitle\n"
                  "unset label 1\nset yrange [0:*]\n";
}

std::string
Script(const Json& summary, const Json& app, const fs::path& dir, const fs::path& out)
{
    std::vector<Panel> panels = PanelsFor(app, dir);
    std::ostringstream body;
    std::string title = app.at("name").get<std::string>() + " (" + app.at("type").get<std::string>() + " on " +
                        app.at("node").get<std::string>() + ") - " + summary.value("scenario", "") + ", seed " +
                        std::to_string(summary.value("seed", 1)) + ", run " + std::to_string(summary.value("run", 1));
    body << "set multiplot layout " << panels.size() << ",1 title " << Quote(title) << "\n";
    for (const auto& panel : panels)
    {
        body << PanelScript(panel);
    }
    body << "unset multiplot\n";
    std::ostringstream script;
    script << "# " << title << ": drawn by nslab plot from the CSV files of the run\n"
           << "set datafile separator \",\"\nset grid\nset key top right\nset xlabel \"time (s)\"\n"
           << "set xrange [0:" << summary.value("duration_s", 10.0) << "]\nset yrange [0:*]\n";
    int height = 300 * static_cast<int>(panels.size()) + 60;
    for (std::string ext : {"png", "svg"})
    {
        script << "set terminal " << (ext == "png" ? "pngcairo" : "svg dynamic") << " size 1000," << height
               << " font \"sans,10\"\nset output " << Quote((out.parent_path() / (out.stem().string() + "." + ext)).string())
               << "\n"
               << body.str();
    }
    return script.str();
}

} // namespace

std::string
Quote(const std::string& text)
{
    std::string out = "\"";
    for (char c : text)
    {
        out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
    }
    return out + "\"";
}

void
RunGnuplot(const std::string& script, const std::vector<std::string>& outputs)
{
    // gnuplot's chatter (e.g. "no valid points" for an ssthresh never set)
    // is shown only when it fails.
    std::string command = "gnuplot " + Quote(script) + " 2>&1";
    std::string output;
    FILE* pipe = popen(command.c_str(), "r");
    if (!pipe)
    {
        throw std::runtime_error("cannot run gnuplot");
    }
    char chunk[4096];
    for (size_t n; (n = fread(chunk, 1, sizeof chunk, pipe)) > 0;)
    {
        output.append(chunk, n);
    }
    int status = pclose(pipe);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
        for (const auto& file : outputs)
        {
            std::error_code ignored;
            fs::remove(file, ignored);
        }
        throw std::runtime_error("gnuplot failed on " + script +
                                 (WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " (is gnuplot installed?)" : "") +
                                 (output.empty() ? "" : ":\n" + output));
    }
}

std::vector<std::string>
PlotResults(const std::string& dirName)
{
    fs::path dir(dirName);
    Json summary = ReadSummary(dir);
    fs::create_directories(dir / "plots");
    std::vector<std::string> written;
    for (const auto& app : summary["apps"])
    {
        if (!app.contains("name") || !app.contains("type") || !app["name"].is_string())
        {
            throw PlotInputError((dir / "summary.json").string() + ": an app without name or type");
        }
        fs::path base = dir / "plots" / app["name"].get<std::string>();
        fs::path script = base.string() + ".gp";
        std::string text = Script(summary, app, dir, base); // throws before any file is written
        WriteFileAtomically(script.string(), text);
        std::vector<std::string> images{base.string() + ".png", base.string() + ".svg"};
        RunGnuplot(script, images);
        written.insert(written.end(), images.begin(), images.end());
    }
    return written;
}

} // namespace nslab
