// nslab's client and server apps over one simple link: exact byte, message
// and datagram counts, and one-way latencies that follow from the physics.
#include "topology.h"
#include "traffic-client.h"
#include "traffic-server.h"

#include "ns3/config.h"
#include "ns3/error-model.h"
#include "ns3/inet-socket-address.h"
#include "ns3/names.h"
#include "ns3/pointer.h"
#include "ns3/rng-seed-manager.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/udp-socket-factory.h"
#include "ns3/uinteger.h"

#include <gtest/gtest.h>

#include <memory>

using namespace nslab;

namespace
{

class AppsTest : public ::testing::Test
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
        ns3::Names::Clear();
    }

    /** alice and bob on one 10 Mbps / 5 ms link. */
    void Wire(LinkType type, double loss = 0)
    {
        LinkSpec link;
        link.name = "wire";
        link.type = type;
        link.nodes = {"alice", "bob"};
        link.rate = ns3::DataRate("10Mbps");
        link.impairments.delay = ns3::MilliSeconds(5);
        link.impairments.loss = loss;
        m_topology = std::make_unique<Topology>(std::vector<LinkSpec>{link}, CapturePlan{});
    }

    ns3::TypeId Factory(bool tcp)
    {
        return tcp ? ns3::TcpSocketFactory::GetTypeId() : ns3::UdpSocketFactory::GetTypeId();
    }

    ns3::Ptr<TrafficServer> Server(bool tcp, uint16_t port)
    {
        auto server = ns3::CreateObject<TrafficServer>();
        server->SetAttribute("Protocol", ns3::TypeIdValue(Factory(tcp)));
        server->SetAttribute("Port", ns3::UintegerValue(port));
        m_topology->Node("bob")->AddApplication(server);
        return server;
    }

    ns3::Ptr<TrafficClient> Client(bool tcp, uint16_t port, uint32_t id)
    {
        auto client = ns3::CreateObject<TrafficClient>();
        client->SetAttribute("Protocol", ns3::TypeIdValue(Factory(tcp)));
        client->SetAttribute("AppId", ns3::UintegerValue(id));
        client->SetAttribute("Remote", ns3::AddressValue(ns3::InetSocketAddress(BobAddress(), port)));
        client->SetAttribute("SegmentSize", ns3::UintegerValue(1448));
        client->SetAttribute("MessageSize", ns3::UintegerValue(1448));
        client->SetStartTime(ns3::Seconds(1));
        m_topology->Node("alice")->AddApplication(client);
        return client;
    }

    ns3::Ipv4Address BobAddress() const { return m_topology->Interfaces()[1].address; }

    void Run(double seconds)
    {
        ns3::Simulator::Stop(ns3::Seconds(seconds));
        ns3::Simulator::Run();
    }

    std::unique_ptr<Topology> m_topology;
};

TEST_F(AppsTest, TcpDeliversExactlyTheBytesInMessages)
{
    Wire(LinkType::P2p);
    auto server = Server(true, 5000);
    auto client = Client(true, 5000, 1);
    client->SetAttribute("MaxBytes", ns3::UintegerValue(1000000));
    Run(10);
    EXPECT_TRUE(client->Connected());
    EXPECT_EQ(client->BytesSent(), 1000000u);
    EXPECT_EQ(server->BytesReceived(), 1000000u);
    EXPECT_EQ(server->ConnectionCount(), 1u);
    // 690 messages of 1448 B and a last one of the remaining 880 B.
    EXPECT_EQ(client->PacketsSent(), 691u);
    EXPECT_EQ(server->PacketsReceived(), 691u);
    EXPECT_EQ(server->Malformed(), 0u);
    EXPECT_EQ(server->Flows().at(1).received, 691u);
}

TEST_F(AppsTest, TcpServerAcceptsEveryConnection)
{
    Wire(LinkType::Ethernet);
    auto server = Server(true, 5000);
    auto first = Client(true, 5000, 1);
    auto second = Client(true, 5000, 2);
    first->SetAttribute("MaxBytes", ns3::UintegerValue(300000));
    second->SetAttribute("MaxBytes", ns3::UintegerValue(123457)); // a tail shorter than a header
    Run(10);
    EXPECT_EQ(server->ConnectionCount(), 2u);
    EXPECT_EQ(server->BytesReceived(), 423457u);
    EXPECT_EQ(server->Flows().at(1).received, first->PacketsSent());
    EXPECT_EQ(server->Flows().at(2).received, second->PacketsSent());
    // 123457 = 85 * 1448 + 377: the last message is 377 B long.
    EXPECT_EQ(second->PacketsSent(), 86u);
}

