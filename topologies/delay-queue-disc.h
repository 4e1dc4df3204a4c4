#ifndef NSLAB_DELAY_QUEUE_DISC_H
#define NSLAB_DELAY_QUEUE_DISC_H

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/queue-disc.h"

#include <deque>

namespace nslab
{

/**
 * \brief A FIFO queue disc that holds each packet for "Delay" before the
 * device may send it.
 *
 * It gives shared (CSMA) Ethernet segments and WiFi cells a one-way delay
 * that behaves like a long cable: ns-3's CsmaChannel "Delay" instead keeps
 * the whole half-duplex medium busy for the propagation time of every frame
 * (NS3-NOTES.md, section 1). A constant delay commutes with a FIFO, so
 * delaying before the device queue gives the same arrival times as delaying
 * on the wire; what differs is the pcap: the sender's capture shows the frame
 * when it leaves the delay line, not when the application sent it.
 */
class DelayQueueDisc : public ns3::QueueDisc
{
  public:
    static ns3::TypeId GetTypeId();
    DelayQueueDisc();

  private:
    bool DoEnqueue(ns3::Ptr<ns3::QueueDiscItem> item) override;
    ns3::Ptr<ns3::QueueDiscItem> DoDequeue() override;
    ns3::Ptr<const ns3::QueueDiscItem> DoPeek() override;
    bool CheckConfig() override;
    void InitializeParams() override;
    void DoDispose() override;

    /** \return true when the head packet has served its delay. */
    bool HeadIsDue() const;

    ns3::Time m_delay;                 //!< how long each packet is held
    std::deque<ns3::Time> m_release;   //!< release time of each queued packet, in order
    ns3::EventId m_wake;               //!< restarts the queue when the head is due
};

} // namespace nslab

#endif
