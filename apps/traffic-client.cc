#include "traffic-client.h"

#include "ns3/inet-socket-address.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/pointer.h"

#include "nslab-header.h"

#include "ns3/boolean.h"
#include "ns3/callback.h"
#include "ns3/icmpv4.h"
#include "ns3/icmpv6-header.h"
#include "ns3/log.h"

#include <algorithm>
#include "ns3/packet.h"
#include "ns3/simulator.h"
#include "ns3/uinteger.h"

NS_LOG_COMPONENT_DEFINE("NslabTrafficClient");

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(TrafficClient);

ns3::TypeId
TrafficClient::GetTypeId()
{
    using namespace ns3;
    static TypeId tid =
        TypeId("nslab::TrafficClient")
            .SetParent<TrafficApp>()
            .SetGroupName("nslab")
            .AddConstructor<TrafficClient>()
            .AddAttribute("Remote",
                          "The server's address and port.",
                          AddressValue(),
                          MakeAddressAccessor(&TrafficClient::m_remote),
                          MakeAddressChecker())
            .AddAttribute("Local",
                          "Address and port to bind (Inet or Inet6 socket address); empty: any address, "
                          "an ephemeral port.",
                          AddressValue(),
                          MakeAddressAccessor(&TrafficClient::m_local),
                          MakeAddressChecker())
            .AddAttribute("Device",
                          "The interface to bind the socket to (null: none).",
                          PointerValue(),
                          MakePointerAccessor(&TrafficClient::m_device),
                          MakePointerChecker<NetDevice>())
            .AddAttribute("MaxBytes",
                          "TCP: bytes to send, nslab headers included.",
                          UintegerValue(1000000),
                          MakeUintegerAccessor(&TrafficClient::m_maxBytes),
                          MakeUintegerChecker<uint64_t>(1))
            .AddAttribute("Chunk",
                          "TCP: bytes per Send() call (0: whole messages).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TrafficClient::m_chunk),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("MessageSize",
                          "TCP: bytes per message; the last one takes the remainder.",
                          UintegerValue(1448),
                          MakeUintegerAccessor(&TrafficClient::m_messageSize),
                          MakeUintegerChecker<uint32_t>(NslabHeader::kSize))
            .AddAttribute("MaxPackets",
                          "UDP: datagrams to send (0: until the app stops).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TrafficClient::m_maxPackets),
                          MakeUintegerChecker<uint64_t>())
            .AddAttribute("PacketSize",
                          "UDP: datagram payload size; paced TCP: message size; in bytes, nslab header included.",
                          UintegerValue(1000),
                          MakeUintegerAccessor(&TrafficClient::m_packetSize),
                          MakeUintegerChecker<uint32_t>(1))
            .AddAttribute("Interval",
                          "UDP: time between datagrams; paced TCP: between messages.",
                          TimeValue(Seconds(1)),
                          MakeTimeAccessor(&TrafficClient::m_interval),
                          MakeTimeChecker(Time(1)))
            .AddAttribute("Paced",
                          "TCP: write a message of PacketSize bytes every Interval, MaxPackets of them "
                          "(0: until the app stops), instead of MaxBytes as fast as TCP takes them.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&TrafficClient::m_paced),
                          MakeBooleanChecker())
            .AddAttribute("Raw",
                          "Send messages and datagrams without the nslab header: bare texts or zeros.",
                          BooleanValue(false),
                          MakeBooleanAccessor(&TrafficClient::m_raw),
                          MakeBooleanChecker());
    return tid;
}

namespace
{

/** \return the port of an Inet or Inet6 socket address (0 for an empty one). */
uint16_t
PortOf(const ns3::Address& address)
{
    if (ns3::InetSocketAddress::IsMatchingType(address))
    {
        return ns3::InetSocketAddress::ConvertFrom(address).GetPort();
    }
    return ns3::Inet6SocketAddress::IsMatchingType(address) ? ns3::Inet6SocketAddress::ConvertFrom(address).GetPort()
                                                            : 0;
}

} // namespace

void
TrafficClient::DoInitialize()
{
    // A given source port is taken at time 0, before any app starts: a client
    // started earlier could otherwise get it as its ephemeral port.
    if (PortOf(m_local) != 0)
    {
        OpenAndBind();
    }
    TrafficApp::DoInitialize();
}

