// A time-sequence (Stevens) graph and throughput over time of one TCP
// connection, drawn by gnuplot from data files written next to the images
// (as analysis/plot.cc draws a run's time series).
#include "trace.h"

#include "io.h"
#include "plot.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

namespace nslab::trace
{

namespace
{

namespace fs = std::filesystem;

constexpr double kBin = 0.1; //!< throughput bin (s)

/** The side that sent more payload is the one the graph follows. */
bool
DataFromA(const std::vector<SegmentEvent>& segments)
{
    uint64_t a = 0, b = 0;
    for (const auto& e : segments)
    {
        (e.fromA ? a : b) += e.length;
    }
    return a >= b;
}

/** The three data files of a graph, and the time of the first segment (the x origin). */
struct Data
{
    std::string data, acks, rate;
    double t0 = 0;
};

Data
DataOf(const std::vector<SegmentEvent>& segments, bool fromA)
{
    std::ostringstream data, acks, rate;
    data << "# time_s seq_start seq_end resent(0/1)\n";
    acks << "# time_s ack ack_plus_window\n";
    rate << "# bin_start_s sent_Mbps acked_Mbps\n";
    double t0 = segments.empty() ? 0 : segments.front().time;
    std::vector<double> sent, acked;
    uint32_t lastAck = 0;
    const uint32_t resend = kRetransmission | kFastRetransmission | kSpuriousRetransmission;
    for (const auto& e : segments)
    {
        double t = e.time - t0;
        size_t bin = static_cast<size_t>(std::max(0.0, t) / kBin);
        if (bin >= sent.size() && bin < 10'000'000)
        {
            sent.resize(bin + 1, 0);
            acked.resize(bin + 1, 0);
        }
        if (e.fromA == fromA && e.length && bin < sent.size())
        {
            data << t << " " << e.seq << " " << e.seq + e.length << " " << ((e.analysis & resend) ? 1 : 0) << "\n";
            sent[bin] += e.length;
        }
        else if (e.fromA != fromA && (e.tcpFlags & 0x10) && bin < sent.size())
        {
            acks << t << " " << e.ack << " " << uint64_t(e.ack) + e.window << "\n";
            if (e.ack > lastAck && lastAck)
            {
                acked[bin] += e.ack - lastAck;
            }
            lastAck = std::max(lastAck, e.ack);
        }
    }
    for (size_t i = 0; i < sent.size(); ++i)
    {
        rate << i * kBin << " " << sent[i] * 8 / kBin / 1e6 << " " << acked[i] * 8 / kBin / 1e6 << "\n";
    }
    return {data.str(), acks.str(), rate.str(), t0};
}

/** \return the gnuplot commands; files are named by the variables data_file, ack_file, rate_file, png_file, svg_file. */
std::string
Commands(const Flow& flow, bool fromA, double t0)
{
    std::string title = "TCP flow " + std::to_string(flow.index) + ": " +
                        (fromA ? flow.a.ToString() + " -> " + flow.b.ToString()
                               : flow.b.ToString() + " -> " + flow.a.ToString()) +
                        ", from its first segment at " + std::to_string(t0) + " s";
    std::string body =
        "set multiplot layout 2,1 title " + GnuplotString(title) +
        "\nset ylabel 'relative sequence number'\n"
        "plot data_file using 1:2:(0):($3-$2) with vectors nohead lc rgb 'black' title 'data sent', "
        "data_file using 1:($4 > 0 ? $3 : 1/0) with points pt 6 ps 0.8 lc rgb 'red' title 'resent', "
        "ack_file using 1:2 with steps lc rgb 'dark-green' title 'ACK', "
        "ack_file using 1:3 with steps lc rgb 'gold' title 'ACK + window'\n"
        "set ylabel 'Mbit/s'\nplot rate_file using 1:2 with steps lw 2 title 'sent per 100 ms', "
        "rate_file using 1:3 with steps title 'acknowledged per 100 ms'\nunset multiplot\n";
    std::string script = "set grid\nset key top left\n"
                         "set xlabel 'time since the first segment (s)'\nset xrange [0:*]\nset yrange [0:*]\n";
    for (std::string ext : {"png", "svg"})
    {
        script += "set terminal " + std::string(ext == "png" ? "pngcairo" : "svg dynamic") +
                  " size 1000,760 font 'sans,10'\nset output " + ext + "_file\n" + body;
    }
    return script;
}

} // namespace

bool
CarriesData(const std::vector<SegmentEvent>& segments)
{
    return std::any_of(segments.begin(), segments.end(), [](const SegmentEvent& e) { return e.length > 0; });
}

std::vector<std::string>
PlotFlow(const Flow& flow, const std::vector<SegmentEvent>& segments, const std::string& base)
{
    if (!CarriesData(segments))
    {
        throw TraceInputError("TCP flow " + std::to_string(flow.index) + " carried no data: nothing to plot");
    }
    bool fromA = DataFromA(segments);
    Data data = DataOf(segments, fromA);
    fs::path path(base);
    std::string name = path.filename().string();
    GnuplotFigure figure{path.parent_path().string(), name + ".gp",
                         Commands(flow, fromA, data.t0), {}};
    figure.files = {{GnuplotFile::kData, "data_file", name + ".data.dat", data.data},
                    {GnuplotFile::kData, "ack_file", name + ".ack.dat", data.acks},
                    {GnuplotFile::kData, "rate_file", name + ".rate.dat", data.rate},
                    {GnuplotFile::kImage, "png_file", name + ".png", ""},
                    {GnuplotFile::kImage, "svg_file", name + ".svg", ""}};
    return DrawFigure(figure);
}

} // namespace nslab::trace
