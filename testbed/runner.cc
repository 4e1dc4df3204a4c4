#include "runner.h"

#include "addresses.h"
#include "icmp-apps.h"
#include "topology.h"

#include "ns3/boolean.h"
#include "ns3/config.h"
#include "ns3/global-value.h"
#include "ns3/inet-socket-address.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/names.h"
#include "ns3/pointer.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/show-progress.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/tcp-westwood.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <tuple>

namespace nslab
{

namespace
{

void
SetDefaults(uint32_t seed, uint32_t run)
{
    ns3::RngSeedManager::SetSeed(seed);
    ns3::RngSeedManager::SetRun(run);
    // Real checksums, so that Wireshark shows no false checksum errors.
    ns3::GlobalValue::Bind("ChecksumEnabled", ns3::BooleanValue(true));
    // The fragments of large datagrams wait together for ARP or neighbor
    // discovery; ns-3's 3 would silently drop the rest. 2000 holds the 45
    // fragments of 44 maximum-size datagrams sent before the first answer.
    ns3::Config::SetDefault("ns3::ArpCache::PendingQueueSize", ns3::UintegerValue(2000));
    ns3::Config::SetDefault("ns3::NdiscCache::UnresolvedQueueSize", ns3::UintegerValue(2000));
    // Addresses are planned unique: no duplicate address detection, which
    // would hold every IPv6 address back for a second.
    ns3::Config::SetDefault("ns3::Icmpv6L4Protocol::DAD", ns3::BooleanValue(false));
    // NewReno: the textbook algorithm; ns-3.37's Cubic misbehaves under heavy random loss.
    ns3::Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                            ns3::TypeIdValue(ns3::TypeId::LookupByName("ns3::TcpNewReno")));
    // 'westwood' is Westwood+, as Linux's tcp_westwood is. ns-3.37's original
    // Westwood divides by the time between two ACKs and aborts when two arrive
    // in the same nanosecond (a fast or loopback path); Westwood+ samples once per RTT.
    ns3::Config::SetDefault("ns3::TcpWestwood::ProtocolType", ns3::EnumValue(ns3::TcpWestwood::WESTWOODPLUS));
}

const InterfacePlan&
InterfaceOf(const Topology& topology, const std::string& node, const std::string& name)
{
    for (const auto& iface : topology.Interfaces())
    {
        if (iface.node == node && (name.empty() || iface.name == name))
        {
            return iface;
        }
    }
    throw std::logic_error("the loader let through an unknown interface " + node + "." + name);
}

/** \return the address datagrams or the connection go to: an interface's, a link's broadcast, or a group. */
ns3::Address
PeerAddressOf(const Topology& topology, const AppSpec& spec)
{
    const Peer& peer = spec.peer;
    bool v6 = spec.ip == IpVersion::V6;
    if (peer.kind == PeerKind::Group)
    {
        return v6 ? ns3::Address(ns3::Ipv6Address(peer.address.c_str())) : ns3::Address(ns3::Ipv4Address(peer.address.c_str()));
    }
    if (peer.kind == PeerKind::Broadcast)
    {
        return BroadcastOf(InterfaceOf(topology, spec.node, peer.iface));
    }
    const InterfacePlan& iface = InterfaceOf(topology, peer.node, peer.iface);
    return v6 ? ns3::Address(iface.address6) : ns3::Address(iface.address);
}

/** \return the peer's socket address in the client's IP version. */
ns3::Address
SocketAddressOf(const Topology& topology, const AppSpec& spec)
{
    ns3::Address address = PeerAddressOf(topology, spec);
    if (spec.ip == IpVersion::V6)
    {
        return ns3::Inet6SocketAddress(ns3::Ipv6Address::ConvertFrom(address), spec.peer.port);
    }
    return ns3::InetSocketAddress(ns3::Ipv4Address::ConvertFrom(address), spec.peer.port);
}

/**
 * \return what a client binds: its bind address (TCP) and sport. A UDP
 * client bound to an address keeps the any-address with the address's
 * device instead: ns-3.37's UdpSocketImpl sends a datagram from a bound
 * address without a route (Ipv4L3Protocol then routes by destination and
 * ignores the bound device), while a socket bound to a device alone gets
 * a route through that device, whose source is the device's address.
 */
ns3::Address
LocalAddressOf(const Topology& topology, const AppSpec& spec)
{
    bool v6 = spec.ip == IpVersion::V6;
    bool address = !spec.bind.empty() && spec.bind != spec.node + "." + spec.bindIface;
    if (!address && spec.sport == 0)
    {
        return ns3::Address(); // an ephemeral port on any address, as connect() without bind()
    }
    if (address && spec.transport == Transport::Tcp)
    {
        const InterfacePlan& iface = InterfaceOf(topology, spec.node, spec.bindIface);
        return v6 ? ns3::Address(ns3::Inet6SocketAddress(iface.address6, spec.sport))
                  : ns3::Address(ns3::InetSocketAddress(iface.address, spec.sport));
    }
    return v6 ? ns3::Address(ns3::Inet6SocketAddress(ns3::Ipv6Address::GetAny(), spec.sport))
              : ns3::Address(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), spec.sport));
}

