#ifndef NSLAB_ICMP_ECHO_APP_H
#define NSLAB_ICMP_ECHO_APP_H

#include "traffic-app.h"

#include "ns3/address.h"
#include "ns3/application.h"
#include "ns3/ipv4-header.h"
#include "ns3/ipv6-header.h"
#include "ns3/socket.h"

#include <string>
#include <vector>

namespace nslab
{

/** \brief What an ICMP or ICMPv6 message says about one of our echo requests. */
enum class IcmpAnswerKind
{
    EchoReply,    //!< the destination answered
    TimeExceeded, //!< a router dropped the request: its TTL (hop limit) ran out
    Unreachable,  //!< destination unreachable, with a code
};

/** \brief An answer to one echo request, as the app read it. */
struct IcmpAnswer
{
    IcmpAnswerKind kind = IcmpAnswerKind::EchoReply;
    uint16_t seq = 0;     //!< sequence number of the request it answers
    uint8_t code = 0;     //!< the ICMP code (unreachable: why)
    std::string from;     //!< the answering address, e.g. "10.0.1.1" or "fd00:1::1"
    uint32_t bytes = 0;   //!< size of the ICMP message
};

/**
 * \brief The common part of ping and traceroute: ICMP echo requests (IPv4)
 * or ICMPv6 echo requests (IPv6) to "Remote", sent on a raw socket
 * (Ipv4RawSocketFactory, protocol 1, or Ipv6RawSocketFactory, protocol 58)
 * with an identifier ("Identifier", the app id) and "Size" bytes of data,
 * optionally with a TTL (hop limit) of their own; and the answers to them:
 * echo replies, time exceeded and destination unreachable, matched by
 * identifier and sequence number.
 *
 * Answers are read where IP hands ICMP to the node ("LocalDeliver" of
 * Ipv4L3Protocol and Ipv6L3Protocol), after reassembly: ns-3.37's raw sockets
 * see packets before it (an IPv4 raw socket gets every fragment on its own,
 * an IPv6 one none of a fragmented packet), so a ping larger than the MTU
 * would never see its reply there.
 */
class IcmpEchoApp : public ns3::Application
{
  public:
    static ns3::TypeId GetTypeId();

    /** \return ICMP bytes of the answers, per time bin, at arrival. */
    const ThroughputSeries& Throughput() const { return m_throughput; }

    /** \return the ICMP bytes of an echo request (8-byte header and "Size" bytes of data). */
    uint32_t RequestBytes() const { return 8 + m_size; }

  protected:
    void DoDispose() override;

    /** \brief Open the raw socket of Remote's IP version and start reading answers. */
    void Open();

    /** \brief Close the socket and stop reading answers. */
    void Close();

    /**
     * \brief Send an echo request.
     * \param seq its sequence number
     * \param ttl its TTL (IPv4) or hop limit (IPv6); 0: the node's default (64)
     * \return true if IP took it (false: no route)
     */
    bool SendEcho(uint16_t seq, uint8_t ttl);

    /** \brief Called for every answer to one of this app's requests. */
    virtual void OnAnswer(const IcmpAnswer& answer) = 0;

  private:
    bool IsV6() const;
    void OnDeliver4(const ns3::Ipv4Header& header, ns3::Ptr<const ns3::Packet> packet, uint32_t iface);
    void OnDeliver6(const ns3::Ipv6Header& header, ns3::Ptr<const ns3::Packet> packet, uint32_t iface);
    /** \brief Read an ICMP (v6: ICMPv6) message; answer it if it concerns one of our requests. */
    void Read(const std::vector<uint8_t>& icmp, bool v6, const std::string& from);

    // parameters
    ns3::Address m_remote;    //!< an Ipv4Address or an Ipv6Address
    uint16_t m_identifier = 0;
    uint32_t m_size = 56;
    ns3::Time m_bin;

    // state
    ns3::Ptr<ns3::Socket> m_socket;
    bool m_reading = false;
    ThroughputSeries m_throughput;
};

} // namespace nslab

#endif
