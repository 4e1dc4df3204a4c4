#include "metrics.h"

#include "units.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

namespace nslab
{

namespace
{

double
NearestRank(const std::vector<double>& sorted, double percent)
{
    auto rank = static_cast<size_t>(std::ceil(percent / 100 * static_cast<double>(sorted.size())));
    return sorted[std::max<size_t>(rank, 1) - 1];
}

/** Loss counts over the sequence numbers [0, judged): lost ones and their runs. */
void
CountLoss(const FlowStats& flow, uint64_t judged, FlowMetrics& m)
{
    auto seen = [&flow](uint64_t seq) { return seq < flow.seen.size() && flow.seen[seq]; };
    uint64_t lost = 0;
    for (uint64_t seq = 0; seq < judged; ++seq)
    {
        if (!seen(seq))
        {
            m.lossRuns += seq == 0 || seen(seq - 1);
            ++lost;
        }
    }
    m.lost = lost;
    m.lossRunMean = m.lossRuns ? static_cast<double>(lost) / static_cast<double>(m.lossRuns) : 0;
}

/** How many of a UDP client's datagrams were sent early enough to have surely arrived or been lost. */
uint64_t
Judged(const RunReport& report, const AppReport& client, const FlowStats& flow)
{
    double horizon = std::max(1.0, 2 * flow.latency.max.GetSeconds());
    ns3::Time cutoff = report.scenario->duration - ns3::Seconds(horizon);
    const auto& sent = client.datagramsSent;
    return static_cast<uint64_t>(std::upper_bound(sent.begin(), sent.end(), cutoff) - sent.begin());
}

std::vector<double>
Latencies(const FlowStats& flow)
{
    std::vector<double> values;
    values.reserve(flow.arrivals.size());
    for (const auto& arrival : flow.arrivals)
    {
        values.push_back((arrival.received - arrival.sent).GetSeconds());
    }
    return values;
}

FlowMetrics
MetricsOf(const RunReport& report, uint32_t app, const FlowStats& flow, bool udp)
{
    FlowMetrics m;
    m.app = app;
    m.received = flow.received;
    m.duplicates = flow.duplicates;
    m.reordered = flow.reordered;
    const AppReport* client = app >= 1 && app <= report.apps.size() ? &report.apps[app - 1] : nullptr;
    if (udp && client && client->spec->role == AppRole::Client)
    {
        uint64_t judged = Judged(report, *client, flow);
        CountLoss(flow, judged, m);
        m.resolved = judged;
        uint64_t lateArrived = 0;
        for (uint64_t seq = judged; seq < flow.seen.size(); ++seq)
        {
            lateArrived += flow.seen[seq];
        }
        m.unresolved = client->datagramsSent.size() - judged - lateArrived;
    }
    else
    {
        m.resolved = static_cast<uint64_t>(flow.highest + 1);
        CountLoss(flow, m.resolved, m); // gaps only
    }
    if (udp)
    {
        m.latency = Summarize(Latencies(flow));
        m.jitter = flow.jitter;
    }
    else if (flow.latency.count)
    {
        m.latency = {flow.latency.count, flow.latency.min.GetSeconds(), flow.latency.Mean().GetSeconds(),
                     0, 0, 0, flow.latency.max.GetSeconds()};
    }
    return m;
}

} // namespace

Distribution
Summarize(std::vector<double> values)
{
    Distribution d;
    if (values.empty())
    {
        return d;
    }
    std::sort(values.begin(), values.end());
    d.count = values.size();
    d.min = values.front();
    d.max = values.back();
    d.mean = std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
    d.p50 = NearestRank(values, 50);
    d.p95 = NearestRank(values, 95);
    d.p99 = NearestRank(values, 99);
    return d;
}

std::vector<FlowMetrics>
FlowsOf(const RunReport& report, const AppReport& server)
{
    // Every client that sends here has a flow, also one none of whose datagrams
    // arrived: a broadcast's or a group's at each server it reaches.
    std::map<uint32_t, FlowStats> flows = server.flows;
    for (uint32_t id = 1; id <= report.apps.size(); ++id)
    {
        const AppReport& client = report.apps[id - 1];
        if (!client.datagramsSent.empty() && Receives(*report.scenario, *client.spec, *server.spec))
        {
            flows.emplace(id, FlowStats{});
        }
    }
    std::vector<FlowMetrics> metrics;
    for (const auto& [app, flow] : flows)
    {
        metrics.push_back(MetricsOf(report, app, flow, server.spec->transport == Transport::Udp));
    }
    return metrics;
}

FlowMetrics
TotalOf(const RunReport& report, const AppReport& server)
{
    std::vector<FlowMetrics> flows = FlowsOf(report, server);
    if (flows.size() == 1)
    {
        return flows[0];
    }
    FlowMetrics total;
    std::vector<double> pooled;
    for (const auto& [app, flow] : server.flows)
    {
        std::vector<double> latencies = Latencies(flow);
        pooled.insert(pooled.end(), latencies.begin(), latencies.end());
    }
    for (const auto& f : flows)
    {
        total.received += f.received;
        total.lost += f.lost;
        total.unresolved += f.unresolved;
        total.resolved += f.resolved;
        total.duplicates += f.duplicates;
        total.reordered += f.reordered;
        total.lossRuns += f.lossRuns;
        total.jitter = std::max(total.jitter, f.jitter); // the worst source
    }
    // Every lost datagram belongs to exactly one run.
    total.lossRunMean = total.lossRuns ? static_cast<double>(total.lost) / static_cast<double>(total.lossRuns) : 0;
    if (server.spec->transport == Transport::Udp)
    {
        total.latency = Summarize(pooled);
        return total;
    }
    LatencyStats all;
    for (const auto& [app, flow] : server.flows)
    {
        all.Merge(flow.latency);
    }
    if (all.count)
    {
        total.latency = {all.count, all.min.GetSeconds(), all.Mean().GetSeconds(), 0, 0, 0, all.max.GetSeconds()};
    }
    return total;
}

TransferMetrics
TransferOf(const AppReport& client, ns3::Time bin)
{
    TransferMetrics t;
    if (!client.tcp)
    {
        return t;
    }
    const TcpStats& tcp = *client.tcp;
    if (!tcp.established.IsZero())
    {
        t.setup = (tcp.established - client.connectStart).GetSeconds();
    }
    t.completed = client.spec->bytes > 0 && tcp.bytesAcked == client.spec->bytes; // 0: paced until stop
    if (t.completed)
    {
        ns3::Time completion = tcp.lastAcked - client.connectStart;
        t.completion = completion.GetSeconds();
        if (completion >= bin)
        {
            t.goodput = static_cast<double>(client.spec->bytes) * 8 / *t.completion;
        }
        else
        {
            t.goodputNote = "too short to measure: completed in " + FormatTime(completion.GetNanoSeconds()) +
                            ", less than one time bin (" + FormatTime(bin.GetNanoSeconds()) + ")";
        }
    }
    return t;
}

Distribution
RoundTripsOf(const AppReport& client)
{
    std::vector<double> values;
    for (const auto& reply : client.replies)
    {
        values.push_back((reply.received - reply.sent).GetSeconds());
    }
    return Summarize(values);
}

const AppReport*
ServerOf(const RunReport& report, const AppReport& client)
{
    const AppSpec& c = *client.spec;
    for (const auto& app : report.apps)
    {
        const AppSpec& s = *app.spec;
        bool unicast = c.peer.kind == PeerKind::Node || c.peer.kind == PeerKind::Address;
        if (unicast && s.role == AppRole::Server && s.transport == c.transport && s.node == c.peer.node &&
            s.port == c.peer.port)
        {
            return &app;
        }
    }
    return nullptr;
}

std::optional<double>
ServerGoodput(const AppReport& server, ns3::Time bin, std::string* why)
{
    // The first arrival opens the interval: counting its bytes too would
    // overstate a stream of n datagrams by n / (n - 1). Duplicates are not
    // goodput: with them a receiver could count more than was sent.
    ns3::Time span = server.lastData - server.firstData;
    if (server.bytesReceived == 0 || span < bin)
    {
        if (why && server.bytesReceived > 0)
        {
            *why = "too short to measure: its data arrived within " + FormatTime(span.GetNanoSeconds()) +
                   ", less than one time bin (" + FormatTime(bin.GetNanoSeconds()) + ")";
        }
        return std::nullopt;
    }
    uint64_t duplicateBytes = 0;
    for (const auto& [app, flow] : server.flows)
    {
        duplicateBytes += flow.duplicateBytes;
    }
    return static_cast<double>(server.bytesReceived - duplicateBytes - server.firstDataBytes) * 8 / span.GetSeconds();
}

} // namespace nslab
