#include "traffic-server.h"

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
                                          MakeUintegerChecker<uint16_t>(1));
    return tid;
}

void
TrafficServer::StartApplication()
{
    m_socket = OpenSocket();
    m_socket->Bind(ns3::InetSocketAddress(ns3::Ipv4Address::GetAny(), m_port));
    m_socket->SetRecvCallback(ns3::MakeCallback(&TrafficServer::OnRead, this));
    if (IsTcp())
    {
        m_socket->Listen();
        m_socket->SetAcceptCallback(
            ns3::MakeNullCallback<bool, ns3::Ptr<ns3::Socket>, const ns3::Address&>(),
            ns3::MakeCallback(&TrafficServer::OnAccept, this));
    }
}

void
TrafficServer::StopApplication()
{
    for (auto& [socket, state] : m_streams)
    {
        socket->Close();
    }
    if (m_socket)
    {
        m_socket->Close();
        m_socket->SetRecvCallback(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>());
    }
}

void
TrafficServer::DoDispose()
{
    m_streams.clear();
    TrafficApp::DoDispose();
}

void
TrafficServer::OnAccept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& /*from*/)
{
    StreamState state;
    state.probe = ns3::Create<TcpProbe>();
    state.probe->Attach(socket, m_throughput.bin);
    state.order = m_connections++;
    m_streams.emplace(socket, state);
    socket->SetRecvCallback(ns3::MakeCallback(&TrafficServer::OnRead, this));
    socket->SetCloseCallbacks(ns3::MakeCallback(&TrafficServer::OnPeerClose, this),
                              ns3::MakeCallback(&TrafficServer::OnPeerClose, this));
}

void
TrafficServer::OnPeerClose(ns3::Ptr<ns3::Socket> socket)
{
    // The client closed after sending everything: close our half too.
    socket->Close();
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
        m_rxTrace(packet);
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
            ConsumeStream(stream->second, packet);
            continue;
        }
        NslabHeader header;
        uint8_t bytes[NslabHeader::kSize];
        uint32_t copied = packet->CopyData(bytes, NslabHeader::kSize);
        if (header.Parse(bytes, copied) && header.length == packet->GetSize())
        {
            Record(header);
        }
        else
        {
            ++m_malformed;
        }
    }
}

void
TrafficServer::ConsumeStream(StreamState& state, ns3::Ptr<const ns3::Packet> packet)
{
    uint32_t size = packet->GetSize();
    if (state.broken)
    {
        m_malformed += size;
        return;
    }
    uint32_t offset = 0;
    while (offset < size && !state.broken)
    {
        if (state.headerFill == NslabHeader::kSize)
        {
            uint32_t take = std::min(state.bodyLeft, size - offset);
            state.bodyLeft -= take;
            offset += take;
            if (state.bodyLeft == 0)
            {
                Record(state.current);
                state.headerFill = 0;
            }
            continue;
        }
        // Only header bytes are copied out; bodies are skipped by count.
        uint32_t take = std::min(NslabHeader::kSize - state.headerFill, size - offset);
        if (offset == 0)
        {
            packet->CopyData(state.header + state.headerFill, take); // the usual case: no fragment needed
        }
        else
        {
            packet->CreateFragment(offset, take)->CopyData(state.header + state.headerFill, take);
        }
        state.headerFill += take;
        offset += take;
        if (state.headerFill == NslabHeader::kSize)
        {
            state.broken = !state.current.Parse(state.header, NslabHeader::kSize);
            state.bodyLeft = state.current.length - NslabHeader::kSize;
            m_malformed += state.broken ? size - offset : 0;
        }
    }
    if (state.headerFill == NslabHeader::kSize && state.bodyLeft == 0 && !state.broken)
    {
        Record(state.current); // a message that is all header
        state.headerFill = 0;
    }
}

void
TrafficServer::Record(const NslabHeader& header)
{
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
