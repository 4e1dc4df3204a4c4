#include "report.h"

#include "icmp-apps.h"
#include "metrics.h"
#include "io.h"
#include "units.h"
#include "web-report.h"

#include <cmath>
#include <cstring>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

namespace nslab
{

namespace
{

/** \return drops.csv: a row per dropped frame, in time order. */
std::string
DropsCsv(const std::vector<DropRow>& rows)
{
    std::ostringstream out;
    out << "time_s,link,direction,node,interface,cause,protocol,source,destination,tcp_seq,tcp_len,nslab_seq\n";
    auto number = [](int64_t v) { return v < 0 ? std::string() : std::to_string(v); };
    for (const auto& r : rows)
    {
        out << std::fixed << std::setprecision(9) << r.timeS << ","
            << CsvCell(r.link) << "," << CsvCell(r.direction) << "," << CsvCell(r.node) << "," << CsvCell(r.iface)
            << "," << CsvCell(r.cause) << "," << r.protocol << "," << CsvCell(r.source) << ","
            << CsvCell(r.destination) << "," << number(r.tcpSeq) << "," << number(r.tcpLength) << ","
            << number(r.nslabSeq) << "\n";
    }
    return out.str();
}

/** \return what a link is, in words for the report: "10Mbps, 20ms, 2% loss". */
std::string
LinkWords(const LinkSpec& link)
{
    std::vector<std::string> words;
    if (link.type == LinkType::Wifi)
    {
        words.push_back(link.standard + " " + link.rateControl);
        if (link.channel)
        {
            words.push_back("channel " + std::to_string(*link.channel));
        }
    }
    else
    {
        words.push_back(FormatRate(link.rate.GetBitRate()) +
                        (link.type == LinkType::Ethernet && link.medium == EthernetMedium::Shared ? " shared" : ""));
    }
    const Impairments& imp = link.impairments;
    if (!imp.delay.IsZero())
    {
        words.push_back(FormatTime(imp.delay.GetNanoSeconds()));
    }
    if (!imp.jitter.IsZero())
    {
        words.push_back("jitter " + FormatTime(imp.jitter.GetNanoSeconds()));
    }
    if (imp.burst)
    {
        words.push_back(FormatRatio(imp.burst->MeanLoss()) + " loss in bursts");
    }
    else if (imp.loss > 0)
    {
        words.push_back(FormatRatio(imp.loss) + " loss");
    }
    if (imp.corrupt > 0)
    {
        words.push_back(FormatRatio(imp.corrupt) + " corrupt");
    }
    if (imp.duplicate > 0)
    {
        words.push_back(FormatRatio(imp.duplicate) + " duplicated");
    }
    if (!link.directions.empty())
    {
        words.push_back("and per direction");
    }
    return Join(words, ", ");
}

using Json = nlohmann::ordered_json;

Json
Optional(const std::optional<double>& value)
{
    return value ? Json(*value) : Json(nullptr);
}

/** \return the length of the valid UTF-8 sequence at text[i] (0: none, or a control character). */
size_t
Utf8Length(const std::string& text, size_t i)
{
    auto byte = [&](size_t k) { return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u; };
    unsigned c = byte(i);
    if (c >= 0x20 && c < 0x7f)
    {
        return 1;
    }
    size_t n = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    // The second byte's range excludes overlong forms, surrogates and code points above U+10FFFF.
    unsigned low = c == 0xe0 ? 0xa0 : c == 0xf0 ? 0x90 : 0x80;
    unsigned high = c == 0xed ? 0x9f : c == 0xf4 ? 0x8f : 0xbf;
    for (size_t k = 1; k < n; ++k)
    {
        unsigned next = byte(i + k);
        if (next < (k == 1 ? low : 0x80) || next > (k == 1 ? high : 0xbf))
        {
            return 0;
        }
    }
    return n;
}

/** \return bytes as text: UTF-8 kept, a backslash doubled, any other byte (control, not UTF-8) as \xNN. */
std::string
BytesText(const std::string& data)
{
    std::string out;
    for (size_t i = 0; i < data.size();)
    {
        size_t n = data[i] == '\\' ? 0 : Utf8Length(data, i);
        if (n > 0)
        {
            out.append(data, i, n);
            i += n;
            continue;
        }
        char hex[8];
        std::snprintf(hex, sizeof hex, "\\x%02x", static_cast<unsigned char>(data[i]));
        out += data[i] == '\\' ? "\\\\" : hex;
        ++i;
    }
    return out;
}

std::string Seconds(double s);

/** \return an error's errno name, or null. */
Json
ErrorName(const SocketError& error)
{
    return error.name.empty() ? Json(nullptr) : Json(error.name);
}

/** \return when an error was reported, s, or null. */
Json
ErrorTime(const SocketError& error)
{
    return error.name.empty() ? Json(nullptr) : Json(error.at.GetSeconds());
}

/** \return "connection refused (ECONNREFUSED)". */
std::string
ErrorText(const SocketError& error)
{
    return ErrnoText(error.name) + " (" + error.name + ")";
}

/** \return a server's first reads: when, how many bytes, from which connection (TCP), and the bytes as text. */
Json
ReadsJson(const AppReport& app)
{
    Json reads = Json::array();
    for (const auto& read : app.reads)
    {
        Json r{{"time_s", read.time.GetSeconds()}, {"bytes", read.bytes}};
        if (app.spec->transport == Transport::Tcp)
        {
            r["connection"] = read.connection;
        }
        r["text"] = BytesText(read.data);
        reads.push_back(r);
    }
    return reads;
}

/** The name of the app with this 1-based id. */
std::string
AppName(const RunReport& report, uint32_t id)
{
    return id >= 1 && id <= report.scenario->apps.size() ? report.scenario->apps[id - 1].name : "?";
}

/** The 1-based id of an app, as carried in its nslab headers. */
uint32_t
IdOf(const RunReport& report, const AppReport& app)
{
    return static_cast<uint32_t>(&app - report.apps.data()) + 1;
}

/** One text message of a client as it fared: arrival at the server and echo. */
struct MessageFate
{
    uint32_t seq = 0;
    std::string text;
    std::optional<double> sent, received, roundTrip; //!< seconds
};

std::vector<MessageFate>
FatesOf(const RunReport& report, const AppReport& client)
{
    const auto& messages = client.spec->messages;
    std::vector<MessageFate> fates(messages.size());
    for (uint32_t seq = 0; seq < messages.size(); ++seq)
    {
        fates[seq].seq = seq;
        fates[seq].text = messages[seq];
        if (seq < client.messagesSent.size())
        {
            fates[seq].sent = client.messagesSent[seq].GetSeconds();
        }
    }
    // Arrivals and echoes go to their message by sequence number, in one pass
    // each: a client may send 500,000 messages. Of duplicates, the last counts.
    const AppReport* server = ServerOf(report, client);
    if (server && server->flows.count(IdOf(report, client)))
    {
        for (const auto& arrival : server->flows.at(IdOf(report, client)).texts)
        {
            if (arrival.seq < fates.size())
            {
                fates[arrival.seq].received = arrival.received.GetSeconds();
            }
        }
    }
    for (const auto& reply : client.replies)
    {
        if (reply.seq < fates.size())
        {
            fates[reply.seq].roundTrip = (reply.received - reply.sent).GetSeconds();
        }
    }
    return fates;
}

void
AddDistribution(Json& j, const std::string& prefix, const Distribution& d, bool percentiles)
{
    // Without samples there is no minimum or mean: null, not 0.
    auto value = [&d](double v) { return d.count ? Json(v) : Json(nullptr); };
    j[prefix + "_samples"] = d.count;
    j[prefix + "_min_s"] = value(d.min);
    j[prefix + "_mean_s"] = value(d.mean);
    if (percentiles)
    {
        j[prefix + "_p50_s"] = value(d.p50);
        j[prefix + "_p95_s"] = value(d.p95);
        j[prefix + "_p99_s"] = value(d.p99);
    }
    j[prefix + "_max_s"] = value(d.max);
}

void
AddTcpClient(Json& j, const AppReport& app, ns3::Time bin)
{
    TransferMetrics transfer = TransferOf(app, bin);
    const TcpStats tcp = app.tcp.value_or(TcpStats{});
    j["bytes_acked"] = tcp.bytesAcked;
    j["messages_sent"] = app.packetsSent;
    j["send_calls"] = app.sendCalls;
    j["connected"] = app.connected;
    j["connect_failed"] = app.connectFailed;
    j["error"] = ErrorName(app.error);
    j["error_time_s"] = ErrorTime(app.error);
    j["completed"] = transfer.completed;
    j["connect_time_s"] = Optional(transfer.setup);
    j["completion_time_s"] = Optional(transfer.completion);
    j["goodput_bps"] = Optional(transfer.goodput);
    if (!transfer.goodputNote.empty())
    {
        j["goodput_note"] = transfer.goodputNote;
    }
    j["segments_sent"] = tcp.segmentsSent;
    j["retransmissions"] = tcp.fastRetransmits + tcp.timeoutRetransmits;
    j["retransmissions_fast"] = tcp.fastRetransmits;
    j["retransmissions_timeout"] = tcp.timeoutRetransmits;
    j["duplicate_acks"] = tcp.dupAcks;
    j["cwnd_final_bytes"] = tcp.cwnd;
    j["rtt_samples"] = tcp.rtt.count;
    j["rtt_min_s"] = tcp.rtt.count ? Json(tcp.rtt.min.GetSeconds()) : Json(nullptr);
    j["rtt_mean_s"] = tcp.rtt.count ? Json(tcp.rtt.Mean().GetSeconds()) : Json(nullptr);
    j["rtt_max_s"] = tcp.rtt.count ? Json(tcp.rtt.max.GetSeconds()) : Json(nullptr);
}

Json
FlowJson(const RunReport& report, const FlowMetrics& f, bool udp)
{
    Json j;
    if (f.app)
    {
        j["client"] = AppName(report, f.app);
    }
    j[udp ? "packets_received" : "messages_received"] = f.received;
    if (udp)
    {
        j["packets_lost"] = f.lost;
        j["packets_unresolved"] = f.unresolved;
        j["packets_resolved"] = f.resolved;
        j["packets_duplicated"] = f.duplicates;
        j["packets_reordered"] = f.reordered;
        j["loss_runs"] = f.lossRuns;
        j["loss_run_mean"] = f.lossRunMean;
        AddDistribution(j, "latency", f.latency, true);
        j["jitter_s"] = f.latency.count >= 2 ? Json(f.jitter) : Json(nullptr); // a difference of two arrivals
    }
    else
    {
        AddDistribution(j, "message_delay", f.latency, false);
    }
    return j;
}

void
AddServer(Json& j, const RunReport& report, const AppReport& app)
{
    bool udp = app.spec->transport == Transport::Udp;
    j["bytes_received"] = app.bytesReceived;
    if (udp)
    {
        j["packets_received"] = app.packetsReceived; // duplicates included
    }
    else
    {
        uint64_t segments = 0;
        for (const auto& connection : app.accepted)
        {
            segments += connection.segmentsReceived;
        }
        j["connections"] = app.connections;
        j["segments_received"] = segments;
        j["recv_calls"] = app.recvCalls;
    }
    std::string why;
    j["goodput_bps"] = Optional(ServerGoodput(app, report.scenario->bin, &why));
    if (!why.empty())
    {
        j["goodput_note"] = why;
    }
    j[udp ? "malformed_packets" : "malformed_bytes"] = app.malformed;
    Json total = FlowJson(report, TotalOf(report, app), udp);
    total.erase("client");
    total.erase("packets_received"); // the app-level count includes duplicates
    for (auto& [key, value] : total.items())
    {
        // Raw clients send no header: no message to count, time or find missing.
        j[key] = app.spec->raw ? Json(nullptr) : value;
    }
    j["flows"] = Json::array();
    for (const auto& flow : app.spec->raw ? std::vector<FlowMetrics>{} : FlowsOf(report, app))
    {
        j["flows"].push_back(FlowJson(report, flow, udp));
    }
    j["messages"] = Json::array();
    for (const auto& [id, flow] : app.flows)
    {
        for (const auto& text : flow.texts)
        {
            j["messages"].push_back({{"client", AppName(report, id)},
                                     {"seq", text.seq},
                                     {"text", text.text},
                                     {"sent_s", text.sent.GetSeconds()},
                                     {"received_s", text.received.GetSeconds()}});
        }
    }
    if (app.spec->listReads)
    {
        j["reads"] = ReadsJson(app);
    }
}

/** \return "SIGTERM" and the like. */
std::string
SignalName(int signal)
{
    const char* abbrev = sigabbrev_np(signal);
    return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

/** A real program: its command, when it ran, how it ended, where its output is. */
void
AddProcessJson(Json& j, const AppReport& app)
{
    const AppSpec& spec = *app.spec;
    const ProcessReport& p = *app.process;
    j["command"] = spec.argv;
    j["dir"] = spec.dir;
    j["started"] = p.started;
    j["start_error"] = p.startError.empty() ? Json() : Json(p.startError);
    j["end_s"] = p.end ? Json(p.end->GetSeconds()) : Json();
    j["exit_code"] = p.exitCode ? Json(*p.exitCode) : Json();
    j["signal"] = p.signal ? Json(SignalName(*p.signal)) : Json();
    j["stopped"] = p.stopped; // by nslab: its stop time or the end of the run
    j["stdout"] = spec.name + ".stdout";
    j["stderr"] = spec.name + ".stderr";
}

Json
AppJson(const RunReport& report, const AppReport& app)
{
    const AppSpec& spec = *app.spec;
    Json j;
    j["name"] = spec.name;
    j["type"] = spec.TypeName();
    j["node"] = spec.node;
    j["start_s"] = spec.start.GetSeconds();
    j["stop_s"] = spec.stop.GetSeconds();
    if (spec.IsProcess())
    {
        j["stop_s"] = spec.stopGiven ? Json(spec.stop.GetSeconds()) : Json();
        AddProcessJson(j, app);
        return j;
    }
    if (spec.role == AppRole::Server)
    {
        j["port"] = spec.port;
        j["raw"] = spec.raw;
        AddServer(j, report, app);
        return j;
    }
    if (spec.transport == Transport::Icmp)
    {
        AddIcmpJson(j, report, app);
        return j;
    }
    j["peer"] = PeerText(spec.peer);
    j["bind"] = spec.bind.empty() ? Json() : Json(spec.bind);
    j["sport"] = app.localPort;
    j["raw"] = spec.raw;
    j["bytes_sent"] = app.bytesSent;
    if (spec.transport == Transport::Tcp)
    {
        AddTcpClient(j, app, report.scenario->bin);
    }
    else
    {
        j["packets_sent"] = app.packetsSent;
        j["icmp_unreachable"] = app.icmpUnreachable;
        j["error"] = ErrorName(app.error);
        j["error_time_s"] = ErrorTime(app.error);
    }
    if (spec.rtt)
    {
        j["echo_replies"] = app.replies.size();
        AddDistribution(j, "echo_rtt", RoundTripsOf(app), true);
    }
    if (!spec.messages.empty())
    {
        j["messages"] = Json::array();
        for (const auto& fate : FatesOf(report, app))
        {
            j["messages"].push_back({{"seq", fate.seq},
                                     {"text", fate.text},
                                     {"sent_s", Optional(fate.sent)},
                                     {"received_s", Optional(fate.received)},
                                     {"echo_rtt_s", Optional(fate.roundTrip)}});
        }
    }
    return j;
}

/** "1 retransmission", "2 retransmissions". */
std::string
Count(uint64_t n, const std::string& noun)
{
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s");
}

std::string
Ms(double seconds)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << seconds * 1000;
    return out.str();
}

std::string
Mbps(double bps)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << bps / 1e6 << " Mbit/s";
    return out.str();
}

/** "28.277 ms" under a second, "189.000 s" from one on. */
std::string
Elapsed(double seconds)
{
    if (seconds < 1)
    {
        return Ms(seconds) + " ms";
    }
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << seconds << " s";
    return out.str();
}

void
TcpClientText(std::ostream& out, const AppReport& app, ns3::Time bin)
{
    TransferMetrics t = TransferOf(app, bin);
    const AppSpec& spec = *app.spec;
    out << "sent " << app.bytesSent << (spec.bytes > 0 ? " of " + std::to_string(spec.bytes) : "") << " B";
    if (spec.paced)
    {
        out << " in " << Count(app.packetsSent, "message") << ", one every " << Ms(spec.interval.GetSeconds())
            << " ms";
    }
    if (!app.connected)
    {
        out << (app.error.name.empty() ? " (never connected)"
                                       : ": connect() failed after " +
                                             Elapsed((app.error.at - app.connectStart).GetSeconds()) + ": " +
                                             ErrorText(app.error));
        return;
    }
    out << ", connected in " << Ms(t.setup.value_or(0)) << " ms, ";
    out << (t.completed   ? "completed in " + Ms(*t.completion) + " ms (goodput " +
                                (t.goodput ? Mbps(*t.goodput) : t.goodputNote) + ")"
            : spec.bytes ? "not completed: " + std::to_string(app.tcp->bytesAcked) + " B acknowledged"
                         : std::to_string(app.tcp->bytesAcked) + " B acknowledged");
    if (!app.error.name.empty())
    {
        out << "\n      " << ErrorText(app.error) << " at " << Seconds(app.error.at.GetSeconds());
    }
    const TcpStats& tcp = *app.tcp;
    out << "\n      " << Count(tcp.fastRetransmits + tcp.timeoutRetransmits, "retransmission") << " ("
        << tcp.fastRetransmits << " fast, " << tcp.timeoutRetransmits << " after timeout), "
        << Count(tcp.dupAcks, "duplicate ACK") << ", final cwnd " << tcp.cwnd << " B";
    if (tcp.rtt.count)
    {
        out << "\n      RTT min/mean/max " << Ms(tcp.rtt.min.GetSeconds()) << " / " << Ms(tcp.rtt.Mean().GetSeconds())
            << " / " << Ms(tcp.rtt.max.GetSeconds()) << " ms";
    }
}

void
ServerText(std::ostream& out, const RunReport& report, const AppReport& app)
{
    FlowMetrics total = TotalOf(report, app);
    std::string why;
    std::optional<double> goodput = ServerGoodput(app, report.scenario->bin, &why);
    std::string noGoodput = why.empty() ? "" : ", goodput " + why;
    if (app.spec->transport == Transport::Tcp)
    {
        out << "received " << app.bytesReceived << " B in " << Count(app.connections, "connection") << ", "
            << (app.spec->raw ? "raw byte streams" : Count(app.packetsReceived, "message"))
            << (goodput ? ", goodput " + Mbps(*goodput) : noGoodput);
        if (total.latency.count)
        {
            // TCP messages wait in the sender's socket buffer too: not a network latency.
            out << "\n      message delay (send call to arrival) min/mean/max " << Ms(total.latency.min) << " / "
                << Ms(total.latency.mean) << " / " << Ms(total.latency.max) << " ms";
        }
        return;
    }
    if (app.spec->raw)
    {
        out << "received " << Count(app.packetsReceived, "raw datagram") << " (" << app.bytesReceived << " B)"
            << (goodput ? ", goodput " + Mbps(*goodput) : noGoodput);
        return;
    }
    // Of the datagrams whose fate is known: a late one that did not arrive is neither.
    out << "received " << Count(app.packetsReceived, "datagram") << " (" << app.bytesReceived << " B), lost " << total.lost
        << " of " << total.resolved << " (" << std::fixed << std::setprecision(2)
        << (total.resolved ? 100.0 * static_cast<double>(total.lost) / static_cast<double>(total.resolved) : 0.0)
        << " %) in "
        << Count(total.lossRuns, "run") << ", "
        << (total.unresolved ? std::to_string(total.unresolved) + " still on their way or lost at the end, " : "") << total.duplicates << " duplicated, " << total.reordered << " reordered"
        << (goodput ? ", goodput " + Mbps(*goodput) : noGoodput);
    if (total.latency.count)
    {
        const Distribution& d = total.latency;
        out << "\n      one-way latency min/p50/p95/p99/max " << Ms(d.min) << " / " << Ms(d.p50) << " / " << Ms(d.p95)
            << " / " << Ms(d.p99) << " / " << Ms(d.max) << " ms, jitter " << Ms(total.jitter) << " ms";
    }
}

std::string
Seconds(double s)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(4) << s << " s";
    return out.str();
}

