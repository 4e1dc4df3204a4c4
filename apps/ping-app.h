#ifndef NSLAB_PING_APP_H
#define NSLAB_PING_APP_H

#include "icmp-echo-app.h"
#include "traffic-client.h"

#include "ns3/event-id.h"

namespace nslab
{

/**
 * \brief ping, as iputils' ping: an echo request every "Interval" from the
 * start, "Count" of them (0: until the app stops), with sequence numbers
 * from 1 (icmp_seq); each reply is timed from its request's send time.
 * Replies count until the app stops, however late; a second reply to the
 * same request is a duplicate (iputils' "DUP!"), and ICMP errors about the
 * requests (time exceeded, unreachable) are errors.
 */
class PingApp : public IcmpEchoApp
{
  public:
    static ns3::TypeId GetTypeId();

    uint64_t Sent() const { return m_sent.size(); }     //!< echo requests that IP took
    uint64_t Duplicates() const { return m_duplicates; } //!< further replies to answered requests
    uint64_t Errors() const { return m_errors; }         //!< ICMP errors about the requests, and failed sends

    /**
     * \return the first reply to each request, in arrival order; seq is the
     * request's number from 1 (icmp_seq, until that wraps after 65535)
     */
    const std::vector<Reply>& Replies() const { return m_replies; }

  private:
    void StartApplication() override;
    void StopApplication() override;
    void OnAnswer(const IcmpAnswer& answer) override;
    void Send();
    /** \return the index into m_sent of the latest request with this 16-bit sequence number, or -1. */
    int64_t IndexOf(uint16_t seq) const;

    // parameters
    uint64_t m_count = 0;
    ns3::Time m_interval;

    // state
    ns3::EventId m_sendEvent;
    uint64_t m_attempts = 0;         //!< requests sent or tried
    std::vector<ns3::Time> m_sent;   //!< send time of request i (icmp_seq i + 1, modulo 65536)
    std::vector<bool> m_answered;    //!< by index into m_sent

    // statistics
    std::vector<Reply> m_replies;
    uint64_t m_duplicates = 0;
    uint64_t m_errors = 0;
};

} // namespace nslab

#endif
