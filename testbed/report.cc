#include "report.h"

#include <cstdio>
#include <fstream>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace nslab
{

namespace
{

void
WriteFile(const std::string& path, const std::string& content)
{
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out)
    {
        throw std::runtime_error("cannot write " + path);
    }
}

nlohmann::ordered_json
AppJson(const AppReport& app)
{
    const AppSpec& spec = *app.spec;
    nlohmann::ordered_json j;
    j["name"] = spec.name;
    j["type"] = spec.TypeName();
    j["node"] = spec.node;
    j["start_s"] = spec.start.GetSeconds();
    j["stop_s"] = spec.stop.GetSeconds();
    if (spec.role == AppRole::Client)
    {
        j["peer"] = spec.peer.node + (spec.peer.iface.empty() ? "" : "." + spec.peer.iface) + ":" +
                    std::to_string(spec.peer.port);
        j["bytes_sent"] = app.bytesSent;
        j[spec.transport == Transport::Tcp ? "messages_sent" : "packets_sent"] = app.packetsSent;
        if (spec.transport == Transport::Tcp)
        {
            j["connected"] = app.connected;
            j["connect_failed"] = app.connectFailed;
        }
        return j;
    }
    j["port"] = spec.port;
    j["bytes_received"] = app.bytesReceived;
    if (spec.transport == Transport::Tcp)
    {
        j["connections"] = app.connections;
        j["messages_received"] = app.packetsReceived;
    }
    else
    {
        j["packets_received"] = app.packetsReceived;
        j["packets_lost"] = app.lost;
        j["packets_duplicated"] = app.duplicates;
        j["packets_reordered"] = app.reordered;
    }
    j[spec.transport == Transport::Tcp ? "malformed_bytes" : "malformed_packets"] = app.malformed;
    j["latency_samples"] = app.latencyCount;
    j["latency_min_s"] = app.latencyMin;
    j["latency_mean_s"] = app.latencyMean;
    j["latency_max_s"] = app.latencyMax;
    return j;
}

std::string
Ms(double seconds)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << seconds * 1000;
    return out.str();
}

std::string
AppLine(const AppReport& app, int nameWidth)
{
    const AppSpec& spec = *app.spec;
    std::ostringstream out;
    out << "  " << std::left << std::setw(nameWidth) << spec.name << std::setw(12) << spec.TypeName() << app.endpoint
        << "\n      ";
    if (spec.role == AppRole::Client && spec.transport == Transport::Tcp)
    {
        out << "sent " << app.bytesSent << " of " << spec.bytes << " B"
            << (app.connectFailed ? " (connecting failed)" : !app.connected ? " (never connected)" : "");
    }
    else if (spec.role == AppRole::Client)
    {
        out << "sent " << app.packetsSent << " datagrams, " << app.bytesSent << " B";
    }
    else if (spec.transport == Transport::Tcp)
    {
        out << "received " << app.bytesReceived << " B in " << app.connections << " connection"
            << (app.connections == 1 ? "" : "s") << ", " << app.packetsReceived << " messages";
    }
    else
    {
        uint64_t expected = app.packetsReceived - app.duplicates + app.lost;
        out << "received " << app.packetsReceived << " datagrams (" << app.bytesReceived << " B), lost "
            << app.lost << " (" << std::fixed << std::setprecision(2)
            << (expected ? 100.0 * static_cast<double>(app.lost) / static_cast<double>(expected) : 0.0)
            << " %), " << app.duplicates << " duplicated, " << app.reordered << " reordered";
    }
    if (app.latencyCount)
    {
        // TCP messages wait in the sender's socket buffer too: not a network latency.
        out << "\n      " << (spec.transport == Transport::Tcp ? "message delay (send call to arrival)" : "one-way latency")
            << " min/mean/max " << Ms(app.latencyMin) << " / " << Ms(app.latencyMean) << " / " << Ms(app.latencyMax)
            << " ms";
    }
    return out.str();
}

} // namespace

nlohmann::ordered_json
SummaryJson(const RunReport& report)
{
    const Scenario& s = *report.scenario;
    nlohmann::ordered_json j;
    j["scenario"] = s.name;
    j["seed"] = s.seed;
    j["run"] = s.run;
    j["duration_s"] = s.duration.GetSeconds();
    j["apps"] = nlohmann::ordered_json::array();
    for (const auto& app : report.apps)
    {
        j["apps"].push_back(AppJson(app));
    }
    j["interfaces"] = nlohmann::ordered_json::array();
    for (const auto& iface : report.interfaces)
    {
        std::ostringstream address;
        address << iface.address << "/" << int(iface.prefix);
        j["interfaces"].push_back({{"node", iface.node},
                                   {"name", iface.name},
                                   {"link", s.links[iface.link].name},
                                   {"address", address.str()},
                                   {"pcap", iface.node + "-" + iface.name + ".pcap"}});
    }
    return j;
}

std::string
SummaryText(const RunReport& report, const std::string& outDir)
{
    const Scenario& s = *report.scenario;
    std::ostringstream out;
    out << "nslab: " << s.name << "  (seed " << s.seed << ", run " << s.run << "): "
        << s.duration.GetSeconds() << " s simulated in " << std::fixed << std::setprecision(2)
        << report.wallSeconds << " s\n";
    size_t width = 0;
    for (const auto& app : report.apps)
    {
        width = std::max(width, app.spec->name.size());
    }
    for (const auto& app : report.apps)
    {
        out << AppLine(app, static_cast<int>(width + 2)) << "\n";
    }
    out << "results: " << outDir << "/ (summary.json, scenario.ini, " << report.interfaces.size()
        << " pcaps)\n";
    return out.str();
}

void
WriteResults(const RunReport& report, const std::string& outDir)
{
    WriteFile(outDir + "/scenario.ini", ToIni(*report.scenario));
    std::string tmp = outDir + "/.summary.json.tmp";
    WriteFile(tmp, SummaryJson(report).dump(2) + "\n");
    if (std::rename(tmp.c_str(), (outDir + "/summary.json").c_str()) != 0)
    {
        throw std::runtime_error("cannot write " + outDir + "/summary.json");
    }
}

} // namespace nslab