void
TrafficClient::OpenAndBind()
{
    m_socket = OpenSocket();
    int bound = !m_local.IsInvalid() ? m_socket->Bind(m_local)
                : ns3::Inet6SocketAddress::IsMatchingType(m_remote) ? m_socket->Bind6()
                                                                    : m_socket->Bind();
    NS_ABORT_MSG_IF(bound != 0, "nslab: client " << m_appId << " cannot bind " << m_local
                                                 << " (the loader checks ports): errno " << m_socket->GetErrno());
    if (m_device)
    {
        m_socket->BindToNetDevice(m_device); // the endpoint too: it receives only on the device
    }
    ns3::Address name;
    m_socket->GetSockName(name);
    m_localPort = PortOf(name);
    m_socket->SetAllowBroadcast(!IsTcp()); // SO_BROADCAST: a UDP client may send to its link's broadcast
}

void
TrafficClient::StartApplication()
{
    if (!m_socket)
    {
        OpenAndBind();
    }
    m_socket->SetRecvCallback(ns3::MakeCallback(&TrafficClient::OnReply, this));
    if (IsTcp())
    {
        m_socket->SetConnectCallback(ns3::MakeCallback(&TrafficClient::OnConnected, this),
                                     ns3::MakeCallback(&TrafficClient::OnConnectFailed, this));
        m_socket->SetSendCallback(ns3::MakeCallback(&TrafficClient::FillSendBuffer, this));
        m_probe = ns3::Create<TcpProbe>();
        m_probe->Attach(m_socket, m_throughput.bin, TcpProbe::Side::Sender);
        WatchErrors();
        m_connectStart = ns3::Simulator::Now();
        if (m_socket->Connect(m_remote) < 0)
        {
            m_failed = true;
            SetError(ErrnoName(m_socket->GetErrno()));
        }
        return;
    }
    WatchErrors();
    m_socket->Connect(m_remote);
    SendDatagram();
}

void
TrafficClient::DoDispose()
{
    if (m_probe)
    {
        m_probe->SetRstHandler(nullptr); // the probe lives as long as the socket's traces
    }
    m_probe = nullptr;
    TrafficApp::DoDispose();
}

void
TrafficClient::StopApplication()
{
    m_sendEvent.Cancel();
    if (m_socket && !m_closed)
    {
        m_stopping = true; // closing while connecting sends a RST and reports an error: ours, not the peer's
        m_socket->Close();
        m_stopping = false;
        m_closed = true;
    }
}

ns3::Ptr<ns3::Packet>
TrafficClient::Build(uint32_t size, ns3::Time sent)
{
    NslabHeader header;
    header.app = m_appId;
    header.seq = static_cast<uint32_t>(m_packetsSent);
    header.sent = sent;
    if (m_raw)
    {
        // What the lesson's client sends: the text alone, or zeros; no header.
        return m_packetsSent < m_messages.size() ? TextBody(header) : ns3::Create<ns3::Packet>(size);
    }
    ns3::Ptr<const ns3::Packet> body;
    if (m_packetsSent < m_messages.size())
    {
        body = TextBody(header);
    }
    else
    {
        body = Padding(size - NslabHeader::kSize);
    }
    header.length = body->GetSize() + NslabHeader::kSize;
    // The header's bytes, then the body: ns-3 appends a zero-filled body
    // without allocating any of it, and the message is one buffer.
    uint8_t bytes[NslabHeader::kSize];
    header.Write(bytes);
    auto packet = ns3::Create<ns3::Packet>(bytes, NslabHeader::kSize);
    packet->AddAtEnd(body);
    return packet;
}

ns3::Ptr<const ns3::Packet>
TrafficClient::Padding(uint32_t size)
{
    if (!m_padding || m_padding->GetSize() != size)
    {
        m_padding = ns3::Create<ns3::Packet>(size); // zero-filled, without bytes
    }
    return m_padding;
}

ns3::Ptr<ns3::Packet>
TrafficClient::TextBody(NslabHeader& header)
{
    const std::string& text = m_messages[m_packetsSent];
    header.flags = NslabHeader::kText;
    m_messagesSent.resize(m_packetsSent + 1); // a failed send is tried again: keep the last try
    m_messagesSent[m_packetsSent] = header.sent;
    return ns3::Create<ns3::Packet>(reinterpret_cast<const uint8_t*>(text.data()), text.size());
}

void
TrafficClient::SendDatagram()
{
    auto packet = Build(m_packetSize, ns3::Simulator::Now());
    uint32_t size = packet->GetSize();
    if (m_socket->Send(packet) >= 0)
    {
        ++m_packetsSent;
        m_bytesSent += size;
        m_throughput.Add(size);
        m_datagramsSent.push_back(ns3::Simulator::Now());
    }
    else
    {
        SetError(ErrnoName(m_socket->GetErrno()));
    }
    if (m_maxPackets == 0 || m_packetsSent < m_maxPackets)
    {
        m_sendEvent = ns3::Simulator::Schedule(m_interval, &TrafficClient::SendDatagram, this);
    }
}

