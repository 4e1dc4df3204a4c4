#ifndef NSLAB_TAP_PORT_H
#define NSLAB_TAP_PORT_H

#include "host-drops.h"

#include "ns3/net-device.h"
#include "ns3/queue-item.h"

namespace nslab
{

/**
 * \brief A whole frame's payload (IP header included) in a queue disc: what
 * a Linux host hands its interface. ns-3's Ipv4QueueDiscItem keeps the
 * header apart and would drop IP options (IGMP's router alert) on the way.
 */
class WholeFrameItem : public ns3::QueueDiscItem
{
  public:
    using QueueDiscItem::QueueDiscItem;
    void AddHeader() override {}
    bool Mark() override { return false; }
};

/**
 * \brief Join a simulated interface to a Linux tap, so that a real host's
 * kernel is that interface's IP stack: frames the link delivers to the
 * device (its own, broadcasts, groups) are written to the tap with their
 * sender's address; frames Linux writes go out through the device's queue
 * disc (impairments and all), as a simulated host's do. The device's node
 * must have no IP interface on it; the tap has the device's MAC and MTU.
 * \param device an Ethernet, WiFi or point-to-point device on the link
 * \param fd the tap, open (ns-3's FdNetDevice reads it in a thread of its own and closes it)
 * \param ipOnly point-to-point: only IPv4 and IPv6 cross (the tap has IFF_NOARP)
 * \param drops counts the frames refused: malformed ones (which would crash
 * ns-3's parsers), cut ones (longer than the MTU), router advertisements and redirects
 * \return the tap's device (an FdNetDevice) on the node
 */
ns3::Ptr<ns3::NetDevice> ConnectTap(ns3::Ptr<ns3::NetDevice> device, int fd, bool ipOnly, HostDrops* drops);

} // namespace nslab

#endif
