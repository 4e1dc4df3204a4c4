#include "icmp-echo-app.h"

#include "ns3/icmpv4.h"
#include "ns3/icmpv6-header.h"
#include "ns3/inet-socket-address.h"
#include "ns3/inet6-socket-address.h"
#include "ns3/ipv4-l3-protocol.h"
#include "ns3/ipv4-raw-socket-factory.h"
#include "ns3/ipv6-l3-protocol.h"
#include "ns3/ipv6-raw-socket-factory.h"
#include "ns3/log.h"
#include "ns3/node.h"
#include "ns3/uinteger.h"

#include <sstream>

NS_LOG_COMPONENT_DEFINE("NslabIcmpEchoApp");

namespace nslab
{

namespace
{

constexpr uint8_t kIcmp = 1;
constexpr uint8_t kIcmpv6 = 58;
constexpr uint8_t kIpv6Fragment = 44;

uint16_t
U16(const std::vector<uint8_t>& b, size_t at)
{
    return static_cast<uint16_t>(b[at] << 8 | b[at + 1]);
}

template <class A>
std::string
Text(const A& address)
{
    std::ostringstream out;
    out << address;
    return out.str();
}

/** \return true if bytes are an ICMPv6 message from src to dst: its checksum (pseudo-header included) holds. */
bool
IsIcmpv6(const std::vector<uint8_t>& bytes, const ns3::Ipv6Address& src, const ns3::Ipv6Address& dst)
{
    uint8_t pseudo[40] = {};
    src.Serialize(pseudo);
    dst.Serialize(pseudo + 16);
    uint32_t length = static_cast<uint32_t>(bytes.size());
    pseudo[32] = length >> 24;
    pseudo[33] = length >> 16;
    pseudo[34] = length >> 8;
    pseudo[35] = length;
    pseudo[39] = kIcmpv6;
    uint64_t sum = 0;
    for (size_t i = 0; i < sizeof(pseudo); i += 2)
    {
        sum += pseudo[i] << 8 | pseudo[i + 1];
    }
    for (size_t i = 0; i < bytes.size(); i += 2)
    {
        sum += bytes[i] << 8 | (i + 1 < bytes.size() ? bytes[i + 1] : 0);
    }
    while (sum >> 16)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    return sum == 0xffff;
}

} // namespace

NS_OBJECT_ENSURE_REGISTERED(IcmpEchoApp);

ns3::TypeId
IcmpEchoApp::GetTypeId()
{
    using namespace ns3;
    static TypeId tid = TypeId("nslab::IcmpEchoApp")
                            .SetParent<Application>()
                            .SetGroupName("nslab")
                            .AddAttribute("Remote",
                                          "The address to send echo requests to: an Ipv4Address or an Ipv6Address.",
                                          AddressValue(),
                                          MakeAddressAccessor(&IcmpEchoApp::m_remote),
                                          MakeAddressChecker())
                            .AddAttribute("Identifier",
                                          "The identifier of every echo request (nslab: the app id).",
                                          UintegerValue(0),
                                          MakeUintegerAccessor(&IcmpEchoApp::m_identifier),
                                          MakeUintegerChecker<uint16_t>())
                            .AddAttribute("Size",
                                          "Bytes of data in every echo request, after the 8-byte ICMP header.",
                                          UintegerValue(56),
                                          MakeUintegerAccessor(&IcmpEchoApp::m_size),
                                          MakeUintegerChecker<uint32_t>(0, 65527))
                            .AddAttribute("Bin",
                                          "Width of the time bins of the throughput series.",
                                          TimeValue(MilliSeconds(100)),
                                          MakeTimeAccessor(&IcmpEchoApp::m_bin),
                                          MakeTimeChecker(NanoSeconds(1)));
    return tid;
}

bool
IcmpEchoApp::IsV6() const
{
    return ns3::Ipv6Address::IsMatchingType(m_remote);
}

void
IcmpEchoApp::Open()
{
    NS_LOG_FUNCTION(this);
    m_throughput.bin = m_bin;
    ns3::Ptr<ns3::Node> node = GetNode();
    if (IsV6())
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::Ipv6RawSocketFactory::GetTypeId());
        m_socket->SetAttribute("Protocol", ns3::UintegerValue(kIcmpv6));
        node->GetObject<ns3::Ipv6L3Protocol>()->TraceConnectWithoutContext(
            "LocalDeliver", ns3::MakeCallback(&IcmpEchoApp::OnDeliver6, this));
    }
    else
    {
        m_socket = ns3::Socket::CreateSocket(node, ns3::Ipv4RawSocketFactory::GetTypeId());
        m_socket->SetAttribute("Protocol", ns3::UintegerValue(kIcmp));
        node->GetObject<ns3::Ipv4L3Protocol>()->TraceConnectWithoutContext(
            "LocalDeliver", ns3::MakeCallback(&IcmpEchoApp::OnDeliver4, this));
    }
    // The socket only sends: what it would queue for reading is read at delivery.
    m_socket->ShutdownRecv();
    m_reading = true;
}

