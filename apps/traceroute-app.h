#ifndef NSLAB_TRACEROUTE_APP_H
#define NSLAB_TRACEROUTE_APP_H

#include "icmp-echo-app.h"

#include "ns3/event-id.h"

#include <optional>

namespace nslab
{

/** \brief One probe of a traceroute and what came back. */
struct TracerouteProbe
{
    uint16_t seq = 0;
    ns3::Time sent;
    std::optional<IcmpAnswer> answer; //!< none: no answer within "Wait" (a '*')
    ns3::Time rtt;                    //!< with an answer: its arrival - sent
};

/** \brief The probes sent with one TTL. */
struct TracerouteHop
{
    uint32_t ttl = 0;
    std::vector<TracerouteProbe> probes;
};

/**
 * \brief traceroute with ICMP echo probes, as `traceroute -I` (and Windows'
 * tracert): "Probes" echo requests with TTL (hop limit) 1, then 2, ... up to
 * "MaxHops". A router where the TTL runs out answers with ICMP time exceeded,
 * the destination with an echo reply. Probes go one at a time: the next as
 * soon as the previous one is answered, or after "Wait" without an answer.
 * It stops after the hop where the destination answered, or where an answer
 * said "unreachable".
 */
class TracerouteApp : public IcmpEchoApp
{
  public:
    static ns3::TypeId GetTypeId();

    const std::vector<TracerouteHop>& Hops() const { return m_hops; } //!< hops probed so far, in TTL order
    bool Reached() const { return m_reached; }                        //!< the destination answered

  private:
    void StartApplication() override;
    void StopApplication() override;
    void OnAnswer(const IcmpAnswer& answer) override;
    /** \brief Send the next probe, or stop when done. */
    void Next();

    // parameters
    uint32_t m_maxHops = 30;
    uint32_t m_probes = 3;
    ns3::Time m_wait;

    // state
    ns3::EventId m_timeout;
    uint16_t m_seq = 0;
    bool m_last = false; //!< this hop answered from the destination, or unreachable
    std::vector<TracerouteHop> m_hops;

    // statistics
    bool m_reached = false;
};

} // namespace nslab

#endif