/** A server's first reads, as its program would print what each recv() returned. */
void
ReadsText(std::ostream& out, const AppReport& app)
{
    const AppSpec& spec = *app.spec;
    if (spec.transport == Transport::Tcp)
    {
        out << "\n      " << Count(app.recvCalls, "recv() call") << " (recv_size " << spec.recvSize << " B)"
            << (app.reads.size() < app.recvCalls ? ", the first " + std::to_string(app.reads.size()) : "")
            << (app.reads.empty() ? "" : ":");
    }
    for (const auto& read : app.reads)
    {
        // Bytes with nslab's headers are the messages above: the text only for raw streams.
        out << "\n      " << spec.node << " read " << read.bytes << " B at " << Seconds(read.time.GetSeconds());
        if (spec.raw)
        {
            out << ": '" << BytesText(read.data) << (read.data.size() < read.bytes ? "...'" : "'");
        }
    }
}

void
MessagesText(std::ostream& out, const RunReport& report, const AppReport& app)
{
    const AppSpec& spec = *app.spec;
    if (spec.role == AppRole::Server)
    {
        for (const auto& [id, flow] : app.flows)
        {
            for (const auto& text : flow.texts)
            {
                out << "\n      " << spec.node << " received '" << text.text << "' at "
                    << Seconds(text.received.GetSeconds()) << " (from " << AppName(report, id) << ")";
            }
        }
        if (spec.listReads)
        {
            ReadsText(out, app);
        }
        return;
    }
    if (spec.raw && !spec.messages.empty())
    {
        out << "\n      raw: no nslab header, so the server reads bytes, not these messages (see its reads)";
    }
    for (const auto& fate : FatesOf(report, app))
    {
        out << "\n      '" << fate.text << "' ";
        if (!fate.sent)
        {
            out << "was never sent";
            continue;
        }
        if (spec.raw)
        {
            out << "sent at " << Seconds(*fate.sent);
            continue;
        }
        out << (fate.received ? "arrived" : "never arrived");
        if (spec.rtt)
        {
            out << (fate.roundTrip ? ", echoed back after " + Ms(*fate.roundTrip) + " ms" : ", no echo came back");
        }
    }
}

