// EthernetWireDevice and EthernetWireChannel on real simulations: frame
// timing to the nanosecond (in traces and in the pcaps), full-duplex TCP
// goodput over a long cable, a learning switch built from BridgeNetDevice,
// IPv6 neighbor discovery, and global routing across switched LANs.
#include "ethernet-wire.h"
#include "test-util.h"

#include "ns3/applications-module.h"
#include "ns3/bridge-helper.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"

#include <cstring>
#include <fstream>
#include <gtest/gtest.h>

using namespace ns3;
using nslab::EthernetWireChannel;
using nslab::EthernetWireDevice;

namespace
{

constexpr uint16_t kArp = 0x0806;
constexpr uint16_t kIpv4 = 0x0800;
constexpr uint16_t kEchoPort = 9;

/** One record of a pcap file. */
struct PcapFrame
{
    int64_t ns = 0; //!< timestamp
    uint32_t origLen = 0;
    std::vector<uint8_t> bytes;

    uint16_t EtherType() const
    {
        return static_cast<uint16_t>(bytes.at(12) << 8 | bytes.at(13));
    }

    uint16_t ArpOp() const
    {
        return static_cast<uint16_t>(bytes.at(20) << 8 | bytes.at(21));
    }

    bool ToBroadcast() const
    {
        return std::all_of(bytes.begin(), bytes.begin() + 6, [](uint8_t b) { return b == 0xff; });
    }
};

struct Pcap
{
    uint32_t linkType = 0;
    uint32_t snapLen = 0;
    std::vector<PcapFrame> frames;
};

uint32_t
U32(const std::string& s, size_t at)
{
    uint32_t v;
    std::memcpy(&v, s.data() + at, 4); // ns-3 writes the host's byte order
    return v;
}

/** Parse a pcap file (microsecond or nanosecond timestamps). */
Pcap
ReadPcap(const std::string& path)
{
    std::string s = nslab::test::Slurp(path);
    if (s.size() < 24)
    {
        throw std::runtime_error(path + ": no pcap header");
    }
    uint32_t magic = U32(s, 0);
    int64_t fraction = magic == 0xa1b23c4d ? 1 : magic == 0xa1b2c3d4 ? 1000 : 0;
    if (!fraction)
    {
        throw std::runtime_error(path + ": bad pcap magic");
    }
    Pcap pcap{U32(s, 20), U32(s, 16), {}};
    for (size_t at = 24; at + 16 <= s.size();)
    {
        PcapFrame f;
        f.ns = int64_t{U32(s, at)} * 1000000000 + int64_t{U32(s, at + 4)} * fraction;
        uint32_t incl = U32(s, at + 8);
        f.origLen = U32(s, at + 12);
        f.bytes.assign(s.begin() + at + 16, s.begin() + at + 16 + incl);
        pcap.frames.push_back(f);
        at += 16 + incl;
    }
    return pcap;
}

NetDeviceContainer
Both(Ptr<NetDevice> a, Ptr<NetDevice> b)
{
    NetDeviceContainer devices(a);
    devices.Add(b);
    return devices;
}

/** A frame seen by a trace: when, and its EtherType. */
struct Seen
{
    int64_t ns;
    uint16_t etherType;
    uint32_t size;
};

class EthernetWireTest : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        RngSeedManager::SetSeed(1);
        RngSeedManager::SetRun(1);
    }

    void TearDown() override
    {
        Simulator::Destroy();
        Config::Reset();
    }

    /** Cable two nodes with a pair of new devices. */
    std::pair<Ptr<EthernetWireDevice>, Ptr<EthernetWireDevice>> Wire(
        Ptr<Node> a,
        Ptr<Node> b,
        Time delay,
        DataRate rate = DataRate("100Mbps"))
    {
        auto channel = CreateObject<EthernetWireChannel>();
        channel->SetAttribute("Delay", TimeValue(delay));
        auto ends =
            std::make_pair(CreateObject<EthernetWireDevice>(), CreateObject<EthernetWireDevice>());
        for (auto [node, device] : {std::make_pair(a, ends.first), std::make_pair(b, ends.second)})
        {
            device->SetAttribute("DataRate", DataRateValue(rate));
            node->AddDevice(device);
            device->Attach(channel);
        }
        return ends;
    }

    /** Record when frames start on a device's wire (tx) and have fully arrived (rx). */
    static void Watch(Ptr<EthernetWireDevice> device, std::vector<Seen>& tx, std::vector<Seen>& rx)
    {
        auto record = [](std::vector<Seen>* into) {
            return Callback<void, Ptr<const Packet>>([into](Ptr<const Packet> p) {
                uint8_t h[14];
                p->CopyData(h, 14);
                into->push_back({Simulator::Now().GetNanoSeconds(),
                                 static_cast<uint16_t>(h[12] << 8 | h[13]),
                                 p->GetSize()});
            });
        };
        device->TraceConnectWithoutContext("PhyTxBegin", record(&tx));
        device->TraceConnectWithoutContext("PhyRxEnd", record(&rx));
    }

    /** A UDP echo server on `server` and a client on `client` sending `count` datagrams. */
    static ApplicationContainer Echo(Ptr<Node> client,
                                     Ptr<Node> server,
                                     Address to,
                                     uint32_t count,
                                     Time start,
                                     Time interval = Seconds(1))
    {
        UdpEchoServerHelper echoServer(kEchoPort);
        ApplicationContainer apps = echoServer.Install(server);
        UdpEchoClientHelper echoClient(to, kEchoPort);
        echoClient.SetAttribute("MaxPackets", UintegerValue(count));
        echoClient.SetAttribute("Interval", TimeValue(interval));
        echoClient.SetAttribute("PacketSize", UintegerValue(100));
        apps.Add(echoClient.Install(client));
        apps.Get(1)->SetStartTime(start);
        return apps;
    }

    static int64_t TxNs(uint32_t bytes)
    {
        return EthernetWireDevice::TransmissionTime(bytes, DataRate("100Mbps")).GetNanoSeconds();
    }

    nslab::test::TempDir m_dir;
};

