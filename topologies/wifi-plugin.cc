// libnslab-wifi.so: nslab's WiFi cells on ns-3's WiFi stack, loaded only by
// scenarios with a WiFi link (see wifi-cells.h).

#include "wifi-cells.h"
#include "wifi-host-view.h"

#include "ns3/ampdu-subframe-header.h"
#include "ns3/config.h"
#include "ns3/constant-position-mobility-model.h"
#include "ns3/simulator.h"
#include "ns3/string.h"
#include "ns3/waypoint-mobility-model.h"
#include "ns3/ssid.h"
#include "ns3/sta-wifi-mac.h"
#include "ns3/uinteger.h"
#include "ns3/wifi-mac-header.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-mpdu.h"
#include "ns3/wifi-net-device.h"
#include "ns3/wifi-phy.h"
#include "ns3/wifi-remote-station-manager.h"
#include "ns3/yans-wifi-helper.h"

#include <limits>
#include <map>
#include <memory>
#include <set>

namespace nslab
{

namespace
{

const std::map<std::string, ns3::WifiStandard>&
StandardTable()
{
    static const std::map<std::string, ns3::WifiStandard> table{
        {"802.11a", ns3::WIFI_STANDARD_80211a},   {"802.11b", ns3::WIFI_STANDARD_80211b},
        {"802.11g", ns3::WIFI_STANDARD_80211g},   {"802.11n", ns3::WIFI_STANDARD_80211n},
        {"802.11ac", ns3::WIFI_STANDARD_80211ac}, {"802.11ax", ns3::WIFI_STANDARD_80211ax},
    };
    return table;
}

/**
 * Stations never give up their access point for missed beacons. ns-3.37's
 * StaWifiMac starts the beacon watchdog (MaxMissedBeacons x 102.4 ms) when it
 * sends its first association request, but only beacons received once
 * associated restart it. In a busy cell (a few dozen stations whose requests
 * collide) a station still waiting for its association response after 1 s
 * is "disassociated": Disassociated() clears the link's BSSID and rescans,
 * yet leaves the 0.5 s association-request timer running. When that timer
 * fires before a scan has found the AP again, SendAssociationRequest()
 * aborts: "No BSSID set for the link on which the (Re)Association Request is
 * to be sent" (sta-wifi-mac.cc:403). Missed beacons are Disassociated()'s only
 * caller besides channel switching, which nslab never does, so a watchdog
 * that never expires (4.4e8 s) makes the whole race impossible. Nothing in
 * an nslab cell moves or switches off, so an access point whose beacons a
 * station misses is still there: the station keeps retrying association
 * every 0.5 s, and one that never joins is reported (summary "associated").
 */
constexpr uint32_t kNeverMissBeacons = std::numeric_limits<uint32_t>::max();

/** \brief Send a frame at most 1 + retries times. */
void
SetRetries(ns3::WifiNetDevice* device, uint32_t retries)
{
    auto manager = device->GetRemoteStationManager();
    manager->SetAttribute("MaxSsrc", ns3::UintegerValue(retries + 1));
    manager->SetAttribute("MaxSlrc", ns3::UintegerValue(retries + 1));
}

/**
 * The cell's 802.11 retries from association on: with 0 retries a lost frame
 * is a lost packet, as on Ethernet; with ns-3's default, loss hides in delay.
 * Association itself keeps ns-3's retries: the requests of several stations
 * collide, and without retries no station would ever join. The access point
 * follows when every station has joined.
 */
void
LimitRetriesAfterAssociation(const ns3::NetDeviceContainer& devices, uint32_t retries)
{
    // Raw pointers: a Ptr held by the device's own trace would keep it alive for ever.
    auto* ap = ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(0)).operator->();
    auto joined = std::make_shared<std::set<ns3::WifiNetDevice*>>();
    uint32_t stations = devices.GetN() - 1;
    for (uint32_t d = 1; d < devices.GetN(); ++d)
    {
        auto* station = ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d)).operator->();
        station->GetMac()->TraceConnectWithoutContext(
            "Assoc",
            ns3::Callback<void, ns3::Mac48Address>([=](ns3::Mac48Address) {
                SetRetries(station, retries);
                if (joined->insert(station).second && joined->size() == stations)
                {
                    SetRetries(ap, retries);
                }
            }));
    }
}

std::string
WifiCause(ns3::WifiMacDropReason reason)
{
    switch (reason)
    {
    case ns3::WIFI_MAC_DROP_FAILED_ENQUEUE:
        return "wifi: queue full";
    case ns3::WIFI_MAC_DROP_EXPIRED_LIFETIME:
        return "wifi: queue expired";
    case ns3::WIFI_MAC_DROP_REACHED_RETRY_LIMIT:
        return "wifi: retry limit";
    case ns3::WIFI_MAC_DROP_QOS_OLD_PACKET:
        return "wifi: old packet";
    }
    return "wifi: reason " + std::to_string(static_cast<int>(reason));
}