void
RoundTripText(std::ostream& out, const AppReport& app)
{
    if (!app.spec->rtt || !app.spec->messages.empty())
    {
        return;
    }
    Distribution d = RoundTripsOf(app);
    out << "\n      " << app.replies.size() << " of " << app.packetsSent << " requests echoed back";
    if (d.count)
    {
        out << ", round trip min/p50/p95/p99/max " << Ms(d.min) << " / " << Ms(d.p50) << " / " << Ms(d.p95) << " / "
            << Ms(d.p99) << " / " << Ms(d.max) << " ms";
    }
}

/** "exited with status 0 at 4.21 s", "stopped at the end of the run (SIGTERM)"... and where its output is. */
void
ProcessText(std::ostream& out, const AppReport& app)
{
    const AppSpec& spec = *app.spec;
    const ProcessReport& p = *app.process;
    std::string command;
    for (const auto& word : spec.argv)
    {
        command += (command.empty() ? "" : " ") + word;
    }
    out << command << "\n      ";
    if (!p.startError.empty())
    {
        out << "could not start: " << p.startError;
        return;
    }
    out << "started at " << Seconds(spec.start.GetSeconds()) << ", ";
    if (p.stopped)
    {
        out << "stopped by nslab at " << Seconds(p.end ? p.end->GetSeconds() : 0);
        out << (p.signal ? " (" + SignalName(*p.signal) + ")" : " (exited with status " + std::to_string(p.exitCode.value_or(0)) + ")");
    }
    else if (p.exitCode)
    {
        out << "exited with status " << *p.exitCode << " at " << Seconds(p.end->GetSeconds());
    }
    else if (p.signal)
    {
        out << "killed by " << SignalName(*p.signal) << " at " << Seconds(p.end->GetSeconds());
    }
    else
    {
        out << "still running at the end of the run";
    }
    out << "; output in " << spec.name << ".stdout and " << spec.name << ".stderr";
}

