#include "traffic-app.h"

#include "ns3/boolean.h"
#include "ns3/log.h"
#include "ns3/object-factory.h"
#include "ns3/tcp-congestion-ops.h"
#include "ns3/tcp-socket-base.h"
#include "ns3/simulator.h"
#include "ns3/tcp-socket-factory.h"
#include "ns3/tcp-tx-buffer.h"
#include "ns3/type-id.h"
#include "ns3/uinteger.h"

#include <map>

NS_LOG_COMPONENT_DEFINE("NslabTrafficApp");

namespace nslab
{

void
LatencyStats::Add(ns3::Time latency)
{
    ++count;
    min = std::min(min, latency);
    max = std::max(max, latency);
    sum += latency;
}

void
ThroughputSeries::NewBin(ns3::Time now)
{
    auto index = static_cast<size_t>(now.GetTimeStep() / bin.GetTimeStep());
    bytes.resize(std::max(bytes.size(), index + 1), 0);
    m_binEnd = static_cast<int64_t>(index + 1) * bin.GetTimeStep();
}

void
LatencyStats::Merge(const LatencyStats& other)
{
    count += other.count;
    min = std::min(min, other.min);
    max = std::max(max, other.max);
    sum += other.sum;
}

ns3::Time
LatencyStats::Mean() const
{
    return count ? ns3::NanoSeconds(sum.GetNanoSeconds() / static_cast<int64_t>(count))
                 : ns3::Time();
}

NS_OBJECT_ENSURE_REGISTERED(TrafficApp);

ns3::TypeId
TrafficApp::GetTypeId()
{
    using namespace ns3;
    static TypeId tid =
        TypeId("nslab::TrafficApp")
            .SetParent<Application>()
            .SetGroupName("nslab")
            .AddAttribute("Protocol",
                          "The socket factory: ns3::TcpSocketFactory or ns3::UdpSocketFactory.",
                          TypeIdValue(TcpSocketFactory::GetTypeId()),
                          MakeTypeIdAccessor(&TrafficApp::m_protocol),
                          MakeTypeIdChecker())
            .AddAttribute("AppId",
                          "Id written into every nslab header this app sends.",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TrafficApp::m_appId),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Buffer",
                          "Socket send and receive buffer in bytes (0: ns-3's default).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TrafficApp::m_buffer),
                          MakeUintegerChecker<uint32_t>())
            .AddAttribute("Bin",
                          "Width of the time bins of the throughput series.",
                          TimeValue(MilliSeconds(100)),
                          MakeTimeAccessor(&TrafficApp::m_throughputBin),
                          MakeTimeChecker(NanoSeconds(1)))
            .AddAttribute("SegmentSize",
                          "TCP maximum segment size in bytes (0: ns-3's default).",
                          UintegerValue(0),
                          MakeUintegerAccessor(&TrafficApp::m_segment),
                          MakeUintegerChecker<uint32_t>());
    return tid;
}

bool
TrafficApp::IsTcp() const
{
    static const ns3::TypeId tcp = ns3::TcpSocketFactory::GetTypeId();
    return m_protocol == tcp;
}

ns3::Ptr<ns3::Socket>
TrafficApp::OpenSocket()
{
    m_throughput.bin = m_throughputBin;
    auto socket = ns3::Socket::CreateSocket(GetNode(), m_protocol);
    m_readSize = IsTcp() && m_segment > 0 ? m_segment : UINT32_MAX;
    // Options go on before connect/listen, as setsockopt would: TCP reads its
    // segment size and buffers when the connection is set up.
    if (m_buffer > 0)
    {
        socket->SetAttribute("RcvBufSize", ns3::UintegerValue(m_buffer));
        if (IsTcp())
        {
            socket->SetAttribute("SndBufSize", ns3::UintegerValue(m_buffer));
        }
    }
    if (m_segment > 0 && IsTcp())
    {
        socket->SetAttribute("SegmentSize", ns3::UintegerValue(m_segment));
    }
    if (IsTcp())
    {
        ApplyTcpOptions(socket);
        GuardFullWindow(socket);
    }
    return socket;
}

void
TrafficApp::ApplyTcpOptions(ns3::Ptr<ns3::Socket> socket) const
{
    const TcpOptions& o = m_tcpOptions;
    socket->SetAttribute("Sack", ns3::BooleanValue(o.sack));
    socket->SetAttribute("DelAckCount", ns3::UintegerValue(o.delayedAck ? 2 : 1));
    socket->SetAttribute("InitialCwnd", ns3::UintegerValue(o.initialCwnd));
    socket->SetAttribute("MinRto", ns3::TimeValue(o.minRto));
    ns3::ObjectFactory congestion(o.congestion);
    ns3::DynamicCast<ns3::TcpSocketBase>(socket)->SetCongestionControlAlgorithm(
        congestion.Create<ns3::TcpCongestionOps>());
}

