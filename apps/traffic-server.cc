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
                                          MakeBooleanChecker())
                            .AddAttribute("RecvSize",
                                          "TCP: bytes asked for per recv() call.",
                                          UintegerValue(65536),
                                          MakeUintegerAccessor(&TrafficServer::m_recvSize),
                                          MakeUintegerChecker<uint32_t>(1))
                            .AddAttribute("Raw",
                                          "The clients send no nslab header: count bytes, parse no messages.",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&TrafficServer::m_raw),
                                          MakeBooleanChecker())
                            .AddAttribute("ListReads",
                                          "Keep the first reads (recv() calls, datagrams) with their bytes.",
                                          BooleanValue(false),
                                          MakeBooleanAccessor(&TrafficServer::m_listReads),
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
    if (!IsTcp())
    {
        m_membership.Join(GetNode());
    }
}

ns3::Ptr<ns3::Socket>
TrafficServer::Listen(const ns3::Address& any)
{
    auto socket = OpenSocket();
    socket->Bind(any);
    socket->SetRecvCallback(ns3::MakeCallback(&TrafficServer::OnRead, this));
    if (!IsTcp())
    {
        m_membership.Prepare(socket);
    }
    if (IsTcp())
    {
        // ns-3.37 enters zero-window persist on any segment a listening socket
        // gets while it knows no peer window (a RST from a client that gave up
        // connecting, a stray ACK), then probes with data it does not have and
        // crashes. A listener sends no data: its persist timer must not fire.
        // Accepted sockets copy the setting and get ns-3's back (OnAccept);
        // one whose peer advertised a zero window before the handshake ended
        // would wait for the first ACK that opens it, not probe.
        ns3::TimeValue persist;
        socket->GetAttribute("PersistTimeout", persist);
        m_persistTimeout = persist.Get();
        socket->SetAttribute("PersistTimeout", ns3::TimeValue(ns3::Seconds(1e9)));
        socket->Listen();
        socket->SetAcceptCallback(ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
                                  ns3::MakeCallback(&TrafficServer::OnAccept, this));
    }
    return socket;
}

