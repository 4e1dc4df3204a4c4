#include "ethernet-wire.h"

#include "ns3/drop-tail-queue.h"
#include "ns3/ethernet-header.h"
#include "ns3/log.h"
#include "ns3/net-device-queue-interface.h"
#include "ns3/node.h"
#include "ns3/pointer.h"
#include "ns3/simulator.h"
#include "ns3/trace-helper.h"
#include "ns3/trace-source-accessor.h"
#include "ns3/uinteger.h"

#include <algorithm>

NS_LOG_COMPONENT_DEFINE("NslabEthernetWire");

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(EthernetWireChannel);
NS_OBJECT_ENSURE_REGISTERED(EthernetWireDevice);

ns3::TypeId
EthernetWireChannel::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("nslab::EthernetWireChannel")
            .SetParent<ns3::Channel>()
            .SetGroupName("nslab")
            .AddConstructor<EthernetWireChannel>()
            .AddAttribute("Delay",
                          "Propagation delay of both directions (reads the first one).",
                          ns3::TimeValue(ns3::Seconds(0)),
                          ns3::MakeTimeAccessor(&EthernetWireChannel::SetBothDelays,
                                                &EthernetWireChannel::GetFirstDelay),
                          ns3::MakeTimeChecker(ns3::Seconds(0)));
    return tid;
}

EthernetWireChannel::EthernetWireChannel()
{
    NS_LOG_FUNCTION(this);
}

void
EthernetWireChannel::Attach(ns3::Ptr<EthernetWireDevice> device)
{
    NS_LOG_FUNCTION(this << device);
    NS_ABORT_MSG_IF(m_nDevices == m_ends.size(), "an EthernetWireChannel has only two ends");
    m_ends[m_nDevices++] = device;
}

void
EthernetWireChannel::SetDelay(uint32_t from, ns3::Time delay)
{
    NS_LOG_FUNCTION(this << from << delay);
    NS_ABORT_MSG_IF(from > 1, "an EthernetWireChannel end is 0 or 1, not " << from);
    NS_ABORT_MSG_IF(delay.IsStrictlyNegative(), "a cable's delay cannot be negative: " << delay);
    m_delay[from] = delay;
}

ns3::Time
EthernetWireChannel::GetDelay(uint32_t from) const
{
    NS_ABORT_MSG_IF(from > 1, "an EthernetWireChannel end is 0 or 1, not " << from);
    return m_delay[from];
}

void
EthernetWireChannel::SetBothDelays(ns3::Time delay)
{
    m_delay = {delay, delay};
}

ns3::Time
EthernetWireChannel::GetFirstDelay() const
{
    return m_delay[0];
}

std::size_t
EthernetWireChannel::GetNDevices() const
{
    return m_nDevices;
}

ns3::Ptr<ns3::NetDevice>
EthernetWireChannel::GetDevice(std::size_t i) const
{
    return i < m_nDevices ? m_ends[i] : nullptr;
}

void
EthernetWireChannel::Transmit(ns3::Ptr<ns3::Packet> frame,
                              ns3::Ptr<EthernetWireDevice> from,
                              ns3::Time txTime)
{
    NS_LOG_FUNCTION(this << frame << from << txTime);
    uint32_t end = from == m_ends[0] ? 0 : 1;
    ns3::Ptr<EthernetWireDevice> to = m_ends[1 - end];
    if (!to)
    {
        return;
    }
    // Store and forward: the receiver acts on the frame once its last bit is in.
    ns3::Simulator::ScheduleWithContext(to->GetNode()->GetId(),
                                        txTime + m_delay[end],
                                        &EthernetWireDevice::Receive,
                                        to,
                                        frame->Copy());
}

void
EthernetWireChannel::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_ends = {};
    ns3::Channel::DoDispose();
}

