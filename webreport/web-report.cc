#include "web-report.h"

#include "io.h"
#include "page-assets.h" // generated from webreport/page/: kPageHead, kPageCss, kPageCommonJs, kPageHtml, kPageJs...
#include "trace.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <filesystem>
#include <future>
#include <map>
#include <queue>
#include <sstream>
#include <stdexcept>
#include <string_view>

namespace nslab::web
{

namespace
{

using Json = nlohmann::json;
namespace fs = std::filesystem;

constexpr char kCapturesMark[] = "NSLAB-CAPTURES";

std::string
Read(const std::string& path)
{
    std::string error;
    std::string text = ReadText(path, error);
    if (!error.empty())
    {
        throw std::runtime_error("report: cannot read " + path + ": " + error);
    }
    return text;
}

/** \return an app's throughput series (APP.throughput.csv: time_s,bytes,throughput_bps) as {"t": [...], "bps": [...]}. */
Json
Series(const std::string& path)
{
    Json t = Json::array(), bps = Json::array();
    std::istringstream lines(Read(path));
    std::string line;
    std::getline(lines, line); // header
    while (std::getline(lines, line))
    {
        size_t first = line.find(','), last = line.rfind(',');
        if (first == std::string::npos || last == first)
        {
            continue;
        }
        t.push_back(std::stod(line.substr(0, first)));
        bps.push_back(std::stod(line.substr(last + 1)));
    }
    return {{"t", t}, {"bps", bps}};
}

/** \brief The drop log the page lists: the first rows of drops.csv. */
constexpr size_t kMaxDropRows = 2000;

/** \return drops.csv's first kMaxDropRows rows as arrays of fields, and how many rows it has. */
Json
DropLog(const std::string& path)
{
    Json rows = Json::array();
    size_t total = 0;
    if (fs::is_regular_file(fs::symlink_status(path)))
    {
        std::istringstream lines(Read(path));
        std::string line;
        std::getline(lines, line); // header
        while (std::getline(lines, line))
        {
            if (++total > kMaxDropRows)
            {
                continue;
            }
            rows.push_back(CsvCells(line));
        }
    }
    return {{"rows", rows}, {"total", total}};
}

/** \return JSON text safe inside <script>: every '<' escaped, so that no "</script>" in a string ends it. */
std::string
ScriptSafe(std::string json)
{
    for (size_t at = json.find('<'); at != std::string::npos; at = json.find('<', at))
    {
        json.replace(at, 1, "\\u003c");
    }
    return json;
}

/** \brief Numbers the distinct addresses of a capture, in the order met, and words each once. */
class AddressTable
{
  public:
    /** \brief The caller's last address and its number: most packets repeat it. */
    struct Memo
    {
        trace::Address address;
        size_t number = SIZE_MAX;
    };

    /** \return the number of a packet's address */
    size_t Of(const trace::Address& a, Memo& memo)
    {
        if (memo.number == SIZE_MAX || !(memo.address == a))
        {
            auto [it, added] = m_index.emplace(std::make_pair(a.family, a.bytes), m_words.size());
            if (added)
            {
                m_words.push_back(a.ToString());
            }
            memo = {a, it->second};
        }
        return memo.number;
    }
    const std::vector<std::string>& Words() const { return m_words; }

  private:
    std::map<std::pair<uint8_t, std::array<uint8_t, 16>>, size_t> m_index;
    std::vector<std::string> m_words;
};

/**
 * \brief One capture's packets as the page holds them: a JSON object of
 * where it is, parallel arrays of numbers (one per field, written as each
 * packet is read: no packet is kept) and its addresses; the page words them.
 */
class CaptureText
{
  public:
    CaptureText(size_t link, const std::string& node, const std::string& iface)
        : m_head(ScriptSafe(Json{{"link", link}, {"node", node}, {"iface", iface}}.dump()))
    {
        m_head.pop_back(); // the object goes on
    }

    void Add(const trace::CapturedPacket& p)
    {
        int64_t values[kFields] = {p.timeNs / 1000, // microseconds: exact in JavaScript
                                   int64_t(p.hash & ((uint64_t{1} << 52) - 1)),
                                   p.size,
                                   p.protocol,
                                   int64_t(m_addresses.Of(p.src, m_lastSrc)),
                                   int64_t(m_addresses.Of(p.dst, m_lastDst)),
                                   p.srcPort,
                                   p.dstPort,
                                   p.seq,
                                   p.ack,
                                   p.length,
                                   p.tcpFlags,
                                   p.nslabSeq,
                                   p.fragmentOffset};
        for (size_t f = 0; f < kFields; ++f)
        {
            char digits[kWidth] = {','};
            char* end = std::to_chars(digits + 1, digits + kWidth, values[f]).ptr;
            size_t first = m_columns[f].empty() ? 1 : 0; // no comma before the first
            m_columns[f].append(digits + first, end - digits - first);
        }
    }

