// plain-campus: the baseline half of bench/scale.sh.
//
// A campus written by hand, as an experienced ns-3 user would: R routers in a
// chain joined by point-to-point links (1 Gbit/s, 1 ms), each router with a
// CSMA LAN (100 Mbit/s, channel delay 0 as NS3-NOTES.md advises) of H hosts
// plus the router. Nodes: R * (H + 1). The server is the first host of the
// last LAN. Every other host streams UDP to the server (UdpClient, 200-byte
// datagrams every 20 ms), every tenth host (global host index 10, 20, ...)
// also sends 200 KB over TCP (BulkSend, NewReno, MSS 1448) to a PacketSink.
// Clients start at 1 s + (index mod 20) ms, the run ends at 3 s. Global routing,
// checksums on (valid pcaps, as nslab writes them), one full-frame pcap per
// device (EnablePcapAll). Addresses: LAN i is 10.1.i.0/24 (10.<1+i/256>.<i mod
// 256>.0), backbone link i is 10.200.i.0/24, as bench/campus.py writes them.
// bench/campus.py R H writes the same campus as an nslab scenario.
//
// Prints the server's counts: "udp_received=N tcp_bytes=B" and phase times
// on stderr with --timing=1.
//
// Options: --routers=R (4) --hosts=H (25) --out=DIR (pcap folder, .)
//          --pcap=0|1 (1) --checksum=0|1 (1)

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <chrono>
#include <cstdint>
#include <iostream>
#include <sstream>
#include <string>
#include <sys/resource.h>

using namespace ns3;

namespace
{

std::string
LanBase(uint32_t i)
{
    std::ostringstream s;
    s << "10." << 1 + i / 256 << "." << i % 256 << ".0";
    return s.str();
}

} // namespace