ns3::TypeId
EthernetWireDevice::GetTypeId()
{
    static ns3::TypeId tid =
        ns3::TypeId("nslab::EthernetWireDevice")
            .SetParent<ns3::NetDevice>()
            .SetGroupName("nslab")
            .AddConstructor<EthernetWireDevice>()
            .AddAttribute("DataRate",
                          "The line rate.",
                          ns3::DataRateValue(ns3::DataRate("100Mbps")),
                          ns3::MakeDataRateAccessor(&EthernetWireDevice::m_rate),
                          ns3::MakeDataRateChecker())
            .AddAttribute(
                "Mtu",
                "The IP MTU: payload bytes of a frame.",
                ns3::UintegerValue(1500),
                ns3::MakeUintegerAccessor(&EthernetWireDevice::SetMtu, &EthernetWireDevice::GetMtu),
                ns3::MakeUintegerChecker<uint16_t>(kMinMtu, kMaxMtu))
            .AddAttribute("Address",
                          "The MAC address; 00:00:00:00:00:00 allocates one when the device "
                          "joins a node.",
                          ns3::Mac48AddressValue(ns3::Mac48Address()),
                          ns3::MakeMac48AddressAccessor(&EthernetWireDevice::m_address),
                          ns3::MakeMac48AddressChecker())
            .AddAttribute(
                "TxQueue",
                "Frames waiting for the wire (by default a DropTailQueue of 100 packets).",
                ns3::PointerValue(),
                ns3::MakePointerAccessor(&EthernetWireDevice::SetQueue,
                                         &EthernetWireDevice::GetQueue),
                ns3::MakePointerChecker<ns3::Queue<ns3::Packet>>())
            .AddAttribute("ReceiveErrorModel",
                          "Decides which received frames (header included) are lost.",
                          ns3::PointerValue(),
                          ns3::MakePointerAccessor(&EthernetWireDevice::m_receiveErrorModel),
                          ns3::MakePointerChecker<ns3::ErrorModel>())
            .AddTraceSource("MacTx",
                            "A frame (header included) was handed to the device to send.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_macTxTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("MacTxDrop",
                            "A frame was dropped before transmission (queue full, no link).",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_macTxDropTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("MacPromiscRx",
                            "A frame goes to the promiscuous receive callback.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_macPromiscRxTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("MacRx",
                            "A frame for this host goes up the stack.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_macRxTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyTxBegin",
                            "A frame starts its transmission.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_phyTxBeginTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyTxEnd",
                            "A frame has been transmitted.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_phyTxEndTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyTxDrop",
                            "A frame was sent on a cable with no other end.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_phyTxDropTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyRxEnd",
                            "A frame's last bit arrived and the error model let it through.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_phyRxEndTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("PhyRxDrop",
                            "The receive error model dropped a frame.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_phyRxDropTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource("Sniffer",
                            "Frames sent, and received frames for this host.",
                            ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_snifferTrace),
                            "ns3::Packet::TracedCallback")
            .AddTraceSource(
                "PromiscSniffer",
                "Frames sent, and every received frame.",
                ns3::MakeTraceSourceAccessor(&EthernetWireDevice::m_promiscSnifferTrace),
                "ns3::Packet::TracedCallback");
    return tid;
}

EthernetWireDevice::EthernetWireDevice()
{
    NS_LOG_FUNCTION(this);
}

void
EthernetWireDevice::NotifyConstructionCompleted()
{
    // Not in the constructor: setting the attributes' initial values (a null
    // "TxQueue") comes after it.
    if (!m_queue)
    {
        SetQueue(ns3::CreateObject<ns3::DropTailQueue<ns3::Packet>>());
    }
    ns3::NetDevice::NotifyConstructionCompleted();
}

void
EthernetWireDevice::DoDispose()
{
    NS_LOG_FUNCTION(this);
    m_node = nullptr;
    m_channel = nullptr;
    m_queue = nullptr;
    m_receiveErrorModel = nullptr;
    m_currentFrame = nullptr;
    m_rxCallback = ReceiveCallback();
    m_promiscCallback = PromiscReceiveCallback();
    ns3::NetDevice::DoDispose();
}

bool
EthernetWireDevice::Attach(ns3::Ptr<EthernetWireChannel> channel)
{
    NS_LOG_FUNCTION(this << channel);
    if (m_channel)
    {
        return false;
    }
    m_channel = channel;
    channel->Attach(this);
    m_linkUp = true;
    m_linkChangeCallbacks();
    return true;
}

void
EthernetWireDevice::SetQueue(ns3::Ptr<ns3::Queue<ns3::Packet>> queue)
{
    NS_LOG_FUNCTION(this << queue);
    m_queue = queue;
    auto ndqi = GetObject<ns3::NetDeviceQueueInterface>();
    if (ndqi && queue)
    {
        ndqi->GetTxQueue(0)->ConnectQueueTraces(queue);
    }
}

ns3::Ptr<ns3::Queue<ns3::Packet>>
EthernetWireDevice::GetQueue() const
{
    return m_queue;
}

