#ifndef NSLAB_WIFI_HOST_VIEW_H
#define NSLAB_WIFI_HOST_VIEW_H

#include "ns3/ptr.h"
#include "ns3/wifi-net-device.h"

#include <cstdint>
#include <string>

namespace nslab
{

/**
 * \brief Capture a WiFi interface as its host sees it (tcpdump on a laptop's wlan0): DLT_EN10MB
 * frames (destination, source, EtherType, then the packet: no 802.11 header, no LLC/SNAP, no
 * radiotap), each frame once: what the host's IP/ARP stack handed to the device (when the MAC
 * accepts it for transmission: enqueued), and what the device delivered up to the host (after the
 * MAC's deduplication, reassembly and A-MSDU/A-MPDU de-aggregation). Frames an access point relays
 * between two of its stations are not the AP host's traffic and are not shown at the AP (a
 * broadcast the AP relays is received by the AP host too, and shown once as received).
 * Management, control frames, block-ack agreements, retries: never.
 *
 * YansWifiPhyHelper::EnablePcap is a radio (monitor) capture instead: every frame the PHY
 * hears, so a frame relayed through the access point shows twice, and 802.11 retries show.
 *
 * Sent frames carry the time they were enqueued, received frames the time they were delivered.
 * The device must be installed (WifiHelper::Install) before this is called. The device's
 * behaviour does not change: no promiscuous mode (ns-3.37's promiscuous WiFi MAC feeds other
 * stations' frames into the duplicate filter). A device may have several such captures.
 *
 * \param device the interface to capture
 * \param path a name for ns-3's PcapHelper::CreateFile (may be /proc/self/fd/N)
 * \param snapLen bytes kept per frame (0: the whole frame); each record keeps the frame's real
 *        length as its orig_len
 */
void EnableWifiHostView(ns3::Ptr<ns3::WifiNetDevice> device, const std::string& path, uint32_t snapLen);

} // namespace nslab

#endif
