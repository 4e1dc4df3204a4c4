#include "tcp-probe.h"

#include "ns3/simulator.h"
#include "ns3/tcp-tx-buffer.h"

#include <optional>

namespace nslab
{

void
TcpProbe::Attach(ns3::Ptr<ns3::Socket> socket, ns3::Time bin, Side side)
{
    m_stats.acked.bin = bin;
    m_socket = ns3::PeekPointer(ns3::DynamicCast<ns3::TcpSocketBase>(socket));
    using ns3::MakeCallback;
    ns3::Ptr<TcpProbe> self(this);
    auto tcp = ns3::DynamicCast<ns3::TcpSocketBase>(socket);
    if (!tcp)
    {
        return;
    }
    tcp->TraceConnectWithoutContext("Rx", MakeCallback(&TcpProbe::OnRx, self));
    tcp->TraceConnectWithoutContext("State", MakeCallback(&TcpProbe::OnState, self));
    if (side == Side::Receiver)
    {
        return; // every trace costs time on each segment: only what a receiver reports
    }
    tcp->TraceConnectWithoutContext("Tx", MakeCallback(&TcpProbe::OnTx, self));
    tcp->TraceConnectWithoutContext("CongestionWindow", MakeCallback(&TcpProbe::OnCwnd, self));
    tcp->TraceConnectWithoutContext("SlowStartThreshold", MakeCallback(&TcpProbe::OnSsthresh, self));
    tcp->TraceConnectWithoutContext("RTT", MakeCallback(&TcpProbe::OnRtt, self));
    tcp->TraceConnectWithoutContext("CongState", MakeCallback(&TcpProbe::OnCongState, self));
}

void
TcpProbe::OnTx(ns3::Ptr<const ns3::Packet> packet, const ns3::TcpHeader& header, ns3::Ptr<const ns3::TcpSocketBase>)
{
    if (header.GetFlags() & ns3::TcpHeader::SYN)
    {
        OnSyn(header.GetSequenceNumber());
    }
    if (packet->GetSize() == 0)
    {
        return;
    }
    ++m_stats.segmentsSent;
    ns3::SequenceNumber32 end = header.GetSequenceNumber() + packet->GetSize();
    if (m_sentData && header.GetSequenceNumber() < m_highestSent)
    {
        OnRetransmit(header.GetSequenceNumber(), end);
    }
    else
    {
        m_unacked.push_back({end, ns3::Simulator::Now()});
    }
    if (!m_sentData || end > m_highestSent)
    {
        m_highestSent = end;
    }
    m_sentData = true;
}

void
TcpProbe::OnSyn(ns3::SequenceNumber32 isn)
{
    m_firstData = isn + 1;
    m_synSent = true;
    m_unacked.assign(1, {m_firstData, ns3::Simulator::Now()}); // the handshake's RTT
}

void
TcpProbe::OnRetransmit(ns3::SequenceNumber32 begin, ns3::SequenceNumber32 end)
{
    // After a timeout the sender is in CA_LOSS, after duplicate ACKs or SACKs in recovery.
    ++(m_congState == ns3::TcpSocketState::CA_LOSS ? m_stats.timeoutRetransmits : m_stats.fastRetransmits);
    // As tshark does, time a retransmitted segment from its last transmission.
    for (auto& u : m_unacked)
    {
        u.sent = u.end > begin && u.end <= end ? ns3::Simulator::Now() : u.sent;
    }
}

void
TcpProbe::OnRx(ns3::Ptr<const ns3::Packet> packet, const ns3::TcpHeader& header, ns3::Ptr<const ns3::TcpSocketBase>)
{
    if (packet->GetSize() > 0)
    {
        ++m_stats.segmentsReceived;
    }
    uint8_t flags = header.GetFlags();
    if (flags & ns3::TcpHeader::RST)
    {
        OnRst(header); // carries no data and acknowledges nothing worth counting
        return;
    }
    if (!(flags & ns3::TcpHeader::ACK))
    {
        return;
    }
    ns3::SequenceNumber32 ack = header.GetAckNumber();
    SampleRtt(ack);
    if (!m_sentData)
    {
        return;
    }
    bool pure = packet->GetSize() == 0 && !(flags & (ns3::TcpHeader::SYN | ns3::TcpHeader::FIN | ns3::TcpHeader::RST));
    // tshark's rule: same ACK number and window, no data, no SYN/FIN/RST.
    if (pure && ack == m_lastAck && header.GetWindowSize() == m_lastWindow)
    {
        ++m_stats.dupAcks;
    }
    if (ack > m_lastAck || m_stats.bytesAcked == 0)
    {
        uint64_t acked = ack > m_firstData ? static_cast<uint64_t>(ack - m_firstData) : 0;
        acked = std::min<uint64_t>(acked, static_cast<uint64_t>(m_highestSent - m_firstData));
        if (acked > m_stats.bytesAcked)
        {
            m_stats.acked.Add(acked - m_stats.bytesAcked);
            m_stats.bytesAcked = acked;
            m_stats.lastAcked = ns3::Simulator::Now();
        }
    }
    m_lastAck = ack;
    m_lastWindow = header.GetWindowSize();
}

void
TcpProbe::OnRst(const ns3::TcpHeader& header)
{
    m_rstReceived = true;
    m_rstTime = ns3::Simulator::Now();
    if (m_onRst)
    {
        bool answersSyn = m_synSent && (header.GetFlags() & ns3::TcpHeader::ACK) && header.GetAckNumber() == m_firstData;
        m_onRst(answersSyn);
    }
}

void
TcpProbe::SampleRtt(ns3::SequenceNumber32 ack)
{
    // Like tshark's tcp.analysis.ack_rtt: from the (last) transmission of the
    // highest segment this ACK covers to the ACK. Timed from TCP handing the
    // segment down, so a wait in the sender's own queue counts, which the
    // capture on the wire does not see.
    std::optional<ns3::Time> sent;
    while (!m_unacked.empty() && m_unacked.front().end <= ack)
    {
        sent = m_unacked.front().sent;
        m_unacked.pop_front();
    }
    if (sent)
    {
        m_stats.rtt.Add(ns3::Simulator::Now() - *sent);
    }
}

void
TcpProbe::OnCwnd(uint32_t, uint32_t value)
{
    m_now.cwnd = m_stats.cwnd = value;
    Sample();
}

void
TcpProbe::OnSsthresh(uint32_t, uint32_t value)
{
    m_now.ssthresh = value;
    Sample();
}

void
TcpProbe::OnRtt(ns3::Time, ns3::Time value)
{
    m_now.srtt = value;
    Sample();
}

void
TcpProbe::OnCongState(ns3::TcpSocketState::TcpCongState_t, ns3::TcpSocketState::TcpCongState_t value)
{
    m_congState = value;
}

void
TcpProbe::OnState(ns3::TcpSocket::TcpStates_t, ns3::TcpSocket::TcpStates_t value)
{
    if (value == ns3::TcpSocket::ESTABLISHED && m_stats.established.IsZero())
    {
        m_stats.established = ns3::Simulator::Now();
    }
    // ns-3 closes at once on a RST it accepts; a RST it ignores leaves the state as it is.
    if (value == ns3::TcpSocket::CLOSED && m_rstReceived && m_rstTime == ns3::Simulator::Now() && !m_stats.reset)
    {
        m_stats.reset = true;
        m_stats.resetAt = m_rstTime;
    }
}

void
TcpProbe::Sample()
{
    // One row per millisecond at most: a fast flow changes its window with
    // every ACK, far more often than a plot shows. Window, threshold and RTT
    // are the latest.
    ns3::Time now = ns3::Simulator::Now();
    if (!m_stats.samples.empty() && now - m_stats.samples.back().time < ns3::MilliSeconds(1))
    {
        TcpSample& row = m_stats.samples.back();
        row.cwnd = m_now.cwnd;
        row.ssthresh = m_now.ssthresh;
        row.srtt = m_now.srtt;
        return;
    }
    NewRow(now);
}

void
TcpProbe::NewRow(ns3::Time now)
{
    // Bytes in flight is read (its trace would fire on every segment) when the row begins.
    m_now.time = now;
    m_now.bytesInFlight = m_socket->GetTxBuffer()->BytesInFlight();
    m_stats.samples.push_back(m_now);
}

} // namespace nslab
