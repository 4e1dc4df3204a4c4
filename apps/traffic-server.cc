#include "traffic-server.h"

#include "ns3/inet6-socket-address.h"

#include "ns3/boolean.h"
#include "ns3/inet-socket-address.h"
#include "ns3/log.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

NS_LOG_COMPONENT_DEFINE("NslabTrafficServer");

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(TrafficServer);

ns3::TypeId
TrafficServer::GetTypeId()
{
    using namespace ns3;
    static TypeId tid = TypeId("nslab::TrafficServer")
                            .SetParent<TrafficApp>()
                            .SetGroupName("nslab")
                            .AddConstructor<TrafficServer>()
                            .AddAttribute("Port",
                                          "The port to bind.",
                                          UintegerValue(5000),
                                          MakeUintegerAccessor(&TrafficServer::m_port),
                                          MakeUintegerChecker<uint16_t>(1))
                            .AddAttribute("Ipv4",
                                          "Listen on IPv4.",
                                          BooleanValue(true),
                                          MakeBooleanAccessor(&TrafficServer::m_ipv4),
                                          MakeBooleanChecker())
                            .AddAttribute("Ipv6",
                                          "Listen on IPv6 (as well).",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&TrafficServer::m_ipv6),
                                          MakeBooleanChecker())
                            .AddAttribute("Echo",
                                          "Send every message back to its sender.",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&TrafficServer::m_echo),
                                          MakeBooleanChecker());
    return tid;
}

void
TrafficServer::StartApplication()
{
    // ns-3 sockets speak one IP version each: a dual-stack server has two.
    if (m_ipv4)
    {
        m_socket = Listen(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), m_port));
    }
    if (m_ipv6)
    {
        m_socket6 = Listen(ns3::Inet6SocketAddress(ns3::Ipv6Address::GetAny(), m_port));
    }
}

ns3::Ptr<ns3::Socket>
TrafficServer::Listen(const ns3::Address& any)
{
    auto socket = OpenSocket();
    socket->Bind(any);
    socket->SetRecvCallback(ns3::MakeCallback(&TrafficServer::OnRead, this));
    if (IsTcp())
    {
        socket->Listen();
        socket->SetAcceptCallback(ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
                                  ns3::MakeCallback(&TrafficServer::OnAccept, this));
    }
    return socket;
}

void
TrafficServer::StopApplication()
{
    for (auto& [socket, state] : m_streams)
    {
        socket->Close();
    }
    for (const auto& socket : {m_socket, m_socket6})
    {
        if (socket)
        {
            socket->Close();
            socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
        }
    }
}

void
TrafficServer::DoDispose()
{
    m_streams.clear();
    m_socket6 = nullptr;
    TrafficApp::DoDispose();
}

void
TrafficServer::OnAccept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& /*from*/)
{
    Connection& connection = m_streams[socket];
    connection.probe = ns3::Create<TcpProbe>();
    connection.probe->Attach(socket, m_throughput.bin, m_echo ? TcpProbe::Side::Sender : TcpProbe::Side::Receiver);
    connection.order = m_connections++;
    socket->SetRecvCallback(ns3::MakeCallback(&TrafficServer::OnRead, this));
    if (m_echo) // TCP calls it with every ACK it processes: only when there is an echo to send
    {
        socket->SetSendCallback(ns3::MakeCallback(&TrafficServer::FlushEcho, this));
    }
    socket->SetCloseCallbacks(ns3::MakeCallback(&TrafficServer::OnPeerClose, this),
                              ns3::MakeCallback(&TrafficServer::OnPeerClose, this));
}

void
TrafficServer::OnPeerClose(ns3::Ptr<ns3::Socket> socket)
{
    // The client closed after sending everything: close our half too, once
    // whatever we echo has gone into the socket.
    m_streams[socket].peerClosed = true;
    FlushEcho(socket, socket->GetTxAvailable());
}

