#ifndef NSLAB_HOST_DROPS_H
#define NSLAB_HOST_DROPS_H

#include "ns3/node.h"
#include "ns3/ptr.h"

#include <cstdint>
#include <map>
#include <string>

namespace nslab
{

/** \brief Packets a node's own protocol layers dropped, by cause, e.g. {"arp: no reply", 3}. */
using HostDrops = std::map<std::string, uint64_t>;

/**
 * \brief Count every packet the node's layers above the link drop, with the
 * layer and ns-3's reason: IPv4 and IPv6 (their "Drop" traces: no route, TTL
 * or hop limit expired, fragment timeout, duplicate fragment...), ARP (the
 * protocol's "Drop": a full queue for an unresolved address, an address that
 * failed to resolve, an unexpected reply; each cache's "Drop": packets still
 * waiting when the requests ran out) and the 802.11 MAC ("MacTxDrop": a
 * station, or the access point's addressee, not associated; "DroppedMpdu"
 * of data frames: a full or expired queue, the retry limit reached).
 * Call once the node's interfaces exist; drops must outlive the simulation.
 */
void CountHostDrops(ns3::Ptr<ns3::Node> node, HostDrops* drops);

} // namespace nslab

#endif
