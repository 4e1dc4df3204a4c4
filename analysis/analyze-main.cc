// nslab-analyze: explain any pcap (flows, TCP expert analysis, UDP loss,
// fragments, ladder diagrams, time-sequence plots). `nslab analyze` runs this
// program; it does not need ns-3.
#include "io.h"
#include "trace.h"

#include <boost/program_options.hpp>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <set>

namespace po = boost::program_options;
namespace fs = std::filesystem;
using Json = nlohmann::json;
using namespace nslab::trace;

namespace
{

constexpr int kBadInput = 2;

/** Bad command-line usage: exit status 2. */
struct UsageError : std::runtime_error
{
    using std::runtime_error::runtime_error;
};

const char* kExample = R"(
Reads Ethernet, PPP, raw-IP, Linux cooked and 802.11/radiotap captures (nslab's
or anyone's) and prints: the flow table; per TCP direction tshark's
tcp.analysis flags (retransmissions, fast and spurious ones, out-of-order,
duplicate ACKs, zero windows, ...), initial RTT, ACK RTT samples and MSS;
UDP loss, duplicates, reordering and latency from nslab's header; IP
datagrams sent in fragments and which of them lost one. docs/analyze.md
explains every number.

examples:
  nslab analyze results/tcp-vs-udp/alice-eth0.pcap
  nslab analyze results/tcp-vs-udp/alice-eth0.pcap --ladder --rows 40
  nslab analyze alice-ppp0.pcap bob-ppp0.pcap --lost --ladder 1
  nslab analyze trace.pcap --plot :5000 --out /tmp/plots --json
)";

struct Options
{
    std::vector<std::string> pcaps;
    bool json = false, lost = false, ladder = false, plot = false;
    std::string ladderFlow, plotFlow, out;
    size_t rows = 60;
};

Options
ParseOptions(int argc, char** argv, po::options_description& visible)
{
    visible.add_options()("help,h", "show this help")("json", "print every table as JSON instead of text")(
        "lost", "with two captures of one link (its two ends): frames only one of them holds")(
        "ladder", po::value<std::string>()->implicit_value(""),
        "ladder diagram of a TCP flow (its # in the flow table, or an endpoint like 10.0.1.1:49153 or :5000; "
        "default: the biggest), on the terminal and as SVG")(
        "plot", po::value<std::string>()->implicit_value(""),
        "time-sequence graph and throughput of a TCP flow (chosen as for --ladder), PNG and SVG with gnuplot")(
        "rows", po::value<long long>()->default_value(60), "segments in a ladder diagram (0: all)")(
        "out,o", po::value<std::string>(), "folder for SVG and plot files (default: each capture's folder)");
    po::options_description all;
    all.add(visible).add_options()("pcap", po::value<std::vector<std::string>>(), "capture files");
    po::positional_options_description positional;
    positional.add("pcap", -1);
    po::variables_map vm;
    try
    {
        po::store(po::command_line_parser(argc, argv).options(all).positional(positional).run(), vm);
        po::notify(vm);
    }
    catch (const po::error& e)
    {
        throw UsageError(std::string("nslab analyze: ") + e.what() + " (see 'nslab analyze --help')");
    }
    Options o;
    if (vm.count("help"))
    {
        return o;
    }
    o.pcaps = vm.count("pcap") ? vm["pcap"].as<std::vector<std::string>>() : std::vector<std::string>{};
    o.json = vm.count("json");
    o.lost = vm.count("lost");
    o.ladder = vm.count("ladder");
    o.plot = vm.count("plot");
    o.ladderFlow = o.ladder ? vm["ladder"].as<std::string>() : "";
    o.plotFlow = o.plot ? vm["plot"].as<std::string>() : "";
    // Read signed: as a size_t, -1 would pass as 18446744073709551615.
    long long rows = vm["rows"].as<long long>();
    if (rows < 0)
    {
        throw UsageError("nslab analyze: --rows must be 0 (all) or more, got " + std::to_string(rows));
    }
    o.rows = static_cast<size_t>(rows);
    o.out = vm.count("out") ? vm["out"].as<std::string>() : "";
    if (o.pcaps.empty())
    {
        throw UsageError("nslab analyze: missing PCAP (see 'nslab analyze --help')");
    }
    if (o.lost && o.pcaps.size() != 2)
    {
        throw UsageError("nslab analyze: --lost compares exactly two captures, got " + std::to_string(o.pcaps.size()));
    }
    return o;
}

/** Where a file derived from a capture goes: --out, or beside the capture. */
std::string
OutputBase(const Options& o, const std::string& pcap, uint32_t flow, const std::string& what)
{
    fs::path dir = o.out.empty() ? fs::path(pcap).parent_path() : fs::path(o.out);
    std::error_code ec;
    if (!dir.empty())
    {
        fs::create_directories(dir, ec);
    }
    if (ec)
    {
        throw UsageError("--out: cannot create folder '" + dir.string() + "': " + ec.message());
    }
    return (dir / (fs::path(pcap).stem().string() + ".flow" + std::to_string(flow) + "." + what)).string();
}

uint32_t
ChooseFlow(const TraceReport& report, const std::string& spec, const char* option)
{
    uint32_t index = SelectFlow(report, spec);
    if (!index)
    {
        throw UsageError(report.file + ": --" + option + ": " +
                         (spec.empty() ? std::string("no TCP flow in this capture") : "no TCP flow '" + spec + "'"));
    }
    return index;
}

Json
SegmentsJson(const std::vector<SegmentEvent>& segments, size_t rows)
{
    Json list = Json::array();
    for (size_t i = 0; i < segments.size() && (rows == 0 || i < rows); ++i)
    {
        const SegmentEvent& e = segments[i];
        list.push_back({{"frame", e.frame}, {"time_s", e.time}, {"from", e.fromA ? "A" : "B"},
                        {"flags", e.tcpFlags}, {"seq", e.seq}, {"ack", e.ack}, {"len", e.length},
                        {"window", e.window}, {"analysis", AnalysisNames(e.analysis)}, {"lost", e.lostOnTheWay}});
    }
    return list;
}

/** A ladder or a plot of one flow, analysed and checked but not yet drawn. */
struct Drawing
{
    bool ladder = false;
    uint32_t flow = 0;
    Trace trace;
};

/** Mark the segments that the other capture of --lost shows lost on the way. */
void
MarkLost(const std::vector<LostFrame>& lost, size_t captureIndex, Trace& trace)
{
    std::set<uint64_t> frames;
    for (const auto& l : lost)
    {
        if (l.inFirst == (captureIndex == 0))
        {
            frames.insert(l.frame);
        }
    }
    for (auto& e : trace.segments)
    {
        e.lostOnTheWay = frames.count(e.frame) > 0;
    }
}

/**
 * The ladder and/or plot asked of one capture, checked before any file is
 * written: an unusable request writes nothing.
 * \throw UsageError for no such flow, or a plot of a flow without data
 */
std::vector<Drawing>
PlanDrawings(const Options& o, const TraceReport& report, const std::vector<LostFrame>* lost, size_t captureIndex)
{
    std::vector<Drawing> drawings;
    for (bool ladder : {true, false})
    {
        if (!(ladder ? o.ladder : o.plot))
        {
            continue;
        }
        uint32_t flow = ChooseFlow(report, ladder ? o.ladderFlow : o.plotFlow, ladder ? "ladder" : "plot");
        Drawing d{ladder, flow, AnalyzeFile(report.file, TraceOptions{flow})};
        if (lost)
        {
            MarkLost(*lost, captureIndex, d.trace);
        }
        const auto& segments = d.trace.segments;
        if (!ladder && nslab::HasControlCharacter(fs::path(report.file).stem().string()))
        {
            throw UsageError(report.file + ": --plot: a capture name with a control character cannot be named in "
                             "a gnuplot script; rename the capture (or link it under another name)");
        }
        if (!ladder && !CarriesData(segments))
        {
            throw UsageError(report.file + ": --plot: TCP flow " + std::to_string(flow) + " carried no data (" +
                             std::to_string(segments.size()) + (segments.size() == 1 ? " segment" : " segments") +
                             " without payload): nothing to plot");
        }
        drawings.push_back(std::move(d));
    }
    return drawings;
}

/** Draw what PlanDrawings planned; adds to text or json. */
void
Draw(const Options& o, const std::vector<Drawing>& drawings, std::string& text, Json& json)
{
    for (const Drawing& d : drawings)
    {
        const std::string& pcap = d.trace.report.file;
        const Flow& f = d.trace.report.flows.at(d.flow - 1);
        std::vector<std::string> files;
        if (d.ladder)
        {
            std::string svg = OutputBase(o, pcap, d.flow, "ladder.svg");
            nslab::WriteFileAtomically(svg, LadderSvg(f, d.trace.segments, o.rows));
            files.push_back(svg);
            text += "\n" + LadderText(f, d.trace.segments, o.rows);
            json["ladder"] = {{"flow", d.flow}, {"segments", SegmentsJson(d.trace.segments, o.rows)}};
        }
        else
        {
            files = PlotFlow(f, d.trace.segments, OutputBase(o, pcap, d.flow, "tsg"));
        }
        for (const auto& file : files)
        {
            text += "wrote " + file + "\n";
            json["files"].push_back(file);
        }
    }
}

int
Main(int argc, char** argv)
{
    po::options_description visible("nslab analyze PCAP... [options]");
    Options o = ParseOptions(argc, argv, visible);
    if (o.pcaps.empty())
    {
        std::cout << visible << kExample;
        return 0;
    }
    std::vector<LostFrame> lost;
    std::vector<std::string> warnings;
    if (o.lost)
    {
        lost = FindLostFrames(o.pcaps[0], o.pcaps[1], &warnings);
        // Captures of one nslab run: its drops.csv says why each frame was dropped.
        auto folder = std::filesystem::path(o.pcaps[0]).parent_path();
        if (folder == std::filesystem::path(o.pcaps[1]).parent_path())
        {
            ExplainLost(lost, (folder.empty() ? std::filesystem::path(".") : folder).string() + "/drops.csv");
        }
    }
    // Every capture and request is checked before the first file is written.
    std::vector<TraceReport> reports;
    std::vector<std::vector<Drawing>> drawings;
    for (size_t i = 0; i < o.pcaps.size(); ++i)
    {
        reports.push_back(AnalyzeFile(o.pcaps[i]).report);
        warnings.insert(warnings.end(), reports[i].warnings.begin(), reports[i].warnings.end());
        drawings.push_back(PlanDrawings(o, reports[i], o.lost ? &lost : nullptr, i));
    }
    Json captures = Json::array();
    std::string text;
    for (size_t i = 0; i < o.pcaps.size(); ++i)
    {
        Json capture = ReportJson(reports[i]);
        text += (i ? "\n" : "") + ReportText(reports[i]);
        Draw(o, drawings[i], text, capture);
        captures.push_back(capture);
    }
    for (const auto& warning : warnings)
    {
        std::cerr << warning << " (warning)\n";
    }
    if (o.json)
    {
        Json all = {{"captures", captures}};
        if (o.lost)
        {
            all["lost"] = LostJson(lost);
        }
        // A file name need not be UTF-8; JSON must be.
        std::cout << all.dump(2, ' ', false, Json::error_handler_t::replace) << "\n";
        return 0;
    }
    std::cout << text << (o.lost ? LostText(lost, o.pcaps[0], o.pcaps[1]) : "");
    return 0;
}

} // namespace

int
main(int argc, char** argv)
{
    try
    {
        return Main(argc, argv);
    }
    catch (const TraceInputError& e)
    {
        std::cerr << e.what() << "\n";
        return kBadInput;
    }
    catch (const UsageError& e)
    {
        std::cerr << e.what() << "\n";
        return kBadInput;
    }
    catch (const nslab::PathError& e)
    {
        std::cerr << "nslab analyze: " << e.what() << "\n";
        return kBadInput;
    }
    catch (const nslab::WriteError& e)
    {
        std::cerr << "nslab analyze: " << e.what() << "\n";
        return 1;
    }
    catch (const std::exception& e)
    {
        std::cerr << "nslab analyze: internal error: " << e.what() << "\n";
        return 1;
    }
}
