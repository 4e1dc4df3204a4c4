// EnableWifiHostView against plain ns-3 programs: an 802.11 cell (access
// point at the origin, two stations 10 m away), a 2 MB TCP transfer from
// station 1 to station 2 (relayed by the access point) and a UDP flow from
// station 2 to the access point's host. The captures are read back byte by
// byte and checked against what the hosts' applications and sockets saw.
//
//            sta1 (10.1.1.2) --TCP 2 MB--> [AP 10.1.1.1 relays] --> sta2 (10.1.1.3)
//                                          AP host <--UDP-------- sta2
#include "test-util.h"
#include "wifi-host-view.h"

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/mobility-module.h"
#include "ns3/network-module.h"
#include "ns3/wifi-module.h"

#include <gtest/gtest.h>

#include <array>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

using namespace nslab::test;

namespace
{

using MacBytes = std::array<uint8_t, 6>;

/** One pcap record. */
struct Record
{
    uint64_t micros = 0;       //!< timestamp
    uint32_t origLen = 0;      //!< the frame's real length
    std::vector<uint8_t> data; //!< the bytes kept (incl_len of them)
};

/** A whole pcap file, parsed by hand (no ns-3 reader checking ns-3's writer). */
struct Capture
{
    uint32_t linkType = 0;
    uint32_t snapLen = 0;
    std::vector<Record> records;
};

uint32_t
Le32(const uint8_t* p)
{
    return p[0] | p[1] << 8 | p[2] << 16 | uint32_t(p[3]) << 24;
}

uint32_t
Be32(const uint8_t* p)
{
    return uint32_t(p[0]) << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

uint16_t
Be16(const uint8_t* p)
{
    return p[0] << 8 | p[1];
}

Capture
ReadPcap(const std::string& path)
{
    std::string bytes = Slurp(path);
    auto* p = reinterpret_cast<const uint8_t*>(bytes.data());
    Capture capture;
    if (bytes.size() < 24 || Le32(p) != 0xa1b2c3d4)
    {
        ADD_FAILURE() << path << ": not a little-endian microsecond pcap (" << bytes.size() << " bytes)";
        return capture;
    }
    capture.snapLen = Le32(p + 16);
    capture.linkType = Le32(p + 20);
    for (size_t at = 24; at < bytes.size();)
    {
        if (bytes.size() - at < 16 || bytes.size() - at - 16 < Le32(p + at + 8))
        {
            ADD_FAILURE() << path << ": truncated record at byte " << at;
            break;
        }
        Record r;
        r.micros = uint64_t(Le32(p + at)) * 1000000 + Le32(p + at + 4);
        uint32_t inclLen = Le32(p + at + 8);
        r.origLen = Le32(p + at + 12);
        r.data.assign(p + at + 16, p + at + 16 + inclLen);
        capture.records.push_back(std::move(r));
        at += 16 + inclLen;
    }
    return capture;
}

/** What the tests look at in an Ethernet frame. */
struct Frame
{
    MacBytes dst{}, src{};
    uint16_t etherType = 0;
    // IPv4
    uint32_t ipSrc = 0, ipDst = 0;
    uint8_t ipProto = 0;
    // TCP and UDP
    uint16_t srcPort = 0, dstPort = 0;
    uint32_t tcpSeq = 0, tcpPayload = 0;
    uint32_t udpSeq = 0; // UdpClient's SeqTsHeader
    // ARP
    uint16_t arpOp = 0;
    uint32_t arpSenderIp = 0, arpTargetIp = 0;
    // IPv6
    uint8_t icmp6Type = 0;
    std::array<uint8_t, 16> ndTarget{};
};

Frame
Decode(const Record& r)
{
    const std::vector<uint8_t>& d = r.data;
    Frame f;
    if (d.size() < 14)
    {
        ADD_FAILURE() << "frame of " << d.size() << " bytes";
        return f;
    }
    std::copy(d.begin(), d.begin() + 6, f.dst.begin());
    std::copy(d.begin() + 6, d.begin() + 12, f.src.begin());
    f.etherType = Be16(&d[12]);
    const uint8_t* l3 = d.data() + 14;
    size_t l3Size = d.size() - 14;
    if (f.etherType == 0x0800 && l3Size >= 20)
    {
        size_t ihl = (l3[0] & 0x0f) * 4;
        f.ipProto = l3[9];
        f.ipSrc = Be32(l3 + 12);
        f.ipDst = Be32(l3 + 16);
        const uint8_t* l4 = l3 + ihl;
        size_t l4Size = Be16(l3 + 2) - ihl;
        if (f.ipProto == 6 && l3Size >= ihl + 20)
        {
            f.srcPort = Be16(l4);
            f.dstPort = Be16(l4 + 2);
            f.tcpSeq = Be32(l4 + 4);
            f.tcpPayload = l4Size - (l4[12] >> 4) * 4;
        }
        else if (f.ipProto == 17 && l3Size >= ihl + 12)
        {
            f.srcPort = Be16(l4);
            f.dstPort = Be16(l4 + 2);
            f.udpSeq = Be32(l4 + 8);
        }
    }
    else if (f.etherType == 0x0806 && l3Size >= 28)
    {
        f.arpOp = Be16(l3 + 6);
        f.arpSenderIp = Be32(l3 + 14);
        f.arpTargetIp = Be32(l3 + 24);
    }
    else if (f.etherType == 0x86dd && l3Size >= 40)
    {
        f.ipProto = l3[6];
        if (f.ipProto == 58 && l3Size >= 40 + 24)
        {
            f.icmp6Type = l3[40];
            std::copy(l3 + 48, l3 + 64, f.ndTarget.begin());
        }
    }
    return f;
}

std::vector<Frame>
Frames(const Capture& c)
{
    std::vector<Frame> frames;
    for (const auto& r : c.records)
    {
        frames.push_back(Decode(r));
    }
    return frames;
}

MacBytes
MacOf(ns3::Ptr<ns3::NetDevice> device)
{
    MacBytes bytes;
    ns3::Mac48Address::ConvertFrom(device->GetAddress()).CopyTo(bytes.data());
    return bytes;
}

bool
IsGroup(const MacBytes& mac)
{
    return mac[0] & 1;
}

const MacBytes kBroadcast{0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

/** How the cell is built. */
struct CellOptions
{
    ns3::WifiStandard standard = ns3::WIFI_STANDARD_80211n;
    uint16_t maxAmsdu = 0;          //!< BE_MaxAmsduSize of every MAC (0: no A-MSDU)
    uint32_t fragmentation = 0;     //!< FragmentationThreshold (0: none)
    bool hostView = true;           //!< EnableWifiHostView on every device
    std::string radioPrefix;        //!< also YansWifiPhyHelper's radio pcaps, if set
};

/**
 * The cell with IPv4, the TCP and UDP flows, run to the end; what the
 * applications and station 1's socket saw, and the host-view captures.
 */
class Ipv4Cell
{
  public:
    Ipv4Cell(const TempDir& dir, const CellOptions& options)
    {
        Build(dir, options);
        Install();
        ns3::Simulator::Stop(ns3::Seconds(15));
        ns3::Simulator::Run();
        sinkBytes = ns3::DynamicCast<ns3::PacketSink>(m_sink)->GetTotalRx();
        udpReceived = ns3::DynamicCast<ns3::UdpServer>(m_udpServer)->GetReceived();
        for (uint32_t d = 0; d < 3; ++d)
        {
            auto mac = ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d))->GetMac();
            promiscuous |= mac->GetFrameExchangeManager()->IsPromisc();
        }
        // Disposing the devices closes (flushes) the captures.
        ns3::Simulator::Destroy();
        if (options.hostView)
        {
            for (const char* name : {"ap", "sta1", "sta2", "sta2-128"})
            {
                captures[name] = ReadPcap(dir / (std::string(name) + ".pcap"));
            }
        }
    }

    ns3::NetDeviceContainer devices;                  //!< AP, station 1, station 2
    std::array<MacBytes, 3> macs{};                   //!< their addresses
    std::array<uint32_t, 3> ips{};                    //!< their IPv4 addresses
    std::map<std::string, Capture> captures;          //!< ap, sta1, sta2, sta2-128 (snapLen 128)
    std::vector<std::pair<uint32_t, uint32_t>> sent;  //!< station 1 socket's data segments (seq, length)
    uint64_t sinkBytes = 0;                           //!< what station 2's PacketSink received
    uint64_t udpReceived = 0;                         //!< datagrams the AP's UdpServer received
    bool promiscuous = false;                         //!< any frame exchange manager in promiscuous mode
    uint64_t amsdus = 0;     //!< A-MSDUs (as they grow) entering the MAC queues, for the variants' premises
    uint64_t fragments = 0;  //!< fragments entering the MAC queues

  private:
    void Build(const TempDir& dir, const CellOptions& options)
    {
        ns3::Mac48Address::ResetAllocationIndex();
        m_nodes.Create(3);
        ns3::YansWifiChannelHelper channel = ns3::YansWifiChannelHelper::Default();
        ns3::YansWifiPhyHelper phy;
        phy.SetChannel(channel.Create());
        phy.SetPcapDataLinkType(ns3::WifiPhyHelper::DLT_IEEE802_11_RADIO);
        ns3::WifiHelper wifi;
        wifi.SetStandard(options.standard);
        if (options.fragmentation > 0)
        {
            wifi.SetRemoteStationManager("ns3::IdealWifiManager", "FragmentationThreshold",
                                         ns3::UintegerValue(options.fragmentation));
        }
        else
        {
            wifi.SetRemoteStationManager("ns3::IdealWifiManager");
        }
        ns3::WifiMacHelper mac;
        ns3::Ssid ssid("host-view");
        mac.SetType("ns3::ApWifiMac", "Ssid", ns3::SsidValue(ssid));
        devices.Add(wifi.Install(phy, mac, m_nodes.Get(0)));
        mac.SetType("ns3::StaWifiMac", "Ssid", ns3::SsidValue(ssid));
        devices.Add(wifi.Install(phy, mac, ns3::NodeContainer(m_nodes.Get(1), m_nodes.Get(2))));
        for (uint32_t d = 0; d < 3; ++d)
        {
            if (options.maxAmsdu > 0)
            {
                ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d))
                    ->GetMac()
                    ->SetAttribute("BE_MaxAmsduSize", ns3::UintegerValue(options.maxAmsdu));
            }
            macs[d] = MacOf(devices.Get(d));
            auto wifiMac = ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d))->GetMac();
            for (auto ac : {ns3::AC_BE_NQOS, ns3::AC_BE, ns3::AC_BK, ns3::AC_VI, ns3::AC_VO})
            {
                if (auto queue = wifiMac->GetTxopQueue(ac))
                {
                    queue->TraceConnectWithoutContext("Enqueue",
                                                      ns3::MakeCallback(&Ipv4Cell::Enqueued, this));
                }
            }
        }

        auto positions = ns3::CreateObject<ns3::ListPositionAllocator>();
        positions->Add(ns3::Vector(0, 0, 0));
        positions->Add(ns3::Vector(10, 0, 0));
        positions->Add(ns3::Vector(0, 10, 0));
        ns3::MobilityHelper mobility;
        mobility.SetPositionAllocator(positions);
        mobility.SetMobilityModel("ns3::ConstantPositionMobilityModel");
        mobility.Install(m_nodes);

        if (options.hostView)
        {
            const char* names[] = {"ap", "sta1", "sta2"};
            for (uint32_t d = 0; d < 3; ++d)
            {
                nslab::EnableWifiHostView(ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d)),
                                          dir / (std::string(names[d]) + ".pcap"), 0);
            }
            // A second capture of one device, cut at 128 bytes.
            nslab::EnableWifiHostView(ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(2)),
                                      dir / "sta2-128.pcap", 128);
        }
        if (!options.radioPrefix.empty())
        {
            phy.EnablePcap(dir / options.radioPrefix, devices);
        }
    }

    void Install()
    {
        ns3::InternetStackHelper internet;
        internet.Install(m_nodes);
        ns3::Ipv4AddressHelper addresses("10.1.1.0", "255.255.255.0");
        ns3::Ipv4InterfaceContainer interfaces = addresses.Assign(devices);
        for (uint32_t d = 0; d < 3; ++d)
        {
            ips[d] = interfaces.GetAddress(d).Get();
        }

        ns3::Config::SetDefault("ns3::TcpSocket::SegmentSize", ns3::UintegerValue(1448));
        ns3::BulkSendHelper bulk("ns3::TcpSocketFactory",
                                 ns3::InetSocketAddress(interfaces.GetAddress(2), 5000));
        bulk.SetAttribute("MaxBytes", ns3::UintegerValue(2000000));
        ns3::ApplicationContainer sender = bulk.Install(m_nodes.Get(1));
        sender.Start(ns3::Seconds(1));
        ns3::PacketSinkHelper sink("ns3::TcpSocketFactory",
                                   ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), 5000));
        m_sink = sink.Install(m_nodes.Get(2)).Get(0);
        // The socket exists once the application has started.
        ns3::Simulator::Schedule(ns3::Seconds(1) + ns3::NanoSeconds(1), [this, sender]() {
            auto socket = ns3::DynamicCast<ns3::BulkSendApplication>(sender.Get(0))->GetSocket();
            socket->TraceConnectWithoutContext(
                "Tx",
                ns3::MakeCallback(&Ipv4Cell::SegmentSent, this));
        });

        ns3::UdpClientHelper udp(interfaces.GetAddress(0), 9);
        udp.SetAttribute("MaxPackets", ns3::UintegerValue(100));
        udp.SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(20)));
        udp.SetAttribute("PacketSize", ns3::UintegerValue(300));
        udp.Install(m_nodes.Get(2)).Start(ns3::Seconds(1.1));
        m_udpServer = ns3::UdpServerHelper(9).Install(m_nodes.Get(0)).Get(0);
    }

    void Enqueued(ns3::Ptr<const ns3::WifiMpdu> mpdu)
    {
        amsdus += mpdu->GetHeader().IsQosAmsdu();
        fragments += mpdu->GetHeader().IsMoreFragments() || mpdu->GetHeader().GetFragmentNumber() > 0;
    }

    void SegmentSent(ns3::Ptr<const ns3::Packet> packet,
                     const ns3::TcpHeader& header,
                     ns3::Ptr<const ns3::TcpSocketBase>)
    {
        if (packet->GetSize() > 0)
        {
            sent.emplace_back(header.GetSequenceNumber().GetValue(), packet->GetSize());
        }
    }

    ns3::NodeContainer m_nodes;
    ns3::Ptr<ns3::Application> m_sink;
    ns3::Ptr<ns3::Application> m_udpServer;
};

