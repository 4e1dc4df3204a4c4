#include "traceroute-app.h"

#include "ns3/log.h"
#include "ns3/uinteger.h"

NS_LOG_COMPONENT_DEFINE("NslabTracerouteApp");

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(TracerouteApp);

ns3::TypeId
TracerouteApp::GetTypeId()
{
    using namespace ns3;
    static TypeId tid = TypeId("nslab::TracerouteApp")
                            .SetParent<IcmpEchoApp>()
                            .SetGroupName("nslab")
                            .AddConstructor<TracerouteApp>()
                            .AddAttribute("MaxHops",
                                          "The largest TTL (hop limit) probed.",
                                          UintegerValue(30),
                                          MakeUintegerAccessor(&TracerouteApp::m_maxHops),
                                          MakeUintegerChecker<uint32_t>(1, 255))
                            .AddAttribute("Probes",
                                          "Probes per TTL.",
                                          UintegerValue(3),
                                          MakeUintegerAccessor(&TracerouteApp::m_probes),
                                          MakeUintegerChecker<uint32_t>(1, 10))
                            .AddAttribute("Wait",
                                          "How long a probe waits for its answer (traceroute -w).",
                                          TimeValue(Seconds(5)),
                                          MakeTimeAccessor(&TracerouteApp::m_wait),
                                          MakeTimeChecker(NanoSeconds(1)));
    return tid;
}

void
TracerouteApp::StartApplication()
{
    NS_LOG_FUNCTION(this);
    Open();
    Next();
}

void
TracerouteApp::StopApplication()
{
    NS_LOG_FUNCTION(this);
    m_timeout.Cancel();
    Close();
}

void
TracerouteApp::Next()
{
    if (m_hops.empty() || m_hops.back().probes.size() == m_probes)
    {
        if (m_last || m_hops.size() == m_maxHops)
        {
            Close(); // done: later answers are not read
            return;
        }
        m_hops.push_back(TracerouteHop{static_cast<uint32_t>(m_hops.size() + 1), {}});
    }
    TracerouteHop& hop = m_hops.back();
    TracerouteProbe probe;
    probe.seq = ++m_seq;
    probe.sent = ns3::Simulator::Now();
    hop.probes.push_back(probe);
    // The wait first: to the node's own address, the answer is back before SendTo returns.
    m_timeout = ns3::Simulator::Schedule(m_wait, &TracerouteApp::Next, this);
    SendEcho(probe.seq, static_cast<uint8_t>(hop.ttl)); // without a route it is a '*', as a lost probe
}

void
TracerouteApp::OnAnswer(const IcmpAnswer& answer)
{
    if (m_hops.empty() || !m_timeout.IsRunning())
    {
        return;
    }
    TracerouteProbe& probe = m_hops.back().probes.back();
    if (answer.seq != probe.seq || probe.answer)
    {
        return; // an answer after its wait: traceroute has printed '*' already
    }
    probe.answer = answer;
    probe.rtt = ns3::Simulator::Now() - probe.sent;
    m_reached = m_reached || answer.kind == IcmpAnswerKind::EchoReply;
    m_last = m_last || answer.kind != IcmpAnswerKind::TimeExceeded;
    m_timeout.Cancel();
    // Not from inside IP's delivery of the answer: the next probe goes out in an event of its own.
    m_timeout = ns3::Simulator::ScheduleNow(&TracerouteApp::Next, this);
}

} // namespace nslab