TEST_F(EthernetWireTest, TransmissionTimeCountsPaddingAndWireOverhead)
{
    // ARP: 42 bytes padded to 60, + 24 = 84 bytes = 672 bits at 100 Mbit/s.
    EXPECT_EQ(TxNs(42), 6720);
    EXPECT_EQ(TxNs(60), 6720);
    EXPECT_EQ(TxNs(1514), 123040); // a full 1500-byte IP packet: 1538 bytes on the wire
    EXPECT_EQ(EthernetWireDevice::TransmissionTime(1514, DataRate("1Gbps")).GetNanoSeconds(),
              12304);
}

// An ARP request leaves A at t0, is in B's capture 20 ms + 6.72 us later, and
// B's reply is in A's capture 2 x (20 ms + 6.72 us) after t0.
TEST_F(EthernetWireTest, ArpTimestampsInPcapsFollowTheCable)
{
    NodeContainer nodes(2);
    auto [a, b] = Wire(nodes.Get(0), nodes.Get(1), MilliSeconds(20));
    InternetStackHelper().Install(nodes);
    Ipv4AddressHelper ipv4("10.0.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = ipv4.Assign(Both(a, b));
    std::vector<Seen> aTx, aRx, bTx, bRx;
    Watch(a, aTx, aRx);
    Watch(b, bTx, bRx);
    nslab::EnableEthernetPcap(a, m_dir / "a.pcap", 0);
    nslab::EnableEthernetPcap(b, m_dir / "b.pcap", 0);
    Echo(nodes.Get(0), nodes.Get(1), ifs.GetAddress(1), 1, Seconds(1));
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    Simulator::Destroy(); // closes the pcaps

    // ARP waits a random RequestJitter (0-10 ms) before asking, and does not
    // learn from requests (ns-3 bug 107): B asks back before its echo reply.
    ASSERT_EQ(aTx.size(), 3u); // ARP request, echo request, ARP reply
    ASSERT_EQ(aRx.size(), 3u); // ARP reply, ARP request, echo reply
    ASSERT_EQ(bTx.size(), 3u); // ARP reply, ARP request, echo reply
    ASSERT_EQ(bRx.size(), 3u); // ARP request, echo request, ARP reply
    const int64_t t0 = aTx[0].ns, delay = 20000000, arp = TxNs(42), echo = TxNs(142);
    EXPECT_GE(t0, 1000000000);
    EXPECT_LT(t0, 1010000000);
    EXPECT_EQ(bRx[0].ns, t0 + arp + delay);
    EXPECT_EQ(bTx[0].ns, t0 + arp + delay); // B answers at once
    EXPECT_EQ(aRx[0].ns, t0 + 2 * (arp + delay));
    EXPECT_EQ(aTx[0].etherType, kArp);
    EXPECT_EQ(aTx[1].etherType, kIpv4);
    EXPECT_EQ(aTx[1].ns, aRx[0].ns);
    EXPECT_EQ(aTx[1].size, 142u);
    EXPECT_EQ(bRx[1].ns, aTx[1].ns + echo + delay);
    EXPECT_EQ(aRx[1].ns, bTx[1].ns + arp + delay);
    EXPECT_EQ(bRx[2].ns, aTx[2].ns + arp + delay);
    EXPECT_EQ(aRx[2].ns, bTx[2].ns + echo + delay);

    // A: ARP request, ARP reply, echo request, B's ARP request, A's reply, echo reply.
    Pcap pa = ReadPcap(m_dir / "a.pcap"), pb = ReadPcap(m_dir / "b.pcap");
    EXPECT_EQ(pa.linkType, 1u); // DLT_EN10MB
    EXPECT_EQ(pa.snapLen, 65535u);
    ASSERT_EQ(pa.frames.size(), 6u);
    ASSERT_EQ(pb.frames.size(), 6u);
    const PcapFrame &request = pa.frames[0], &reply = pa.frames[1];
    EXPECT_EQ(request.EtherType(), kArp);
    EXPECT_EQ(request.ArpOp(), 1);
    EXPECT_TRUE(request.ToBroadcast());
    EXPECT_EQ(request.bytes.size(), 42u); // no padding, no FCS
    EXPECT_EQ(reply.EtherType(), kArp);
    EXPECT_EQ(reply.ArpOp(), 2);
    EXPECT_EQ(pb.frames[0].EtherType(), kArp);
    EXPECT_EQ(pb.frames[0].ArpOp(), 1);
    EXPECT_EQ(pa.frames[2].bytes.size(), 142u);
    EXPECT_EQ(pa.frames[2].EtherType(), kIpv4);
    // Microsecond pcap timestamps: within 1 us of the physics.
    EXPECT_NEAR(request.ns, t0, 1000);
    EXPECT_NEAR(pb.frames[0].ns, t0 + arp + delay, 1000);
    EXPECT_NEAR(reply.ns, t0 + 2 * (arp + delay), 1000);
    EXPECT_NEAR(pa.frames[5].ns, aRx[2].ns, 1000);
    std::cout << "ARP request at A " << request.ns << " ns, at B " << pb.frames[0].ns
              << " ns (physics " << t0 + arp + delay << "), reply at A " << reply.ns
              << " ns (physics " << t0 + 2 * (arp + delay) << ")\n";
}

TEST_F(EthernetWireTest, PcapNanosecondModeIsExact)
{
    Config::SetDefault("ns3::PcapFileWrapper::NanosecMode", BooleanValue(true));
    Config::SetDefault("ns3::ArpL3Protocol::RequestJitter",
                       StringValue("ns3::ConstantRandomVariable[Constant=0]"));
    NodeContainer nodes(2);
    auto [a, b] = Wire(nodes.Get(0), nodes.Get(1), MilliSeconds(20));
    InternetStackHelper().Install(nodes);
    Ipv4AddressHelper ipv4("10.0.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = ipv4.Assign(Both(a, b));
    nslab::EnableEthernetPcap(a, m_dir / "a.pcap", 64);
    nslab::EnableEthernetPcap(b, m_dir / "b.pcap", 64);
    Echo(nodes.Get(0), nodes.Get(1), ifs.GetAddress(1), 1, Seconds(1));
    Simulator::Stop(Seconds(3));
    Simulator::Run();
    Simulator::Destroy();

    const int64_t t0 = 1000000000, delay = 20000000, arp = TxNs(42);
    Pcap pa = ReadPcap(m_dir / "a.pcap"), pb = ReadPcap(m_dir / "b.pcap");
    ASSERT_EQ(pa.frames.size(), 6u);
    ASSERT_EQ(pb.frames.size(), 6u);
    EXPECT_EQ(pa.snapLen, 64u);
    EXPECT_EQ(pa.frames[0].ns, t0);
    EXPECT_EQ(pb.frames[0].ns, t0 + arp + delay);
    EXPECT_EQ(pa.frames[1].ns, t0 + 2 * (arp + delay));
    EXPECT_EQ(pa.frames[2].bytes.size(), 64u); // cut to the snap length
    EXPECT_EQ(pa.frames[2].origLen, 142u);
}

// Each direction has its own delay; the receive error model sees the whole
// frame (it reads the source MAC) and what it drops is in no capture.
TEST_F(EthernetWireTest, AsymmetricDelaysAndReceiveErrorModelSeeWholeFrames)
{
    NodeContainer nodes(2);
    auto [a, b] = Wire(nodes.Get(0), nodes.Get(1), MilliSeconds(0));
    auto channel = DynamicCast<EthernetWireChannel>(a->GetChannel());
    channel->SetDelay(0, MilliSeconds(5));  // a -> b
    channel->SetDelay(1, MilliSeconds(30)); // b -> a
    InternetStackHelper().Install(nodes);
    Ipv4AddressHelper ipv4("10.0.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = ipv4.Assign(Both(a, b));
    auto errors = CreateObject<ReceiveListErrorModel>();
    // B's frames: ARP request, echo 1, ARP reply (ns-3 asks back), echo 2, echo 3.
    errors->SetList({3});
    b->SetReceiveErrorModel(errors);
    std::vector<Mac48Address> sources;
    b->TraceConnectWithoutContext(
        "PhyRxDrop",
        Callback<void, Ptr<const Packet>>([&sources](Ptr<const Packet> p) {
            uint8_t h[14];
            p->CopyData(h, 14);
            Mac48Address source;
            source.CopyFrom(h + 6);
            sources.push_back(source);
        }));
    std::vector<Seen> aTx, aRx, bTx, bRx;
    Watch(a, aTx, aRx);
    Watch(b, bTx, bRx);
    nslab::EnableEthernetPcap(b, m_dir / "b.pcap", 0);
    ApplicationContainer apps = Echo(nodes.Get(0), nodes.Get(1), ifs.GetAddress(1), 3, Seconds(1));
    uint32_t replies = 0;
    apps.Get(1)->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>>([&replies](Ptr<const Packet>) { ++replies; }));
    Simulator::Stop(Seconds(5));
    Simulator::Run();
    Simulator::Destroy();

    EXPECT_EQ(replies, 2u);
    ASSERT_EQ(sources.size(), 1u);
    EXPECT_EQ(sources[0], Mac48Address::ConvertFrom(a->GetAddress()));
    ASSERT_EQ(aTx.size(), 5u);
    ASSERT_EQ(bRx.size(), 4u); // not echo request 2
    EXPECT_EQ(bRx[0].ns, aTx[0].ns + TxNs(42) + 5000000);
    EXPECT_EQ(aRx[0].ns, bRx[0].ns + TxNs(42) + 30000000);
    EXPECT_EQ(bRx[3].ns, aTx[4].ns + TxNs(142) + 5000000);
    EXPECT_EQ(bRx[3].size, 142u);
    // ARP request and reply, echo 1 and its reply, B's ARP request and its reply, echo 3 and its
    // reply.
    Pcap pb = ReadPcap(m_dir / "b.pcap");
    EXPECT_EQ(pb.frames.size(), 8u);
}

// 50 MB of TCP over 100 Mbit/s and a 20 ms cable: full duplex, so data and
// ACKs never contend; 8 MB buffers cover the 500 kB bandwidth-delay product.
// Past slow start the sink gets the Ethernet ceiling, 100 x 1448/1538 Mbit/s
// (TCP/IP headers 52, Ethernet header 14, FCS, preamble and gap 24).
TEST_F(EthernetWireTest, TcpBulkSendFillsTheLongCable)
{
    Config::SetDefault("ns3::TcpSocket::SndBufSize", UintegerValue(8 << 20));
    Config::SetDefault("ns3::TcpSocket::RcvBufSize", UintegerValue(8 << 20));
    Config::SetDefault("ns3::TcpSocket::SegmentSize", UintegerValue(1448));
    NodeContainer nodes(2);
    auto [a, b] = Wire(nodes.Get(0), nodes.Get(1), MilliSeconds(20));
    InternetStackHelper().Install(nodes);
    Ipv4AddressHelper ipv4("10.0.0.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = ipv4.Assign(Both(a, b));
    const uint64_t total = 50000000, warmup = 10000000;
    BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(ifs.GetAddress(1), 5000));
    bulk.SetAttribute("MaxBytes", UintegerValue(total));
    bulk.Install(nodes.Get(0)).Start(Seconds(1));
    PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                InetSocketAddress(Ipv4Address::GetAny(), 5000));
    ApplicationContainer sink = sinkHelper.Install(nodes.Get(1));
    uint64_t received = 0;
    Time first, warm, last; // first byte, warmup bytes, last byte
    sink.Get(0)->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>, const Address&>([&](Ptr<const Packet> p, const Address&) {
            first = received ? first : Simulator::Now();
            received += p->GetSize();
            warm = received <= warmup ? Simulator::Now() : warm;
            last = Simulator::Now();
        }));
    uint32_t deviceDrops = 0;
    a->TraceConnectWithoutContext(
        "MacTxDrop",
        Callback<void, Ptr<const Packet>>([&](Ptr<const Packet>) { ++deviceDrops; }));
    Simulator::Stop(Seconds(30));
    Simulator::Run();

    ASSERT_EQ(received, total);
    auto mbps = [](uint64_t bytes, Time t) { return bytes * 8.0 / t.GetSeconds() / 1e6; };
    double ceiling = 100.0 * 1448 / 1538, whole = mbps(total, last - Seconds(1));
    double steady = mbps(total - warmup, last - warm);
    std::cout << "50 MB TCP goodput at the sink: " << whole
              << " Mbit/s from the connection attempt (" << (last - Seconds(1)).GetSeconds()
              << " s, with ARP, handshake, slow start and its losses), "
              << mbps(total, last - first) << " from the first byte, " << steady
              << " over the last 40 MB (ceiling " << ceiling << ")\n";
    EXPECT_GE(steady, 90.0);
    EXPECT_NEAR(steady, ceiling, 0.1);
    EXPECT_GE(whole, 85.0);
    EXPECT_EQ(deviceDrops, 0u); // flow control: the queue disc holds back, the device never drops
}

