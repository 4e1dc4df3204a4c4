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
//          --trace=1 (TCP trace sinks) --header=1 (messages with a header, see below)

#include "ns3/applications-module.h"
#include "ns3/core-module.h"
#include "ns3/internet-module.h"
#include "ns3/network-module.h"
#include "ns3/point-to-point-module.h"

#include <cstdint>
#include <cstdio>
#include <string>

using namespace ns3;

namespace
{
// --trace: what a hand-written program that reports what nslab reports would
// attach: the sender's Tx/Rx (retransmissions, duplicate ACKs, RTT samples),
// window, threshold and RTT estimate, and the receiver's Rx.
struct TraceCounts
{
    uint64_t segments = 0, retransmissions = 0, dupAcks = 0, received = 0;
    SequenceNumber32 highest, lastAck;
    std::vector<std::pair<Time, uint32_t>> cwnd;
    std::vector<Time> rtt;
} g_trace;

void
SenderTx(Ptr<const Packet> p, const TcpHeader& h, Ptr<const TcpSocketBase>)
{
    if (p->GetSize() == 0)
    {
        return;
    }
    ++g_trace.segments;
    g_trace.retransmissions += h.GetSequenceNumber() < g_trace.highest;
    g_trace.highest = std::max(g_trace.highest, h.GetSequenceNumber() + p->GetSize());
}

void
SenderRx(Ptr<const Packet> p, const TcpHeader& h, Ptr<const TcpSocketBase>)
{
    g_trace.dupAcks += p->GetSize() == 0 && h.GetAckNumber() == g_trace.lastAck;
    g_trace.lastAck = h.GetAckNumber();
}

void
ReceiverRx(Ptr<const Packet> p, const TcpHeader&, Ptr<const TcpSocketBase>)
{
    g_trace.received += p->GetSize() > 0;
}

void
Cwnd(uint32_t, uint32_t value)
{
    g_trace.cwnd.emplace_back(Simulator::Now(), value);
}

void
Rtt(Time, Time value)
{
    g_trace.rtt.push_back(value);
}

// --header: what a hand-written program that measures per-message loss and
// latency, as nslab does, sends and reads instead of BulkSend and PacketSink.
// Every 1448-byte message starts with its sequence number and send time
// (16 bytes, then zeros); the sink reads a message at a time and counts
// messages, gaps and latency from the headers.
constexpr uint32_t kMessage = 1448;
constexpr uint32_t kHeader = 16;

void
WriteU64(uint8_t* out, uint64_t value)
{
    for (int i = 7; i >= 0; --i, value >>= 8)
    {
        out[i] = static_cast<uint8_t>(value);
    }
}

uint64_t
ReadU64(const uint8_t* in)
{
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i)
    {
        value = (value << 8) | in[i];
    }
    return value;
}

class HeaderSender : public Application
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid = TypeId("plain::HeaderSender").SetParent<Application>().AddConstructor<HeaderSender>();
        return tid;
    }

    Address remote;

  private:
    void StartApplication() override
    {
        m_socket = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
        m_socket->Bind();
        m_socket->SetConnectCallback(MakeCallback(&HeaderSender::Connected, this),
                                     MakeNullCallback<void, Ptr<Socket>>());
        m_socket->SetSendCallback(MakeCallback(&HeaderSender::Fill, this));
        m_socket->Connect(remote);
    }

    void StopApplication() override { m_socket->Close(); }

    void Connected(Ptr<Socket> socket)
    {
        m_connected = true;
        Fill(socket, socket->GetTxAvailable());
    }

    void Fill(Ptr<Socket> socket, uint32_t)
    {
        while (m_connected && socket->GetTxAvailable() >= kMessage)
        {
            uint8_t header[kHeader];
            WriteU64(header, m_seq++);
            WriteU64(header + 8, Simulator::Now().GetNanoSeconds());
            Ptr<Packet> message = Create<Packet>(header, kHeader);
            message->AddAtEnd(Create<Packet>(kMessage - kHeader));
            socket->Send(message);
        }
    }

    Ptr<Socket> m_socket;
    bool m_connected = false;
    uint64_t m_seq = 0;
};

class HeaderSink : public Application
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid = TypeId("plain::HeaderSink").SetParent<Application>().AddConstructor<HeaderSink>();
        return tid;
    }

    uint64_t received = 0, messages = 0, gaps = 0;
    int64_t latencyNs = 0;

  private:
    void StartApplication() override
    {
        m_socket = Socket::CreateSocket(GetNode(), TcpSocketFactory::GetTypeId());
        m_socket->Bind(InetSocketAddress(Ipv4Address::GetAny(), 5000));
        m_socket->Listen();
        m_socket->SetAcceptCallback(MakeNullCallback<bool, Ptr<Socket>, const Address&>(),
                                    MakeCallback(&HeaderSink::Accept, this));
    }

    void StopApplication() override { m_socket->Close(); }

    void Accept(Ptr<Socket> socket, const Address&)
    {
        m_accepted = socket;
        socket->SetRecvCallback(MakeCallback(&HeaderSink::Read, this));
    }

    void Read(Ptr<Socket> socket)
    {
        while (Ptr<Packet> packet = socket->Recv(kMessage, 0))
        {
            if (packet->GetSize() == 0)
            {
                break;
            }
            if (received % kMessage == 0 && packet->GetSize() >= kHeader) // a message starts here
            {
                uint8_t header[kHeader];
                packet->CopyData(header, kHeader);
                uint64_t seq = ReadU64(header);
                gaps += seq - m_next;
                m_next = seq + 1;
                latencyNs += Simulator::Now().GetNanoSeconds() - static_cast<int64_t>(ReadU64(header + 8));
                ++messages;
            }
            received += packet->GetSize();
        }
    }

    Ptr<Socket> m_socket;
    Ptr<Socket> m_accepted;
    uint64_t m_next = 0;
};