/** \brief Routes the scenario's bound, broadcasting and multicasting clients need, and the groups' forwarding. */
void
AddClientRoutes(Topology& topology, const Scenario& scenario)
{
    std::set<std::string> bound, senders;
    std::set<std::tuple<std::string, std::string, size_t>> routes; // node, group, in-link: each once
    for (const auto& spec : scenario.apps)
    {
        if (spec.role == AppRole::Client && !spec.bindIface.empty() && bound.insert(spec.node).second)
        {
            topology.RouteThroughEveryInterface(spec.node);
        }
        if (spec.role != AppRole::Client || spec.peer.kind != PeerKind::Group)
        {
            continue;
        }
        if (senders.insert(spec.node).second)
        {
            topology.AddGroupSendRoutes(spec.node);
        }
        for (const auto& route :
             ReachOfGroup(scenario.links, scenario.forwardGroups, spec.peer.address, spec.peer.link, spec.node).routes)
        {
            if (routes.emplace(route.node, route.group, route.in).second)
            {
                topology.AddGroupRoute(route);
            }
        }
    }
}

ns3::Ptr<TrafficApp>
CreateApp(const AppSpec& spec, uint32_t id, const Topology& topology, const Scenario& scenario)
{
    ns3::Ptr<TrafficApp> app;
    if (spec.role == AppRole::Client)
    {
        auto client = ns3::CreateObject<TrafficClient>();
        client->SetAttribute("Remote", ns3::AddressValue(SocketAddressOf(topology, spec)));
        client->SetAttribute("Local", ns3::AddressValue(LocalAddressOf(topology, spec)));
        if (!spec.bindIface.empty())
        {
            client->SetAttribute("Device", ns3::PointerValue(ns3::Names::Find<ns3::NetDevice>(
                                               spec.node + "/" + spec.bindIface)));
        }
        client->SetMessages(spec.messages);
        client->SetAttribute("Raw", ns3::BooleanValue(spec.raw));
        if (spec.transport == Transport::Tcp)
        {
            client->SetAttribute("MessageSize", ns3::UintegerValue(spec.mss));
            client->SetAttribute("Chunk", ns3::UintegerValue(spec.chunk));
            client->SetAttribute("Paced", ns3::BooleanValue(spec.paced));
        }
        if (spec.transport == Transport::Tcp && !spec.paced)
        {
            client->SetAttribute("MaxBytes", ns3::UintegerValue(spec.bytes));
        }
        else
        {
            client->SetAttribute("PacketSize", ns3::UintegerValue(spec.size));
            client->SetAttribute("Interval", ns3::TimeValue(spec.interval));
            client->SetAttribute("MaxPackets", ns3::UintegerValue(spec.count));
        }
        app = client;
    }
    else
    {
        auto server = ns3::CreateObject<TrafficServer>();
        server->SetAttribute("Port", ns3::UintegerValue(spec.port));
        server->SetAttribute("Echo", ns3::BooleanValue(spec.echo));
        server->SetAttribute("RecvSize", ns3::UintegerValue(spec.recvSize));
        server->SetAttribute("Raw", ns3::BooleanValue(spec.raw));
        server->SetAttribute("ListReads", ns3::BooleanValue(spec.listReads));
        server->SetAttribute("Ipv4", ns3::BooleanValue(scenario.ip != IpVersion::V6));
        server->SetAttribute("Ipv6", ns3::BooleanValue(scenario.ip != IpVersion::V4));
        server->Membership().SetGroups(spec.groups);
        server->Membership().SetFiltering(std::any_of(scenario.apps.begin(), scenario.apps.end(), [](const AppSpec& a) {
            return a.role == AppRole::Client && a.peer.kind == PeerKind::Group;
        }));
        app = server;
    }
    app->SetAttribute("Protocol",
                      ns3::TypeIdValue(spec.transport == Transport::Tcp ? ns3::TcpSocketFactory::GetTypeId()
                                                                        : ns3::UdpSocketFactory::GetTypeId()));
    app->SetAttribute("AppId", ns3::UintegerValue(id));
    app->SetAttribute("Buffer", ns3::UintegerValue(spec.buffer));
    app->SetAttribute("SegmentSize", ns3::UintegerValue(spec.mss));
    app->SetAttribute("Bin", ns3::TimeValue(scenario.bin));
    if (spec.transport == Transport::Tcp)
    {
        TcpOptions options;
        for (const auto& [name, typeId] : TcpCongestions())
        {
            options.congestion = name == spec.congestion ? typeId : options.congestion;
        }
        options.sack = spec.sack;
        options.delayedAck = spec.delack;
        options.initialCwnd = spec.initialCwnd;
        options.minRto = spec.minRto;
        app->SetTcpOptions(options);
    }
    topology.Node(spec.node)->AddApplication(app);
    app->SetStartTime(spec.start);
    app->SetStopTime(spec.stop);
    return app;
}

