// plain-p2p-bulk: the baseline half of the nslab benchmark.
//
// A plain, hand-written ns-3 program (what a user would write without nslab):
// two nodes on a 100 Mbps / 5 ms point-to-point link, one TCP bulk transfer
// from node 0 ("alice") to a PacketSink on node 1 ("bob"), pcap on both
// devices. Prints one summary line at the end:
//
//   baseline bytes_received=<N> goodput_mbps=<x>
//
// Options: --out=DIR --buffer=BYTES --cc=TcpNewReno|TcpCubic|... --seed=N --run=N

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdint>
#include <cstdio>
#include <string>

using namespace ns3;

int
main(int argc, char* argv[])
{
    std::string outDir = ".";
    uint32_t buffer = 4194304;
    std::string cc = "TcpNewReno";
    uint32_t seed = 1;
    uint64_t run = 1;
    double stopS = 10.0;

    CommandLine cmd(__FILE__);
    cmd.AddValue("out", "Directory for the pcap files", outDir);
    cmd.AddValue("buffer", "TCP send and receive buffer size in bytes", buffer);
    cmd.AddValue("cc", "TCP congestion control (TcpNewReno, TcpCubic, ...)", cc);
    cmd.AddValue("seed", "RNG seed", seed);
    cmd.AddValue("run", "RNG run number", run);
    cmd.AddValue("stop", "End of the transfer and of the run, seconds", stopS);
    cmd.Parse(argc, argv);

    if (cc.rfind("ns3::", 0) != 0)
    {
        cc = "ns3::" + cc;
    }
    TypeId ccTid;
    if (!TypeId::LookupByNameFailSafe(cc, &ccTid))
    {
        std::fprintf(stderr, "unknown congestion control: %s\n", cc.c_str());
        return 1;
    }

    RngSeedManager::SetSeed(seed);
    RngSeedManager::SetRun(run);

    GlobalValue::Bind("ChecksumEnabled", BooleanValue(true));

    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(buffer));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(buffer));
    Config::SetDefault("ns3::TcpL4Protocol::SocketType", TypeIdValue(ccTid));

    NodeContainer nodes;
    nodes.Create(2);

    PointToPointHelper p2p;
    p2p.SetDeviceAttribute("DataRate", StringValue("100Mbps"));
    p2p.SetDeviceAttribute("Mtu", UintegerValue(1500));
    p2p.SetChannelAttribute("Delay", StringValue("5ms"));
    NetDeviceContainer devices = p2p.Install(nodes);

    InternetStackHelper stack;
    stack.Install(nodes);

    Ipv4AddressHelper address;
    address.SetBase("10.0.1.0", "255.255.255.0");
    Ipv4InterfaceContainer ifaces = address.Assign(devices);

    const uint16_t port = 5000;
    const double startS = 1.0;

    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), port));
    ApplicationContainer sinkApps = sinkHelper.Install(nodes.Get(1));
    sinkApps.Start(Seconds(0.0));
    sinkApps.Stop(Seconds(stopS));

    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(ifaces.GetAddress(1), port));
    bulk.SetAttribute("MaxBytes", UintegerValue(0));
    bulk.SetAttribute("SendSize", UintegerValue(1448));
    ApplicationContainer srcApps = bulk.Install(nodes.Get(0));
    srcApps.Start(Seconds(startS));
    srcApps.Stop(Seconds(stopS));

    SystemPath::MakeDirectories(outDir);
    p2p.EnablePcap(outDir + "/alice-ppp0.pcap", devices.Get(0), false, true);
    p2p.EnablePcap(outDir + "/bob-ppp0.pcap", devices.Get(1), false, true);

    Simulator::Stop(Seconds(stopS));
    Simulator::Run();

    Ptr<PacketSink> sink = DynamicCast<PacketSink>(sinkApps.Get(0));
    const uint64_t rx = sink->GetTotalRx();
    const double goodputMbps = rx * 8.0 / (stopS - startS) / 1e6;

    Simulator::Destroy();

    std::printf("baseline bytes_received=%llu goodput_mbps=%.3f\n",
                static_cast<unsigned long long>(rx),
                goodputMbps);
    return 0;
}
