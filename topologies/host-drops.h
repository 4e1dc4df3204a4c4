#ifndef NSLAB_HOST_DROPS_H
#define NSLAB_HOST_DROPS_H

#include "drop-log.h"

#include "ns3/net-device.h"
#include "ns3/node.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <map>
#include <string>

namespace nslab
{

/** \brief Packets a node's own protocol layers dropped, by cause, e.g. {"arp: no reply", 3}. */
/**
 * \brief What a node (or a switch) dropped, by cause; each drop also goes
 * into the run's drop log (drops.csv). Counting only through Add and Remove
 * keeps the two equal.
 */
struct HostDrops : std::map<std::string, uint64_t>
{
    std::string node; //!< "alice", or "switch"
    std::string link; //!< a switch's link
    DropLog* log = nullptr;

    /** \brief Count one drop of this cause, and log it with the packet (and the IP header it no longer holds). */
    void Add(const std::string& cause, ns3::Ptr<const ns3::Packet> packet, std::string ipHeader = "")
    {
        ++(*this)[cause];
        if (log)
        {
            log->Add({link, "", node, "", cause, packet, std::move(ipHeader)});
        }
    }

    /** \brief Take back a drop of this cause: the packet of that uid went on after all. */
    void Remove(const std::string& cause, uint64_t uid)
    {
        if (--(*this)[cause] == 0)
        {
            erase(cause);
        }
        if (log)
        {
            log->Remove(node, cause, uid);
        }
    }
};

/**
 * \brief Count every packet the node's layers above the link drop, with the
 * layer and ns-3's reason: IPv4 and IPv6 (their "Drop" traces: no route, TTL
 * or hop limit expired, fragment timeout, duplicate fragment...), ARP (the
 * protocol's "Drop": a full queue for an unresolved address, an address that
 * failed to resolve, an unexpected reply; each cache's "Drop": packets still
 * waiting when the requests ran out) and the 802.11 MAC ("MacTxDrop": a
 * station, or the access point's addressee, not associated; "DroppedMpdu"
 * of data frames: a full or expired queue, the retry limit reached), and
 * wired devices (Ethernet: a full device queue or the backoff limit, the
 * medium taken by another device in the same instant; p2p: a full queue;
 * both: receive drops on a device without nslab's receive impairment).
 * Call once the node's interfaces exist; drops must outlive the simulation.
 */
void CountHostDrops(ns3::Ptr<ns3::Node> node, HostDrops* drops);

/** \brief Count what a real node's tap (an FdNetDevice) failed to hand Linux. */
void CountTapDrops(ns3::Ptr<ns3::NetDevice> tap, HostDrops* drops);

/**
 * \brief Count the packets ARP and neighbour discovery still hold for the
 * device's unresolved neighbours when its link goes up or down.
 *
 * ns-3.37's ArpCache and NdiscCache flush themselves on every link change
 * and discard those packets without a trace: a WiFi station that sends
 * before it is associated loses everything queued behind its first
 * request (dropped by the unassociated MAC) when the association flushes.
 * Call before the device gets an IP interface, so that this runs first.
 */
void CountFlushedOnLinkChange(ns3::Ptr<ns3::NetDevice> device, HostDrops* drops);

} // namespace nslab

#endif