class WifiHostView : public ::testing::Test
{
  protected:
    void SetUp() override
    {
        ns3::RngSeedManager::SetSeed(1);
        ns3::RngSeedManager::SetRun(1);
    }

    void TearDown() override
    {
        ns3::Simulator::Destroy();
        ns3::Config::Reset();
    }

    TempDir m_dir;
};

/** Station 1's data segments in its capture, (seq, length) in order. */
std::vector<std::pair<uint32_t, uint32_t>>
DataSegments(const Ipv4Cell& cell, const std::string& capture, uint32_t fromIp, uint32_t toIp)
{
    std::vector<std::pair<uint32_t, uint32_t>> segments;
    for (const Frame& f : Frames(cell.captures.at(capture)))
    {
        if (f.ipProto == 6 && f.ipSrc == fromIp && f.ipDst == toIp && f.tcpPayload > 0)
        {
            segments.emplace_back(f.tcpSeq, f.tcpPayload);
        }
    }
    return segments;
}

/** The checks every cell variant must pass. */
void
ExpectHostView(const Ipv4Cell& cell)
{
    ASSERT_EQ(cell.captures.size(), 4u);
    for (const auto& [name, capture] : cell.captures)
    {
        EXPECT_EQ(capture.linkType, 1u) << name;
        EXPECT_FALSE(capture.records.empty()) << name;
    }
    // The premise (2 MB in 1448-byte segments): with other run numbers, ns-3.37's
    // block-ack recipient can hold a station's frames for ever and stall the flow.
    EXPECT_GT(cell.sent.size(), 1000u) << "the TCP flow stalled";

    // Station 1: each data segment its socket sent, once, in order, none repeated.
    auto sta1 = DataSegments(cell, "sta1", cell.ips[1], cell.ips[2]);
    EXPECT_EQ(sta1, cell.sent);
    std::set<std::pair<uint32_t, uint32_t>> distinct(sta1.begin(), sta1.end());
    EXPECT_EQ(distinct.size(), sta1.size()) << "a data segment shows twice at station 1";

    // Each host sees only its own frames, frames for it and group frames (the
    // AP's host not the frames it relays); IP and ARP only, no 802.11 frame.
    const char* names[] = {"ap", "sta1", "sta2"};
    for (uint32_t d = 0; d < 3; ++d)
    {
        for (const Frame& f : Frames(cell.captures.at(names[d])))
        {
            EXPECT_TRUE(f.src == cell.macs[d] || f.dst == cell.macs[d] || IsGroup(f.dst))
                << "third-party frame at " << names[d] << ", EtherType " << f.etherType;
            EXPECT_TRUE(f.etherType == 0x0800 || f.etherType == 0x0806 || f.etherType == 0x86dd)
                << names[d] << ": EtherType " << f.etherType;
        }
    }

    // Station 2: the TCP payload it received is what its sink read.
    uint64_t received = 0;
    for (const auto& [seq, length] : DataSegments(cell, "sta2", cell.ips[1], cell.ips[2]))
    {
        received += length;
    }
    EXPECT_EQ(cell.sinkBytes, 2000000u);
    EXPECT_EQ(received, cell.sinkBytes);

    // The access point relays the TCP flow: not its host's traffic.
    std::vector<uint32_t> udpSeqs;
    for (const Frame& f : Frames(cell.captures.at("ap")))
    {
        bool between = (f.ipSrc == cell.ips[1] && f.ipDst == cell.ips[2]) ||
                       (f.ipSrc == cell.ips[2] && f.ipDst == cell.ips[1]);
        EXPECT_FALSE(f.etherType == 0x0800 && between) << "relayed frame at the AP";
        if (f.ipProto == 17 && f.ipSrc == cell.ips[2] && f.ipDst == cell.ips[0] && f.dstPort == 9)
        {
            EXPECT_EQ(f.src, cell.macs[2]);
            EXPECT_EQ(f.dst, cell.macs[0]);
            udpSeqs.push_back(f.udpSeq);
        }
    }
    // ... but the UDP datagrams its host received, each once.
    EXPECT_GT(cell.udpReceived, 0u);
    EXPECT_EQ(udpSeqs.size(), cell.udpReceived);
    EXPECT_EQ(std::set<uint32_t>(udpSeqs.begin(), udpSeqs.end()).size(), udpSeqs.size());
}