/**
 * Count the data frames for this device that arrived intact but never left
 * its MAC. ns-3.37's block-ack recipient waits in its reorder buffer for the
 * agreement's starting sequence number, even when the originator sent that
 * MPDU with a normal ACK while the agreement was being set up (the MPDU went
 * up outside the buffer): the MPDUs after it stay buffered until the window
 * moves, and for ever when the flow ends. The count is what is still held:
 * a frame is added when the PHY hands it up (the pcap's trace, by packet id,
 * which the MAC's copies keep) and removed when the MAC delivers it.
 */
void
CountHeldFrames(ns3::Ptr<ns3::WifiNetDevice> wifi, HostDrops* drops)
{
    struct Held
    {
        std::set<uint64_t> waiting;
        std::set<uint64_t> delivered; //!< a retransmission the MAC discards as a duplicate is no loss
    };
    auto held = std::make_shared<Held>();
    const std::string cause = "wifi: held in block-ack reorder buffer";
    ns3::Mac48Address own = wifi->GetMac()->GetAddress();
    wifi->GetPhy()->TraceConnectWithoutContext(
        "MonitorSnifferRx",
        ns3::Callback<void, ns3::Ptr<const ns3::Packet>, uint16_t, ns3::WifiTxVector, ns3::MpduInfo,
                      ns3::SignalNoiseDbm, uint16_t>(
            [held, drops, cause, own](ns3::Ptr<const ns3::Packet> packet, uint16_t, ns3::WifiTxVector,
                                      ns3::MpduInfo info, ns3::SignalNoiseDbm, uint16_t) {
                auto mpdu = packet->Copy(); // keeps the packet id
                if (info.type != ns3::NORMAL_MPDU)
                {
                    ns3::AmpduSubframeHeader delimiter; // an A-MPDU's subframes, and S-MPDUs, come with theirs
                    mpdu->RemoveHeader(delimiter);
                }
                ns3::WifiMacHeader header;
                if (mpdu->PeekHeader(header) == 0 || !header.IsQosData() || !header.HasData() ||
                    header.GetAddr1() != own || (header.IsToDs() && header.GetAddr3() != own))
                {
                    // Not data, not for us, or a station's frame the access point relays to another.
                    return;
                }
                uint64_t uid = packet->GetUid();
                if (!held->delivered.count(uid) && held->waiting.insert(uid).second)
                {
                    drops->Add(cause, packet);
                }
            }));
    wifi->GetMac()->TraceConnectWithoutContext(
        "MacRx", ns3::Callback<void, ns3::Ptr<const ns3::Packet>>([held, drops, cause](ns3::Ptr<const ns3::Packet> packet) {
            uint64_t uid = packet->GetUid();
            held->delivered.insert(uid);
            if (held->waiting.erase(uid))
            {
                drops->Remove(cause, uid);
            }
        }));
}

class YansCells : public WifiCells
{
  public:
    ns3::NetDeviceContainer Build(const WifiCellSetup& setup, const ns3::NodeContainer& nodes,
                                  ns3::Ptr<ns3::Channel>& medium) override;
    std::optional<bool> Associated(ns3::Ptr<ns3::NetDevice> device) const override;
    void SetReceiveErrorModel(ns3::Ptr<ns3::NetDevice> device, ns3::Ptr<ns3::ErrorModel> model) const override;
    void CountDrops(ns3::Ptr<ns3::NetDevice> device, HostDrops* drops) const override;
};

/** \brief ns-3's manager for a rate control: what it models is in docs/scenario-format.md. */
void
SetRateControl(ns3::WifiHelper& wifi, const WifiCellSetup& setup)
{
    if (setup.rateControl == "constant")
    {
        // The control mode too, as ns-3's examples do: a non-HT basic rate the band may lack is not guessed.
        wifi.SetRemoteStationManager("ns3::ConstantRateWifiManager", "DataMode", ns3::StringValue(setup.mode),
                                     "ControlMode", ns3::StringValue(setup.mode));
    }
    else if (setup.rateControl == "minstrel")
    {
        bool ht = setup.standard == "802.11n" || setup.standard == "802.11ac";
        wifi.SetRemoteStationManager(ht ? "ns3::MinstrelHtWifiManager" : "ns3::MinstrelWifiManager");
    }
    else
    {
        wifi.SetRemoteStationManager("ns3::IdealWifiManager");
    }
}

/** \brief Place a node's radio: fixed, or moving in straight lines between waypoints. */
void
Place(ns3::Ptr<ns3::Node> node, const NodePlace& place)
{
    if (node->GetObject<ns3::MobilityModel>())
    {
        return; // a node in two cells keeps the place of its first one
    }
    if (place.waypoints.empty())
    {
        auto model = ns3::CreateObject<ns3::ConstantPositionMobilityModel>();
        model->SetPosition(place.position.value_or(ns3::Vector()));
        node->AggregateObject(model);
        return;
    }
    auto model = ns3::CreateObject<ns3::WaypointMobilityModel>();
    if (place.waypoints.front().first.IsStrictlyPositive())
    {
        model->AddWaypoint(ns3::Waypoint(ns3::Seconds(0), place.waypoints.front().second)); // there from the start
    }
    for (const auto& [at, position] : place.waypoints)
    {
        model->AddWaypoint(ns3::Waypoint(at, position));
    }
    node->AggregateObject(model);
}

