#ifndef NSLAB_TRAFFIC_APP_H
#define NSLAB_TRAFFIC_APP_H

#include "ns3/application.h"
#include "ns3/nstime.h"
#include "ns3/simulator.h"
#include "ns3/socket.h"
#include "ns3/traced-callback.h"

#include <limits>
#include <string>
#include <vector>

namespace nslab
{

/** \brief Running min/mean/max of one-way latencies. */
struct LatencyStats
{
    uint64_t count = 0;
    ns3::Time min = ns3::Time::Max();
    ns3::Time max;
    ns3::Time sum;

    void Add(ns3::Time latency);
    void Merge(const LatencyStats& other);
    ns3::Time Mean() const;
};

/** \brief Bytes per fixed time bin, for throughput over time. */
struct ThroughputSeries
{
    ns3::Time bin = ns3::MilliSeconds(100);
    std::vector<uint64_t> bytes; //!< bytes[i]: bytes in [i * bin, (i + 1) * bin)

    /** \brief Count bytes at the current simulated time. */
    void Add(uint64_t count) { Add(count, ns3::Simulator::Now()); }

    /** \brief Count bytes at time now. */
    void Add(uint64_t count, ns3::Time now)
    {
        if (now.GetTimeStep() >= m_binEnd) // called for every segment: divide only when a bin is left
        {
            NewBin(now);
        }
        bytes.back() += count;
    }

  private:
    void NewBin(ns3::Time now);
    int64_t m_binEnd = 0; //!< end of the last bin, in time steps
};

/**
 * \brief The name of the errno a POSIX socket call would set for an ns-3
 * socket error: ERROR_NOROUTETOHOST is "EHOSTUNREACH"... ("" for ERROR_NOTERROR).
 */
std::string ErrnoName(ns3::Socket::SocketErrno error);

/** \return what strerror says of an errno name, in lower case: "connection refused" for "ECONNREFUSED". */
std::string ErrnoText(const std::string& name);

/** \brief An error a socket call reported to the app, as a program would see it. */
struct SocketError
{
    std::string name; //!< errno name: "ECONNREFUSED"...; "" for none
    ns3::Time at;     //!< when the app learnt of it
};

/** \brief TCP socket options, as setsockopt would set them (ns-3's defaults). */
struct TcpOptions
{
    std::string congestion = "ns3::TcpNewReno"; //!< a TcpCongestionOps TypeId name
    bool sack = true;
    bool delayedAck = true;    //!< false: acknowledge every segment
    uint32_t initialCwnd = 10; //!< segments
    ns3::Time minRto = ns3::Seconds(1);
};

/**
 * \brief What nslab's client and server share: the transport as a parameter
 * (attribute "Protocol": ns3::TcpSocketFactory or ns3::UdpSocketFactory), the
 * socket options a scenario may set (buffer, TCP segment size) and the socket
 * that StartApplication opens.
 */
class TrafficApp : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    /** \return true when the app runs over TCP. */
    bool IsTcp() const;

    /** \brief Options for the TCP sockets the app opens (a server's connections inherit them). */
    void SetTcpOptions(const TcpOptions& options) { m_tcpOptions = options; }

    /** \return bytes per time bin: received (servers), acknowledged (TCP clients) or sent (UDP clients). */
    virtual const ThroughputSeries& Throughput() const { return m_throughput; }

  protected:
    void DoDispose() override;

    /** \return how many bytes to read per call: a TCP segment (any datagram for UDP). */
    uint32_t ReadSize() const { return m_readSize; }

    /** \brief Create a socket of the configured protocol with the configured options. */
    ns3::Ptr<ns3::Socket> OpenSocket();

    /**
     * \brief Work around ns-3.37's TcpTxBuffer::NextSeg, which offers a segment
     * of 0 bytes when the data sent fills the peer's window exactly and losses
     * leave room in the congestion window: TcpSocketBase then dereferences a
     * null item (TcpRateLinux::SkbSent) and the run crashes. TCP sockets get
     * it when opened; a server's accepted ones (forks reset it) on accept.
     */
    static void GuardFullWindow(const ns3::Ptr<ns3::Socket>& socket);

    /**
     * \brief Tear down a TCP connection at once. With reset, as Linux does
     * when data arrives on a socket its program has closed: a RST goes to the
     * peer. Without, silently, as a socket that received a RST closes. Call
     * it from an event of its own, never from within the socket's callbacks:
     * ns-3 goes on using the connection after them.
     */
    static void Abort(const ns3::Ptr<ns3::Socket>& socket, bool reset);

    ns3::Ptr<ns3::Socket> m_socket; //!< the client's socket, or the server's listening one
    uint32_t m_appId = 0;           //!< carried in every nslab header sent
    ThroughputSeries m_throughput;  //!< see Throughput()


  private:
    void ApplyTcpOptions(ns3::Ptr<ns3::Socket> socket) const;

    ns3::TypeId m_protocol;  //!< socket factory type
    uint32_t m_buffer = 0;   //!< send and receive buffer in bytes; 0 keeps ns-3's default
    uint32_t m_segment = 0;  //!< TCP segment size in bytes; 0 keeps ns-3's default
    uint32_t m_readSize = UINT32_MAX; //!< bytes per read, set with the socket
    TcpOptions m_tcpOptions;
    ns3::Time m_throughputBin;        //!< attribute "Bin", copied into m_throughput
};

} // namespace nslab

#endif