namespace
{

/** What TcpSocketBase keeps for its own send buffer: protected, read the way its subclasses may. */
struct TcpSocketInternals : ns3::TcpSocketBase
{
    static uint32_t PeerWindow(const ns3::TcpSocketBase& s) { return (s.*&TcpSocketInternals::GetRWnd)(); }

    static ns3::SequenceNumber32 HighTxMark(const ns3::TcpSocketBase& s)
    {
        return (s.*&TcpSocketInternals::m_tcb)->m_highTxMark;
    }

    /** Send a RST and drop the connection: what ns-3 does itself on a close with unread data. */
    static void SendReset(ns3::TcpSocketBase& s) { (s.*&TcpSocketInternals::SendRST)(); }

    /** Drop the connection, sending nothing: what ns-3 does on a RST it accepts. */
    static void Drop(ns3::TcpSocketBase& s) { (s.*&TcpSocketInternals::CloseAndNotify)(); }
};

/** The peer's window as NextSeg should see it: a window the data sent fills is full. */
uint32_t
WindowForNextSeg(const ns3::TcpSocketBase* socket)
{
    uint32_t window = TcpSocketInternals::PeerWindow(*socket);
    uint32_t sent = TcpSocketInternals::HighTxMark(*socket) - socket->GetTxBuffer()->HeadSequence();
    // NextSeg tests sent <= window, then sends min(MSS, window - sent) bytes.
    return window > 0 && sent == window ? window - 1 : window;
}

} // namespace

void
TrafficApp::GuardFullWindow(const ns3::Ptr<ns3::Socket>& socket)
{
    if (auto tcp = ns3::DynamicCast<ns3::TcpSocketBase>(socket))
    {
        tcp->GetTxBuffer()->SetRWndCallback(ns3::MakeBoundCallback(&WindowForNextSeg, ns3::PeekPointer(tcp)));
    }
}

void
TrafficApp::Abort(const ns3::Ptr<ns3::Socket>& socket, bool reset)
{
    auto tcp = ns3::DynamicCast<ns3::TcpSocketBase>(socket);
    if (!tcp)
    {
        return;
    }
    if (reset)
    {
        TcpSocketInternals::SendReset(*tcp);
    }
    else
    {
        TcpSocketInternals::Drop(*tcp);
    }
}

std::string
ErrnoName(ns3::Socket::SocketErrno error)
{
    using S = ns3::Socket;
    static const std::map<S::SocketErrno, const char*> names{
        {S::ERROR_ISCONN, "EISCONN"},           {S::ERROR_NOTCONN, "ENOTCONN"},
        {S::ERROR_MSGSIZE, "EMSGSIZE"},         {S::ERROR_AGAIN, "EAGAIN"},
        {S::ERROR_SHUTDOWN, "ESHUTDOWN"},       {S::ERROR_OPNOTSUPP, "EOPNOTSUPP"},
        {S::ERROR_AFNOSUPPORT, "EAFNOSUPPORT"}, {S::ERROR_INVAL, "EINVAL"},
        {S::ERROR_BADF, "EBADF"},               {S::ERROR_NOROUTETOHOST, "EHOSTUNREACH"},
        {S::ERROR_NODEV, "ENODEV"},             {S::ERROR_ADDRNOTAVAIL, "EADDRNOTAVAIL"},
        {S::ERROR_ADDRINUSE, "EADDRINUSE"}};
    auto it = names.find(error);
    return error == S::ERROR_NOTERROR ? "" : it == names.end() ? "EIO" : it->second;
}

std::string
ErrnoText(const std::string& name)
{
    // glibc's strerror texts, fixed here so that summaries read the same everywhere.
    static const std::map<std::string, const char*> texts{
        {"ECONNREFUSED", "connection refused"},   {"ECONNRESET", "connection reset by peer"},
        {"ETIMEDOUT", "connection timed out"},    {"EHOSTUNREACH", "no route to host"},
        {"ENETUNREACH", "network is unreachable"}, {"EACCES", "permission denied"},
        {"EISCONN", "transport endpoint is already connected"},
        {"ENOTCONN", "transport endpoint is not connected"},
        {"EMSGSIZE", "message too long"},         {"EAGAIN", "resource temporarily unavailable"},
        {"ESHUTDOWN", "cannot send after transport endpoint shutdown"},
        {"EOPNOTSUPP", "operation not supported"}, {"EAFNOSUPPORT", "address family not supported by protocol"},
        {"EINVAL", "invalid argument"},           {"EBADF", "bad file descriptor"},
        {"ENODEV", "no such device"},             {"EADDRNOTAVAIL", "cannot assign requested address"},
        {"EADDRINUSE", "address already in use"}, {"EIO", "input/output error"}};
    auto it = texts.find(name);
    return it == texts.end() ? name : it->second;
}

void
TrafficApp::DoDispose()
{
    m_socket = nullptr;
    Application::DoDispose();
}

} // namespace nslab