std::string
AppText(const RunReport& report, const AppReport& app, int nameWidth)
{
    const AppSpec& spec = *app.spec;
    std::ostringstream out;
    out << "  " << std::left << std::setw(nameWidth) << spec.name << std::setw(12) << spec.TypeName() << app.endpoint
        << "\n      ";
    if (spec.IsProcess())
    {
        ProcessText(out, app);
        return out.str();
    }
    if (spec.role == AppRole::Server)
    {
        ServerText(out, report, app);
    }
    else if (spec.transport == Transport::Icmp)
    {
        IcmpText(out, report, app);
    }
    else if (spec.transport == Transport::Tcp)
    {
        TcpClientText(out, app, report.scenario->bin);
    }
    else
    {
        out << "sent " << Count(app.packetsSent, "datagram") << ", " << app.bytesSent << " B";
        if (app.icmpUnreachable > 0)
        {
            out << "\n      " << Count(app.icmpUnreachable, "ICMP error") << " (destination unreachable)"
                << " came back, the first at " << Seconds(app.error.at.GetSeconds()) << ": "
                << ErrorText(app.error);
        }
        else if (!app.error.name.empty())
        {
            out << "\n      " << ErrorText(app.error) << " at " << Seconds(app.error.at.GetSeconds());
        }
    }
    RoundTripText(out, app);
    MessagesText(out, report, app);
    return out.str();
}

