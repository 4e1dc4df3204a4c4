#ifndef NSLAB_ETHERNET_WIRE_H
#define NSLAB_ETHERNET_WIRE_H

#include "ns3/channel.h"
#include "ns3/data-rate.h"
#include "ns3/error-model.h"
#include "ns3/mac48-address.h"
#include "ns3/net-device.h"
#include "ns3/nstime.h"
#include "ns3/packet.h"
#include "ns3/queue.h"
#include "ns3/traced-callback.h"

#include <array>
#include <string>

namespace nslab
{

class EthernetWireDevice;

/**
 * \brief A full-duplex cable between two EthernetWireDevices: each direction
 * has its own propagation delay, and frames of the two directions never
 * contend (unlike ns-3's CsmaChannel, which holds the whole half-duplex
 * medium for transmission plus propagation, NS3-NOTES.md section 1).
 *
 * Attribute "Delay" sets both directions; SetDelay sets one.
 */
class EthernetWireChannel : public ns3::Channel
{
  public:
    static ns3::TypeId GetTypeId();
    EthernetWireChannel();

    /** \brief Plug a device into the next free end (at most 2; a third aborts). */
    void Attach(ns3::Ptr<EthernetWireDevice> device);
    /**
     * \brief Set the propagation delay of one direction.
     * \param from the end (0 or 1, in attach order) whose frames get the delay
     * \param delay the delay
     */
    void SetDelay(uint32_t from, ns3::Time delay);
    /** \return the delay of frames sent by the device attached as number from (0 or 1). */
    ns3::Time GetDelay(uint32_t from) const;
    std::size_t GetNDevices() const override;
    ns3::Ptr<ns3::NetDevice> GetDevice(std::size_t i) const override;

    /**
     * \brief Deliver a frame to the other end, delay(from) after its
     * transmission ends (store and forward). Without another end it is lost.
     * \param frame the frame, Ethernet header included
     * \param from the sending device
     * \param txTime how long the transmission takes
     */
    void Transmit(ns3::Ptr<ns3::Packet> frame, ns3::Ptr<EthernetWireDevice> from, ns3::Time txTime);

  private:
    void DoDispose() override;
    void SetBothDelays(ns3::Time delay);
    ns3::Time GetFirstDelay() const;

    std::array<ns3::Ptr<EthernetWireDevice>, 2> m_ends; //!< in attach order
    std::array<ns3::Time, 2> m_delay;                   //!< indexed by the sending end
    std::size_t m_nDevices = 0;                         //!< ends attached
};

/**
 * \brief An Ethernet II NIC on a full-duplex cable (EthernetWireChannel):
 * ARP, broadcast and multicast work, and it can be a port of an
 * ns3::BridgeNetDevice (it supports SendFrom).
 *
 * Send adds an EthernetHeader (no LLC, no FCS in the packet); the frame waits
 * in "TxQueue" and occupies the wire for TransmissionTime at "DataRate".
 * A "ReceiveErrorModel" sees whole frames, header included. Trace sources
 * are those of ns3::PointToPointNetDevice; Sniffer, MacRx and the receive
 * callback skip frames for other hosts, as in ns3::CsmaNetDevice.
 */
class EthernetWireDevice : public ns3::NetDevice
{
  public:
    static constexpr uint16_t kMinMtu = 68;       //!< IPv4's minimum
    static constexpr uint16_t kMaxMtu = 9000;     //!< jumbo frames
    static constexpr uint32_t kWireOverhead = 24; //!< FCS 4 + preamble/SFD 8 + inter-frame gap 12
    static constexpr uint32_t kMinFrame = 60;     //!< header + payload, padded up to this

    static ns3::TypeId GetTypeId();
    EthernetWireDevice();

    /**
     * \brief Plug into a cable; the link is up from now on.
     * \return false if already attached to a channel
     */
    bool Attach(ns3::Ptr<EthernetWireChannel> channel);
    /** \brief Replace the transmit queue (also the "TxQueue" attribute). */
    void SetQueue(ns3::Ptr<ns3::Queue<ns3::Packet>> queue);
    ns3::Ptr<ns3::Queue<ns3::Packet>> GetQueue() const;
    void SetReceiveErrorModel(ns3::Ptr<ns3::ErrorModel> model);
    /**
     * \brief How long a frame occupies the wire.
     * \param headerAndPayloadBytes Ethernet header plus payload (at least 60 are counted)
     * \param rate the line rate
     * \return the time of the frame plus FCS, preamble/SFD and inter-frame gap, rounded up to 1 ns
     */
    static ns3::Time TransmissionTime(uint32_t headerAndPayloadBytes, ns3::DataRate rate);