void
TrafficClient::PaceTick()
{
    if (m_closed || !Error().name.empty())
    {
        return; // the connection is gone: nothing more falls due
    }
    m_due.push_back(ns3::Simulator::Now());
    FillSendBuffer(m_socket, m_socket->GetTxAvailable());
    if (m_maxPackets == 0 || m_packetsSent + m_due.size() < m_maxPackets)
    {
        m_sendEvent = ns3::Simulator::Schedule(m_interval, &TrafficClient::PaceTick, this);
    }
}

bool
TrafficClient::MoreToWrite() const
{
    return m_paced ? m_message || !m_due.empty() : m_bytesSent < m_maxBytes;
}

ns3::Ptr<ns3::Packet>
TrafficClient::NextMessage()
{
    if (m_paced)
    {
        // A message is created when it falls due; if the buffer is full, it waits with that time.
        ns3::Time due = m_due.front();
        m_due.pop_front();
        auto packet = Build(m_packetSize, due);
        ++m_packetsSent;
        return packet;
    }
    uint64_t left = m_maxBytes - m_bytesSent;
    uint64_t size = std::min<uint64_t>(m_messageSize, left);
    if (!m_raw && left > size && left - size < NslabHeader::kSize)
    {
        // Leave the last message room for its header, keeping each within one MSS.
        size = left >= 2 * NslabHeader::kSize ? left - NslabHeader::kSize : left;
    }
    auto packet = Build(static_cast<uint32_t>(size), ns3::Simulator::Now());
    ++m_packetsSent;
    return packet;
}

void
TrafficClient::FillSendBuffer(ns3::Ptr<ns3::Socket> socket, uint32_t /*available*/)
{
    if (!m_connected || m_closed)
    {
        return;
    }
    while (MoreToWrite())
    {
        if (!m_message)
        {
            m_message = NextMessage();
            m_messageOffset = 0;
        }
        // Whole messages only while the buffer can take one: with messages of
        // one MSS, every segment then carries exactly one message, so pcap
        // readers need no reassembly (a relay's capture holds every segment
        // twice, which TCP reassembly reports as errors).
        // With a chunk size, whole chunks: each Send() call passes one.
        uint32_t left = m_message->GetSize() - m_messageOffset;
        uint32_t want = m_chunk > 0 ? std::min(left, m_chunk) : left;
        uint32_t room = socket->GetTxAvailable();
        bool fitsLater = want <= m_sendCapacity && (m_chunk > 0 || m_messageOffset == 0);
        if (room < want && (fitsLater || room == 0))
        {
            break;
        }
        uint32_t size = std::min(want, room);
        auto piece = (m_messageOffset == 0 && size == m_message->GetSize())
                         ? m_message
                         : m_message->CreateFragment(m_messageOffset, size);
        int accepted = socket->Send(piece);
        if (accepted <= 0)
        {
            break;
        }
        ++m_sendCalls;
        m_bytesSent += static_cast<uint32_t>(accepted);
        m_messageOffset += static_cast<uint32_t>(accepted);
        if (m_messageOffset == m_message->GetSize())
        {
            m_message = nullptr;
        }
    }
    bool done = m_paced ? m_maxPackets > 0 && m_packetsSent == m_maxPackets && !m_message
                        : m_bytesSent == m_maxBytes;
    if (done)
    {
        // Everything is in the socket: close as sendall + close does; TCP sends
        // the FIN after the buffered data.
        socket->Close();
        m_closed = true;
    }
}

void
TrafficClient::OnConnected(ns3::Ptr<ns3::Socket> socket)
{
    m_connected = true;
    ns3::UintegerValue capacity;
    socket->GetAttribute("SndBufSize", capacity);
    m_sendCapacity = static_cast<uint32_t>(capacity.Get());
    if (m_paced)
    {
        PaceTick(); // the first message as soon as connected, as the UDP client's first datagram at start
        return;
    }
    FillSendBuffer(socket, socket->GetTxAvailable());
}

void
TrafficClient::OnReply(ns3::Ptr<ns3::Socket> socket)
{
    ns3::Address from;
    while (auto packet = socket->RecvFrom(ReadSize(), 0, from))
    {
        if (packet->GetSize() == 0)
        {
            break;
        }
        Message message;
        if (m_raw)
        {
            continue; // without headers of its own, nothing coming back can be matched
        }
        if (IsTcp())
        {
            m_replyStream.Feed(packet, [this](const Message& m) { RecordReply(m); });
        }
        else if (MessageStream::ReadDatagram(packet, message))
        {
            RecordReply(message);
        }
    }
}