// Three hosts on a learning switch: after ARP, host 3 sees none of the
// unicast stream between hosts 1 and 2, only broadcasts.
TEST_F(EthernetWireTest, SwitchForwardsUnicastOnlyToItsPort)
{
    NodeContainer hosts(3);
    Ptr<Node> sw = CreateObject<Node>();
    NetDeviceContainer hostDevices, ports;
    for (uint32_t i = 0; i < hosts.GetN(); ++i)
    {
        auto [host, port] = Wire(hosts.Get(i), sw, MicroSeconds(5));
        hostDevices.Add(host);
        ports.Add(port);
        nslab::EnableEthernetPcap(host, m_dir / ("h" + std::to_string(i + 1) + ".pcap"), 0);
    }
    BridgeHelper().Install(sw, ports);
    InternetStackHelper().Install(hosts);
    Ipv4AddressHelper ipv4("10.1.1.0", "255.255.255.0");
    Ipv4InterfaceContainer ifs = ipv4.Assign(hostDevices);
    ApplicationContainer apps =
        Echo(hosts.Get(0), hosts.Get(1), ifs.GetAddress(1), 50, Seconds(1), MilliSeconds(10));
    uint32_t replies = 0;
    apps.Get(1)->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>>([&replies](Ptr<const Packet>) { ++replies; }));
    // A broadcast datagram from host 1 once the stream is over.
    std::vector<uint32_t> broadcasts(hosts.GetN(), 0);
    for (uint32_t i = 1; i < hosts.GetN(); ++i)
    {
        Ptr<Socket> s = Socket::CreateSocket(hosts.Get(i), UdpSocketFactory::GetTypeId());
        s->Bind(InetSocketAddress(Ipv4Address::GetAny(), 7000));
        s->SetRecvCallback(Callback<void, Ptr<Socket>>([&broadcasts, i](Ptr<Socket> r) {
            while (r->Recv())
            {
                ++broadcasts[i];
            }
        }));
    }
    Ptr<Socket> sender = Socket::CreateSocket(hosts.Get(0), UdpSocketFactory::GetTypeId());
    sender->SetAllowBroadcast(true);
    Simulator::Schedule(Seconds(3), [sender]() {
        sender->SendTo(Create<Packet>(64),
                       0,
                       InetSocketAddress(Ipv4Address("255.255.255.255"), 7000));
    });
    Simulator::Stop(Seconds(4));
    Simulator::Run();
    Simulator::Destroy();

    EXPECT_EQ(replies, 50u);
    EXPECT_EQ(broadcasts[1], 1u);
    EXPECT_EQ(broadcasts[2], 1u);
    Pcap h2 = ReadPcap(m_dir / "h2.pcap"), h3 = ReadPcap(m_dir / "h3.pcap");
    auto ipv4Frames = [](const Pcap& p) {
        return std::count_if(p.frames.begin(), p.frames.end(), [](const PcapFrame& f) {
            return f.EtherType() == kIpv4;
        });
    };
    EXPECT_EQ(ipv4Frames(h2), 101);  // 50 echo requests, 50 replies, the broadcast
    EXPECT_EQ(ipv4Frames(h3), 1);    // the broadcast only
    EXPECT_EQ(h3.frames.size(), 3u); // and the two ARP requests (host 2 asks back)
    for (const PcapFrame& f : h3.frames)
    {
        EXPECT_TRUE(f.ToBroadcast())
            << "host 3 captured a unicast frame of EtherType " << f.EtherType();
    }
    std::cout << "host 3 captured " << h3.frames.size() << " frames, all broadcast; host 2 "
              << h2.frames.size() << "\n";
}