void
ConnectSender()
{
    std::string socket = "/NodeList/0/$ns3::TcpL4Protocol/SocketList/0/";
    Config::ConnectWithoutContext(socket + "Tx", MakeCallback(&SenderTx));
    Config::ConnectWithoutContext(socket + "Rx", MakeCallback(&SenderRx));
    Config::ConnectWithoutContext(socket + "CongestionWindow", MakeCallback(&Cwnd));
    Config::ConnectWithoutContext(socket + "RTT", MakeCallback(&Rtt));
}

void
ConnectReceiver()
{
    // The accepted socket (index 1 after the listening one) exists once the handshake is done.
    Config::ConnectWithoutContext("/NodeList/1/$ns3::TcpL4Protocol/SocketList/1/Rx", MakeCallback(&ReceiverRx));
}
} // namespace

int
main(int argc, char* argv[])
{
    std::string outDir = ".";
    uint32_t buffer = 4194304;
    std::string cc = "TcpNewReno";
    uint32_t seed = 1;
    uint64_t run = 1;
    double stopS = 10.0;
    bool trace = false;
    bool header = false;

    CommandLine cmd(__FILE__);
    cmd.AddValue("out", "Directory for the pcap files", outDir);
    cmd.AddValue("buffer", "TCP send and receive buffer size in bytes", buffer);
    cmd.AddValue("cc", "TCP congestion control (TcpNewReno, TcpCubic, ...)", cc);
    cmd.AddValue("seed", "RNG seed", seed);
    cmd.AddValue("run", "RNG run number", run);
    cmd.AddValue("stop", "End of the transfer and of the run, seconds", stopS);
    cmd.AddValue("trace", "Attach the TCP trace sinks that nslab's measurements use", trace);
    cmd.AddValue("header", "Send messages with a sequence/time header and read them, as nslab's apps do", header);
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

    ApplicationContainer sinkApps;
    ApplicationContainer srcApps;
    Ptr<HeaderSink> headerSink;
    if (header)
    {
        headerSink = CreateObject<HeaderSink>();
        nodes.Get(1)->AddApplication(headerSink);
        sinkApps.Add(headerSink);
        auto sender = CreateObject<HeaderSender>();
        sender->remote = InetSocketAddress(ifaces.GetAddress(1), port);
        nodes.Get(0)->AddApplication(sender);
        srcApps.Add(sender);
    }
    else
    {
        PacketSinkHelper sinkHelper("ns3::TcpSocketFactory",
                                    InetSocketAddress(Ipv4Address::GetAny(), port));
        sinkApps = sinkHelper.Install(nodes.Get(1));
        BulkSendHelper bulk("ns3::TcpSocketFactory", InetSocketAddress(ifaces.GetAddress(1), port));
        bulk.SetAttribute("MaxBytes", UintegerValue(0));
        bulk.SetAttribute("SendSize", UintegerValue(1448));
        srcApps = bulk.Install(nodes.Get(0));
    }
    sinkApps.Start(Seconds(0.0));
    sinkApps.Stop(Seconds(stopS));
    srcApps.Start(Seconds(startS));
    srcApps.Stop(Seconds(stopS));

    SystemPath::MakeDirectories(outDir);
    p2p.EnablePcap(outDir + "/alice-ppp0.pcap", devices.Get(0), false, true);
    p2p.EnablePcap(outDir + "/bob-ppp0.pcap", devices.Get(1), false, true);

    if (trace)
    {
        Simulator::Schedule(Seconds(startS) + NanoSeconds(1), &ConnectSender);
        Simulator::Schedule(Seconds(startS + 0.1), &ConnectReceiver);
    }
    Simulator::Stop(Seconds(stopS));
    Simulator::Run();

    const uint64_t rx = header ? headerSink->received : DynamicCast<PacketSink>(sinkApps.Get(0))->GetTotalRx();
    const double goodputMbps = rx * 8.0 / (stopS - startS) / 1e6;

    Simulator::Destroy();

    std::printf("baseline bytes_received=%llu goodput_mbps=%.3f\n",
                static_cast<unsigned long long>(rx),
                goodputMbps);
    if (header)
    {
        std::printf("header messages=%llu gaps=%llu mean_latency_ms=%.3f\n",
                    static_cast<unsigned long long>(headerSink->messages),
                    static_cast<unsigned long long>(headerSink->gaps),
                    headerSink->messages ? headerSink->latencyNs / 1e6 / headerSink->messages : 0.0);
    }
    if (trace)
    {
        std::printf("traced segments=%llu retransmissions=%llu received=%llu cwnd_changes=%zu rtt_changes=%zu\n",
                    static_cast<unsigned long long>(g_trace.segments),
                    static_cast<unsigned long long>(g_trace.retransmissions),
                    static_cast<unsigned long long>(g_trace.received),
                    g_trace.cwnd.size(),
                    g_trace.rtt.size());
    }
    return 0;
}
