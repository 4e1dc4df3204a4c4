// plain-idle-lan: the baseline half of bench/lan-scale.sh.
//
// A plain, hand-written ns-3 program as a user writes it from the tutorials:
// N nodes on one CSMA LAN (100 Mbps, no delay), the Internet stack, IPv4
// addresses from 10.128.0.0/16, global routing, 1 s simulated, no traffic.
// What nslab does for an idle `type = ethernet` LAN of N hosts with
// `capture = none` (or capture on, with --pcap=1). Prints the node count.
//
// Options: --nodes=N (default 400) --pcap=0|1 (default 0) --out=DIR (pcap prefix dir)

#include "ns3/core-module.h"
#include "ns3/csma-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <cstdint>
#include <iostream>
#include <string>

using namespace ns3;

int
main(int argc, char* argv[])
{
    uint32_t nNodes = 400;
    bool pcap = false;
    std::string out = ".";

    CommandLine cmd(__FILE__);
    cmd.AddValue("nodes", "Number of nodes on the LAN", nNodes);
    cmd.AddValue("pcap", "Write a pcap per device", pcap);
    cmd.AddValue("out", "Directory for the pcaps", out);
    cmd.Parse(argc, argv);

    NodeContainer nodes;
    nodes.Create(nNodes);

    CsmaHelper csma;
    csma.SetChannelAttribute("DataRate", StringValue("100Mbps"));
    csma.SetChannelAttribute("Delay", TimeValue(Seconds(0)));
    NetDeviceContainer devices = csma.Install(nodes);

    InternetStackHelper stack;
    stack.Install(nodes);

    Ipv4AddressHelper address;
    address.SetBase("10.128.0.0", "255.255.0.0");
    address.Assign(devices);

    Ipv4GlobalRoutingHelper::PopulateRoutingTables();

    if (pcap)
    {
        csma.EnablePcapAll(out + "/lan");
    }

    Simulator::Stop(Seconds(1));
    Simulator::Run();
    Simulator::Destroy();

    std::cout << "nodes=" << nNodes << std::endl;
    return 0;
}
