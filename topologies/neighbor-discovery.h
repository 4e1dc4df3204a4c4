#ifndef NSLAB_NEIGHBOR_DISCOVERY_H
#define NSLAB_NEIGHBOR_DISCOVERY_H

#include "ns3/node.h"
#include "ns3/ptr.h"

namespace nslab
{

/**
 * \brief Make a node's IPv6 neighbour discovery send the packets it queued
 * for a neighbour as soon as that neighbour's solicitation gives its address.
 *
 * ns-3.37's Icmpv6L4Protocol::HandleNS, on a Neighbor Solicitation with a
 * source link-layer address from a neighbour whose entry is INCOMPLETE (we
 * sent our own solicitation and queued packets for it), marks the entry
 * STALE with that address and ignores the waiting list MarkStale returns;
 * the Neighbor Advertisement that then answers our own solicitation finds a
 * STALE entry, whose branch of HandleNA does not send the queue either. The
 * queued packets stay in the entry for ever, uncounted: when two hosts send
 * their first datagrams to each other at the same instant, each solicitation
 * crosses the other's and a datagram vanishes. RFC 4861 (7.2.3, 7.2.5) and
 * Linux send the queue when the address becomes known; this does that, from
 * the IPv6 "Rx" trace, which fires just before the solicitation reaches
 * HandleNS: the same STALE entry with the same address, so HandleNS then
 * finds nothing to change, and the datagrams leave before its answer, as on
 * Linux. Entries that are not INCOMPLETE, and solicitations HandleNS would
 * ignore (not for one of our addresses, no source address or option), are
 * left alone, so runs where no packet was stranded stay identical.
 */
void SendQueuedOnSolicitation(ns3::Ptr<ns3::Node> node);

/**
 * \brief Make a node's ARP learn the requester of every request for one of
 * its addresses, as Linux does (neigh_event_ns): its first packet to the
 * requester, typically the answer, then needs no request of its own.
 *
 * ns-3.37's ArpL3Protocol::Receive answers the request but leaves its cache
 * alone (bug 107), so a connection costs four one-way delays of address
 * resolution instead of two. An entry waiting for a reply (our request
 * crossed theirs, or was lost in a collision) takes the address too and sends
 * what waited; the reply that may follow is one ns-3 then ignores. Entries
 * that know an address are left alone.
 */
void LearnFromArpRequests(ns3::Ptr<ns3::Node> node);

} // namespace nslab

#endif