int
main(int argc, char* argv[])
{
    uint32_t nRouters = 4;
    uint32_t nHosts = 25;
    uint32_t intervalMs = 20;
    std::string out = ".";
    bool pcap = true;
    bool checksum = true;
    bool timing = false;

    CommandLine cmd(__FILE__);
    cmd.AddValue("routers", "Routers in the chain (R)", nRouters);
    cmd.AddValue("hosts", "Hosts per router LAN (H)", nHosts);
    cmd.AddValue("out", "Folder for the pcaps", out);
    cmd.AddValue("pcap", "Write a pcap per device", pcap);
    cmd.AddValue("checksum", "Compute checksums (IP, UDP, TCP, Ethernet FCS)", checksum);
    cmd.AddValue("timing", "Print the wall time of each phase on stderr", timing);
    cmd.AddValue("interval", "Milliseconds between a host's datagrams", intervalMs);
    cmd.Parse(argc, argv);
    if (nRouters < 1 || nHosts < 2 || nHosts > 253)
    {
        std::cerr << "plain-campus: need routers >= 1 and 2 <= hosts <= 253\n";
        return 2;
    }

    // One pcap per device: more files than the usual soft limit of 1024 at 10000 nodes.
    rlimit fds{};
    if (getrlimit(RLIMIT_NOFILE, &fds) == 0 && fds.rlim_cur < fds.rlim_max)
    {
        fds.rlim_cur = fds.rlim_max;
        setrlimit(RLIMIT_NOFILE, &fds);
    }

    auto t0 = std::chrono::steady_clock::now();
    auto phase = [&](const char* what) {
        if (timing)
        {
            auto now = std::chrono::steady_clock::now();
            std::cerr << "phase " << what << " "
                      << std::chrono::duration<double>(now - t0).count() << " s\n";
            t0 = now;
        }
    };

    GlobalValue::Bind("ChecksumEnabled", BooleanValue(checksum));
    Config::SetDefault("ns3::TcpL4Protocol::SocketType",
                       TypeIdValue(TypeId::LookupByName("ns3::TcpNewReno")));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    // ARP's pending queue of 3 drops the server's first SYN-ACKs to the router
    // (NS3-NOTES.md, 3); nslab sets 2000 too.
    Config::SetDefault("ns3::ArpCache::PendingQueueSize", UintegerValue(2000));

    NodeContainer routers;
    routers.Create(nRouters);
    std::vector<NodeContainer> hosts(nRouters);
    for (auto& lan : hosts)
    {
        lan.Create(nHosts);
    }

    CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", StringValue("100Mbps"));
    csma.SetChannelAttribute("Delay", TimeValue(Seconds(0)));
    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("1Gbps"));
    p2p.SetChannelAttribute("Delay", StringValue("1ms"));

    std::vector<NetDeviceContainer> lanDevices(nRouters);
    for (uint32_t i = 0; i < nRouters; ++i)
    {
        NodeContainer lan(routers.Get(i));
        lan.Add(hosts[i]);
        lanDevices[i] = csma.Install(lan);
    }
    std::vector<NetDeviceContainer> wanDevices;
    for (uint32_t i = 0; i + 1 < nRouters; ++i)
    {
        wanDevices.push_back(p2p.Install(routers.Get(i), routers.Get(i + 1)));
    }

    InternetStackHelper stack;
    stack.Install(routers);
    for (auto& lan : hosts)
    {
        stack.Install(lan);
    }

    Ipv4AddressHelper address;
    std::vector<Ipv4InterfaceContainer> lanIfaces(nRouters);
    for (uint32_t i = 0; i < nRouters; ++i)
    {
        address.SetBase(LanBase(i).c_str(), "255.255.255.0");
        lanIfaces[i] = address.Assign(lanDevices[i]);
    }
    for (uint32_t i = 0; i < wanDevices.size(); ++i)
    {
        address.SetBase(("10.200." + std::to_string(i) + ".0").c_str(), "255.255.255.0");
        address.Assign(wanDevices[i]);
    }
    phase("topology");

    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    phase("routes");

    // Server: the first host of the last LAN (device index 1: index 0 is the router).
    Ptr<Node> server = hosts[nRouters - 1].Get(0);
    Ipv4Address serverAddress = lanIfaces[nRouters - 1].GetAddress(1);
    const uint16_t udpPort = 9000;
    const uint16_t tcpPort = 5000;
    const Time stop = Seconds(3);

    UdpServerHelper udpServer(udpPort);
    ApplicationContainer udpServerApp = udpServer.Install(server);
    PacketSinkHelper tcpSink("ns3::TcpSocketFactory", InetSocketAddress(Ipv4Address::GetAny(), tcpPort));
    ApplicationContainer tcpSinkApp = tcpSink.Install(server);

    UdpClientHelper udpClient(serverAddress, udpPort);
    udpClient.SetAttribute("MaxPackets", UintegerValue(1000000)); // until stop (3.37: 0 sends one)
    udpClient.SetAttribute("Interval", TimeValue(MilliSeconds(intervalMs)));
    udpClient.SetAttribute("PacketSize", UintegerValue(200));
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(serverAddress, tcpPort));
    bulk.SetAttribute("MaxBytes", UintegerValue(200000));

    uint32_t udpClients = 0;
    uint32_t tcpClients = 0;
    uint32_t index = 0; // global host index, from 1
    for (uint32_t i = 0; i < nRouters; ++i)
    {
        for (uint32_t j = 0; j < nHosts; ++j)
        {
            ++index;
            Ptr<Node> host = hosts[i].Get(j);
            if (host == server)
            {
                continue;
            }
            Time start = Seconds(1) + MilliSeconds(index % 20);
            ApplicationContainer app = udpClient.Install(host);
            app.Start(start);
            app.Stop(stop);
            ++udpClients;
            if (index % 10 == 0)
            {
                ApplicationContainer tcp = bulk.Install(host);
                tcp.Start(start);
                tcp.Stop(stop);
                ++tcpClients;
            }
        }
    }

    if (pcap)
    {
        csma.EnablePcapAll(out + "/lan", false);
        p2p.EnablePcapAll(out + "/wan", false);
    }
    phase("apps+pcaps");

    Simulator::Stop(stop);
    Simulator::Run();
    phase("simulation");

    uint64_t udpReceived = DynamicCast<UdpServer>(udpServerApp.Get(0))->GetReceived();
    uint64_t tcpBytes = DynamicCast<PacketSink>(tcpSinkApp.Get(0))->GetTotalRx();
    Simulator::Destroy();
    phase("destroy");

    std::cout << "nodes=" << nRouters * (nHosts + 1) << " udp_clients=" << udpClients
              << " tcp_clients=" << tcpClients << " udp_received=" << udpReceived
              << " tcp_bytes=" << tcpBytes << std::endl;
    return 0;
}
