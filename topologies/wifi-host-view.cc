#include "wifi-host-view.h"

#include "ns3/abort.h"
#include "ns3/ethernet-header.h"
#include "ns3/llc-snap-header.h"
#include "ns3/log.h"
#include "ns3/object.h"
#include "ns3/pcap-file-wrapper.h"
#include "ns3/pcap-file.h"
#include "ns3/qos-utils.h"
#include "ns3/simulator.h"
#include "ns3/trace-helper.h"
#include "ns3/wifi-mac-header.h"
#include "ns3/wifi-mac-queue.h"
#include "ns3/wifi-mac.h"
#include "ns3/wifi-mpdu.h"

#include <utility>
#include <vector>

NS_LOG_COMPONENT_DEFINE("NslabWifiHostView");

namespace nslab
{

namespace
{

/**
 * WifiNetDevice::ForwardUp, the MAC's way into the device, is protected; a
 * derived class's scope may name it (the pointer is to WifiNetDevice's member).
 */
struct DeviceForwardUp : ns3::WifiNetDevice
{
    using Method = void (ns3::WifiNetDevice::*)(ns3::Ptr<const ns3::Packet>,
                                                ns3::Mac48Address,
                                                ns3::Mac48Address);

    static Method Get()
    {
        return &DeviceForwardUp::ForwardUp;
    }
};

/** Source and destination of a data frame's MSDU (IEEE 802.11-2016, Table 9-26). */
std::pair<ns3::Mac48Address, ns3::Mac48Address>
SourceAndDestination(const ns3::WifiMacHeader& hdr)
{
    if (hdr.IsToDs())
    {
        return {hdr.IsFromDs() ? hdr.GetAddr4() : hdr.GetAddr2(), hdr.GetAddr3()};
    }
    return {hdr.IsFromDs() ? hdr.GetAddr3() : hdr.GetAddr2(), hdr.GetAddr1()};
}

} // namespace

/**
 * \brief The hooks of one device's host-view captures, aggregated to the
 * device so that a second capture of the same device shares them.
 *
 * Sent: the Enqueue trace of every MAC queue (the non-QoS Txop's and each
 * QosTxop's). The MPDUs enqueued there are also the MAC's own (management,
 * block-ack agreements), frames an access point relays for its stations,
 * and, built from frames already enqueued, the first fragment of an MSDU
 * and each next one, and every A-MSDU as it grows (WifiMacQueue::Replace
 * enqueues each again): only whole, unaggregated data MSDUs whose source
 * is this device are the host's. Retransmissions stay in the queue.
 *
 * Received: the MAC's forward-up callback, wrapped (the device's own
 * ForwardUp still runs, right after): the one place with both addresses
 * after duplicate filtering, defragmentation, reordering and A-MSDU
 * de-aggregation. A promiscuous protocol handler would also get them, but
 * WifiNetDevice::SetPromiscReceiveCallback puts the frame exchange manager
 * in promiscuous mode, which hands other stations' unaggregated data
 * frames to the MAC's duplicate filter (MacRxMiddle keeps one sequence
 * control per transmitter and TID: an access point's frame to another
 * station overwrites the one of its frames to this station, so a retried
 * frame can then reach the host twice, or a new one be taken for a
 * duplicate) and to its MacRxDrop trace (104 drops in the test's cell,
 * which has none otherwise).
 */
class WifiHostViewTap : public ns3::Object
{
  public:
    /**
     * \brief Get the type ID.
     * \return the object TypeId
     */
    static ns3::TypeId GetTypeId();

    /**
     * \brief Hook the device's MAC queues and forward-up path.
     * \param device the installed device (it owns this tap once aggregated)
     */
    void Attach(ns3::Ptr<ns3::WifiNetDevice> device);

    /**
     * \brief Write every frame from now on to this file too.
     * \param file an open Ethernet (DLT_EN10MB) capture
     */
    void AddFile(ns3::Ptr<ns3::PcapFileWrapper> file);

  protected:
    void DoDispose() override;

  private:
    /**
     * \brief An MPDU entered a MAC queue.
     * \param mpdu the MPDU, with its header and LLC/SNAP payload
     */
    void Enqueued(ns3::Ptr<const ns3::WifiMpdu> mpdu);

    /**
     * \brief The MAC delivers an MSDU; the device's ForwardUp follows.
     * \param msdu the MSDU, starting with its LLC/SNAP header
     * \param from the source address
     * \param to the destination address
     */
    void ForwardUp(ns3::Ptr<const ns3::Packet> msdu, ns3::Mac48Address from, ns3::Mac48Address to);

    /**
     * \brief Write an MSDU as an Ethernet frame to every file.
     * \param msdu the MSDU, starting with its LLC/SNAP header
     * \param source the frame's source address
     * \param destination the frame's destination address
     */
    void Write(ns3::Ptr<const ns3::Packet> msdu, ns3::Mac48Address source, ns3::Mac48Address destination);

