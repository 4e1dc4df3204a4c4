#ifndef NSLAB_TCP_PROBE_H
#define NSLAB_TCP_PROBE_H

#include "traffic-app.h"

#include "ns3/simple-ref-count.h"
#include "ns3/tcp-header.h"
#include "ns3/tcp-socket-base.h"

#include <deque>
#include <functional>
#include <vector>

namespace nslab
{

/** \brief One sample of a TCP connection's state, taken whenever part of it changes. */
struct TcpSample
{
    ns3::Time time;
    uint32_t cwnd = 0;          //!< bytes
    uint32_t ssthresh = 0;      //!< bytes
    ns3::Time srtt;             //!< ns-3's smoothed RTT estimate
    uint32_t bytesInFlight = 0; //!< bytes
};

/** \brief What one TCP connection did, seen from one end. */
struct TcpStats
{
    uint64_t segmentsSent = 0;      //!< data segments, retransmissions included
    uint64_t segmentsReceived = 0;  //!< data segments, duplicates included
    uint64_t fastRetransmits = 0;   //!< retransmissions in fast recovery
    uint64_t timeoutRetransmits = 0; //!< retransmissions after a retransmission timeout
    uint64_t dupAcks = 0;           //!< duplicate ACKs received (as tshark counts them)
    LatencyStats rtt;               //!< RTT samples, as tshark's ack_rtt: a segment's last transmission to its ACK
    uint32_t cwnd = 0;              //!< last congestion window, bytes
    ns3::Time established;          //!< when the handshake completed (0: never)
    ns3::Time lastAcked;            //!< when the peer last acknowledged new data
    bool reset = false;             //!< ns-3 closed the connection on a RST it received
    ns3::Time resetAt;              //!< when
    uint64_t bytesAcked = 0;        //!< data bytes the peer acknowledged
    std::vector<TcpSample> samples; //!< time series: at most a row per millisecond (see TcpProbe::Sample)
    ThroughputSeries acked;         //!< newly acknowledged data bytes per time bin
};

/**
 * \brief Watches a TCP socket through its trace sources and keeps the
 * connection's statistics and time series. Reference counted, so that the
 * socket's callbacks stay valid whatever is destroyed first.
 */
class TcpProbe : public ns3::SimpleRefCount<TcpProbe>
{
  public:
    /** \brief Which side of a transfer the socket is on: what is worth watching. */
    enum class Side
    {
        Sender,   //!< everything: retransmissions, ACKs, window, RTT, time series
        Receiver, //!< data segments received only (a server that does not echo)
    };

    /**
     * \brief Attach to a socket (a TcpSocketBase; other sockets are ignored).
     * \param bin width of the time bins of the acknowledged-bytes series
     */
    void Attach(ns3::Ptr<ns3::Socket> socket, ns3::Time bin, Side side);

    const TcpStats& Stats() const { return m_stats; }

    /**
     * \brief Called for every RST the socket receives, before ns-3 acts on it.
     * \param answersSyn true when it acknowledges the SYN this socket sent
     * (ACK flag, acknowledgement number = initial sequence number + 1): the
     * answer of a host where nothing listens
     */
    using RstHandler = std::function<void(bool answersSyn)>;
    void SetRstHandler(RstHandler handler) { m_onRst = std::move(handler); }

  private:
    void OnTx(ns3::Ptr<const ns3::Packet> packet, const ns3::TcpHeader& header, ns3::Ptr<const ns3::TcpSocketBase>);
    // Rare cases out of line: the per-segment paths stay short.
    [[gnu::noinline]] void OnSyn(ns3::SequenceNumber32 isn);
    [[gnu::noinline]] void OnRetransmit(ns3::SequenceNumber32 begin, ns3::SequenceNumber32 end);
    void OnRx(ns3::Ptr<const ns3::Packet> packet, const ns3::TcpHeader& header, ns3::Ptr<const ns3::TcpSocketBase>);
    [[gnu::noinline]] void OnRst(const ns3::TcpHeader& header);
    void SampleRtt(ns3::SequenceNumber32 ack);
    void OnCwnd(uint32_t, uint32_t value);
    void OnSsthresh(uint32_t, uint32_t value);
    void OnRtt(ns3::Time, ns3::Time value);
    void OnCongState(ns3::TcpSocketState::TcpCongState_t, ns3::TcpSocketState::TcpCongState_t value);
    void OnState(ns3::TcpSocket::TcpStates_t, ns3::TcpSocket::TcpStates_t value);
    void Sample();
    [[gnu::noinline]] void NewRow(ns3::Time now);

    TcpStats m_stats;
    TcpSample m_now; //!< the state being tracked
    ns3::TcpSocketBase* m_socket = nullptr; //!< read for bytes in flight; outlives the probe's use
    ns3::TcpSocketState::TcpCongState_t m_congState = ns3::TcpSocketState::CA_OPEN;
    bool m_sentData = false;
    ns3::SequenceNumber32 m_firstData; //!< sequence number of the first data byte
    ns3::SequenceNumber32 m_highestSent; //!< one past the highest data byte sent
    ns3::SequenceNumber32 m_lastAck;
    /** A data segment awaiting its ACK, for RTT samples. */
    struct Unacked
    {
        ns3::SequenceNumber32 end;
        ns3::Time sent; //!< its last transmission
    };
    std::deque<Unacked> m_unacked; //!< in sequence order
    uint16_t m_lastWindow = 0;
    bool m_synSent = false;
    RstHandler m_onRst;
    bool m_rstReceived = false; //!< a RST arrived at m_rstTime: a close then is a reset
    ns3::Time m_rstTime;
};

} // namespace nslab

#endif
