// A time-sequence (Stevens) graph and throughput over time of one TCP
// connection, drawn by gnuplot from data files written next to the images
// (as analysis/plot.cc draws a run's time series).
#include "trace.h"

#include "io.h"
#include "plot.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>
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

/** The three data files of a graph, and the time its axis spans: the throughput bins. */
struct Data
{
    std::string data, acks, rate;
    double from = 0, to = 0;
};

/** \return the 100 ms bin a capture time falls in, counted from time 0 (as nslab's throughput series). */
int64_t
BinOf(double time)
{
    return std::llround(time * 1e9) / std::llround(kBin * 1e9);
}

/**
 * \return the data files, times as in the capture (nslab's: simulated time).
 * Throughput bins are 100 ms from time 0, as in nslab's throughput series;
 * the rate file ends with a row at the end of the last bin, which a step line
 * needs to draw that bin.
 */
Data
DataOf(const std::vector<SegmentEvent>& segments, bool fromA)
{
    std::ostringstream data, acks, rate;
    for (auto* out : {&data, &acks, &rate})
    {
        *out << std::fixed << std::setprecision(9);
    }
    data << "# time_s seq_start seq_end resent(0/1)\n";
    acks << "# time_s ack ack_plus_window\n";
    rate << "# bin_start_s sent_Mbps acked_Mbps (the last row closes the last bin)\n";
    int64_t bin0 = segments.empty() ? 0 : BinOf(segments.front().time);
    std::vector<double> sent, acked;
    uint32_t lastAck = 0, dataEnd = 0; // acknowledged data ends at the data sent: a FIN's number is no byte
    const uint32_t resend = kRetransmission | kFastRetransmission | kSpuriousRetransmission;
    for (const auto& e : segments)
    {
        double t = e.time;
        int64_t offset = std::max<int64_t>(0, BinOf(t) - bin0);
        size_t bin = static_cast<size_t>(std::min<int64_t>(offset, 10'000'000));
        if (bin >= sent.size() && bin < 10'000'000)
        {
            sent.resize(bin + 1, 0);
            acked.resize(bin + 1, 0);
        }
        if (e.fromA == fromA && e.length && bin < sent.size())
        {
            data << t << " " << e.seq << " " << e.seq + e.length << " " << ((e.analysis & resend) ? 1 : 0) << "\n";
            sent[bin] += e.length;
            dataEnd = std::max(dataEnd, e.seq + e.length);
        }
        else if (e.fromA != fromA && (e.tcpFlags & 0x10) && bin < sent.size())
        {
            acks << t << " " << e.ack << " " << uint64_t(e.ack) + e.window << "\n";
            uint32_t ack = std::min(e.ack, std::max(dataEnd, lastAck));
            if (ack > lastAck && lastAck)
            {
                acked[bin] += ack - lastAck;
            }
            lastAck = std::max(lastAck, lastAck ? ack : e.ack);
        }
    }
    for (size_t i = 0; i <= sent.size(); ++i)
    {
        size_t last = std::min(i, sent.size() - 1); // the closing row repeats the last bin
        rate << static_cast<double>(bin0 + static_cast<int64_t>(i)) * kBin << " " << sent[last] * 8 / kBin / 1e6 << " "
             << acked[last] * 8 / kBin / 1e6 << "\n";
    }
    double from = static_cast<double>(bin0) * kBin;
    return {data.str(), acks.str(), rate.str(), from, from + static_cast<double>(sent.size()) * kBin};
}

/** \return the gnuplot commands; files are named by the variables data_file, ack_file, rate_file, png_file, svg_file. */
std::string
Commands(const Flow& flow, bool fromA, double from, double to)
{
    std::string title = "TCP flow " + std::to_string(flow.index) + ": " +
                        (fromA ? flow.a.ToString() + " -> " + flow.b.ToString()
                               : flow.b.ToString() + " -> " + flow.a.ToString());
    std::string body =
        "set multiplot layout 2,1 title " + GnuplotString(title) +
        "\nset ylabel 'relative sequence number'\n"
        "plot data_file using 1:2:(0):($3-$2) with vectors nohead lc rgb 'black' title 'data sent', "
        "data_file using 1:($4 > 0 ? $3 : 1/0) with points pt 6 ps 0.8 lc rgb 'red' title 'resent', "
        "ack_file using 1:2 with steps lc rgb 'dark-green' title 'ACK', "
        "ack_file using 1:3 with steps lc rgb 'gold' title 'ACK + window'\n"
        "set ylabel 'Mbit/s'\nplot rate_file using 1:2 with steps lw 2 title 'sent per 100 ms', "
        "rate_file using 1:3 with steps title 'acknowledged per 100 ms'\nunset multiplot\n";
    std::ostringstream range;
    range << std::setprecision(12) << "set xrange [" << from << ":" << to << "]\n";
    std::string script = "set grid\nset key top left\nset xlabel 'time (s), as in the capture'\n" + range.str() +
                         "set yrange [0:*]\n";
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
                         Commands(flow, fromA, data.from, data.to), {}};
    figure.files = {{GnuplotFile::kData, "data_file", name + ".data.dat", data.data},
                    {GnuplotFile::kData, "ack_file", name + ".ack.dat", data.acks},
                    {GnuplotFile::kData, "rate_file", name + ".rate.dat", data.rate},
                    {GnuplotFile::kImage, "png_file", name + ".png", ""},
                    {GnuplotFile::kImage, "svg_file", name + ".svg", ""}};
    return DrawFigure(figure);
}

} // namespace nslab::trace