TEST_F(AppsTest, TcpMessagesNeverExceedOneSegment)
{
    Wire(LinkType::P2p);
    auto server = Server(true, 5000);
    auto client = Client(true, 5000, 1);
    // 1448 + 10 B: a second message of 10 B could not hold its header, so the
    // first shrinks to 1434 B and the second carries a bare 24-byte header.
    client->SetAttribute("MaxBytes", ns3::UintegerValue(1458));
    Run(3);
    EXPECT_EQ(client->PacketsSent(), 2u);
    EXPECT_EQ(server->PacketsReceived(), 2u);
    EXPECT_EQ(server->BytesReceived(), 1458u);
}

TEST_F(AppsTest, TcpRecoversEveryByteOnALossyLink)
{
    Wire(LinkType::Ethernet, 0.05);
    auto server = Server(true, 5000);
    auto client = Client(true, 5000, 1);
    client->SetAttribute("MaxBytes", ns3::UintegerValue(500000));
    Run(30);
    EXPECT_EQ(server->BytesReceived(), 500000u);
    EXPECT_EQ(server->PacketsReceived(), client->PacketsSent());
}

TEST_F(AppsTest, UdpCountsAndLatencyFollowThePhysics)
{
    // Ethernet: header 14, and on the wire FCS 4, preamble 8, inter-frame gap 12.
    for (auto [type, framing] : {std::pair{LinkType::P2p, 2}, std::pair{LinkType::Ethernet, 38}})
    {
        SCOPED_TRACE(framing);
        Wire(type);
        auto server = Server(false, 6000);
        auto client = Client(false, 6000, 7);
        client->SetAttribute("PacketSize", ns3::UintegerValue(500));
        client->SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(10)));
        client->SetAttribute("MaxPackets", ns3::UintegerValue(50));
        Run(5);
        EXPECT_EQ(client->PacketsSent(), 50u);
        EXPECT_EQ(server->PacketsReceived(), 50u);
        EXPECT_EQ(server->BytesReceived(), 25000u);
        const FlowStats& flow = server->Flows().at(7);
        EXPECT_EQ(flow.lost, 0u);
        EXPECT_EQ(flow.reordered, 0u);
        // Propagation plus serialization of payload + UDP 8 + IPv4 20 + link framing at 10 Mbit/s.
        int64_t frameBits = (500 + 8 + 20 + framing) * 8;
        EXPECT_EQ(flow.latency.min, ns3::MilliSeconds(5) + ns3::NanoSeconds(frameBits * 100));
        TearDown();
        SetUp();
    }
}

TEST_F(AppsTest, UdpServerCountsExactlyTheDroppedDatagrams)
{
    Wire(LinkType::P2p);
    auto drop = ns3::CreateObject<ns3::ReceiveListErrorModel>();
    drop->SetList({3, 7});
    m_topology->Node("bob")->GetDevice(1)->SetAttribute("ReceiveErrorModel", ns3::PointerValue(drop));
    auto server = Server(false, 6000);
    auto client = Client(false, 6000, 1);
    client->SetAttribute("PacketSize", ns3::UintegerValue(100));
    client->SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(1)));
    client->SetAttribute("MaxPackets", ns3::UintegerValue(20));
    Run(3);
    EXPECT_EQ(client->PacketsSent(), 20u);
    EXPECT_EQ(server->PacketsReceived(), 18u);
    const FlowStats& flow = server->Flows().at(1);
    EXPECT_EQ(flow.lost, 2u);
    EXPECT_EQ(flow.highest, 19);
    EXPECT_EQ(std::count(flow.seen.begin(), flow.seen.end(), false), 2);
}

TEST_F(AppsTest, UdpDatagramsLargerThanTheMtuAreFragmentedAndReassembled)
{
    Wire(LinkType::Ethernet);
    auto server = Server(false, 6000);
    auto client = Client(false, 6000, 1);
    client->SetAttribute("PacketSize", ns3::UintegerValue(4000));
    client->SetAttribute("Interval", ns3::TimeValue(ns3::MilliSeconds(20)));
    client->SetAttribute("MaxPackets", ns3::UintegerValue(10));
    Run(3);
    EXPECT_EQ(server->PacketsReceived(), 10u);
    EXPECT_EQ(server->BytesReceived(), 40000u);
}

} // namespace
