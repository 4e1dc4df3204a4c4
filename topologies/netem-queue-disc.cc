#include "netem-queue-disc.h"

#include "tap-port.h"

#include "ns3/ipv4-queue-disc-item.h"
#include "ns3/ipv6-queue-disc-item.h"
#include "ns3/log.h"
#include "ns3/mac48-address.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <cmath>

NS_LOG_COMPONENT_DEFINE("NslabNetemQueueDisc");

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(ReleaseQueue);
NS_OBJECT_ENSURE_REGISTERED(NetemQueueDisc);

uint64_t
MacKey(const ns3::Address& address)
{
    if (!ns3::Mac48Address::IsMatchingType(address))
    {
        return 0;
    }
    uint8_t bytes[6];
    ns3::Mac48Address::ConvertFrom(address).CopyTo(bytes);
    uint64_t key = 0;
    for (uint8_t b : bytes)
    {
        key = key << 8 | b;
    }
    return key;
}

ns3::TypeId
ReleaseQueue::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("nslab::ReleaseQueue")
                                 .SetParent<ns3::Queue<ns3::QueueDiscItem>>()
                                 .SetGroupName("nslab")
                                 .AddConstructor<ReleaseQueue>()
                                 .AddAttribute("MaxSize",
                                               "Packets or bytes the queue holds.",
                                               ns3::QueueSizeValue(ns3::QueueSize("1000p")),
                                               ns3::MakeQueueSizeAccessor(&ns3::QueueBase::SetMaxSize,
                                                                          &ns3::QueueBase::GetMaxSize),
                                               ns3::MakeQueueSizeChecker());
    return tid;
}

bool
ReleaseQueue::Insert(ns3::Ptr<ns3::QueueDiscItem> item, Times times)
{
    // Walk back from the tail: without reordering every item goes there.
    auto at = GetContainer().end();
    auto time = m_times.end();
    while (time != m_times.begin() && std::prev(time)->release > times.release)
    {
        --time;
        --at;
    }
    if (!DoEnqueue(at, item))
    {
        return false;
    }
    m_times.insert(time, times);
    return true;
}

uint64_t
ReleaseQueue::Waiting(ns3::Time now, bool bytes, uint64_t limit) const
{
    // Items in release order have served their delay in that order too,
    // unless jitter reorders them or destinations differ in delay: then this
    // counts the waiting frames ahead of the first still delayed, a lower bound.
    uint64_t waiting = 0;
    auto item = GetContainer().begin();
    for (auto time = m_times.begin(); time != m_times.end() && time->delayed <= now && waiting <= limit;
         ++time, ++item)
    {
        waiting += bytes ? (*item)->GetSize() : 1;
    }
    return waiting;
}

bool
ReleaseQueue::Enqueue(ns3::Ptr<ns3::QueueDiscItem> item)
{
    return Insert(item, {ns3::Simulator::Now(), ns3::Simulator::Now()});
}

ns3::Ptr<ns3::QueueDiscItem>
ReleaseQueue::Dequeue()
{
    auto item = DoDequeue(GetContainer().begin());
    if (item)
    {
        m_times.pop_front();
    }
    return item;
}

ns3::Ptr<ns3::QueueDiscItem>
ReleaseQueue::Remove()
{
    auto item = DoRemove(GetContainer().begin());
    if (item)
    {
        m_times.pop_front();
    }
    return item;
}

ns3::Ptr<const ns3::QueueDiscItem>
ReleaseQueue::Peek() const
{
    return DoPeek(GetContainer().begin());
}

ns3::TypeId
NetemQueueDisc::GetTypeId()
{
    using namespace ns3;
    static TypeId tid =
        TypeId("nslab::NetemQueueDisc")
            .SetParent<QueueDisc>()
            .SetGroupName("nslab")
            .AddConstructor<NetemQueueDisc>()
            .AddAttribute("MaxSize",
                          "Packets or bytes the queue holds, those serving their delay included.",
                          QueueSizeValue(QueueSize("1000p")),
                          MakeQueueSizeAccessor(&QueueDisc::SetMaxSize, &QueueDisc::GetMaxSize),
                          MakeQueueSizeChecker());
    return tid;
}

NetemQueueDisc::NetemQueueDisc()
    : QueueDisc(ns3::QueueDiscSizePolicy::SINGLE_INTERNAL_QUEUE),
      m_random(ns3::CreateObject<ns3::UniformRandomVariable>())
{
}

