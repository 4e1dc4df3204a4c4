#include "ping-app.h"

#include "ns3/log.h"
#include "ns3/uinteger.h"

NS_LOG_COMPONENT_DEFINE("NslabPingApp");

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(PingApp);

ns3::TypeId
PingApp::GetTypeId()
{
    using namespace ns3;
    static TypeId tid = TypeId("nslab::PingApp")
                            .SetParent<IcmpEchoApp>()
                            .SetGroupName("nslab")
                            .AddConstructor<PingApp>()
                            .AddAttribute("Count",
                                          "Echo requests to send (0: until the app stops).",
                                          UintegerValue(0),
                                          MakeUintegerAccessor(&PingApp::m_count),
                                          MakeUintegerChecker<uint64_t>())
                            .AddAttribute("Interval",
                                          "Time between echo requests.",
                                          TimeValue(Seconds(1)),
                                          MakeTimeAccessor(&PingApp::m_interval),
                                          MakeTimeChecker(NanoSeconds(1)));
    return tid;
}

void
PingApp::StartApplication()
{
    NS_LOG_FUNCTION(this);
    Open();
    Send();
}

void
PingApp::StopApplication()
{
    NS_LOG_FUNCTION(this);
    m_sendEvent.Cancel();
    Close();
}

void
PingApp::Send()
{
    ++m_attempts;
    // Recorded first: to the node's own address, the reply is back before SendTo returns.
    m_sent.push_back(ns3::Simulator::Now());
    m_answered.push_back(false);
    if (!SendEcho(static_cast<uint16_t>(m_sent.size()), 0))
    {
        m_sent.pop_back();
        m_answered.pop_back();
        ++m_errors; // no route: iputils reports the error and goes on
    }
    if (m_count == 0 || m_attempts < m_count)
    {
        m_sendEvent = ns3::Simulator::Schedule(m_interval, &PingApp::Send, this);
    }
}

int64_t
PingApp::IndexOf(uint16_t seq) const
{
    // Sequence numbers wrap after 65535 requests: the latest request with it.
    auto sent = static_cast<int64_t>(m_sent.size());
    int64_t back = ((sent - seq) % 65536 + 65536) % 65536;
    return sent - back - 1;
}

void
PingApp::OnAnswer(const IcmpAnswer& answer)
{
    int64_t index = IndexOf(answer.seq);
    if (index < 0)
    {
        return;
    }
    if (answer.kind != IcmpAnswerKind::EchoReply)
    {
        ++m_errors;
        return;
    }
    if (m_answered[index])
    {
        ++m_duplicates;
        return;
    }
    m_answered[index] = true;
    m_replies.push_back(Reply{static_cast<uint32_t>(index + 1), m_sent[index], ns3::Simulator::Now()});
}

} // namespace nslab