void
TrafficServer::OnRead(ns3::Ptr<ns3::Socket> socket)
{
    ns3::Address from;
    // Read at most a segment at a time: a larger read makes TCP concatenate
    // segments into one big packet, a copy of every byte (ns-3 cannot merge
    // the zero-filled payloads once a header sits between them).
    while (auto packet = socket->RecvFrom(ReadSize(), 0, from))
    {
        if (packet->GetSize() == 0)
        {
            break;
        }
        if (m_bytesReceived == 0)
        {
            m_firstData = ns3::Simulator::Now();
            m_firstDataBytes = packet->GetSize();
        }
        m_lastData = ns3::Simulator::Now();
        m_bytesReceived += packet->GetSize();
        m_throughput.Add(packet->GetSize());
        auto stream = m_streams.find(socket);
        if (stream != m_streams.end())
        {
            m_malformed += stream->second.stream.Feed(packet, [this](const Message& m) { Record(m); });
            if (m_echo)
            {
                stream->second.echo.push_back(packet);
                FlushEcho(socket, socket->GetTxAvailable());
            }
            continue;
        }
        Message message;
        if (!MessageStream::ReadDatagram(packet, message))
        {
            ++m_malformed;
            continue;
        }
        Record(message);
        if (m_echo)
        {
            socket->SendTo(packet->Copy(), 0, from);
        }
    }
}

void
TrafficServer::FlushEcho(ns3::Ptr<ns3::Socket> socket, uint32_t /*available*/)
{
    Connection& connection = m_streams[socket];
    auto& pending = connection.echo;
    while (!pending.empty() && socket->GetTxAvailable() > 0)
    {
        uint32_t size = std::min(pending.front()->GetSize(), socket->GetTxAvailable());
        int sent = socket->Send(pending.front()->CreateFragment(0, size));
        if (sent <= 0)
        {
            return;
        }
        if (static_cast<uint32_t>(sent) == pending.front()->GetSize())
        {
            pending.pop_front();
        }
        else
        {
            pending.front()->RemoveAtStart(static_cast<uint32_t>(sent));
        }
    }
    if (connection.peerClosed && pending.empty())
    {
        connection.peerClosed = false;
        socket->Close();
    }
}

void
TrafficServer::Record(const Message& message)
{
    const NslabHeader& header = message.header;
    ++m_packetsReceived;
    FlowStats& flow = m_flows[header.app];
    if (header.seq >= flow.seen.size())
    {
        flow.seen.resize(header.seq + 1, false);
    }
    if (flow.seen[header.seq])
    {
        ++flow.duplicates;
        return;
    }
    flow.seen[header.seq] = true;
    ++flow.received;
    if (static_cast<int64_t>(header.seq) < flow.highest)
    {
        ++flow.reordered;
        --flow.lost; // a gap counted earlier is filled
    }
    else
    {
        flow.lost += header.seq - static_cast<uint64_t>(flow.highest + 1);
        flow.highest = header.seq;
    }
    ns3::Time now = ns3::Simulator::Now();
    ns3::Time transit = now - header.sent;
    flow.latency.Add(transit);
    if (!IsTcp())
    {
        // RFC 3550, 6.4.1: J += (|D| - J) / 16 over consecutive arrivals.
        if (!flow.arrivals.empty())
        {
            double d = std::abs((transit - flow.lastTransit).GetSeconds());
            flow.jitter += (d - flow.jitter) / 16;
        }
        flow.lastTransit = transit;
        flow.arrivals.push_back({header.seq, header.sent, now});
    }
    if (header.flags & NslabHeader::kText)
    {
        flow.texts.push_back({header.seq, message.text, header.sent, now});
    }
}

std::vector<const TcpStats*>
TrafficServer::Connections() const
{
    std::vector<const TcpStats*> connections(m_streams.size());
    for (const auto& [socket, state] : m_streams)
    {
        connections[state.order] = &state.probe->Stats();
    }
    return connections;
}

} // namespace nslab