/**
 * \return "alice -> bob:5000 (10.0.1.2)": the client, with its bound interface
 * and source port if given, the peer as written, and where it resolves to
 * ("alice -> 10.0.1.2:5000 (bob.eth0)", "alice -> broadcast:5000 (10.0.1.255)").
 */
std::string
EndpointOf(const Topology& topology, const AppSpec& spec)
{
    std::ostringstream endpoint;
    endpoint << spec.node << (spec.bindIface.empty() ? "" : "." + spec.bindIface)
             << (spec.sport ? ":" + std::to_string(spec.sport) : "") << " -> " << PeerText(spec.peer);
    if (spec.peer.kind == PeerKind::Address)
    {
        endpoint << " (" << spec.peer.node << "." << spec.peer.iface << ")";
    }
    else if (spec.peer.kind == PeerKind::Group)
    {
        endpoint << " (group)";
    }
    else if (spec.peer.kind == PeerKind::Broadcast && spec.peer.address.empty())
    {
        endpoint << " (" << ns3::Ipv4Address::ConvertFrom(PeerAddressOf(topology, spec)) << ")";
    }
    else if (spec.peer.kind == PeerKind::Node)
    {
        ns3::Address address = PeerAddressOf(topology, spec);
        if (spec.ip == IpVersion::V6)
        {
            endpoint << " ([" << ns3::Ipv6Address::ConvertFrom(address) << "])";
        }
        else
        {
            endpoint << " (" << ns3::Ipv4Address::ConvertFrom(address) << ")";
        }
    }
    return endpoint.str();
}

AppReport
Collect(const AppSpec& spec, ns3::Ptr<ns3::Application> app, const Topology& topology)
{
    AppReport report;
    report.spec = &spec;
    if (auto icmp = ns3::DynamicCast<IcmpEchoApp>(app))
    {
        CollectIcmpApp(*icmp, topology, report);
        return report;
    }
    report.throughput = ns3::DynamicCast<TrafficApp>(app)->Throughput();
    if (auto client = ns3::DynamicCast<TrafficClient>(app))
    {
        report.endpoint = EndpointOf(topology, spec);
        report.localPort = client->LocalPort();
        report.bytesSent = client->BytesSent();
        report.packetsSent = client->PacketsSent();
        report.sendCalls = client->SendCalls();
        report.connected = client->Connected();
        report.connectFailed = client->Failed();
        report.error = client->Error();
        report.icmpUnreachable = client->IcmpUnreachable();
        report.connectStart = client->ConnectStart();
        report.replies = client->Replies();
        report.messagesSent = client->MessagesSent();
        report.datagramsSent = client->DatagramsSent();
        if (client->Tcp())
        {
            report.tcp = *client->Tcp();
        }
        return report;
    }
    auto server = ns3::DynamicCast<TrafficServer>(app);
    report.endpoint = spec.node + ":" + std::to_string(spec.port);
    report.bytesReceived = server->BytesReceived();
    report.packetsReceived = server->PacketsReceived();
    report.connections = server->ConnectionCount();
    report.malformed = server->Malformed();
    report.firstData = server->FirstData();
    report.lastData = server->LastData();
    report.firstDataBytes = server->FirstDataBytes();
    report.recvCalls = server->RecvCalls();
    report.reads = server->Reads();
    report.flows = server->Flows();
    for (const TcpStats* connection : server->Connections())
    {
        report.accepted.push_back(*connection);
    }
    return report;
}

} // namespace