    /**
     * \brief Called by the channel when a frame's last bit has arrived.
     * \param frame the frame, Ethernet header included
     */
    void Receive(ns3::Ptr<ns3::Packet> frame);

    // ns3::NetDevice
    void SetIfIndex(const uint32_t index) override;
    uint32_t GetIfIndex() const override;
    ns3::Ptr<ns3::Channel> GetChannel() const override;
    void SetAddress(ns3::Address address) override;
    ns3::Address GetAddress() const override;
    /** \brief Set the IP MTU (payload bytes, kMinMtu to kMaxMtu); false if out of range. */
    bool SetMtu(const uint16_t mtu) override;
    uint16_t GetMtu() const override;
    bool IsLinkUp() const override;
    void AddLinkChangeCallback(ns3::Callback<void> callback) override;
    bool IsBroadcast() const override;
    ns3::Address GetBroadcast() const override;
    bool IsMulticast() const override;
    ns3::Address GetMulticast(ns3::Ipv4Address multicastGroup) const override;
    ns3::Address GetMulticast(ns3::Ipv6Address addr) const override;
    bool IsBridge() const override;
    bool IsPointToPoint() const override;
    bool Send(ns3::Ptr<ns3::Packet> packet,
              const ns3::Address& dest,
              uint16_t protocolNumber) override;
    bool SendFrom(ns3::Ptr<ns3::Packet> packet,
                  const ns3::Address& source,
                  const ns3::Address& dest,
                  uint16_t protocolNumber) override;
    ns3::Ptr<ns3::Node> GetNode() const override;
    /** \brief Also gives the device a MAC address if it has none yet, and flow control. */
    void SetNode(ns3::Ptr<ns3::Node> node) override;
    bool NeedsArp() const override;
    void SetReceiveCallback(ns3::NetDevice::ReceiveCallback cb) override;
    void SetPromiscReceiveCallback(ns3::NetDevice::PromiscReceiveCallback cb) override;
    bool SupportsSendFrom() const override;

  private:
    using PacketTrace = ns3::TracedCallback<ns3::Ptr<const ns3::Packet>>;

    void NotifyConstructionCompleted() override;
    void DoDispose() override;
    /** \brief Aggregate a NetDeviceQueueInterface so the traffic-control layer holds back. */
    void EnableFlowControl();
    /** \brief Start the next queued frame, if any (the wire must be idle). */
    void StartNext();
    void TransmitComplete();
    ns3::NetDevice::PacketType Classify(ns3::Mac48Address destination) const;

    ns3::Ptr<ns3::Node> m_node;
    ns3::Ptr<EthernetWireChannel> m_channel;
    ns3::Ptr<ns3::Queue<ns3::Packet>> m_queue;
    ns3::Ptr<ns3::ErrorModel> m_receiveErrorModel;
    ns3::DataRate m_rate;
    ns3::Mac48Address m_address;
    uint16_t m_mtu = 1500;
    uint32_t m_ifIndex = 0;
    bool m_linkUp = false;
    bool m_busy = false;                  //!< a frame is on the wire
    ns3::Ptr<ns3::Packet> m_currentFrame; //!< the frame on the wire
    ns3::NetDevice::ReceiveCallback m_rxCallback;
    ns3::NetDevice::PromiscReceiveCallback m_promiscCallback;
    ns3::TracedCallback<> m_linkChangeCallbacks;

    PacketTrace m_macTxTrace;
    PacketTrace m_macTxDropTrace;
    PacketTrace m_macPromiscRxTrace;
    PacketTrace m_macRxTrace;
    PacketTrace m_phyTxBeginTrace;
    PacketTrace m_phyTxEndTrace;
    PacketTrace m_phyTxDropTrace;
    PacketTrace m_phyRxEndTrace;
    PacketTrace m_phyRxDropTrace;
    PacketTrace m_snifferTrace;
    PacketTrace m_promiscSnifferTrace;
};

/**
 * \brief Write a device's frames to a pcap (DLT_EN10MB) as the host's tcpdump
 * would: a sent frame when its transmission starts, a received one when its
 * last bit has arrived and the receive error model let it through; Ethernet
 * header included, no FCS, no padding.
 * \param device the device
 * \param path a file name for ns3::PcapHelper::CreateFile (may be /proc/self/fd/N)
 * \param snapLen bytes kept of each frame (0: the whole frame, i.e. 65535)
 */
void EnableEthernetPcap(ns3::Ptr<EthernetWireDevice> device,
                        const std::string& path,
                        uint32_t snapLen);

} // namespace nslab

#endif