TEST_F(WifiHostView, EachFrameOnceAsTheHostsSawIt)
{
    Ipv4Cell cell(m_dir, {});
    ExpectHostView(cell);
    EXPECT_EQ(cell.udpReceived, 100u);
}

/**
 * A-MSDUs are built inside the MAC queue (each one enqueued again as it grows).
 * Here station 2's first ARP request for the AP travels inside an A-MSDU
 * (To-DS, addressed to the AP) with TCP ACKs; ns-3.37's
 * ApWifiMac::DeaggregateAmsduAndForward relays a subframe whose destination
 * is not the AP's own address, broadcast included, but never hands it to the
 * AP's host. ARP asks again a second later, keeping 3 datagrams and dropping
 * the 43 others, so the AP's host gets 57: the captures show just that.
 */
TEST_F(WifiHostView, AmsduAggregationNeitherHidesNorRepeatsFrames)
{
    CellOptions options;
    options.maxAmsdu = 7935;
    Ipv4Cell cell(m_dir, options);
    EXPECT_GT(cell.amsdus, 100u) << "the premise: A-MSDUs were built";
    ExpectHostView(cell);
}

/** 802.11g: no QoS, the MAC's single non-QoS queue, fragments replacing their MSDU in it. */
TEST_F(WifiHostView, NonQosMacWithFragmentation)
{
    CellOptions options;
    options.standard = ns3::WIFI_STANDARD_80211g;
    options.fragmentation = 600;
    Ipv4Cell cell(m_dir, options);
    EXPECT_GT(cell.fragments, 1000u) << "the premise: MSDUs were fragmented";
    ExpectHostView(cell);
}