RunReport
RunScenario(const Scenario& scenario, const RunOptions& options)
{
    auto wallStart = std::chrono::steady_clock::now();
    RunReport report;
    report.scenario = &scenario;
    std::set<std::string> realNodes;
    for (const auto& spec : scenario.apps)
    {
        if (spec.IsProcess())
        {
            realNodes.insert(spec.node);
        }
    }
    if (!realNodes.empty())
    {
        // Before anything schedules an event: real programs live on the wall clock.
        ns3::GlobalValue::Bind("SimulatorImplementationType", ns3::StringValue("ns3::RealtimeSimulatorImpl"));
    }
    SetDefaults(scenario.seed, scenario.run);

    std::vector<std::vector<LinkSpec>> later;
    for (const auto& event : scenario.events)
    {
        later.push_back(event.links);
    }
    Topology topology(scenario.links, {options.outDir, scenario.capture, scenario.nodeCapture}, scenario.ip,
                      realNodes, scenario.places, later,
                      scenario.routing == Routing::Rip ? std::optional<RipTimers>(scenario.rip) : std::nullopt);
    topology.SetStaticRouting(scenario.routing != Routing::Fixed); // with RIP: the hosts' routes
    for (const auto& event : scenario.events)
    {
        ns3::Simulator::Schedule(event.at, [&topology, &event] { topology.Change(event.links); });
    }
    report.interfaces = topology.Interfaces();
    AddClientRoutes(topology, scenario);
    std::vector<ns3::Ptr<ns3::Application>> apps;
    for (size_t i = 0; i < scenario.apps.size(); ++i)
    {
        const AppSpec& spec = scenario.apps[i];
        auto id = static_cast<uint32_t>(i + 1);
        ns3::Ptr<ns3::Application> app;
        if (spec.IsProcess())
        {
            // RealPrograms runs it
        }
        else if (spec.transport == Transport::Icmp)
        {
            app = CreateIcmpApp(spec, id, topology, scenario);
        }
        else
        {
            app = CreateApp(spec, id, topology, scenario);
        }
        apps.push_back(app);
    }

    std::unique_ptr<RealPrograms> real;
    if (!realNodes.empty())
    {
        real = std::make_unique<RealPrograms>(scenario, topology, options.outDir);
    }
    ns3::Simulator::Stop(scenario.duration);
    std::unique_ptr<ns3::ShowProgress> progress;
    if (options.progress)
    {
        progress = std::make_unique<ns3::ShowProgress>(ns3::Seconds(1), std::cerr);
    }
    ns3::Simulator::Run();
    progress.reset();
    if (real)
    {
        real->Finish();
        report.realtime = real->GetLateness();
        report.interrupted = real->Interrupted();
    }

    for (size_t i = 0; i < scenario.apps.size(); ++i)
    {
        if (scenario.apps[i].IsProcess())
        {
            AppReport process;
            process.spec = &scenario.apps[i];
            process.endpoint = scenario.apps[i].node;
            process.process = real->Report(i);
            report.apps.push_back(process);
            continue;
        }
        report.apps.push_back(Collect(scenario.apps[i], apps[i], topology));
    }
    for (size_t i = 0; i < report.interfaces.size(); ++i)
    {
        report.associated.push_back(topology.Associated(i));
        report.queueDiscs.push_back(topology.QueueDiscOf(i));
    }
    report.directions = topology.Directions();
    report.switchDrops = topology.SwitchDrops();
    report.hostDrops = topology.HostDropsByNode();
    report.drops = topology.DropRows();
    report.dropsOmitted = topology.DropsOmitted();
    apps.clear();
    // Destroying the simulator closes (and so completes) the pcap files.
    ns3::Simulator::Destroy();
    real.reset(); // after the taps' readers have stopped
    if (!realNodes.empty())
    {
        ns3::GlobalValue::Bind("SimulatorImplementationType", ns3::StringValue("ns3::DefaultSimulatorImpl"));
    }
    ns3::Names::Clear();
    std::chrono::duration<double> wall = std::chrono::steady_clock::now() - wallStart;
    report.wallSeconds = wall.count();
    return report;
}

} // namespace nslab