// IPv6 on the cable: neighbor discovery (multicast solicitation) then a UDP
// echo; the second round trip is exactly twice (cable + transmission).
TEST_F(EthernetWireTest, Ipv6EchoRoundTrip)
{
    NodeContainer nodes(2);
    auto [a, b] = Wire(nodes.Get(0), nodes.Get(1), MilliSeconds(20));
    InternetStackHelper().Install(nodes);
    Ipv6AddressHelper ipv6;
    ipv6.SetBase(Ipv6Address("2001:db8::"), Ipv6Prefix(64));
    Ipv6InterfaceContainer ifs = ipv6.Assign(Both(a, b));
    ApplicationContainer apps =
        Echo(nodes.Get(0), nodes.Get(1), ifs.GetAddress(1, 1), 2, Seconds(2));
    std::vector<Time> sent, answered;
    apps.Get(1)->TraceConnectWithoutContext(
        "Tx",
        Callback<void, Ptr<const Packet>>(
            [&sent](Ptr<const Packet>) { sent.push_back(Simulator::Now()); }));
    apps.Get(1)->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>>(
            [&answered](Ptr<const Packet>) { answered.push_back(Simulator::Now()); }));
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    ASSERT_EQ(answered.size(), 2u);
    // 100 bytes of UDP in IPv6: a 162-byte frame.
    EXPECT_EQ((answered[1] - sent[1]).GetNanoSeconds(), 2 * (20000000 + TxNs(162)));
    EXPECT_GT(answered[0] - sent[0], MilliSeconds(80)); // neighbor solicitation first
    std::cout << "IPv6 echo round trips: " << (answered[0] - sent[0]).As(Time::US)
              << " (with NDP), " << (answered[1] - sent[1]).As(Time::US) << "\n";
}