TEST_F(WifiHostView, ArpRequestAndReplyAppear)
{
    Ipv4Cell cell(m_dir, {});
    // Station 1 asks for station 2 (broadcast) and gets station 2's unicast reply.
    int requests = 0, replies = 0;
    for (const Frame& f : Frames(cell.captures.at("sta1")))
    {
        requests += f.arpOp == 1 && f.src == cell.macs[1] && f.dst == kBroadcast &&
                    f.arpTargetIp == cell.ips[2];
        replies += f.arpOp == 2 && f.src == cell.macs[2] && f.dst == cell.macs[1] &&
                   f.arpSenderIp == cell.ips[2];
    }
    EXPECT_EQ(requests, 1);
    EXPECT_EQ(replies, 1);
    // The access point's host answers station 2's request for it.
    requests = replies = 0;
    for (const Frame& f : Frames(cell.captures.at("ap")))
    {
        requests += f.arpOp == 1 && f.src == cell.macs[2] && f.arpTargetIp == cell.ips[0];
        replies += f.arpOp == 2 && f.src == cell.macs[0] && f.dst == cell.macs[2];
    }
    EXPECT_EQ(requests, 1);
    EXPECT_EQ(replies, 1);
}

/** The AP relays station 1's broadcast and hands it to its own host: received, once. */
TEST_F(WifiHostView, RelayedBroadcastShowsOnceAtTheAccessPoint)
{
    Ipv4Cell cell(m_dir, {});
    int seen = 0;
    for (const Frame& f : Frames(cell.captures.at("ap")))
    {
        seen += f.arpOp == 1 && f.src == cell.macs[1] && f.dst == kBroadcast &&
                f.arpTargetIp == cell.ips[2];
    }
    EXPECT_EQ(seen, 1);
}

