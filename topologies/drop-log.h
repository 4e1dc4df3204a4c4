#ifndef NSLAB_DROP_LOG_H
#define NSLAB_DROP_LOG_H

#include "ns3/buffer.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"

#include <cstddef>
#include <deque>
#include <string>

namespace nslab
{

/**
 * \brief One frame dropped somewhere, as drops.csv lists it. Header-only,
 * like DropLog: the WiFi plugin logs its drops into the run's log too.
 */
struct DropRecord
{
    std::string link;      //!< the link it was dropped on or at (empty for a node's own drops)
    std::string direction; //!< "alice->bob" for a link's direction
    std::string node;      //!< where it was dropped: the receiver, the sender's queue, the node, "switch"
    std::string iface;     //!< the interface, where one is known
    std::string cause;     //!< the summary's name of the counter it is counted in
    ns3::Ptr<const ns3::Packet> packet; //!< what it was: described when drops.csv is written
    std::string ipHeader;  //!< the IP header's bytes, when the packet no longer holds them (drops at the IP layer)
};

/** \brief A row of drops.csv: a dropped frame, where, why, and what it was. */
struct DropRow
{
    double timeS = 0;
    std::string link, direction, node, iface, cause;
    std::string protocol;            //!< "TCP", "UDP", "ICMP", "ICMPv6", "IP 89"; "" when it held no IP packet (ARP)
    std::string source, destination; //!< address[:port]
    int64_t tcpSeq = -1, tcpLength = -1, nslabSeq = -1; //!< -1: none
};

/** \return a header's bytes, as the wire carries them (an IP header a dropped packet no longer holds). */
template <class Header>
std::string
HeaderBytes(const Header& header)
{
    ns3::Buffer buffer;
    buffer.AddAtStart(header.GetSerializedSize());
    header.Serialize(buffer.Begin());
    std::string bytes(header.GetSerializedSize(), '\0');
    buffer.CopyData(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size());
    return bytes;
}

/**
 * \brief Every frame a run dropped, in order: a row each in drops.csv, the
 * same drops the summary counts. Each drop is described as it happens (by the
 * topology's describer, which the WiFi plugin reaches through this object),
 * so that the log keeps text, not packets; past kMaxRows rows it only counts.
 */
class DropLog
{
  public:
    static constexpr size_t kMaxRows = 2000000;
    using Describer = void (*)(const DropRecord& record, DropRow& row);

    void SetDescriber(Describer describe) { m_describe = describe; }

    /** \brief Log a drop, now. */
    void Add(DropRecord record)
    {
        if (m_rows.size() >= kMaxRows)
        {
            ++m_omitted;
            return;
        }
        DropRow row;
        row.timeS = ns3::Simulator::Now().GetSeconds();
        row.link = record.link;
        row.direction = record.direction;
        row.node = record.node;
        row.iface = record.iface;
        row.cause = record.cause;
        if (m_describe)
        {
            m_describe(record, row);
        }
        m_rows.push_back(std::move(row));
        m_uids.push_back(record.packet ? record.packet->GetUid() : ~uint64_t{0});
    }

    /** \brief Take back the latest drop of a node and cause whose packet has that uid (it was delivered after all). */
    void Remove(const std::string& node, const std::string& cause, uint64_t uid)
    {
        for (size_t i = m_rows.size(); i-- > 0;)
        {
            if (m_uids[i] == uid && m_rows[i].node == node && m_rows[i].cause == cause)
            {
                m_rows.erase(m_rows.begin() + static_cast<std::ptrdiff_t>(i));
                m_uids.erase(m_uids.begin() + static_cast<std::ptrdiff_t>(i));
                return;
            }
        }
        if (m_omitted > 0)
        {
            --m_omitted; // one of the drops past the limit
        }
    }

    const std::deque<DropRow>& Rows() const { return m_rows; }

    /** \return the drops past kMaxRows: counted, not listed. */
    uint64_t Omitted() const { return m_omitted; }

  private:
    Describer m_describe = nullptr;
    std::deque<DropRow> m_rows;
    std::deque<uint64_t> m_uids; //!< the packet of each row, for Remove
    uint64_t m_omitted = 0;
};

} // namespace nslab

#endif
