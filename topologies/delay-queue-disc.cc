#include "delay-queue-disc.h"

#include "ns3/drop-tail-queue.h"
#include "ns3/log.h"
#include "ns3/simulator.h"

NS_LOG_COMPONENT_DEFINE("NslabDelayQueueDisc");

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(DelayQueueDisc);

ns3::TypeId
DelayQueueDisc::GetTypeId()
{
    using namespace ns3;
    static TypeId tid =
        TypeId("nslab::DelayQueueDisc")
            .SetParent<QueueDisc>()
            .SetGroupName("nslab")
            .AddConstructor<DelayQueueDisc>()
            .AddAttribute("MaxSize",
                          "Packets the queue holds, those serving their delay included.",
                          QueueSizeValue(QueueSize("1000p")),
                          MakeQueueSizeAccessor(&QueueDisc::SetMaxSize, &QueueDisc::GetMaxSize),
                          MakeQueueSizeChecker())
            .AddAttribute("Delay",
                          "One-way delay added to every packet.",
                          TimeValue(Seconds(0)),
                          MakeTimeAccessor(&DelayQueueDisc::m_delay),
                          MakeTimeChecker(Seconds(0)));
    return tid;
}

DelayQueueDisc::DelayQueueDisc()
    : QueueDisc(ns3::QueueDiscSizePolicy::SINGLE_INTERNAL_QUEUE)
{
}

bool
DelayQueueDisc::DoEnqueue(ns3::Ptr<ns3::QueueDiscItem> item)
{
    if (GetCurrentSize() + item > GetMaxSize())
    {
        DropBeforeEnqueue(item, "Queue disc limit exceeded");
        return false;
    }
    if (!GetInternalQueue(0)->Enqueue(item))
    {
        return false;
    }
    m_release.push_back(ns3::Simulator::Now() + m_delay);
    return true;
}

bool
DelayQueueDisc::HeadIsDue() const
{
    return !m_release.empty() && m_release.front() <= ns3::Simulator::Now();
}

ns3::Ptr<ns3::QueueDiscItem>
DelayQueueDisc::DoDequeue()
{
    if (m_release.empty())
    {
        return nullptr;
    }
    if (!HeadIsDue())
    {
        // Come back when the head is due, as TbfQueueDisc does for tokens.
        if (!m_wake.IsRunning())
        {
            m_wake = ns3::Simulator::Schedule(m_release.front() - ns3::Simulator::Now(),
                                              &QueueDisc::Run,
                                              this);
        }
        return nullptr;
    }
    m_release.pop_front();
    return GetInternalQueue(0)->Dequeue();
}

ns3::Ptr<const ns3::QueueDiscItem>
DelayQueueDisc::DoPeek()
{
    return HeadIsDue() ? GetInternalQueue(0)->Peek() : nullptr;
}

bool
DelayQueueDisc::CheckConfig()
{
    if (GetNQueueDiscClasses() > 0 || GetNPacketFilters() > 0)
    {
        NS_LOG_ERROR("DelayQueueDisc takes no classes and no packet filters");
        return false;
    }
    if (GetNInternalQueues() == 0)
    {
        AddInternalQueue(ns3::CreateObjectWithAttributes<ns3::DropTailQueue<ns3::QueueDiscItem>>(
            "MaxSize",
            ns3::QueueSizeValue(GetMaxSize())));
    }
    return GetNInternalQueues() == 1;
}

void
DelayQueueDisc::InitializeParams()
{
}

void
DelayQueueDisc::DoDispose()
{
    m_wake.Cancel();
    m_release.clear();
    QueueDisc::DoDispose();
}

} // namespace nslab
