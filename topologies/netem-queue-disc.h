#ifndef NSLAB_NETEM_QUEUE_DISC_H
#define NSLAB_NETEM_QUEUE_DISC_H

#include "drop-log.h"
#include "impairments.h"

#include "ns3/event-id.h"
#include "ns3/nstime.h"
#include "ns3/queue-disc.h"
#include "ns3/queue.h"
#include "ns3/random-variable-stream.h"

#include <functional>
#include <list>
#include <map>
#include <optional>

namespace nslab
{

/** \return a 48-bit MAC address as an integer (0 when the address is not a MAC). */
uint64_t MacKey(const ns3::Address& address);

/**
 * \brief The internal queue of NetemQueueDisc: items ordered by the time
 * they may leave, so that jitter can reorder them when allowed.
 */
class ReleaseQueue : public ns3::Queue<ns3::QueueDiscItem>
{
  public:
    /** \brief When an item has served its delay, and when the rate lets it leave. */
    struct Times
    {
        ns3::Time delayed;
        ns3::Time release;
    };

    static ns3::TypeId GetTypeId();

    /** \brief Insert before the first item released later; false (and a drop) when full. */
    bool Insert(ns3::Ptr<ns3::QueueDiscItem> item, Times times);
    /**
     * \return packets (or bytes) that have served their delay by now and wait
     * to leave, counting no further than limit
     */
    uint64_t Waiting(ns3::Time now, bool bytes, uint64_t limit) const;
    /** \return when the head may leave (the queue must not be empty). */
    ns3::Time HeadRelease() const { return m_times.front().release; }

    bool Enqueue(ns3::Ptr<ns3::QueueDiscItem> item) override; //!< at the tail, due now
    ns3::Ptr<ns3::QueueDiscItem> Dequeue() override;
    ns3::Ptr<ns3::QueueDiscItem> Remove() override;
    ns3::Ptr<const ns3::QueueDiscItem> Peek() const override;

  private:
    std::list<Times> m_times; //!< parallel to the items
};

/**
 * \brief netem's sending half as an ns-3 queue disc: per destination, a
 * delay with jitter (uniform, normal or Pareto), reordering or not,
 * duplication, a rate, and a queue limit.
 *
 * It also gives shared (CSMA) Ethernet segments and WiFi cells a one-way
 * delay that behaves like a long cable: ns-3's CsmaChannel "Delay" instead
 * keeps the whole half-duplex medium busy for the propagation time of every
 * frame (NS3-NOTES.md, section 1). A constant delay commutes with a FIFO, so
 * delaying before the device queue gives the same arrival times as delaying
 * on the wire; what differs is the pcap: the sender's capture shows the frame
 * when it leaves the delay line, not when the application sent it.
 */
class NetemQueueDisc : public ns3::QueueDisc
{
  public:
    static ns3::TypeId GetTypeId();
    NetemQueueDisc();

    /** \brief What frames to a destination go through. */
    struct DestinationSetup
    {
        const Impairments* impairments = nullptr;
        ns3::Time wireDelay;                   //!< delay the channel itself adds (subtracted from impairments.delay)
        DirectionCounters* counters = nullptr; //!< duplicates and queue drops (may be null)
    };
    /**
     * \brief Who a destination is, asked once per destination MAC (as an
     * integer) when the first frame to it arrives, so that an N-node link
     * holds state only for the pairs that talk. Nothing: the default applies.
     */
    using DestinationLookup = std::function<std::optional<DestinationSetup>(uint64_t mac)>;
    void SetDestinationLookup(DestinationLookup lookup) { m_lookup = std::move(lookup); }
    /**
     * \brief For broadcasts and destinations the lookup does not know: a WiFi
     * station's every frame goes to its access point, whoever it is for;
     * elsewhere no direction (no counters).
     */
    void SetDefault(DestinationSetup setup);
    /**
     * \brief Take the impairments again (an event changed them): the
     * destinations met so far are asked again, keeping their order and rate
     * state; the default becomes this.
     */
    void Refresh(std::optional<DestinationSetup> defaultSetup);
    /**
     * \brief Drop frames that find this many packets (or bytes) waiting to
     * be sent: due, but held back by the rate or a busy device. Frames still
     * serving their delay are on the wire and do not count.
     */
    void SetWaitLimit(QueueLimit limit) { m_waitLimit = limit; }
    /** \brief Log each drop (the node and link that own this queue disc) here too. */
    void SetDropLog(DropLog* log, const std::string& node, const std::string& link)
    {
        m_log = log;
        m_nodeName = node;
        m_linkName = link;
    }
    /** \brief Bytes of framing the rate counts besides the IP packet. */
    void SetFramingBytes(uint32_t bytes) { m_framing = bytes; }

  private:
    struct Destination : DestinationSetup
    {
        ns3::Time lastDelayed; //!< keeps order when reordering is not allowed
        ns3::Time rateFree;    //!< when the direction's rate can start another frame
    };

    bool DoEnqueue(ns3::Ptr<ns3::QueueDiscItem> item) override;
    ns3::Ptr<ns3::QueueDiscItem> DoDequeue() override;
    ns3::Ptr<const ns3::QueueDiscItem> DoPeek() override;
    bool CheckConfig() override;
    void InitializeParams() override;
    void DoDispose() override;

    Destination& DestinationOf(const ns3::QueueDiscItem& item);
    /** \return when an item to that destination, sent now, has served its delay and may leave. */
    ReleaseQueue::Times TimesOf(const ns3::QueueDiscItem& item, Destination& to);
    /** \return a draw of the jitter distribution, in the units of jitter. */
    double JitterSample(const Impairments& impairments);
    bool Hold(ns3::Ptr<ns3::QueueDiscItem> item, Destination& to);
    /** \return a copy of an IP packet's item (nothing for ARP). */
    static ns3::Ptr<ns3::QueueDiscItem> Duplicate(const ns3::QueueDiscItem& item);
    ReleaseQueue& Queue();

    DestinationLookup m_lookup;
    std::map<uint64_t, std::optional<Destination>> m_destinations; //!< asked so far
    Destination m_default;
    uint32_t m_framing = 0;
    std::optional<QueueLimit> m_waitLimit;
    DropLog* m_log = nullptr;
    std::string m_nodeName, m_linkName;
    ns3::Ptr<ns3::UniformRandomVariable> m_random;
    ns3::EventId m_wake; //!< restarts the queue when the head is due
    ns3::Time m_wakeAt;  //!< when m_wake fires
};

} // namespace nslab

#endif