ns3::NetDeviceContainer
YansCells::Build(const WifiCellSetup& setup, const ns3::NodeContainer& nodes, ns3::Ptr<ns3::Channel>& medium)
{
    if (!medium)
    {
        // ns-3's defaults: log-distance path loss (exponent 3 from 1 m), constant-speed propagation delay.
        medium = ns3::YansWifiChannelHelper::Default().Create();
    }
    ns3::YansWifiPhyHelper phy;
    phy.SetChannel(ns3::DynamicCast<ns3::YansWifiChannel>(medium));
    phy.SetPcapDataLinkType(ns3::WifiPhyHelper::DLT_IEEE802_11_RADIO);
    ns3::WifiHelper wifi;
    wifi.SetStandard(StandardTable().at(setup.standard));
    SetRateControl(wifi, setup);
    ns3::WifiMacHelper mac;
    ns3::Ssid ssid(setup.ssid);
    mac.SetType("ns3::ApWifiMac", "Ssid", ns3::SsidValue(ssid));
    ns3::NetDeviceContainer devices = wifi.Install(phy, mac, nodes.Get(0));
    mac.SetType("ns3::StaWifiMac", "Ssid", ns3::SsidValue(ssid), "MaxMissedBeacons",
                ns3::UintegerValue(kNeverMissBeacons));
    ns3::NodeContainer stations;
    for (uint32_t n = 1; n < nodes.GetN(); ++n)
    {
        stations.Add(nodes.Get(n));
    }
    devices.Add(wifi.Install(phy, mac, stations));

    LimitRetriesAfterAssociation(devices, setup.retries);

    for (uint32_t n = 0; n < nodes.GetN(); ++n)
    {
        Place(nodes.Get(n), setup.places.at(n));
    }
    for (uint32_t d = 0; d < devices.GetN(); ++d)
    {
        auto device = ns3::DynamicCast<ns3::WifiNetDevice>(devices.Get(d));
        device->SetMtu(setup.mtu);
        if (!setup.aggregation)
        {
            // ns-3.37 throws std::bad_alloc in HtFrameExchangeManager::EndReceiveAmpdu
            // when the error model drops part of an A-MPDU: no aggregation on lossy cells.
            device->GetMac()->SetAttribute("BE_MaxAmpduSize", ns3::UintegerValue(0));
        }
        if (const auto& pcap = setup.pcaps.at(d))
        {
            // The host's view (what tcpdump on the laptop shows) and the radio's (every frame heard).
            EnableWifiHostView(device, pcap->host, pcap->snapLen);
            // ns-3's pcap helpers take the length from this default when they create the file.
            ns3::Config::SetDefault("ns3::PcapFileWrapper::CaptureSize",
                                    ns3::UintegerValue(pcap->snapLen ? pcap->snapLen : 65535));
            phy.EnablePcap(pcap->radio, device, false, true);
        }
    }
    return devices;
}

std::optional<bool>
YansCells::Associated(ns3::Ptr<ns3::NetDevice> device) const
{
    auto wifi = ns3::DynamicCast<ns3::WifiNetDevice>(device);
    auto station = wifi ? ns3::DynamicCast<ns3::StaWifiMac>(wifi->GetMac()) : nullptr;
    if (!station)
    {
        return std::nullopt;
    }
    return station->IsAssociated();
}

void
YansCells::SetReceiveErrorModel(ns3::Ptr<ns3::NetDevice> device, ns3::Ptr<ns3::ErrorModel> model) const
{
    ns3::DynamicCast<ns3::WifiNetDevice>(device)->GetPhy()->SetPostReceptionErrorModel(model);
}

void
YansCells::CountDrops(ns3::Ptr<ns3::NetDevice> device, HostDrops* drops) const
{
    auto wifi = ns3::DynamicCast<ns3::WifiNetDevice>(device);
    if (!wifi)
    {
        return;
    }
    CountHeldFrames(wifi, drops);
    wifi->GetMac()->TraceConnectWithoutContext(
        "MacTxDrop",
        ns3::Callback<void, ns3::Ptr<const ns3::Packet>>([drops](ns3::Ptr<const ns3::Packet> packet) {
            drops->Add("wifi: not associated", packet);
        }));
    // Data only: the management frames of association are the MAC's own.
    wifi->GetMac()->TraceConnectWithoutContext(
        "DroppedMpdu", ns3::Callback<void, ns3::WifiMacDropReason, ns3::Ptr<const ns3::WifiMpdu>>(
                           [drops](ns3::WifiMacDropReason reason, ns3::Ptr<const ns3::WifiMpdu> mpdu) {
                               if (mpdu->GetHeader().IsData())
                               {
                                   drops->Add(WifiCause(reason), mpdu->GetPacket());
                               }
                           }));
}

} // namespace

} // namespace nslab

/** The plugin's entry point (see LoadWifiCells). */
extern "C" nslab::WifiCells*
nslab_wifi_cells()
{
    static nslab::YansCells cells;
    return &cells;
}
