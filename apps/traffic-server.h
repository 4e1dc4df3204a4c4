#ifndef NSLAB_TRAFFIC_SERVER_H
#define NSLAB_TRAFFIC_SERVER_H

#include "group-membership.h"
#include "message-stream.h"
#include "tcp-probe.h"
#include "traffic-app.h"

#include "ns3/address.h"

#include <deque>
#include <map>
#include <string>
#include <vector>

namespace nslab
{

/** \brief One datagram as it arrived. */
struct Arrival
{
    uint32_t seq = 0;
    ns3::Time sent;
    ns3::Time received;
};

/** \brief A text message as it arrived. */
struct TextArrival
{
    uint32_t seq = 0;
    std::string text;
    ns3::Time sent;
    ns3::Time received;
};

/** \brief One read of the server's program: a recv() call that returned data, or a datagram. */
struct Read
{
    ns3::Time time;
    uint32_t bytes = 0;
    uint32_t connection = 0; //!< TCP: the connection, 1-based in order of acceptance; UDP: 0
    std::string data;        //!< the bytes read
};

/** \brief What a server saw of one client app (datagrams or TCP messages). */
struct FlowStats
{
    uint64_t received = 0;   //!< distinct datagrams/messages received
    uint64_t duplicates = 0; //!< copies of ones already received
    uint64_t duplicateBytes = 0; //!< their bytes: received, but not goodput
    uint64_t reordered = 0;  //!< arrived after a higher sequence number
    uint64_t lost = 0;       //!< gaps below the highest sequence number seen
    LatencyStats latency;    //!< one-way, send call to arrival of the last byte
    std::vector<bool> seen;  //!< by sequence number
    int64_t highest = -1;    //!< highest sequence number seen
    std::vector<Arrival> arrivals; //!< UDP: every first copy, in arrival order
    double jitter = 0;       //!< RFC 3550 interarrival jitter, seconds (whole nanoseconds)
    int64_t jitter16 = 0;    //!< 16 x the jitter in ns, as RFC 3550 A.8 keeps it
    ns3::Time lastTransit;   //!< transit time of the previous arrival, for the jitter
    std::vector<TextArrival> texts; //!< text messages, in arrival order

    /** \brief Mark a sequence number seen. \return false if it was seen before (a duplicate). */
    bool MarkSeen(uint32_t seq)
    {
        if (seq == seen.size()) // in order: the usual case, inline
        {
            seen.push_back(true);
            return true;
        }
        return MarkSeenOutOfOrder(seq);
    }

  private:
    [[gnu::noinline]] bool MarkSeenOutOfOrder(uint32_t seq);
};

/**
 * \brief The server of a socket lesson, over TCP or UDP.
 *
 * TCP (bind, listen, accept, recv): accepts any number of connections on
 * "Port" and reads each byte stream as a program calling recv("RecvSize")
 * whenever data is there would, splitting it into nslab messages.
 * UDP (bind, recvfrom): reads datagrams on "Port". Either way, it counts bytes
 * and, per sending app, messages, loss, duplicates, reordering and latency;
 * with "Raw" (its clients send no nslab header) bytes and reads only.
 * With "Echo", it sends every message back to its sender (request/response).
 * When it stops, it closes its connections as close() does: a client that
 * sends more data then gets a RST, as from Linux.
 */
class TrafficServer : public TrafficApp
{
  public:
    static ns3::TypeId GetTypeId();

    uint64_t BytesReceived() const { return m_bytesReceived; }
    uint64_t PacketsReceived() const { return m_packetsReceived; } //!< datagrams or TCP messages
    uint32_t ConnectionCount() const { return m_connections; }     //!< TCP connections accepted
    uint64_t Malformed() const { return m_malformed; }             //!< data without a valid header
    /** \return the statistics per sending app id. */
    const std::map<uint32_t, FlowStats>& Flows() const { return m_flows; }
    /** \return the TCP statistics of every accepted connection, in order of acceptance. */
    std::vector<const TcpStats*> Connections() const;
    ns3::Time FirstData() const { return m_firstData; } //!< arrival of the first data byte
    ns3::Time LastData() const { return m_lastData; }   //!< arrival of the last data byte
    uint64_t FirstDataBytes() const { return m_firstDataBytes; } //!< size of the first read
    uint64_t RecvCalls() const { return m_recvCalls; } //!< TCP: recv() calls that returned data
    /** \return the first reads (with "ListReads"): at most kListedReads. */
    const std::vector<Read>& Reads() const { return m_reads; }