void
EthernetWireDevice::SetReceiveErrorModel(ns3::Ptr<ns3::ErrorModel> model)
{
    NS_LOG_FUNCTION(this << model);
    m_receiveErrorModel = model;
}

ns3::Time
EthernetWireDevice::TransmissionTime(uint32_t headerAndPayloadBytes, ns3::DataRate rate)
{
    uint64_t bits = 8 * uint64_t{std::max(headerAndPayloadBytes, kMinFrame) + kWireOverhead};
    // Integer nanoseconds: DataRate's double arithmetic can land 1 ns short.
    uint64_t bps = rate.GetBitRate();
    NS_ABORT_MSG_IF(bps == 0, "an Ethernet data rate cannot be 0");
    return ns3::NanoSeconds((bits * 1000000000 + bps - 1) / bps);
}

void
EthernetWireDevice::EnableFlowControl()
{
    if (GetObject<ns3::NetDeviceQueueInterface>())
    {
        return;
    }
    // Without it the traffic-control layer installs no queue disc and pushes
    // every packet into the 100-packet device queue, which then drops.
    auto ndqi = ns3::CreateObject<ns3::NetDeviceQueueInterface>();
    ndqi->GetTxQueue(0)->ConnectQueueTraces(m_queue);
    AggregateObject(ndqi);
}

bool
EthernetWireDevice::Send(ns3::Ptr<ns3::Packet> packet,
                         const ns3::Address& dest,
                         uint16_t protocolNumber)
{
    return SendFrom(packet, m_address, dest, protocolNumber);
}

bool
EthernetWireDevice::SendFrom(ns3::Ptr<ns3::Packet> packet,
                             const ns3::Address& source,
                             const ns3::Address& dest,
                             uint16_t protocolNumber)
{
    NS_LOG_FUNCTION(this << packet << source << dest << protocolNumber);
    if (!m_linkUp)
    {
        m_macTxDropTrace(packet);
        return false;
    }
    ns3::EthernetHeader header(false);
    header.SetSource(ns3::Mac48Address::ConvertFrom(source));
    header.SetDestination(ns3::Mac48Address::ConvertFrom(dest));
    header.SetLengthType(protocolNumber);
    packet->AddHeader(header);
    m_macTxTrace(packet);
    if (!m_queue->Enqueue(packet))
    {
        m_macTxDropTrace(packet);
        return false;
    }
    if (!m_busy)
    {
        StartNext();
    }
    return true;
}

void
EthernetWireDevice::StartNext()
{
    // Busy before Dequeue: its trace may wake the queue disc, whose Send must
    // then only enqueue.
    m_busy = true;
    m_currentFrame = m_queue->Dequeue();
    if (!m_currentFrame)
    {
        m_busy = false;
        return;
    }
    m_snifferTrace(m_currentFrame);
    m_promiscSnifferTrace(m_currentFrame);
    m_phyTxBeginTrace(m_currentFrame);
    ns3::Time txTime = TransmissionTime(m_currentFrame->GetSize(), m_rate);
    ns3::Simulator::Schedule(txTime, &EthernetWireDevice::TransmitComplete, this);
    if (m_channel->GetNDevices() < 2)
    {
        m_phyTxDropTrace(m_currentFrame);
    }
    m_channel->Transmit(m_currentFrame, this, txTime);
}

void
EthernetWireDevice::TransmitComplete()
{
    NS_LOG_FUNCTION(this);
    m_phyTxEndTrace(m_currentFrame);
    m_currentFrame = nullptr;
    m_busy = false;
    StartNext();
}

void
EthernetWireDevice::Receive(ns3::Ptr<ns3::Packet> frame)
{
    NS_LOG_FUNCTION(this << frame);
    if (m_receiveErrorModel && m_receiveErrorModel->IsCorrupt(frame))
    {
        m_phyRxDropTrace(frame);
        return;
    }
    m_phyRxEndTrace(frame);
    m_promiscSnifferTrace(frame);
    ns3::Ptr<ns3::Packet> original = frame->Copy(); // trace sinks expect the header
    ns3::EthernetHeader header(false);
    frame->RemoveHeader(header);
    uint16_t protocol = header.GetLengthType();
    PacketType type = Classify(header.GetDestination());
    if (!m_promiscCallback.IsNull())
    {
        m_macPromiscRxTrace(original);
        m_promiscCallback(this, frame, protocol, header.GetSource(), header.GetDestination(), type);
    }
    if (type != PACKET_OTHERHOST)
    {
        m_snifferTrace(original);
        m_macRxTrace(original);
        m_rxCallback(this, frame, protocol, header.GetSource());
    }
}

