#include "icmp-apps.h"

#include "ping-app.h"
#include "traceroute-app.h"

#include "ns3/uinteger.h"

#include <cmath>
#include <iomanip>
#include <map>
#include <sstream>

namespace nslab
{

namespace
{

using Json = nlohmann::ordered_json;

/** \return the address of the peer's interface (its first, or the one named) in the app's IP version. */
ns3::Address
PeerAddress(const AppSpec& spec, const std::vector<InterfacePlan>& interfaces)
{
    for (const auto& iface : interfaces)
    {
        if (iface.node == spec.peer.node && (spec.peer.iface.empty() || iface.name == spec.peer.iface))
        {
            return spec.ip == IpVersion::V6 ? ns3::Address(iface.address6) : ns3::Address(iface.address);
        }
    }
    throw std::logic_error("the loader let through an unknown peer " + spec.peer.node);
}

std::string
AddressText(const ns3::Address& address)
{
    std::ostringstream out;
    if (ns3::Ipv6Address::IsMatchingType(address))
    {
        out << ns3::Ipv6Address::ConvertFrom(address);
    }
    else
    {
        out << ns3::Ipv4Address::ConvertFrom(address);
    }
    return out.str();
}

/** \return the node that has an address ("" if none does): what traceroute's reverse lookup would name. */
std::string
NodeOf(const RunReport& report, const std::string& address)
{
    for (const auto& iface : report.interfaces)
    {
        if (AddressText(iface.address) == address || AddressText(iface.address6) == address)
        {
            return iface.node;
        }
    }
    return "";
}

std::string
Ms(ns3::Time t)
{
    std::ostringstream out;
    out << std::fixed << std::setprecision(3) << t.GetSeconds() * 1000;
    return out.str();
}

/** \brief ping's round trips as iputils sums them up: min, avg, max, mdev (population standard deviation). */
struct PingRtts
{
    double min = 0, avg = 0, max = 0, mdev = 0; //!< seconds
};

PingRtts
RttsOf(const std::vector<Reply>& replies)
{
    PingRtts r;
    if (replies.empty())
    {
        return r;
    }
    r.min = INFINITY;
    for (const auto& reply : replies)
    {
        double rtt = (reply.received - reply.sent).GetSeconds();
        r.min = std::min(r.min, rtt);
        r.max = std::max(r.max, rtt);
        r.avg += rtt;
    }
    r.avg /= static_cast<double>(replies.size());
    for (const auto& reply : replies)
    {
        double d = (reply.received - reply.sent).GetSeconds() - r.avg;
        r.mdev += d * d;
    }
    r.mdev = std::sqrt(r.mdev / static_cast<double>(replies.size()));
    return r;
}

const char*
AnswerName(IcmpAnswerKind kind)
{
    return kind == IcmpAnswerKind::EchoReply      ? "echo-reply"
           : kind == IcmpAnswerKind::TimeExceeded ? "time-exceeded"
                                                  : "unreachable";
}

/** \return what Linux traceroute prints after the time of an unreachable answer: !N, !H, !P, !X, or !<code>. */
std::string
UnreachableMark(const IcmpAnswer& answer, bool v6)
{
    static const std::map<uint8_t, std::string> v4{{0, "!N"}, {1, "!H"}, {2, "!P"}, {13, "!X"}};
    static const std::map<uint8_t, std::string> v6codes{{0, "!N"}, {1, "!X"}, {3, "!H"}};
    const auto& marks = v6 ? v6codes : v4;
    auto it = marks.find(answer.code);
    return it != marks.end() ? it->second : "!" + std::to_string(answer.code);
}

void
PingJson(Json& j, const AppReport& app)
{
    PingRtts rtt = RttsOf(app.replies);
    auto optional = [&](double v) { return app.replies.empty() ? Json(nullptr) : Json(v); };
    j["packets_sent"] = app.packetsSent;
    j["packets_received"] = app.replies.size();
    j["packets_duplicated"] = app.duplicates;
    j["errors"] = app.icmpErrors;
    j["rtt_min_s"] = optional(rtt.min);
    j["rtt_avg_s"] = optional(rtt.avg);
    j["rtt_max_s"] = optional(rtt.max);
    j["rtt_mdev_s"] = optional(rtt.mdev);
}

void
TracerouteJson(Json& j, const RunReport& report, const AppReport& app)
{
    j["reached"] = app.reached;
    j["hops"] = Json::array();
    for (const auto& hop : app.hops)
    {
        Json entry{{"ttl", hop.ttl}, {"address", nullptr}, {"node", nullptr}, {"answer", nullptr}};
        Json rtts = Json::array();
        for (const auto& probe : hop.probes)
        {
            rtts.push_back(probe.answer ? Json(probe.rtt.GetSeconds()) : Json(nullptr));
            if (probe.answer && entry["address"].is_null())
            {
                std::string node = NodeOf(report, probe.answer->from);
                entry["address"] = probe.answer->from;
                entry["node"] = node.empty() ? Json(nullptr) : Json(node);
                entry["answer"] = AnswerName(probe.answer->kind);
            }
        }
        entry["rtts_s"] = rtts;
        j["hops"].push_back(entry);
    }
}

void
PingText(std::ostream& out, const AppReport& app)
{
    // iputils: "5 packets transmitted, 4 received, +1 duplicates, +2 errors, 20% packet loss"
    uint64_t sent = app.packetsSent, received = app.replies.size();
    out << sent << " packets transmitted, " << received << " received";
    if (app.duplicates)
    {
        out << ", +" << app.duplicates << " duplicates";
    }
    if (app.icmpErrors)
    {
        out << ", +" << app.icmpErrors << " errors";
    }
    double loss = sent ? static_cast<double>(sent - std::min(sent, received)) * 100.0 / static_cast<double>(sent) : 0;
    std::ostringstream percent;
    percent << loss; // %g, as iputils prints it
    out << ", " << percent.str() << "% packet loss";
    if (received)
    {
        PingRtts r = RttsOf(app.replies);
        out << "\n      rtt min/avg/max/mdev = " << Ms(ns3::Seconds(r.min)) << "/" << Ms(ns3::Seconds(r.avg)) << "/"
            << Ms(ns3::Seconds(r.max)) << "/" << Ms(ns3::Seconds(r.mdev)) << " ms";
    }
}

void
TracerouteText(std::ostream& out, const RunReport& report, const AppReport& app)
{
    // Linux traceroute: " 1  router (10.0.1.1)  10.015 ms  10.015 ms  10.015 ms", '*' for no answer.
    bool v6 = app.spec->ip == IpVersion::V6;
    std::string sep;
    for (const auto& hop : app.hops)
    {
        out << sep << std::setw(2) << std::right << hop.ttl << " " << std::left;
        sep = "\n      ";
        std::string shown;
        for (const auto& probe : hop.probes)
        {
            if (!probe.answer)
            {
                out << " *";
                continue;
            }
            if (probe.answer->from != shown)
            {
                std::string node = NodeOf(report, probe.answer->from);
                out << " " << (node.empty() ? probe.answer->from : node + " (" + probe.answer->from + ")");
                shown = probe.answer->from;
            }
            out << "  " << Ms(probe.rtt) << " ms";
            if (probe.answer->kind == IcmpAnswerKind::Unreachable)
            {
                out << " " << UnreachableMark(*probe.answer, v6);
            }
        }
    }
    if (!app.reached)
    {
        out << sep << app.spec->peer.node << " not reached";
    }
}

} // namespace

ns3::Ptr<IcmpEchoApp>
CreateIcmpApp(const AppSpec& spec, uint32_t id, const Topology& topology, const Scenario& scenario)
{
    ns3::Ptr<IcmpEchoApp> app;
    if (spec.IsPing())
    {
        auto ping = ns3::CreateObject<PingApp>();
        ping->SetAttribute("Count", ns3::UintegerValue(spec.count));
        ping->SetAttribute("Interval", ns3::TimeValue(spec.interval));
        ping->SetAttribute("Size", ns3::UintegerValue(spec.size));
        app = ping;
    }
    else
    {
        auto trace = ns3::CreateObject<TracerouteApp>();
        trace->SetAttribute("MaxHops", ns3::UintegerValue(spec.maxHops));
        trace->SetAttribute("Probes", ns3::UintegerValue(spec.probes));
        trace->SetAttribute("Size", ns3::UintegerValue(kTracerouteData));
        app = trace;
    }
    app->SetAttribute("Remote", ns3::AddressValue(PeerAddress(spec, topology.Interfaces())));
    app->SetAttribute("Identifier", ns3::UintegerValue(id & 0xffff));
    app->SetAttribute("Bin", ns3::TimeValue(scenario.bin));
    topology.Node(spec.node)->AddApplication(app);
    app->SetStartTime(spec.start);
    app->SetStopTime(spec.stop);
    return app;
}

void
CollectIcmpApp(const IcmpEchoApp& app, const Topology& topology, AppReport& report)
{
    const AppSpec& spec = *report.spec;
    report.throughput = app.Throughput();
    report.address = AddressText(PeerAddress(spec, topology.Interfaces()));
    report.endpoint = spec.node + " -> " + PeerHost(spec.peer) + " (" + report.address + ")";
    if (const auto* ping = dynamic_cast<const PingApp*>(&app))
    {
        report.packetsSent = ping->Sent();
        report.bytesSent = ping->Sent() * ping->RequestBytes();
        report.replies = ping->Replies();
        report.duplicates = ping->Duplicates();
        report.icmpErrors = ping->Errors();
    }
    else if (const auto* trace = dynamic_cast<const TracerouteApp*>(&app))
    {
        report.hops = trace->Hops();
        report.reached = trace->Reached();
    }
}

void
AddIcmpJson(Json& j, const RunReport& report, const AppReport& app)
{
    const AppSpec& spec = *app.spec;
    j["peer"] = PeerHost(spec.peer);
    j["address"] = app.address;
    if (spec.IsPing())
    {
        PingJson(j, app);
    }
    else
    {
        TracerouteJson(j, report, app);
    }
}

void
IcmpText(std::ostream& out, const RunReport& report, const AppReport& app)
{
    if (app.spec->IsPing())
    {
        PingText(out, app);
    }
    else
    {
        TracerouteText(out, report, app);
    }
}

} // namespace nslab