    ns3::WifiNetDevice* m_device = nullptr;                //!< the device (which owns this tap)
    ns3::Ptr<ns3::WifiMac> m_mac;                          //!< the device's MAC
    std::vector<ns3::Ptr<ns3::PcapFileWrapper>> m_files;   //!< the captures
};

NS_OBJECT_ENSURE_REGISTERED(WifiHostViewTap);

ns3::TypeId
WifiHostViewTap::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("nslab::WifiHostViewTap")
                                 .SetParent<ns3::Object>()
                                 .SetGroupName("nslab")
                                 .AddConstructor<WifiHostViewTap>();
    return tid;
}

void
WifiHostViewTap::Attach(ns3::Ptr<ns3::WifiNetDevice> device)
{
    NS_LOG_FUNCTION(this << device);
    m_device = ns3::PeekPointer(device);
    m_mac = device->GetMac();
    for (auto ac : {ns3::AC_BE_NQOS, ns3::AC_BE, ns3::AC_BK, ns3::AC_VI, ns3::AC_VO})
    {
        // 802.11a/b/g MACs have only the non-QoS queue, QoS MACs only the four others.
        if (ns3::Ptr<ns3::WifiMacQueue> queue = m_mac->GetTxopQueue(ac))
        {
            bool hooked = queue->TraceConnectWithoutContext(
                "Enqueue",
                ns3::MakeCallback(&WifiHostViewTap::Enqueued, this));
            NS_ABORT_MSG_UNLESS(hooked, "WifiMacQueue has no Enqueue trace");
        }
    }
    m_mac->SetForwardUpCallback(ns3::MakeCallback(&WifiHostViewTap::ForwardUp, this));
}

void
WifiHostViewTap::AddFile(ns3::Ptr<ns3::PcapFileWrapper> file)
{
    m_files.push_back(file);
}

void
WifiHostViewTap::DoDispose()
{
    // Dropping the files closes them (and writes what they buffered).
    m_files.clear();
    m_mac = nullptr;
    m_device = nullptr;
    ns3::Object::DoDispose();
}

void
WifiHostViewTap::Enqueued(ns3::Ptr<const ns3::WifiMpdu> mpdu)
{
    const ns3::WifiMacHeader& hdr = mpdu->GetHeader();
    if (!m_mac || !hdr.HasData() || hdr.IsQosAmsdu() || hdr.IsMoreFragments() ||
        hdr.GetFragmentNumber() > 0)
    {
        return;
    }
    auto [source, destination] = SourceAndDestination(hdr);
    if (source == m_mac->GetAddress())
    {
        Write(mpdu->GetPacket(), source, destination);
    }
}

void
WifiHostViewTap::ForwardUp(ns3::Ptr<const ns3::Packet> msdu, ns3::Mac48Address from, ns3::Mac48Address to)
{
    if (!m_device)
    {
        return; // disposed with the device
    }
    // The device hands up exactly these (it calls anything else PACKET_OTHERHOST
    // and gives it only to promiscuous handlers: an access point's MAC forwards
    // up every unicast frame it relays); written first, so that what the host
    // sends in answer follows it in the file.
    if (to.IsGroup() || to == m_mac->GetAddress())
    {
        Write(msdu, from, to);
    }
    (m_device->*DeviceForwardUp::Get())(msdu, from, to);
}

void
WifiHostViewTap::Write(ns3::Ptr<const ns3::Packet> msdu,
                       ns3::Mac48Address source,
                       ns3::Mac48Address destination)
{
    ns3::LlcSnapHeader llc;
    if (msdu->GetSize() < llc.GetSerializedSize())
    {
        return; // not an MSDU from an IP/ARP stack (WifiNetDevice always adds LLC/SNAP)
    }
    ns3::Ptr<ns3::Packet> payload = msdu->Copy();
    payload->RemoveHeader(llc);
    ns3::EthernetHeader ethernet(false);
    ethernet.SetDestination(destination);
    ethernet.SetSource(source);
    ethernet.SetLengthType(llc.GetType());
    ns3::Time now = ns3::Simulator::Now();
    for (const auto& file : m_files)
    {
        file->Write(now, ethernet, payload);
    }
}

void
EnableWifiHostView(ns3::Ptr<ns3::WifiNetDevice> device, const std::string& path, uint32_t snapLen)
{
    NS_LOG_FUNCTION(device << path << snapLen);
    // Until all four are set, WifiNetDevice::CompleteConfig has not yet given
    // the MAC its forward-up callback, and would then replace ours.
    NS_ABORT_MSG_IF(!device || !device->GetMac() || !device->GetNode() || device->GetNPhys() == 0 ||
                        device->GetNRemoteStationManagers() == 0,
                    "EnableWifiHostView: the device must be installed (WifiHelper::Install) first");
    ns3::Ptr<WifiHostViewTap> tap = device->GetObject<WifiHostViewTap>();
    if (!tap)
    {
        tap = ns3::CreateObject<WifiHostViewTap>();
        tap->Attach(device);
        device->AggregateObject(tap);
    }
    ns3::PcapHelper helper;
    // 0 means the whole frame, whatever PcapFileWrapper::CaptureSize says (the
    // largest WiFi MSDU, 2304 bytes, is far below the pcap default of 65535).
    uint32_t keep = snapLen == 0 ? ns3::PcapFile::SNAPLEN_DEFAULT : snapLen;
    tap->AddFile(helper.CreateFile(path, std::ios::out, ns3::PcapHelper::DLT_EN10MB, keep));
}

} // namespace nslab