std::string
ThroughputCsv(const AppReport& app, ns3::Time duration)
{
    const ThroughputSeries& series = app.throughput;
    std::ostringstream out;
    out << "time_s,bytes,throughput_bps\n";
    out.precision(12);
    double bin = series.bin.GetSeconds();
    auto bins = static_cast<size_t>((duration.GetNanoSeconds() - 1) / series.bin.GetNanoSeconds() + 1);
    for (size_t i = 0; i < bins; ++i)
    {
        uint64_t bytes = i < series.bytes.size() ? series.bytes[i] : 0;
        out << static_cast<double>(i) * bin << "," << bytes << "," << static_cast<double>(bytes) * 8 / bin << "\n";
    }
    return out.str();
}

std::string
TcpCsv(const TcpStats& tcp)
{
    std::ostringstream out;
    out << "time_s,cwnd_bytes,ssthresh_bytes,srtt_s,bytes_in_flight\n";
    out.precision(9);
    for (const auto& s : tcp.samples)
    {
        out << s.time.GetSeconds() << "," << s.cwnd << ",";
        if (s.ssthresh < 0x7fffffff) // before the first loss it is "infinite": leave it empty
        {
            out << s.ssthresh;
        }
        out << "," << s.srtt.GetSeconds() << "," << s.bytesInFlight << "\n";
    }
    return out.str();
}

std::string
LatencyCsv(const RunReport& report, const AppReport& app)
{
    std::ostringstream out;
    out << "client,seq,sent_s,received_s,latency_s\n";
    out.precision(12);
    for (const auto& [id, flow] : app.flows)
    {
        for (const auto& a : flow.arrivals)
        {
            out << AppName(report, id) << "," << a.seq << "," << a.sent.GetSeconds() << "," << a.received.GetSeconds()
                << "," << (a.received - a.sent).GetSeconds() << "\n";
        }
    }
    return out.str();
}

std::string
RoundTripCsv(const AppReport& app)
{
    std::ostringstream out;
    out << "seq,sent_s,received_s,rtt_s\n";
    out.precision(12);
    for (const auto& r : app.replies)
    {
        out << r.seq << "," << r.sent.GetSeconds() << "," << r.received.GetSeconds() << ","
            << (r.received - r.sent).GetSeconds() << "\n";
    }
    return out.str();
}

/** \return the CSV files WriteSeries may write for an app (ResultFiles lists them before the run). */
std::vector<std::string>
SeriesFiles(const AppSpec& spec)
{
    if (spec.IsProcess())
    {
        return {};
    }
    std::vector<std::string> files{spec.name + ".throughput.csv"};
    if (spec.role == AppRole::Client && spec.transport == Transport::Tcp)
    {
        files.push_back(spec.name + ".tcp.csv");
    }
    if (spec.role == AppRole::Server && spec.transport == Transport::Udp)
    {
        files.push_back(spec.name + ".latency.csv");
    }
    if (spec.rtt || spec.IsPing())
    {
        files.push_back(spec.name + ".rtt.csv");
    }
    return files;
}

void
WriteSeries(const RunReport& report, const std::string& outDir)
{
    for (const auto& app : report.apps)
    {
        if (app.spec->IsProcess())
        {
            continue; // its own output is its series
        }
        std::string base = outDir + "/" + app.spec->name;
        WriteFileAtomically(base + ".throughput.csv", ThroughputCsv(app, report.scenario->duration));
        if (app.tcp)
        {
            WriteFileAtomically(base + ".tcp.csv", TcpCsv(*app.tcp));
        }
        if (app.spec->role == AppRole::Server && app.spec->transport == Transport::Udp)
        {
            WriteFileAtomically(base + ".latency.csv", LatencyCsv(report, app));
        }
        if (app.spec->rtt || app.spec->IsPing())
        {
            WriteFileAtomically(base + ".rtt.csv", RoundTripCsv(app));
        }
    }
}

Json
LinksJson(const RunReport& report)
{
    Json links = Json::array();
    for (const auto& link : report.scenario->links)
    {
        Json directions = Json::array();
        for (const auto& d : report.directions)
        {
            if (d.link != link.name)
            {
                continue;
            }
            Json dropped;
            for (size_t c = 0; c < kDropCauses; ++c)
            {
                dropped[DropCauseName(static_cast<DropCause>(c))] = d.dropped[c];
            }
            Json direction{{"from", d.from}, {"to", d.to}};
            if (d.counted) // only links that impair frames count them
            {
                direction["frames"] = d.frames;
                direction["data_frames"] = d.dataFrames;
            }
            direction["dropped"] = d.Dropped();
            direction["dropped_by_cause"] = dropped;
            direction["duplicated"] = d.duplicated;
            directions.push_back(direction);
        }
        Json entry{{"name", link.name}, {"directions", directions}};
        auto sw = report.switchDrops.find(link.name);
        if (sw != report.switchDrops.end())
        {
            uint64_t dropped = 0;
            for (const auto& [cause, count] : sw->second)
            {
                dropped += count;
            }
            entry["switch"] = {{"dropped", dropped}, {"dropped_by_cause", sw->second}};
        }
        links.push_back(entry);
    }
    return links;
}