void
TrafficClient::RecordReply(const Message& message)
{
    uint32_t seq = message.header.seq;
    if (message.header.app != m_appId || (seq < m_replied.size() && m_replied[seq]))
    {
        return; // not ours, or a duplicated echo: one reply per request
    }
    if (seq >= m_replied.size())
    {
        m_replied.resize(seq + 1, false);
    }
    m_replied[seq] = true;
    {
        m_replies.push_back({message.header.seq, message.header.sent, ns3::Simulator::Now()});
    }
}

void
TrafficClient::OnConnectFailed(ns3::Ptr<ns3::Socket> /*socket*/)
{
    // ns-3 calls it when the last SYN retry went unanswered.
    m_failed = true;
    SetError("ETIMEDOUT");
}

void
TrafficClient::WatchErrors()
{
    if (IsTcp())
    {
        m_socket->SetCloseCallbacks(ns3::MakeNullCallback<void, ns3::Ptr<ns3::Socket>>(),
                                    ns3::MakeCallback(&TrafficClient::OnErrorClose, this));
        m_probe->SetRstHandler([this](bool answersSyn) { OnRst(answersSyn); });
        return;
    }
    m_socket->SetAttribute("IcmpCallback", ns3::CallbackValue(ns3::MakeCallback(&TrafficClient::OnIcmp, this)));
    m_socket->SetAttribute("IcmpCallback6", ns3::CallbackValue(ns3::MakeCallback(&TrafficClient::OnIcmp6, this)));
}

void
TrafficClient::SetError(const std::string& name)
{
    if (m_error.name.empty() && !name.empty())
    {
        m_error = {name, ns3::Simulator::Now()};
    }
}

SocketError
TrafficClient::Error() const
{
    if (m_error.name.empty() && m_probe && m_probe->Stats().reset)
    {
        return {"ECONNRESET", m_probe->Stats().resetAt};
    }
    return m_error;
}

void
TrafficClient::OnRst(bool answersSyn)
{
    // ns-3.37 ignores a RST in SYN_SENT (it tests for an ACK first) and sends
    // the SYN again 3 s later; a real stack gives up at once. A RST on an
    // established connection ns-3 handles itself (Error() finds it).
    if (m_connected || !answersSyn || m_closed || !m_error.name.empty())
    {
        return;
    }
    m_failed = true;
    SetError("ECONNREFUSED");
    ns3::Simulator::ScheduleNow(&TrafficClient::DropRefused, this);
}

void
TrafficClient::DropRefused()
{
    if (!m_closed)
    {
        Abort(m_socket, false);
        m_closed = true;
    }
}

void
TrafficClient::OnErrorClose(ns3::Ptr<ns3::Socket> /*socket*/)
{
    // ns-3 calls it when data or FIN retries are exhausted, and when it sends a RST itself.
    if (!m_stopping)
    {
        m_failed = m_failed || !m_connected;
        SetError("ETIMEDOUT");
    }
}

void
TrafficClient::OnIcmp(ns3::Ipv4Address /*source*/, uint8_t /*ttl*/, uint8_t type, uint8_t code, uint32_t /*info*/)
{
    if (type == ns3::Icmpv4Header::ICMPV4_DEST_UNREACH)
    {
        CountUnreachable(code == ns3::Icmpv4DestinationUnreachable::ICMPV4_PORT_UNREACHABLE ? "ECONNREFUSED"
                         : code == ns3::Icmpv4DestinationUnreachable::ICMPV4_NET_UNREACHABLE ? "ENETUNREACH"
                                                                                              : "EHOSTUNREACH");
    }
}

void
TrafficClient::OnIcmp6(ns3::Ipv6Address /*source*/, uint8_t /*ttl*/, uint8_t type, uint8_t code, uint32_t /*info*/)
{
    if (type == ns3::Icmpv6Header::ICMPV6_ERROR_DESTINATION_UNREACHABLE)
    {
        CountUnreachable(code == ns3::Icmpv6Header::ICMPV6_PORT_UNREACHABLE        ? "ECONNREFUSED"
                         : code == ns3::Icmpv6Header::ICMPV6_NO_ROUTE ? "ENETUNREACH"
                         : code == ns3::Icmpv6Header::ICMPV6_ADM_PROHIBITED        ? "EACCES"
                                                                                     : "EHOSTUNREACH");
    }
}

void
TrafficClient::CountUnreachable(const char* error)
{
    // A connected UDP socket's next send or recv fails with this error (Linux);
    // the client, like a program that catches it, goes on sending.
    ++m_icmpUnreachable;
    SetError(error);
}

} // namespace nslab