    static constexpr size_t kListedReads = 100;       //!< reads kept by Reads()
    static constexpr size_t kListedBytes = 16384;     //!< bytes kept of each of them
    /** \return UDP: the multicast groups the server joins, set before it starts. */
    GroupMembership& Membership() { return m_membership; }

  private:
    /** An accepted TCP connection. */
    struct Connection
    {
        MessageStream stream;
        ns3::Ptr<TcpProbe> probe;
        uint32_t order = 0;                      //!< acceptance order
        std::deque<ns3::Ptr<ns3::Packet>> echo; //!< bytes to send back, waiting for buffer room
        bool peerClosed = false;                 //!< close once the echo is flushed
        bool closed = false;                     //!< the server closed it (StopApplication)
        bool reset = false;                      //!< data came after it closed: a RST is on its way
    };

    void StartApplication() override;
    void StopApplication() override;
    void DoDispose() override;

    /** \brief Open a socket bound to the port on one IP version's any-address. */
    ns3::Ptr<ns3::Socket> Listen(const ns3::Address& any);
    void OnAccept(ns3::Ptr<ns3::Socket> socket, const ns3::Address& from);
    void OnRead(ns3::Ptr<ns3::Socket> socket);
    void ReadStream(const ns3::Ptr<ns3::Socket>& socket, Connection& connection);
    /** \brief One recv(): up to RecvSize bytes, taken from the socket a segment at a time. */
    uint32_t ReadOnce(const ns3::Ptr<ns3::Socket>& socket, Connection& connection, uint32_t size);
    /** \brief Data arrived after the server closed: reset the connection, as Linux does. */
    void ResetClosed(ns3::Ptr<ns3::Socket> socket);
    /** \brief Keep a read's bytes: a new read, or (more) the next piece of the last one. */
    [[gnu::noinline]] void ListRead(uint32_t connection, const ns3::Ptr<const ns3::Packet>& packet, bool more);
    [[gnu::noinline]] void Echo(const ns3::Ptr<ns3::Socket>& socket, Connection& connection, const ns3::Ptr<ns3::Packet>& packet);
    void ReadDatagrams(const ns3::Ptr<ns3::Socket>& socket);
    /** \brief Count the bytes of a read. \return the time of arrival */
    ns3::Time Arrived(uint32_t size);
    void OnPeerClose(ns3::Ptr<ns3::Socket> socket);
    void OnConnectionError(ns3::Ptr<ns3::Socket> socket);
    void FlushEcho(ns3::Ptr<ns3::Socket> socket, uint32_t available);
    /** \brief Count a message. \return its flow, or nullptr for a duplicate */
    FlowStats* Record(const Message& message, ns3::Time now);
    [[gnu::noinline]] FlowStats& Flow(uint32_t app); //!< the app's flow, created on first use
    void RecordDatagram(FlowStats& flow, const NslabHeader& header, ns3::Time now);
    [[gnu::noinline]] void RecordText(FlowStats& flow, const Message& message, ns3::Time now);

    uint16_t m_port = 0;
    bool m_echo = false;
    bool m_raw = false;                // the clients send no nslab header: count bytes, parse nothing
    bool m_listReads = false;          // keep the first reads and their bytes
    uint32_t m_recvSize = 65536;       // bytes asked for per recv() call
    GroupMembership m_membership;      // UDP: the groups it joined, the only ones it reads
    bool m_ipv4 = true;                // listen on IPv4 (m_socket)
    bool m_ipv6 = false;               // and on IPv6 (m_socket6)
    ns3::Ptr<ns3::Socket> m_socket6;
    std::map<ns3::Ptr<ns3::Socket>, Connection> m_streams; //!< accepted TCP connections
    std::map<uint32_t, FlowStats> m_flows;
    uint32_t m_lastApp = 0;            // the flow of the last message: most servers hear one client
    FlowStats* m_lastFlow = nullptr;
    uint64_t m_bytesReceived = 0;
    uint64_t m_packetsReceived = 0;
    uint64_t m_malformed = 0;
    uint32_t m_connections = 0;
    ns3::Time m_persistTimeout; //!< ns-3's zero-window probe timeout, for accepted sockets (see Listen)
    ns3::Time m_firstData;
    ns3::Time m_lastData;
    uint64_t m_firstDataBytes = 0;
    uint64_t m_recvCalls = 0;
    std::vector<Read> m_reads;
};

} // namespace nslab

#endif