void
NetemQueueDisc::SetDefault(DestinationSetup setup)
{
    m_default = Destination{setup, {}, {}};
}

void
NetemQueueDisc::Refresh(std::optional<DestinationSetup> defaultSetup)
{
    if (defaultSetup)
    {
        static_cast<DestinationSetup&>(m_default) = *defaultSetup;
    }
    for (auto& [mac, destination] : m_destinations)
    {
        auto setup = destination && m_lookup ? m_lookup(mac) : std::nullopt;
        if (setup)
        {
            static_cast<DestinationSetup&>(*destination) = *setup;
        }
    }
}

NetemQueueDisc::Destination&
NetemQueueDisc::DestinationOf(const ns3::QueueDiscItem& item)
{
    uint64_t mac = MacKey(item.GetAddress());
    auto it = m_destinations.find(mac);
    if (it == m_destinations.end())
    {
        auto setup = m_lookup ? m_lookup(mac) : std::nullopt;
        it = m_destinations.emplace(mac, setup ? std::optional<Destination>(Destination{*setup, {}, {}}) : std::nullopt).first;
    }
    return it->second ? *it->second : m_default;
}

double
NetemQueueDisc::JitterSample(const Impairments& impairments)
{
    constexpr double kShape = 3; // Pareto: finite variance, a long tail
    double u = m_random->GetValue();
    switch (impairments.distribution)
    {
    case JitterDistribution::Uniform:
        return 2 * u - 1;
    case JitterDistribution::Normal: {
        // Box-Muller, from the queue's own stream (deterministic per run).
        double v = m_random->GetValue();
        return std::sqrt(-2 * std::log(1 - u)) * std::cos(2 * M_PI * v);
    }
    case JitterDistribution::Pareto: {
        // Scale so that the standard deviation is 1, then centre on the mean.
        double scale = 1 / std::sqrt(kShape / ((kShape - 1) * (kShape - 1) * (kShape - 2)));
        double mean = kShape * scale / (kShape - 1);
        return scale / std::pow(1 - u, 1 / kShape) - mean;
    }
    }
    return 0;
}

ReleaseQueue::Times
NetemQueueDisc::TimesOf(const ns3::QueueDiscItem& item, Destination& to)
{
    const Impairments& imp = *to.impairments;
    ns3::Time delay = imp.delay - to.wireDelay;
    if (!imp.jitter.IsZero())
    {
        delay += ns3::Seconds(imp.jitter.GetSeconds() * JitterSample(imp));
    }
    ReleaseQueue::Times times;
    times.delayed = ns3::Simulator::Now() + std::max(delay, ns3::Time());
    if (!imp.reorder)
    {
        times.delayed = std::max(times.delayed, to.lastDelayed);
        to.lastDelayed = times.delayed;
    }
    times.release = times.delayed;
    if (imp.rate > 0)
    {
        // As netem's rate: each frame takes its transmission time at the
        // rate, after the previous one of the direction.
        double bits = 8.0 * (item.GetSize() + m_framing);
        times.release = std::max(times.delayed, to.rateFree) + ns3::Seconds(bits / static_cast<double>(imp.rate));
        to.rateFree = times.release;
    }
    return times;
}

ReleaseQueue&
NetemQueueDisc::Queue()
{
    return *ns3::StaticCast<ReleaseQueue>(GetInternalQueue(0));
}

bool
NetemQueueDisc::Hold(ns3::Ptr<ns3::QueueDiscItem> item, Destination& to)
{
    bool full = m_waitLimit &&
                Queue().Waiting(ns3::Simulator::Now(), m_waitLimit->bytes, m_waitLimit->value) +
                        (m_waitLimit->bytes ? item->GetSize() : 1) > m_waitLimit->value;
    if (full)
    {
        DropBeforeEnqueue(item, "Queue limit exceeded");
    }
    if (!full && Queue().Insert(item, TimesOf(*item, to)))
    {
        return true;
    }
    if (to.counters)
    {
        ++to.counters->dropped[static_cast<size_t>(DropCause::Queue)];
    }
    if (m_log)
    {
        // The packet without its IP header, which the item keeps apart until it is sent.
        std::string header;
        if (auto ip4 = ns3::DynamicCast<ns3::Ipv4QueueDiscItem>(item))
        {
            header = HeaderBytes(ip4->GetHeader());
        }
        else if (auto ip6 = ns3::DynamicCast<ns3::Ipv6QueueDiscItem>(item))
        {
            header = HeaderBytes(ip6->GetHeader());
        }
        m_log->Add({m_linkName, to.counters ? to.counters->from + "->" + to.counters->to : "",
                    to.counters ? to.counters->from : m_nodeName, "", DropCauseName(DropCause::Queue), item->GetPacket(),
                    header});
    }
    return false;
}

