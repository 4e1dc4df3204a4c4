#include "tap-port.h"

#include "ns3/fd-net-device.h"
#include "ns3/node.h"
#include "ns3/traffic-control-layer.h"

namespace nslab
{

namespace
{

constexpr uint16_t kIpv4 = 0x0800;
constexpr uint16_t kIpv6 = 0x86DD;

} // namespace

ns3::Ptr<ns3::NetDevice>
ConnectTap(ns3::Ptr<ns3::NetDevice> device, int fd, bool ipOnly)
{
    auto node = device->GetNode();
    auto tap = ns3::CreateObject<ns3::FdNetDevice>();
    tap->SetAddress(device->GetAddress());
    // FdNetDevice reads MTU + 22 bytes: a tap MTU above it would cut frames silently.
    tap->SetMtu(device->GetMtu());
    tap->SetEncapsulationMode(ns3::FdNetDevice::DIX);
    tap->SetFileDescriptor(fd);
    node->AddDevice(tap);
    node->RegisterProtocolHandler(
        ns3::Node::ProtocolHandler([tap](ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> packet, uint16_t protocol,
                                         const ns3::Address& from, const ns3::Address& to, ns3::NetDevice::PacketType) {
            tap->SendFrom(packet->Copy(), from, to, protocol);
        }),
        0, device, false);
    auto tc = node->GetObject<ns3::TrafficControlLayer>();
    node->RegisterProtocolHandler(
        ns3::Node::ProtocolHandler([device, tc, ipOnly](ns3::Ptr<ns3::NetDevice>, ns3::Ptr<const ns3::Packet> packet,
                                                        uint16_t protocol, const ns3::Address&, const ns3::Address& to,
                                                        ns3::NetDevice::PacketType) {
            if (ipOnly && protocol != kIpv4 && protocol != kIpv6)
            {
                return; // PPP carries IP only
            }
            tc->Send(device, ns3::Create<WholeFrameItem>(packet->Copy(), to, protocol));
        }),
        0, tap, true);
    return tap;
}

} // namespace nslab