void
TrafficServer::StopApplication()
{
    m_membership.Leave();
    for (auto& [socket, connection] : m_streams)
    {
        if (connection.closed)
        {
            continue;
        }
        // close(): a FIN after what is buffered. Data that arrives after it
        // gets a RST (ResetClosed), as from Linux; a delayed-ACK count no
        // segment reaches keeps ns-3 from acknowledging that data first.
        connection.closed = true;
        connection.echo.clear();
        socket->SetAttribute("DelAckCount", ns3::UintegerValue(UINT32_MAX));
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
    GuardFullWindow(socket);
    socket->SetAttribute("PersistTimeout", ns3::TimeValue(m_persistTimeout));
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
                              ns3::MakeCallback(&TrafficServer::OnConnectionError, this));
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
TrafficServer::OnConnectionError(ns3::Ptr<ns3::Socket> socket)
{
    // A reset or a timeout: TCP has already dropped the connection. Closing
    // it again would make ns-3 send a RST and report this error once more.
    Connection& connection = m_streams[socket];
    connection.echo.clear();
    connection.peerClosed = false;
}

void
TrafficServer::OnRead(ns3::Ptr<ns3::Socket> socket)
{
    auto stream = m_streams.find(socket);
    if (stream != m_streams.end() && stream->second.closed)
    {
        Connection& connection = stream->second;
        if (!connection.reset && socket->GetRxAvailable() > 0)
        {
            connection.reset = true; // after ns-3 is done with the segment (see Abort)
            ns3::Simulator::ScheduleNow(&TrafficServer::ResetClosed, this, socket);
        }
    }
    else if (stream != m_streams.end())
    {
        ReadStream(socket, stream->second);
    }
    else
    {
        ReadDatagrams(socket);
    }
}

void
TrafficServer::ReadStream(const ns3::Ptr<ns3::Socket>& socket, Connection& connection)
{
    // As a program that calls recv(m_recvSize) whenever data is there: each
    // call returns what has arrived, up to m_recvSize bytes.
    while (uint32_t available = socket->GetRxAvailable())
    {
        if (ReadOnce(socket, connection, std::min(available, m_recvSize)) == 0)
        {
            break;
        }
    }
}

uint32_t
TrafficServer::ReadOnce(const ns3::Ptr<ns3::Socket>& socket, Connection& connection, uint32_t size)
{
    // One recv() call, taken from the socket at most a segment at a time: a
    // larger Recv makes TCP concatenate segments into one big packet, a copy
    // of every byte (ns-3 cannot merge the zero-filled payloads once a header
    // sits between them).
    bool firstRead = m_bytesReceived == 0;
    bool listed = m_listReads && m_reads.size() < kListedReads;
    uint32_t read = 0;
    while (read < size)
    {
        auto packet = socket->Recv(std::min(size - read, ReadSize()), 0);
        if (!packet || packet->GetSize() == 0)
        {
            break;
        }
        ns3::Time now = Arrived(packet->GetSize());
        if (listed)
        {
            ListRead(connection.order + 1, packet, read > 0);
        }
        read += packet->GetSize();
        if (!m_raw)
        {
            m_malformed += connection.stream.Feed(packet, [this, now](const Message& m) { Record(m, now); });
        }
        if (m_echo)
        {
            Echo(socket, connection, packet);
        }
    }
    m_recvCalls += read > 0 ? 1 : 0;
    if (firstRead)
    {
        m_firstDataBytes = read; // all of it arrived before the goodput's interval begins
    }
    return read;
}

void
TrafficServer::ListRead(uint32_t connection, const ns3::Ptr<const ns3::Packet>& packet, bool more)
{
    if (!more)
    {
        m_reads.push_back({ns3::Simulator::Now(), 0, connection, ""});
    }
    Read& read = m_reads.back();
    read.bytes += packet->GetSize();
    size_t old = read.data.size();
    size_t keep = std::min<size_t>(packet->GetSize(), kListedBytes - old);
    read.data.resize(old + keep);
    packet->CopyData(reinterpret_cast<uint8_t*>(&read.data[old]), static_cast<uint32_t>(keep));
}

void
TrafficServer::ResetClosed(ns3::Ptr<ns3::Socket> socket)
{
    Abort(socket, true);
}

void
TrafficServer::Echo(const ns3::Ptr<ns3::Socket>& socket, Connection& connection, const ns3::Ptr<ns3::Packet>& packet)
{
    connection.echo.push_back(packet);
    FlushEcho(socket, socket->GetTxAvailable());
}

void
TrafficServer::ReadDatagrams(const ns3::Ptr<ns3::Socket>& socket)
{
    ns3::Address from;
    while (auto packet = socket->RecvFrom(ReadSize(), 0, from))
    {
        if (packet->GetSize() == 0)
        {
            break;
        }
        if (!m_membership.Accepts(packet))
        {
            continue; // a group it did not join: not for this host (see GroupMembership)
        }
        ns3::Time now = Arrived(packet->GetSize());
        ++m_recvCalls;
        if (m_listReads && m_reads.size() < kListedReads)
        {
            ListRead(0, packet, false);
        }
        Message message;
        if (m_raw)
        {
            ++m_packetsReceived; // a datagram, but no message to count, time or check
        }
        else if (!MessageStream::ReadDatagram(packet, message))
        {
            ++m_malformed;
            continue;
        }
        else if (FlowStats* flow = Record(message, now))
        {
            RecordDatagram(*flow, message.header, now);
        }
        if (m_echo)
        {
            socket->SendTo(packet->Copy(), 0, from);
        }
    }
}

ns3::Time
TrafficServer::Arrived(uint32_t size)
{
    ns3::Time now = ns3::Simulator::Now();
    if (m_bytesReceived == 0)
    {
        m_firstData = now;
        m_firstDataBytes = size;
    }
    m_lastData = now;
    m_bytesReceived += size;
    m_throughput.Add(size, now);
    return now;
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

FlowStats*
TrafficServer::Record(const Message& message, ns3::Time now)
{
    // Called for every message: the usual case (in order, no text) stays short.
    const NslabHeader& header = message.header;
    ++m_packetsReceived;
    FlowStats& flow = header.app == m_lastApp && m_lastFlow ? *m_lastFlow : Flow(header.app);
    if (!flow.MarkSeen(header.seq))
    {
        ++flow.duplicates;
        flow.duplicateBytes += header.length;
        return nullptr;
    }
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
    flow.latency.Add(now - header.sent);
    if (header.flags & NslabHeader::kText)
    {
        RecordText(flow, message, now);
    }
    return &flow;
}

FlowStats&
TrafficServer::Flow(uint32_t app)
{
    m_lastApp = app;
    m_lastFlow = &m_flows[app]; // map nodes stay put: the pointer stays valid
    return *m_lastFlow;
}

void
TrafficServer::RecordDatagram(FlowStats& flow, const NslabHeader& header, ns3::Time now)
{
    // RFC 3550, 6.4.1: J += (|D| - J) / 16 over consecutive arrivals, in
    // whole nanoseconds as its appendix A.8 does it in timestamp units: a
    // jitter that has died away is exactly 0, not (15/16)^n of an old one.
    ns3::Time transit = now - header.sent;
    if (!flow.arrivals.empty())
    {
        int64_t d = std::abs((transit - flow.lastTransit).GetNanoSeconds());
        flow.jitter16 += d - ((flow.jitter16 + 8) >> 4);
        flow.jitter = static_cast<double>((flow.jitter16 + 8) >> 4) * 1e-9;
    }
    flow.lastTransit = transit;
    flow.arrivals.push_back({header.seq, header.sent, now});
}

void
TrafficServer::RecordText(FlowStats& flow, const Message& message, ns3::Time now)
{
    flow.texts.push_back({message.header.seq, message.text, message.header.sent, now});
}

bool
FlowStats::MarkSeenOutOfOrder(uint32_t seq)
{
    if (seq >= seen.size())
    {
        seen.resize(seq + 1, false);
    }
    if (seen[seq])
    {
        return false;
    }
    seen[seq] = true;
    return true;
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