ns3::Ptr<ns3::QueueDiscItem>
NetemQueueDisc::Duplicate(const ns3::QueueDiscItem& item)
{
    if (auto v4 = dynamic_cast<const ns3::Ipv4QueueDiscItem*>(&item))
    {
        return ns3::Create<ns3::Ipv4QueueDiscItem>(v4->GetPacket()->Copy(), v4->GetAddress(), v4->GetProtocol(),
                                                   v4->GetHeader());
    }
    if (auto v6 = dynamic_cast<const ns3::Ipv6QueueDiscItem*>(&item))
    {
        return ns3::Create<ns3::Ipv6QueueDiscItem>(v6->GetPacket()->Copy(), v6->GetAddress(), v6->GetProtocol(),
                                                   v6->GetHeader());
    }
    if (auto frame = dynamic_cast<const WholeFrameItem*>(&item); frame && frame->GetProtocol() != 0x0806)
    {
        return ns3::Create<WholeFrameItem>(frame->GetPacket()->Copy(), frame->GetAddress(), frame->GetProtocol());
    }
    return nullptr; // ARP is not duplicated
}

bool
NetemQueueDisc::DoEnqueue(ns3::Ptr<ns3::QueueDiscItem> item)
{
    Destination& to = DestinationOf(*item);
    if (!to.impairments)
    {
        return Queue().Insert(item, {ns3::Simulator::Now(), ns3::Simulator::Now()});
    }
    bool held = Hold(item, to);
    if (held && to.impairments->duplicate > 0)
    {
        auto copy = Duplicate(*item);
        // The copy goes through the same delay and jitter, as netem's does.
        if (copy && m_random->GetValue() < to.impairments->duplicate && Hold(copy, to) && to.counters)
        {
            ++to.counters->duplicated;
        }
    }
    return held;
}

ns3::Ptr<ns3::QueueDiscItem>
NetemQueueDisc::DoDequeue()
{
    if (Queue().IsEmpty())
    {
        return nullptr;
    }
    ns3::Time due = Queue().HeadRelease();
    if (due > ns3::Simulator::Now())
    {
        // Come back when the head is due, as TbfQueueDisc does for tokens;
        // sooner if a frame due earlier has become the head.
        if (!m_wake.IsRunning() || m_wakeAt > due)
        {
            m_wake.Cancel();
            m_wake = ns3::Simulator::Schedule(due - ns3::Simulator::Now(), &QueueDisc::Run, this);
            m_wakeAt = due;
        }
        return nullptr;
    }
    return Queue().Dequeue();
}

ns3::Ptr<const ns3::QueueDiscItem>
NetemQueueDisc::DoPeek()
{
    return !Queue().IsEmpty() && Queue().HeadRelease() <= ns3::Simulator::Now() ? Queue().Peek() : nullptr;
}

bool
NetemQueueDisc::CheckConfig()
{
    if (GetNQueueDiscClasses() > 0 || GetNPacketFilters() > 0)
    {
        NS_LOG_ERROR("NetemQueueDisc takes no classes and no packet filters");
        return false;
    }
    if (GetNInternalQueues() == 0)
    {
        AddInternalQueue(ns3::CreateObjectWithAttributes<ReleaseQueue>("MaxSize",
                                                                       ns3::QueueSizeValue(GetMaxSize())));
    }
    return GetNInternalQueues() == 1;
}

void
NetemQueueDisc::InitializeParams()
{
    // A run of ns-3's queue disc stops after 64 packets and nothing restarts
    // it (queue-disc.cc: "todo netif_schedule"); when more than 64 packets
    // fall due at once, as after address resolution, the rest would wait for
    // ever. Run until the device stops taking packets instead.
    SetQuota(UINT32_MAX);
}

void
NetemQueueDisc::DoDispose()
{
    m_wake.Cancel();
    m_destinations.clear();
    m_random = nullptr;
    QueueDisc::DoDispose();
}

} // namespace nslab