void
IcmpEchoApp::Close()
{
    NS_LOG_FUNCTION(this);
    if (m_reading)
    {
        ns3::Ptr<ns3::Node> node = GetNode();
        if (IsV6())
        {
            node->GetObject<ns3::Ipv6L3Protocol>()->TraceDisconnectWithoutContext(
                "LocalDeliver", ns3::MakeCallback(&IcmpEchoApp::OnDeliver6, this));
        }
        else
        {
            node->GetObject<ns3::Ipv4L3Protocol>()->TraceDisconnectWithoutContext(
                "LocalDeliver", ns3::MakeCallback(&IcmpEchoApp::OnDeliver4, this));
        }
        m_reading = false;
    }
    if (m_socket)
    {
        m_socket->Close();
        m_socket = nullptr;
    }
}

bool
IcmpEchoApp::SendEcho(uint16_t seq, uint8_t ttl)
{
    NS_LOG_FUNCTION(this << seq << +ttl);
    // The data counts up from 0 as iputils' ping pattern does (it puts its
    // send time in the first bytes; nslab keeps send times in the app).
    std::vector<uint8_t> data(m_size);
    for (size_t i = 0; i < data.size(); ++i)
    {
        data[i] = static_cast<uint8_t>(i);
    }
    auto packet = ns3::Create<ns3::Packet>(data.data(), m_size);
    int sent;
    if (IsV6())
    {
        ns3::Icmpv6Echo echo(true); // the raw socket fills in the checksum, which needs the source address
        echo.SetId(m_identifier);
        echo.SetSeq(seq);
        packet->AddHeader(echo);
        if (ttl)
        {
            m_socket->SetIpv6HopLimit(ttl);
        }
        sent = m_socket->SendTo(packet, 0, ns3::Inet6SocketAddress(ns3::Ipv6Address::ConvertFrom(m_remote), 0));
    }
    else
    {
        ns3::Icmpv4Echo echo;
        echo.SetIdentifier(m_identifier);
        echo.SetSequenceNumber(seq);
        packet->AddHeader(echo);
        ns3::Icmpv4Header header;
        header.SetType(ns3::Icmpv4Header::ICMPV4_ECHO);
        header.SetCode(0);
        if (ns3::Node::ChecksumEnabled())
        {
            header.EnableChecksum(); // over the header and all the data after it
        }
        packet->AddHeader(header);
        if (ttl)
        {
            m_socket->SetIpTtl(ttl);
        }
        sent = m_socket->SendTo(packet, 0, ns3::InetSocketAddress(ns3::Ipv4Address::ConvertFrom(m_remote), 0));
    }
    return sent >= 0;
}

void
IcmpEchoApp::OnDeliver4(const ns3::Ipv4Header& header, ns3::Ptr<const ns3::Packet> packet, uint32_t)
{
    if (header.GetProtocol() != kIcmp)
    {
        return;
    }
    std::vector<uint8_t> bytes(packet->GetSize());
    packet->CopyData(bytes.data(), bytes.size());
    Read(bytes, false, Text(header.GetSource()));
}

void
IcmpEchoApp::OnDeliver6(const ns3::Ipv6Header& header, ns3::Ptr<const ns3::Packet> packet, uint32_t)
{
    // The header is the one the packet came with: a reassembled packet's
    // says "fragment" (44) whatever it carries, so its checksum tells.
    uint8_t next = header.GetNextHeader();
    if (next != kIcmpv6 && next != kIpv6Fragment)
    {
        return;
    }
    std::vector<uint8_t> bytes(packet->GetSize());
    packet->CopyData(bytes.data(), bytes.size());
    if (next == kIpv6Fragment && !IsIcmpv6(bytes, header.GetSource(), header.GetDestination()))
    {
        return;
    }
    Read(bytes, true, Text(header.GetSource()));
}

void
IcmpEchoApp::Read(const std::vector<uint8_t>& icmp, bool v6, const std::string& from)
{
    if (icmp.size() < 8)
    {
        return;
    }
    IcmpAnswer answer;
    answer.code = icmp[1];
    answer.from = from;
    answer.bytes = static_cast<uint32_t>(icmp.size());
    uint8_t type = icmp[0];
    size_t echo = 0; // where the echo header (type, code, checksum, identifier, sequence) starts
    if (type == (v6 ? 129 : 0))
    {
        answer.kind = IcmpAnswerKind::EchoReply;
    }
    else if (type == (v6 ? 3 : 11) || type == (v6 ? 1 : 3))
    {
        // An error quotes the request: its IP header, then (at least) 8 bytes of ICMP.
        answer.kind = type == (v6 ? 3 : 11) ? IcmpAnswerKind::TimeExceeded : IcmpAnswerKind::Unreachable;
        if (icmp.size() < 8 + (v6 ? 40 : 20) + 8)
        {
            return;
        }
        size_t ipLength = v6 ? 40 : (icmp[8] & 0x0f) * 4;
        uint8_t protocol = v6 ? icmp[8 + 6] : icmp[8 + 9];
        echo = 8 + ipLength;
        if (protocol != (v6 ? kIcmpv6 : kIcmp) || icmp.size() < echo + 8 || icmp[echo] != (v6 ? 128 : 8))
        {
            return;
        }
    }
    else
    {
        return; // requests to this node, neighbour discovery...
    }
    if (U16(icmp, echo + 4) != m_identifier)
    {
        return;
    }
    answer.seq = U16(icmp, echo + 6);
    m_throughput.Add(answer.bytes);
    OnAnswer(answer);
}

void
IcmpEchoApp::DoDispose()
{
    // No trace to disconnect: the simulation is over, and the node's IP may be disposed already.
    m_reading = false;
    m_socket = nullptr;
    Application::DoDispose();
}

} // namespace nslab
