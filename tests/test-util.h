// Helpers shared by the tests that run the nslab binary and read its results.
#ifndef NSLAB_TEST_UTIL_H
#define NSLAB_TEST_UTIL_H

#include <nlohmann/json.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <fstream>
#include <sstream>
#include <string>
#include <sys/wait.h>

namespace nslab::test
{

struct Outcome
{
    int status = -1;
    std::string out;
    std::string err;
};

inline std::string
Slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/** A fresh folder under the system temp dir, removed with the object. */
class TempDir
{
  public:
    TempDir()
    {
        std::string pattern = (std::filesystem::temp_directory_path() / "nslab-test-XXXXXX").string();
        m_path = mkdtemp(pattern.data());
    }
    ~TempDir() { std::filesystem::remove_all(m_path); }
    std::string operator/(const std::string& name) const { return m_path + "/" + name; }
    const std::string& Path() const { return m_path; }

  private:
    std::string m_path;
};

/** Run a shell command; capture stdout and stderr separately. */
inline Outcome
Shell(const std::string& command)
{
    TempDir tmp;
    std::string full = command + " >" + (tmp / "out") + " 2>" + (tmp / "err") + " </dev/null";
    int raw = std::system(full.c_str());
    Outcome o;
    o.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    o.out = Slurp(tmp / "out");
    o.err = Slurp(tmp / "err");
    return o;
}

/** Run the nslab binary with arguments (already shell-quoted where needed). */
inline Outcome
Nslab(const std::string& args)
{
    return Shell(std::string(NSLAB_BIN) + " " + args);
}

inline std::string
Scenario(const std::string& name)
{
    return std::string(NSLAB_SOURCE_DIR) + "/scenarios/" + name;
}

inline nlohmann::json
ReadJson(const std::string& path)
{
    return nlohmann::json::parse(Slurp(path));
}

/** \return the app object of that name in a summary. */
inline nlohmann::json
App(const nlohmann::json& summary, const std::string& name)
{
    for (const auto& app : summary.at("apps"))
    {
        if (app.at("name") == name)
        {
            return app;
        }
    }
    throw std::runtime_error("no app " + name);
}

inline bool
HaveTshark()
{
    return std::system("command -v tshark >/dev/null 2>&1") == 0;
}

/** tshark over a pcap with nslab's Lua dissector loaded; returns stdout. */
inline std::string
Tshark(const std::string& pcap, const std::string& args)
{
    std::string lua = std::string(NSLAB_SOURCE_DIR) + "/analysis/wireshark/nslab.lua";
    return Shell("tshark -n -X lua_script:" + lua + " -r " + pcap + " " + args).out;
}

/** \return how many times `what` occurs in the text. */
inline size_t
Occurrences(const std::string& text, const std::string& what)
{
    size_t n = 0;
    for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1))
    {
        ++n;
    }
    return n;
}

/** \return the number of lines of text. */
inline size_t
Lines(const std::string& text)
{
    size_t n = 0;
    for (char c : text)
    {
        n += c == '\n';
    }
    return n;
}

/** \return the summary's counters of one direction of a link. */
inline nlohmann::json
Direction(const nlohmann::json& summary, const std::string& from, const std::string& to)
{
    for (const auto& link : summary.at("links"))
    {
        for (const auto& d : link.at("directions"))
        {
            if (d.at("from") == from && d.at("to") == to)
            {
                return d;
            }
        }
    }
    throw std::runtime_error("no direction " + from + "->" + to);
}

/** \return a direction's counters, or zeros if it is not listed: summaries list only directions that carried or dropped frames. */
inline nlohmann::json
DirectionOrIdle(const nlohmann::json& summary, const std::string& from, const std::string& to)
{
    try
    {
        return Direction(summary, from, to);
    }
    catch (const std::runtime_error&)
    {
        return {{"from", from}, {"to", to}, {"frames", 0}, {"dropped", 0}, {"duplicated", 0}};
    }
}

/** A scenario file to run where it is (its relative paths are relative to its folder). */
struct FromFile
{
    std::string path;
};

/** Runs scenario text (or a file) into a temporary folder; quiet = false keeps the text summary on stdout. */
struct Results
{
    explicit Results(const std::string& scenarioText, const std::string& args = "", bool quiet = true)
    {
        std::ofstream(dir / "scenario-in.ini") << scenarioText;
        Run(dir / "scenario-in.ini", args, quiet);
    }
    explicit Results(const FromFile& file, const std::string& args = "", bool quiet = true)
    {
        Run(file.path, args, quiet);
    }
    void Run(const std::string& file, const std::string& args, bool quiet)
    {
        outcome = Nslab("run " + file + (quiet ? " --quiet" : "") + " --out " + (dir / "out") + " " + args);
        if (outcome.status == 0)
        {
            summary = ReadJson(dir / "out/summary.json");
        }
    }
    std::string Out(const std::string& file) const { return dir / ("out/" + file); }

    TempDir dir;
    Outcome outcome;
    nlohmann::json summary;
};

/** \return the mean throughput (bit/s) of an app's series (APP.throughput.csv) over [from, to) seconds. */
inline double
MeanThroughput(const std::string& csv, double from, double to)
{
    std::istringstream lines(Slurp(csv));
    std::string line;
    std::getline(lines, line); // header
    double sum = 0;
    int n = 0;
    while (std::getline(lines, line))
    {
        double t = std::stod(line.substr(0, line.find(',')));
        if (t >= from - 1e-9 && t < to - 1e-9)
        {
            sum += std::stod(line.substr(line.rfind(',') + 1));
            ++n;
        }
    }
    return n ? sum / n : 0;
}

/** \return the rows of tshark fields (comma-separated) of the frames that match a filter. */
inline std::vector<std::vector<std::string>>
Fields(const std::string& pcap, const std::string& filter, const std::string& fields)
{
    std::string out = Tshark(pcap, "-Y '" + filter + "' -T fields -E separator=, " + fields);
    std::vector<std::vector<std::string>> rows;
    std::istringstream lines(out);
    for (std::string line; std::getline(lines, line);)
    {
        std::vector<std::string> row;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');)
        {
            row.push_back(cell);
        }
        rows.push_back(row);
    }
    return rows;
}

} // namespace nslab::test

#endif