    /** \brief Move its JSON object (safe inside <script>), in pieces, to the end of out. */
    void MoveTo(std::vector<std::string>& out)
    {
        out.push_back(std::move(m_head));
        for (size_t f = 0; f < kFields; ++f)
        {
            out.push_back(std::string(",\"") + kNames[f] + "\":[");
            out.push_back(std::move(m_columns[f]));
            out.emplace_back("]");
        }
        out.push_back(",\"addresses\":" + ScriptSafe(Json(m_addresses.Words()).dump()) + "}");
    }

  private:
    static constexpr size_t kFields = 14;
    static constexpr size_t kWidth = 21; //!< a comma and any 64-bit integer
    static constexpr const char* kNames[kFields] = {"t",   "h",     "size", "proto", "src", "dst",   "sport",
                                                    "dport", "seq", "ack", "len", "flags", "nseq", "frag"};
    std::string m_head;
    std::array<std::string, kFields> m_columns;
    AddressTable m_addresses;
    AddressTable::Memo m_lastSrc, m_lastDst;
};

/**
 * \brief Write a page (atomically): the shared head (its title, the style),
 * the page's template, its data (JSON safe inside <script>, in pieces) and the
 * shared script then the page's, each piece written once in template order,
 * never copied into one string.
 */
void
WritePage(const std::string& path, const std::string& html, const std::string& title,
          const std::vector<std::string_view>& data, const char* js)
{
    std::string head = kPageHead;
    for (const auto& [mark, value] :
         {std::pair<std::string, std::string>{"NSLAB-TITLE", title.find_first_of("<&") == std::string::npos ? title : "nslab"},
          {"/*NSLAB-CSS*/", kPageCss}})
    {
        head.replace(head.find(mark), mark.size(), value);
    }
    std::string_view template_(html);
    std::vector<std::pair<std::string_view, std::vector<std::string_view>>> parts{
        {"NSLAB-HEAD", {head}}, {"NSLAB-DATA", data}, {"/*NSLAB-JS*/", {kPageCommonJs, js}}};
    std::vector<std::string_view> page;
    size_t from = 0;
    for (const auto& [placeholder, pieces] : parts)
    {
        size_t where = template_.find(placeholder, from);
        if (where == std::string::npos)
        {
            throw std::logic_error("page template lacks " + std::string(placeholder));
        }
        page.push_back(template_.substr(from, where - from));
        page.insert(page.end(), pieces.begin(), pieces.end());
        from = where + placeholder.size();
    }
    page.push_back(template_.substr(from));
    WriteFileAtomically(path, page);
}

/** \return the SVG figures nslab sweep --plot drew (DIR/plots/NAME.svg), without their XML prologue. */
Json
ModelPlots(const std::string& dir)
{
    Json plots = Json::array();
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(fs::path(dir) / "plots", ec))
    {
        if (entry.path().extension() == ".svg" && fs::is_regular_file(fs::symlink_status(entry.path())))
        {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files)
    {
        std::string svg = Read(file.string());
        size_t start = svg.find("<svg");
        if (start != std::string::npos)
        {
            plots.push_back({{"name", file.stem().string()}, {"svg", svg.substr(start)}});
        }
    }
    return plots;
}

/** \return per "<app>.<metric>", each finished run's value: [combination, value, run number]. */
Json
RunPoints(const std::string& dir, const Json& sweep)
{
    Json points = Json::object();
    const Json& combinations = sweep.at("combinations");
    for (size_t c = 0; c < combinations.size(); ++c)
    {
        for (const auto& run : combinations[c].at("finished_runs"))
        {
            std::string file = dir + "/" + combinations[c].at("folder").get<std::string>() + "/run-" +
                               std::to_string(run.get<int>()) + "/summary.json";
            if (!fs::is_regular_file(fs::symlink_status(file)))
            {
                continue;
            }
            Json summary = Json::parse(Read(file), nullptr, false);
            if (summary.is_discarded() || !summary.contains("apps"))
            {
                continue;
            }
            for (const auto& app : summary.at("apps"))
            {
                for (const auto& [key, value] : app.items())
                {
                    if (value.is_number() && combinations[c].at("metrics").contains(app.value("name", "") + "." + key))
                    {
                        points[app.value("name", "") + "." + key].push_back({c, value, run});
                    }
                }
            }
        }
    }
    return points;
}

} // namespace

void
WriteSweepReport(const std::string& dir)
{
    Json sweep = Json::parse(Read(dir + "/sweep.json"));
    Json data{{"plan", Json::parse(Read(dir + "/plan.json"))},
              {"sweep", sweep},
              {"points", RunPoints(dir, sweep)},
              {"model_plots", ModelPlots(dir)}};
    std::string text = ScriptSafe(data.dump());
    WritePage(dir + "/sweep.html", kSweepHtml, sweep.value("name", "nslab") + ": nslab sweep", {text}, kSweepJs);
}

StepFrames
ReadStepFrames(const std::string& dir, const Json& topology)
{
    // The window: the earliest kMaxStepFrames packets of all captures together,
    // read in time order (a k-way merge), so that a big run costs no more than a small one.
    std::vector<std::string> paths;
    std::vector<trace::PacketReader> readers; // each read only as far as the window goes
    std::vector<CaptureText> texts;
    const Json& links = topology.at("links");
    for (size_t l = 0; l < links.size(); ++l)
    {
        for (const auto& member : links[l].at("members"))
        {
            std::string node = member.at("node"), iface = member.at("iface");
            std::string path = dir + "/" + node + "-" + iface + ".pcap";
            if (fs::is_regular_file(fs::symlink_status(path)))
            {
                readers.emplace_back(path);
                texts.emplace_back(l, node, iface);
                paths.push_back(path);
            }
        }
    }
    using Head = std::pair<int64_t, size_t>; // time, capture
    std::priority_queue<Head, std::vector<Head>, std::greater<Head>> heads;
    std::vector<trace::CapturedPacket> next(readers.size());
    for (size_t c = 0; c < readers.size(); ++c)
    {
        if (readers[c].Next(next[c]))
        {
            heads.emplace(next[c].timeNs, c);
        }
    }
    StepFrames frames;
    for (; !heads.empty() && frames.kept < kMaxStepFrames; ++frames.kept)
    {
        size_t c = heads.top().second;
        heads.pop();
        texts[c].Add(next[c]);
        if (readers[c].Next(next[c]))
        {
            heads.emplace(next[c].timeNs, c);
        }
    }
    frames.complete = heads.empty();
    frames.json.emplace_back("[");
    for (size_t c = 0; c < readers.size(); ++c)
    {
        if (!readers[c].Error().empty())
        {
            frames.warnings.push_back(paths[c] + ": " + readers[c].Error());
        }
        if (c > 0)
        {
            frames.json.emplace_back(",");
        }
        texts[c].MoveTo(frames.json);
    }
    frames.json.emplace_back("]");
    return frames;
}

void
WriteRunReport(const std::string& dir, const Json& topology, std::future<StepFrames> reading)
{
    Json summary = Json::parse(Read(dir + "/summary.json"));
    Json series = Json::object();
    for (const auto& app : summary.at("apps"))
    {
        std::string name = app.at("name");
        std::string csv = dir + "/" + name + ".throughput.csv";
        if (fs::is_regular_file(fs::symlink_status(csv)))
        {
            series[name] = Series(csv);
        }
    }
    Json data{{"summary", summary},
              {"topology", topology},
              {"series", series},
              {"captures", kCapturesMark}, // with frames_kept, frames_complete and warnings, once read
              {"drop_log", DropLog(dir + "/drops.csv")}};
    std::string text = ScriptSafe(data.dump());
    std::string mark = "\"" + std::string(kCapturesMark) + "\"";
    size_t at = text.find(mark);
    if (at == std::string::npos)
    {
        throw std::logic_error("report data lacks the captures");
    }
    StepFrames frames = reading.get();
    std::string more = ScriptSafe(Json{{"frames_kept", frames.kept},
                                       {"frames_complete", frames.complete},
                                       {"warnings", frames.warnings}}.dump());
    more.front() = ','; // the keys go on in the data's object
    more.pop_back();
    std::vector<std::string_view> pieces{std::string_view(text).substr(0, at)};
    pieces.insert(pieces.end(), frames.json.begin(), frames.json.end());
    pieces.insert(pieces.end(), {more, std::string_view(text).substr(at + mark.size())});
    WritePage(dir + "/report.html", kPageHtml, summary.value("scenario", "nslab") + ": nslab report", pieces, kPageJs);
}

} // namespace nslab::web