/** One line per direction that lost or duplicated frames. */
std::string
LinksText(const RunReport& report)
{
    std::ostringstream out;
    for (const auto& d : report.directions)
    {
        if (d.Dropped() == 0 && d.duplicated == 0)
        {
            continue;
        }
        out << "  link " << d.link << " " << d.from << "->" << d.to << ": " << Count(d.Dropped(), "frame") << " dropped (";
        std::string sep;
        for (size_t c = 0; c < kDropCauses; ++c)
        {
            if (d.dropped[c])
            {
                out << sep << DropCauseName(static_cast<DropCause>(c)) << " " << d.dropped[c];
                sep = ", ";
            }
        }
        out << (sep.empty() ? "none" : "") << ")";
        if (d.duplicated)
        {
            out << ", " << d.duplicated << " duplicated";
        }
        out << "\n";
    }
    for (const auto& [link, drops] : report.switchDrops)
    {
        for (const auto& [cause, count] : drops)
        {
            out << "  link " << link << " switch: " << Count(count, "frame") << " dropped (" << cause << ")\n";
        }
    }
    return out.str();
}

/**
 * Drops of ns-3's default queue discs, which the link lines do not count: a
 * sender's own queue may lose packets on a link without impairments (CoDel
 * drops what waits too long). A NetemQueueDisc's drops are in the link lines.
 */
std::string
QueueDiscsText(const RunReport& report)
{
    std::ostringstream out;
    for (size_t i = 0; i < report.queueDiscs.size(); ++i)
    {
        const auto& disc = report.queueDiscs[i];
        if (!disc || disc->dropped == 0 || disc->type == "Netem")
        {
            continue;
        }
        const InterfacePlan& iface = report.interfaces[i];
        out << "  queue " << iface.node << "." << iface.name << " (ns-3's default " << disc->type
            << " queue disc): " << Count(disc->dropped, "packet") << " dropped (";
        std::string sep;
        for (const auto& [reason, count] : disc->byReason)
        {
            out << sep << reason << ": " << count;
            sep = ", ";
        }
        out << ")\n";
    }
    return out.str();
}

/** Every node, in order of first mention, with what its own layers dropped. */
Json
HostsJson(const RunReport& report)
{
    Json hosts = Json::array();
    std::set<std::string> listed;
    for (const auto& iface : report.interfaces)
    {
        auto it = report.hostDrops.find(iface.node);
        if (it == report.hostDrops.end() || !listed.insert(iface.node).second)
        {
            continue;
        }
        uint64_t dropped = 0;
        for (const auto& [cause, count] : it->second)
        {
            dropped += count;
        }
        hosts.push_back(Json{{"node", iface.node}, {"dropped", dropped}, {"dropped_by_cause", it->second}});
    }
    return hosts;
}

/** One line per node whose IP, ARP or WiFi MAC layer dropped packets. */
std::string
HostsText(const RunReport& report)
{
    std::ostringstream out;
    for (const auto& host : HostsJson(report))
    {
        if (host["dropped"] == 0)
        {
            continue;
        }
        out << "  host " << host["node"].get<std::string>() << ": " << Count(host["dropped"], "packet")
            << " dropped (";
        std::string sep;
        for (const auto& [cause, count] : host["dropped_by_cause"].items())
        {
            out << sep << cause << " " << count.get<uint64_t>();
            sep = ", ";
        }
        out << ")\n";
    }
    return out.str();
}

/** The scheduler's lateness, and a warning when it exceeds one frame's time on the fastest link. */
std::string
RealtimeText(const Lateness& l)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << "  real time (real programs; not reproducible): the scheduler ran late by "
        << l.p50 * 1e-6 << " / " << l.p90 * 1e-6 << " / " << l.p99 * 1e-6 << " / " << l.max * 1e-6
        << " ms (p50/p90/p99/max of " << l.samples << " probes)\n";
    if (l.exceeded)
    {
        out << "  warning: p99 lateness " << l.p99 * 1e-6 << " ms is above " << l.tolerance * 1e-6
            << " ms, one full frame's time on the fastest link of a real host: timings finer than that are not "
               "faithful (a busy machine, or links too fast for real time)\n";
    }
    return out.str();
}

/** The apps of one range, in scenario order, with their JSON. */
struct Group
{
    std::string name;
    std::string type;
    std::vector<size_t> members; //!< indexes into report.apps
};

std::vector<Group>
GroupsOf(const RunReport& report)
{
    std::vector<Group> groups;
    for (size_t i = 0; i < report.apps.size(); ++i)
    {
        const AppSpec& spec = *report.apps[i].spec;
        if (spec.group.empty())
        {
            continue;
        }
        if (groups.empty() || groups.back().name != spec.group)
        {
            groups.push_back({spec.group, spec.TypeName(), {}});
        }
        groups.back().members.push_back(i);
    }
    return groups;
}

/**
 * \return a group's totals and spreads, from its members' JSON: counts
 * (whole numbers) are summed, times and rates (keys ending in _s or _bps)
 * get min, p50, p90 and max over the members that have them, and true
 * booleans are counted.
 */
