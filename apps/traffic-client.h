#ifndef NSLAB_TRAFFIC_CLIENT_H
#define NSLAB_TRAFFIC_CLIENT_H

#include "message-stream.h"
#include "tcp-probe.h"
#include "traffic-app.h"

#include "ns3/address.h"
#include "ns3/event-id.h"
#include "ns3/ipv4-address.h"
#include "ns3/ipv6-address.h"
#include "ns3/net-device.h"

#include <deque>

namespace nslab
{

/** \brief A reply from an echoing server: one request's round trip. */
struct Reply
{
    uint32_t seq = 0;
    ns3::Time sent;     //!< when the request was sent
    ns3::Time received; //!< when its echo was back
};

/**
 * \brief The client of a socket lesson, over TCP or UDP.
 *
 * TCP (connect, sendall, close): connects to "Remote" and writes "MaxBytes"
 * bytes as a stream of messages of "MessageSize" bytes, each opening with an
 * NslabHeader, refilling the send buffer as it drains; then closes.
 * With "Paced", TCP sends a message of "PacketSize" bytes every "Interval"
 * instead, "MaxPackets" of them (0: until stopped), then closes.
 * UDP (sendto): sends "MaxPackets" datagrams (0: until stopped) of
 * "PacketSize" bytes every "Interval", each opening with an NslabHeader.
 * With SetMessages, it sends those texts instead, one message (TCP) or
 * datagram (UDP) each. With "Raw", messages and datagrams carry no
 * NslabHeader: only the text, or zeros. It reads what the server sends back:
 * the round-trip times of requests that an echoing server returns.
 *
 * It reports what went wrong as a socket program would see it (Error()):
 * a RST in answer to its SYN is ECONNREFUSED at once (ns-3.37 itself ignores
 * that RST and sends the SYN again), SYN or data retries exhausted
 * ETIMEDOUT, a RST on the connection ECONNRESET; for UDP, an ICMP
 * destination unreachable (counted by IcmpUnreachable()) is what a connected
 * socket's next call would return, ECONNREFUSED for a closed port.
 *
 * Before it connects it binds (bind): to "Local" (an address, a port, or
 * both; by default any address and an ephemeral port) and, with "Device",
 * to that interface (SO_BINDTODEVICE), whose routes it then sends by. A UDP
 * client may send to a broadcast or multicast "Remote" (SO_BROADCAST is on).
 */
class TrafficClient : public TrafficApp
{
  public:
    static ns3::TypeId GetTypeId();

    uint64_t BytesSent() const { return m_bytesSent; }     //!< bytes accepted by the socket
    uint64_t PacketsSent() const { return m_packetsSent; } //!< datagrams, or TCP messages begun
    uint64_t SendCalls() const { return m_sendCalls; }     //!< TCP: Send() calls that passed data
    bool Connected() const { return m_connected; }         //!< TCP: handshake completed
    bool Failed() const { return m_failed; }               //!< TCP: connecting failed (refused, or SYN retries exhausted)
    /** \return the first error a socket call would have returned (name "" for none). */
    SocketError Error() const;
    uint64_t IcmpUnreachable() const { return m_icmpUnreachable; } //!< UDP: ICMP destination unreachable received
    ns3::Time ConnectStart() const { return m_connectStart; } //!< TCP: when connect() was called
    /** \return the TCP connection's statistics (nullptr for UDP or before start). */
    const TcpStats* Tcp() const { return m_probe ? &m_probe->Stats() : nullptr; }
    const std::vector<Reply>& Replies() const { return m_replies; } //!< echoes received, in order
    /** \return UDP: when each datagram was sent, by sequence number. */
    const std::vector<ns3::Time>& DatagramsSent() const { return m_datagramsSent; }
    /** \return when each text message was sent, by sequence number. */
    const std::vector<ns3::Time>& MessagesSent() const { return m_messagesSent; }
    /** \return the port the socket is bound to (0 before it is). */
    uint16_t LocalPort() const { return m_localPort; }

    /** \brief Send these texts instead of padding (set MaxBytes or MaxPackets to match). */
    void SetMessages(const std::vector<std::string>& messages) { m_messages = messages; }

    const ThroughputSeries& Throughput() const override
    {
        return m_probe ? m_probe->Stats().acked : TrafficApp::Throughput();
    }