// Two switched LANs joined by a router: global routing walks the bridges.
//
//   h1 ---+                      +--- h3
//         s1 --- router --- s2
//   h2 ---+
TEST_F(EthernetWireTest, GlobalRoutingAcrossSwitchedLans)
{
    NodeContainer hosts(3), switches(2);
    Ptr<Node> router = CreateObject<Node>();
    NetDeviceContainer lan[2], ports[2];
    auto plug = [&](Ptr<Node> node, uint32_t i) {
        auto [device, port] = Wire(node, switches.Get(i), MicroSeconds(100));
        lan[i].Add(device);
        ports[i].Add(port);
    };
    plug(router, 0);
    plug(hosts.Get(0), 0);
    plug(hosts.Get(1), 0);
    plug(router, 1);
    plug(hosts.Get(2), 1);
    for (uint32_t i = 0; i < 2; ++i)
    {
        BridgeHelper().Install(switches.Get(i), ports[i]);
    }
    InternetStackHelper internet;
    internet.Install(hosts);
    internet.Install(router);
    Ipv4AddressHelper ipv4("10.1.1.0", "255.255.255.0");
    ipv4.Assign(lan[0]);
    ipv4.SetBase("10.1.2.0", "255.255.255.0");
    Ipv4InterfaceContainer far = ipv4.Assign(lan[1]);
    Ipv4GlobalRoutingHelper::PopulateRoutingTables();
    ApplicationContainer apps = Echo(hosts.Get(0), hosts.Get(2), far.GetAddress(1), 3, Seconds(1));
    uint32_t requests = 0, replies = 0;
    apps.Get(0)->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>>([&requests](Ptr<const Packet>) { ++requests; }));
    apps.Get(1)->TraceConnectWithoutContext(
        "Rx",
        Callback<void, Ptr<const Packet>>([&replies](Ptr<const Packet>) { ++replies; }));
    Simulator::Stop(Seconds(5));
    Simulator::Run();

    EXPECT_EQ(requests, 3u);
    EXPECT_EQ(replies, 3u);
}

} // namespace