Json
GroupJson(const Group& group, const Json& apps)
{
    Json j{{"name", group.name}, {"type", group.type}, {"apps", group.members.size()}};
    std::map<std::string, uint64_t> sums, trues;
    std::map<std::string, std::vector<double>> values;
    std::vector<std::string> order;
    for (size_t i : group.members)
    {
        for (const auto& [key, value] : apps.at(i).items())
        {
            bool spread = key.size() > 2 && (key.compare(key.size() - 2, 2, "_s") == 0 ||
                                             (key.size() > 4 && key.compare(key.size() - 4, 4, "_bps") == 0));
            // Settings and states, not counts: nothing to add up.
            if (key == "start_s" || key == "stop_s" || key == "sport" || key == "port" || key == "exit_code" ||
                key == "cwnd_final_bytes")
            {
                continue;
            }
            if (std::find(order.begin(), order.end(), key) == order.end())
            {
                order.push_back(key);
            }
            if (spread && value.is_number())
            {
                values[key].push_back(value.get<double>());
            }
            else if (value.is_number_unsigned())
            {
                sums[key] += value.get<uint64_t>();
            }
            else if (value.is_boolean())
            {
                trues[key] += value.get<bool>();
            }
        }
    }
    Json total, count, spread;
    for (const auto& key : order)
    {
        if (sums.count(key))
        {
            total[key] = sums[key];
        }
        if (trues.count(key))
        {
            count[key] = trues[key];
        }
        if (values.count(key))
        {
            auto v = values[key];
            std::sort(v.begin(), v.end());
            // Nearest rank: the smallest value with at least q of the values at or below it.
            auto at = [&](double q) { return v[static_cast<size_t>(std::max(1.0, std::ceil(q * v.size()))) - 1]; };
            spread[key] = {{"min", v.front()}, {"p50", at(0.5)}, {"p90", at(0.9)}, {"max", v.back()}};
        }
    }
    j["total"] = total.is_null() ? Json::object() : total;
    j["true_count"] = count.is_null() ? Json::object() : count;
    j["spread"] = spread.is_null() ? Json::object() : spread;
    return j;
}

/** "  u  (49 udp-client apps)  total packets_sent 490, bytes_sent 490000" and a line of spreads. */
std::string
GroupText(const Json& g)
{
    std::ostringstream out;
    out << "  " << g.at("name").get<std::string>() << "  (group of " << g.at("apps") << " "
        << g.at("type").get<std::string>() << " apps)\n      total";
    std::string sep = " ";
    for (const auto& [key, value] : g.at("total").items())
    {
        out << sep << key << " " << value;
        sep = ", ";
    }
    for (const auto& [key, value] : g.at("true_count").items())
    {
        out << sep << key << " " << value << " of " << g.at("apps");
        sep = ", ";
    }
    for (const auto& [key, value] : g.at("spread").items())
    {
        out << "\n      " << key << " min/p50/p90/max " << value.at("min") << " / " << value.at("p50") << " / "
            << value.at("p90") << " / " << value.at("max");
    }
    return out.str() + "\n";
}

} // namespace

nlohmann::ordered_json
SummaryJson(const RunReport& report)
{
    const Scenario& s = *report.scenario;
    Json j;
    j["scenario"] = s.name;
    j["seed"] = s.seed;
    j["run"] = s.run;
    j["duration_s"] = s.duration.GetSeconds();
    j["apps"] = Json::array();
    for (const auto& app : report.apps)
    {
        j["apps"].push_back(AppJson(report, app));
    }
    j["groups"] = Json::array(); // the apps of each range, together
    for (const auto& group : GroupsOf(report))
    {
        j["groups"].push_back(GroupJson(group, j["apps"]));
    }
    j["interfaces"] = Json::array();
    for (size_t i = 0; i < report.interfaces.size(); ++i)
    {
        const InterfacePlan& iface = report.interfaces[i];
        std::ostringstream address;
        address << iface.address << "/" << int(iface.prefix);
        Json entry{{"node", iface.node}, {"name", iface.name}, {"link", s.links[iface.link].name}};
        if (s.ip != IpVersion::V6)
        {
            entry["address"] = address.str();
        }
        if (s.ip != IpVersion::V4)
        {
            std::ostringstream address6;
            address6 << iface.address6 << "/64";
            entry["address6"] = address6.str();
        }
        const LinkSpec& link = s.links[iface.link];
        if (CaptureOf({"", s.capture, s.nodeCapture}, link, iface.node) != Capture::None)
        {
            entry["pcap"] = iface.node + "-" + iface.name + ".pcap";
            if (link.type == LinkType::Wifi)
            {
                entry["radio_pcap"] = iface.node + "-" + iface.name + ".radio.pcap"; // 802.11 + radiotap
            }
        }
        if (i < report.associated.size() && report.associated[i])
        {
            entry["associated"] = *report.associated[i]; // WiFi stations, at the end of the run
        }
        if (i < report.queueDiscs.size() && report.queueDiscs[i])
        {
            const QueueDiscDrops& disc = *report.queueDiscs[i];
            entry["queue_disc"] = {{"type", disc.type}, {"dropped", disc.dropped}, {"dropped_by_reason", disc.byReason}};
        }
        j["interfaces"].push_back(entry);
    }
    j["links"] = LinksJson(report);
    j["hosts"] = HostsJson(report);
    if (report.dropsOmitted)
    {
        j["drops_csv_omitted"] = report.dropsOmitted; // past its 2,000,000 rows
    }
    j["events"] = Json::array();
    for (const auto& event : report.scenario->events)
    {
        Json changes = Json::object();
        for (const auto& [key, value] : event.changes)
        {
            changes[key] = value;
        }
        j["events"].push_back({{"name", event.name}, {"time_s", event.at.GetSeconds()}, {"set", changes}});
    }
    if (report.realtime)
    {
        const Lateness& l = *report.realtime;
        // Real programs ran on the wall clock: the run is not reproducible, and this says how faithful it was.
        j["realtime"] = {{"deterministic", false},
                         {"lateness_samples", l.samples},
                         {"lateness_p50_s", l.p50 * 1e-9},
                         {"lateness_p90_s", l.p90 * 1e-9},
                         {"lateness_p99_s", l.p99 * 1e-9},
                         {"lateness_max_s", l.max * 1e-9},
                         {"tolerance_s", l.tolerance * 1e-9},
                         {"exceeded", l.exceeded}};
    }
    return j;
}