TEST_F(WifiHostView, SnapLenCutsFramesButKeepsTheirLength)
{
    Ipv4Cell cell(m_dir, {});
    const Capture& full = cell.captures.at("sta2");
    const Capture& cut = cell.captures.at("sta2-128");
    EXPECT_EQ(full.snapLen, 65535u);
    EXPECT_EQ(cut.snapLen, 128u);
    ASSERT_EQ(cut.records.size(), full.records.size());
    size_t longer = 0;
    for (size_t i = 0; i < cut.records.size(); ++i)
    {
        const Record& c = cut.records[i];
        const Record& f = full.records[i];
        ASSERT_LE(c.data.size(), 128u);
        EXPECT_EQ(f.origLen, f.data.size());
        EXPECT_EQ(c.origLen, f.origLen);
        EXPECT_EQ(c.micros, f.micros);
        EXPECT_TRUE(std::equal(c.data.begin(), c.data.end(), f.data.begin()));
        longer += f.origLen > 128;
    }
    EXPECT_GT(longer, 1000u);
}

TEST_F(WifiHostView, FramesAreInTimeOrder)
{
    Ipv4Cell cell(m_dir, {});
    for (const auto& [name, capture] : cell.captures)
    {
        for (size_t i = 1; i < capture.records.size(); ++i)
        {
            ASSERT_LE(capture.records[i - 1].micros, capture.records[i].micros) << name << " " << i;
        }
    }
}

