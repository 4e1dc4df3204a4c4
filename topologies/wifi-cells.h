#ifndef NSLAB_WIFI_CELLS_H
#define NSLAB_WIFI_CELLS_H

#include "host-drops.h"
#include "topology.h"

#include "ns3/channel.h"
#include "ns3/error-model.h"
#include "ns3/net-device-container.h"
#include "ns3/node-container.h"
#include "ns3/vector.h"

#include <optional>
#include <string>
#include <vector>

namespace nslab
{

/** \brief One WiFi cell to build: what the scenario says of it, in plain values. */
struct WifiCellSetup
{
    std::string ssid;
    std::string standard;         //!< one of WifiStandards()
    uint32_t retries = 6;         //!< 802.11 retransmissions once associated
    uint32_t mtu = 1500;
    bool aggregation = true;      //!< false on cells that drop frames at the receiver (see the plugin)
    std::vector<NodePlace> places; //!< per node, the access point first (each has a position or waypoints); a node placed by an earlier cell keeps its place
    std::string rateControl = "ideal"; //!< one of WifiRateControls()
    std::string mode;                  //!< constant rate control: the mode, one of WifiModes(standard)

    /** \brief The pcaps of one device, files already created (their /proc/self/fd names). */
    struct Pcap
    {
        std::string host;    //!< what the host's tcpdump sees (EnableWifiHostView)
        std::string radio;   //!< every frame the radio hears
        uint32_t snapLen = 0; //!< bytes kept per frame, 0: whole frames
    };
    std::vector<std::optional<Pcap>> pcaps; //!< per node, the access point first
};

/**
 * \brief nslab's WiFi cells, built by the plugin libnslab-wifi.so.
 *
 * ns-3's WiFi stack (wifi, spectrum, propagation, mobility, energy, antenna:
 * 10 MB resident once mapped and relocated) is loaded only by a scenario that
 * has a WiFi link: everything that touches a WiFi type lives in the plugin,
 * behind this interface.
 */
class WifiCells
{
  public:
    virtual ~WifiCells() = default;

    /**
     * \return the devices of a cell, the access point first: MACs, PHYs, positions, retries and pcaps set up.
     * \param medium the cell's air: null for a new one (then set), or another cell's to share its channel
     */
    virtual ns3::NetDeviceContainer Build(const WifiCellSetup& setup, const ns3::NodeContainer& nodes,
                                          ns3::Ptr<ns3::Channel>& medium) = 0;

    /** \return whether a station's device is associated now; nothing for other devices. */
    virtual std::optional<bool> Associated(ns3::Ptr<ns3::NetDevice> device) const = 0;

    /** \brief Draw every frame the device's PHY receives through the model. */
    virtual void SetReceiveErrorModel(ns3::Ptr<ns3::NetDevice> device, ns3::Ptr<ns3::ErrorModel> model) const = 0;

    /** \brief Count the MAC's drops of a WiFi device (nothing for other devices) by cause, "wifi: ...". */
    virtual void CountDrops(ns3::Ptr<ns3::NetDevice> device, HostDrops* drops) const = 0;
};

/**
 * \return the WiFi cells, loading the plugin on first use: next to the
 * running program, else where the build put it.
 * \throw std::runtime_error when it cannot be loaded
 */
WifiCells& LoadWifiCells();

/** \return the WiFi cells if a WiFi link loaded them, else nullptr (then no device is WiFi). */
WifiCells* LoadedWifiCells();

/** \return the supported WiFi standard names, e.g. "802.11n". */
const std::vector<std::string>& WifiStandards();

/** \return the rate controls: "ideal", "minstrel", "constant". */
const std::vector<std::string>& WifiRateControls();

/** \return the modes a constant rate control may use with a standard (one spatial stream), e.g. "HtMcs7". */
std::vector<std::string> WifiModes(const std::string& standard);

} // namespace nslab

#endif