std::string
SummaryText(const RunReport& report, const std::string& outDir)
{
    const Scenario& s = *report.scenario;
    std::ostringstream out;
    out << "nslab: " << s.name << "  (seed " << s.seed << ", run " << s.run << "): " << s.duration.GetSeconds()
        << " s simulated in " << std::fixed << std::setprecision(2) << report.wallSeconds << " s\n";
    size_t width = 0;
    for (const auto& app : report.apps)
    {
        width = std::max(width, app.spec->name.size());
    }
    // A range's apps: the first three, then the group's totals and spreads (summary.json has each).
    constexpr size_t kShown = 3;
    auto groups = GroupsOf(report);
    Json apps = Json::array();
    for (const auto& group : groups)
    {
        for (size_t i : group.members)
        {
            apps[i] = AppJson(report, report.apps[i]);
        }
    }
    std::map<size_t, const Group*> last;
    std::set<size_t> hidden;
    for (const auto& group : groups)
    {
        last[group.members.back()] = &group;
        hidden.insert(group.members.begin() + std::min(kShown, group.members.size()), group.members.end());
    }
    for (size_t i = 0; i < report.apps.size(); ++i)
    {
        if (!hidden.count(i))
        {
            out << AppText(report, report.apps[i], static_cast<int>(width + 2)) << "\n";
        }
        if (last.count(i))
        {
            const Group& group = *last[i];
            if (group.members.size() > kShown)
            {
                out << "  ... and " << group.members.size() - kShown << " more of " << group.name
                    << " (each in summary.json)\n";
            }
            out << GroupText(GroupJson(group, apps));
        }
    }
    for (const auto& event : s.events)
    {
        std::vector<std::string> changes;
        for (const auto& [key, value] : event.changes)
        {
            changes.push_back(key + " = " + value);
        }
        out << "  event " << event.name << " at " << FormatTime(event.at.GetNanoSeconds()) << ": " << Join(changes)
            << "\n";
    }
    out << LinksText(report) << QueueDiscsText(report) << HostsText(report);
    if (report.dropsOmitted)
    {
        out << "  warning: drops.csv lists the first " << DropLog::kMaxRows << " dropped frames; " << report.dropsOmitted
            << " more were counted, not listed\n";
    }
    for (size_t i = 0; i < report.associated.size(); ++i)
    {
        if (report.associated[i] == false)
        {
            const InterfacePlan& iface = report.interfaces[i];
            const LinkSpec& link = s.links[iface.link];
            out << "  warning: " << iface.node << "." << iface.name << " is not associated with " << link.ap
                << " at the end of the run (" << link.standard << " at " << FormatDistance(link.distance)
                << "): its traffic could not pass\n";
        }
    }
    if (report.realtime)
    {
        out << RealtimeText(*report.realtime);
    }
    size_t pcaps = 0;
    for (const auto& iface : report.interfaces)
    {
        const LinkSpec& link = s.links[iface.link];
        bool captured = CaptureOf({"", s.capture, s.nodeCapture}, link, iface.node) != Capture::None;
        pcaps += captured ? (link.type == LinkType::Wifi ? 2 : 1) : 0; // WiFi: host and radio views
    }
    out << "results: " << outDir << "/ (summary.json, scenario.ini, " << pcaps << " pcaps, time series as CSV)\n";
    return out.str();
}

void
WriteResults(const RunReport& report, const std::string& outDir)
{
    WriteFileAtomically(outDir + "/scenario.ini", ToIni(*report.scenario));
    WriteSeries(report, outDir);
    WriteFileAtomically(outDir + "/drops.csv", DropsCsv(report.drops));
    // Last: the run is complete. Text that is not UTF-8 is refused at the
    // edge; should some slip through, it is replaced rather than thrown on.
    WriteFileAtomically(outDir + "/summary.json",
                        SummaryJson(report).dump(2, ' ', false, Json::error_handler_t::replace) + "\n");
}

ReportPage::ReportPage(const Scenario& scenario, const std::string& outDir)
    : m_dir(outDir),
      m_topology(TopologyJson(scenario)),
      // async or, should no thread be had, deferred to Write()
      m_frames(std::async(std::launch::async | std::launch::deferred,
                          [dir = m_dir, topology = m_topology] { return web::ReadStepFrames(dir, topology); }))
{
}

void
ReportPage::Write()
{
    web::WriteRunReport(m_dir, m_topology, std::move(m_frames));
}

nlohmann::json
TopologyJson(const Scenario& s)
{
    nlohmann::json links = nlohmann::json::array();
    auto plan = PlanInterfaces(s.links);
    for (size_t l = 0; l < s.links.size(); ++l)
    {
        const LinkSpec& link = s.links[l];
        nlohmann::json members = nlohmann::json::array();
        for (const auto& iface : plan)
        {
            if (iface.link != l)
            {
                continue;
            }
            std::ostringstream address;
            if (s.ip == IpVersion::V6)
            {
                address << iface.address6 << "/64";
            }
            else
            {
                address << iface.address << "/" << int(iface.prefix);
            }
            members.push_back({{"node", iface.node}, {"iface", iface.name}, {"address", address.str()}});
        }
        links.push_back(nlohmann::json{{"name", link.name},
                         {"type", LinkTypeNames()[static_cast<int>(link.type)]},
                         {"ap", link.ap},
                         {"state", link.up ? "up" : "down"},
                         {"text", LinkWords(link)},
                         {"members", members}});
    }
    return nlohmann::json{{"links", links}};
}

std::vector<std::string>
ResultFiles(const Scenario& scenario)
{
    std::vector<std::string> files;
    for (const auto& iface : PlanInterfaces(scenario.links))
    {
        files.push_back(iface.node + "-" + iface.name + ".pcap");
        if (scenario.links[iface.link].type == LinkType::Wifi)
        {
            files.push_back(iface.node + "-" + iface.name + ".radio.pcap");
        }
    }
    std::vector<std::string> whole; // written by WriteFileAtomically, through FILE.tmp
    for (const auto& app : scenario.apps)
    {
        for (const auto& file : SeriesFiles(app))
        {
            whole.push_back(file);
        }
    }
    for (const auto& app : scenario.apps)
    {
        if (app.IsProcess())
        {
            files.push_back(app.name + ".stdout");
            files.push_back(app.name + ".stderr");
        }
    }
    whole.push_back("scenario.ini");
    whole.push_back("summary.json");
    whole.push_back("report.html");
    whole.push_back("drops.csv");
    for (const auto& file : whole)
    {
        files.push_back(file);
        files.push_back(file + ".tmp");
    }
    return files;
}

} // namespace nslab