/**
 * The captures change nothing: no promiscuous mode, and the radio captures of
 * a run without them (in a child process: same addresses and random streams)
 * are byte for byte those of a run with them.
 */
TEST_F(WifiHostView, LeavesTheSimulationUnchanged)
{
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0)
    {
        CellOptions options;
        options.hostView = false;
        options.radioPrefix = "without";
        Ipv4Cell cell(m_dir, options);
        _exit(cell.sinkBytes == 2000000 ? 0 : 1);
    }
    CellOptions options;
    options.radioPrefix = "with";
    Ipv4Cell cell(m_dir, options);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_FALSE(cell.promiscuous);
    for (const char* device : {"-0-0.pcap", "-1-0.pcap", "-2-0.pcap"})
    {
        std::string with = Slurp(m_dir / ("with" + std::string(device)));
        std::string without = Slurp(m_dir / ("without" + std::string(device)));
        EXPECT_GT(with.size(), 2000000u) << device;
        EXPECT_TRUE(with == without) << device << ": the radio capture differs";
    }
}

/** IPv6: neighbour discovery (multicast solicitation, unicast advertisement) as Ethernet frames. */
TEST_F(WifiHostView, Ipv6NeighbourDiscoveryAppears)
{
    ns3::NodeContainer nodes;
    nodes.Create(3);
    ns3::YansWifiChannelHelper channel = ns3::YansWifiChannelHelper::Default();
    ns3::YansWifiPhyHelper phy;
    phy.SetChannel(channel.Create());
    ns3::WifiHelper wifi;
    wifi.SetStandard(ns3::WIFI_STANDARD_80211n);
    wifi.SetRemoteStationManager("ns3::IdealWifiManager");
    ns3::WifiMacHelper mac;
    ns3::Ssid ssid("host-view-6");
    mac.SetType("ns3::ApWifiMac", "Ssid", ns3::SsidValue(ssid));
    ns3::NetDeviceContainer devices = wifi.Install(phy, mac, nodes.Get(0));
    mac.SetType("ns3::StaWifiMac", "Ssid", ns3::SsidValue(ssid));
    devices.Add(wifi.Install(phy, mac, ns3::NodeContainer(nodes.Get(1), nodes.Get(2))));
    ns3::MobilityHelper mobility;
    auto positions = ns3::CreateObject<ns3::ListPositionAllocator>();
    positions->Add(ns3::Vector(0, 0, 0));
    positions->Add(ns3::Vector(10, 0, 0));
    positions->Add(ns3::Vector(0, 10, 0));
    mobility.SetPositionAllocator(positions);
    mobility.Install(nodes);
    const char* names[] = {"ap6", "sta6-1", "sta6-2"};
    for (uint32_t d = 0; d < 3; ++d)
    {
        nslab::EnableWifiHostView(ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d)),
                                  m_dir / (std::string(names[d]) + ".pcap"), 0);
    }
    ns3::InternetStackHelper internet;
    internet.Install(nodes);
    ns3::Ipv6AddressHelper addresses(ns3::Ipv6Address("2001:db8::"), ns3::Ipv6Prefix(64));
    ns3::Ipv6InterfaceContainer interfaces = addresses.Assign(devices);
    ns3::Ipv6Address target = interfaces.GetAddress(2, 1);
    ns3::UdpClientHelper udp(target, 9);
    udp.SetAttribute("MaxPackets", ns3::UintegerValue(5));
    udp.SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(100)));
    udp.Install(nodes.Get(1)).Start(ns3::Seconds(1));
    ns3::UdpServerHelper(9).Install(nodes.Get(2));
    MacBytes sta1 = MacOf(devices.Get(1)), sta2 = MacOf(devices.Get(2));
    ns3::Simulator::Stop(ns3::Seconds(3));
    ns3::Simulator::Run();
    ns3::Simulator::Destroy();

    std::array<uint8_t, 16> targetBytes;
    target.GetBytes(targetBytes.data());
    MacBytes solicitedNode{0x33, 0x33, 0xff, targetBytes[13], targetBytes[14], targetBytes[15]};
    int solicitations = 0, advertisements = 0, datagrams = 0;
    Capture capture = ReadPcap(m_dir / "sta6-1.pcap");
    EXPECT_EQ(capture.linkType, 1u);
    for (const Frame& f : Frames(capture))
    {
        datagrams += f.etherType == 0x86dd && f.ipProto == 17 && f.src == sta1 && f.dst == sta2;
        solicitations += f.icmp6Type == 135 && f.src == sta1 && f.dst == solicitedNode &&
                         f.ndTarget == targetBytes;
        advertisements += f.icmp6Type == 136 && f.src == sta2 && f.dst == sta1 &&
                          f.ndTarget == targetBytes;
    }
    EXPECT_GE(solicitations, 1);
    EXPECT_GE(advertisements, 1);
    EXPECT_EQ(datagrams, 5);
    // The AP relays the multicast solicitation and hands it to its own host: once.
    int atAp = 0;
    for (const Frame& f : Frames(ReadPcap(m_dir / "ap6.pcap")))
    {
        atAp += f.icmp6Type == 135 && f.src == sta1 && f.dst == solicitedNode && f.ndTarget == targetBytes;
    }
    EXPECT_EQ(atAp, solicitations);
}

} // namespace