ns3::NetDevice::PacketType
EthernetWireDevice::Classify(ns3::Mac48Address destination) const
{
    if (destination.IsBroadcast())
    {
        return PACKET_BROADCAST;
    }
    if (destination.IsGroup())
    {
        return PACKET_MULTICAST;
    }
    return destination == m_address ? PACKET_HOST : PACKET_OTHERHOST;
}

void
EthernetWireDevice::SetIfIndex(const uint32_t index)
{
    m_ifIndex = index;
}

uint32_t
EthernetWireDevice::GetIfIndex() const
{
    return m_ifIndex;
}

ns3::Ptr<ns3::Channel>
EthernetWireDevice::GetChannel() const
{
    return m_channel;
}

void
EthernetWireDevice::SetAddress(ns3::Address address)
{
    NS_LOG_FUNCTION(this << address);
    m_address = ns3::Mac48Address::ConvertFrom(address);
}

ns3::Address
EthernetWireDevice::GetAddress() const
{
    return m_address;
}

bool
EthernetWireDevice::SetMtu(const uint16_t mtu)
{
    NS_LOG_FUNCTION(this << mtu);
    if (mtu < kMinMtu || mtu > kMaxMtu)
    {
        return false;
    }
    m_mtu = mtu;
    return true;
}

uint16_t
EthernetWireDevice::GetMtu() const
{
    return m_mtu;
}

bool
EthernetWireDevice::IsLinkUp() const
{
    return m_linkUp;
}

void
EthernetWireDevice::AddLinkChangeCallback(ns3::Callback<void> callback)
{
    m_linkChangeCallbacks.ConnectWithoutContext(callback);
}

bool
EthernetWireDevice::IsBroadcast() const
{
    return true;
}

ns3::Address
EthernetWireDevice::GetBroadcast() const
{
    return ns3::Mac48Address::GetBroadcast();
}

bool
EthernetWireDevice::IsMulticast() const
{
    return true;
}

ns3::Address
EthernetWireDevice::GetMulticast(ns3::Ipv4Address multicastGroup) const
{
    return ns3::Mac48Address::GetMulticast(multicastGroup);
}

ns3::Address
EthernetWireDevice::GetMulticast(ns3::Ipv6Address addr) const
{
    return ns3::Mac48Address::GetMulticast(addr);
}

bool
EthernetWireDevice::IsBridge() const
{
    return false;
}

bool
EthernetWireDevice::IsPointToPoint() const
{
    return false;
}

ns3::Ptr<ns3::Node>
EthernetWireDevice::GetNode() const
{
    return m_node;
}

void
EthernetWireDevice::SetNode(ns3::Ptr<ns3::Node> node)
{
    NS_LOG_FUNCTION(this << node);
    m_node = node;
    if (m_address == ns3::Mac48Address())
    {
        m_address = ns3::Mac48Address::Allocate();
    }
    // Before any IP address is assigned: Ipv4AddressHelper and Ipv6AddressHelper
    // install the default queue disc only on devices that have the interface.
    EnableFlowControl();
}

bool
EthernetWireDevice::NeedsArp() const
{
    return true;
}

void
EthernetWireDevice::SetReceiveCallback(ns3::NetDevice::ReceiveCallback cb)
{
    m_rxCallback = cb;
}

void
EthernetWireDevice::SetPromiscReceiveCallback(ns3::NetDevice::PromiscReceiveCallback cb)
{
    m_promiscCallback = cb;
}

bool
EthernetWireDevice::SupportsSendFrom() const
{
    return true;
}

void
EnableEthernetPcap(ns3::Ptr<EthernetWireDevice> device, const std::string& path, uint32_t snapLen)
{
    ns3::PcapHelper helper;
    auto file = helper.CreateFile(path,
                                  std::ios::out,
                                  ns3::PcapHelper::DLT_EN10MB,
                                  snapLen ? snapLen : 65535);
    helper.HookDefaultSink<EthernetWireDevice>(device, "PhyTxBegin", file);
    helper.HookDefaultSink<EthernetWireDevice>(device, "PhyRxEnd", file);
    // The trace sinks keep the file open as long as the device lives; closing
    // it at Simulator::Destroy makes it complete even if someone holds the device.
    ns3::Simulator::ScheduleDestroy(&ns3::PcapFileWrapper::Close, file);
}

} // namespace nslab
