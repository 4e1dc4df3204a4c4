#ifndef NSLAB_DROP_LOG_H
#define NSLAB_DROP_LOG_H

#include "ns3/buffer.h"
#include "ns3/packet.h"
#include "ns3/simulator.h"

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
    int64_t timeNs = 0;
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

/** \brief Every frame a run dropped, in order: a row each in drops.csv, the same drops the summary counts. */
class DropLog
{
  public:
    /** \brief Log a drop, now. */
    void Add(DropRecord record)
    {
        record.timeNs = ns3::Simulator::Now().GetNanoSeconds();
        m_records.push_back(std::move(record));
    }

    /** \brief Take back the latest drop of a node and cause whose packet has that uid (it was delivered after all). */
    void Remove(const std::string& node, const std::string& cause, uint64_t uid)
    {
        for (auto it = m_records.rbegin(); it != m_records.rend(); ++it)
        {
            if (it->node == node && it->cause == cause && it->packet && it->packet->GetUid() == uid)
            {
                m_records.erase(std::next(it).base());
                return;
            }
        }
    }

    const std::deque<DropRecord>& Records() const { return m_records; }

  private:
    std::deque<DropRecord> m_records;
};

} // namespace nslab

#endif