  private:
    void DoInitialize() override;
    void StartApplication() override;
    /** \brief Open the socket and bind it to "Local" and "Device". */
    void OpenAndBind();
    void StopApplication() override;
    void DoDispose() override;

    void SendDatagram();
    /** \brief Paced TCP: one more message is due now; the next one an interval later. */
    void PaceTick();
    void FillSendBuffer(ns3::Ptr<ns3::Socket> socket, uint32_t available);
    /** \return true while a message is being written or more are due. */
    bool MoreToWrite() const;
    ns3::Ptr<ns3::Packet> NextMessage();
    void OnConnected(ns3::Ptr<ns3::Socket> socket);
    void OnConnectFailed(ns3::Ptr<ns3::Socket> socket);
    void OnReply(ns3::Ptr<ns3::Socket> socket);
    void RecordReply(const Message& message);
    /** \brief Report socket errors: TCP's RST and close callbacks, UDP's ICMP callbacks. */
    void WatchErrors();
    void SetError(const std::string& name);
    void OnRst(bool answersSyn);
    void OnErrorClose(ns3::Ptr<ns3::Socket> socket);
    void OnIcmp(ns3::Ipv4Address source, uint8_t ttl, uint8_t type, uint8_t code, uint32_t info);
    void OnIcmp6(ns3::Ipv6Address source, uint8_t ttl, uint8_t type, uint8_t code, uint32_t info);
    void CountUnreachable(const char* error);
    /** \brief Drop the connection a RST refused, as the socket of a program would. */
    void DropRefused();
    /** \return the next message, text or padding, of the given total size, created at time sent. */
    ns3::Ptr<ns3::Packet> Build(uint32_t size, ns3::Time sent);
    /** \brief The body of a text message (the next of "Messages"); marks the header as text. */
    [[gnu::noinline]] ns3::Ptr<ns3::Packet> TextBody(NslabHeader& header);
    /** \brief A zero-filled body of the given size (kept: most messages have the same size). */
    ns3::Ptr<const ns3::Packet> Padding(uint32_t size);

    // parameters
    ns3::Address m_remote;
    ns3::Address m_local;              //!< bind(): address and port; empty for any address, an ephemeral port
    ns3::Ptr<ns3::NetDevice> m_device; //!< SO_BINDTODEVICE; nullptr for none
    uint64_t m_maxBytes = 0;
    uint64_t m_maxPackets = 0;
    uint32_t m_packetSize = 0;
    uint32_t m_messageSize = 0;
    uint32_t m_chunk = 0; //!< TCP: bytes per Send() call; 0: whole messages
    ns3::Time m_interval;
    bool m_paced = false; //!< TCP: a message of m_packetSize every m_interval
    bool m_raw = false;   //!< no NslabHeader: bare texts or zeros
    std::vector<std::string> m_messages; //!< texts to send instead of padding

    // state
    ns3::EventId m_sendEvent;
    ns3::Ptr<TcpProbe> m_probe;
    ns3::Time m_connectStart;
    ns3::Ptr<const ns3::Packet> m_padding; //!< see Padding()
    ns3::Ptr<ns3::Packet> m_message; //!< TCP message being written
    uint32_t m_messageOffset = 0;    //!< bytes of m_message already written
    uint32_t m_sendCapacity = 0;     //!< the socket's send buffer size
    MessageStream m_replyStream;     //!< TCP: the echoed byte stream
    std::vector<Reply> m_replies;
    std::vector<bool> m_replied; //!< by sequence number
    std::vector<ns3::Time> m_messagesSent;
    std::vector<ns3::Time> m_datagramsSent;
    uint16_t m_localPort = 0;
    std::deque<ns3::Time> m_due; //!< paced TCP: when each message not yet begun fell due
    bool m_connected = false;
    bool m_failed = false;
    bool m_closed = false;
    bool m_stopping = false; //!< in StopApplication: errors from our own close are not the peer's
    SocketError m_error;

    // statistics
    uint64_t m_bytesSent = 0;
    uint64_t m_packetsSent = 0;
    uint64_t m_sendCalls = 0;
    uint64_t m_icmpUnreachable = 0;
};

} // namespace nslab

#endif
