#include "receive-impairment.h"

#include "ns3/packet.h"

#include <algorithm>
#include <cstring>

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(ReceiveImpairment);

namespace
{

constexpr uint16_t kEtherIpv4 = 0x0800;
constexpr uint16_t kEtherIpv6 = 0x86DD;
constexpr uint16_t kPppIpv4 = 0x0021;
constexpr uint16_t kPppIpv6 = 0x0057;
constexpr uint8_t kTcp = 6;
constexpr uint8_t kFragment = 44;
constexpr uint8_t kIcmpv6 = 58;
constexpr uint32_t kInspected = 96; // link header + IPv4 header + TCP header up to its offset

uint16_t
U16(const uint8_t* p)
{
    return static_cast<uint16_t>(p[0] << 8 | p[1]);
}

uint64_t
Bytes(const uint8_t* p, size_t n)
{
    uint64_t v = 0;
    for (size_t i = 0; i < n; ++i)
    {
        v = v << 8 | p[i];
    }
    return v;
}

} // namespace

ns3::TypeId
ReceiveImpairment::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("nslab::ReceiveImpairment")
                                 .SetParent<ns3::ErrorModel>()
                                 .SetGroupName("nslab")
                                 .AddConstructor<ReceiveImpairment>();
    return tid;
}

ReceiveImpairment::ReceiveImpairment()
    : m_random(ns3::CreateObject<ns3::UniformRandomVariable>())
{
}


ReceiveImpairment::Frame
ReceiveImpairment::Inspect(ns3::Ptr<const ns3::Packet> packet) const
{
    uint8_t b[kInspected] = {};
    uint32_t size = packet->CopyData(b, kInspected);
    Frame frame;
    uint32_t ip = 0;
    uint16_t type = 0; // an EtherType
    static const uint8_t kSnap[6] = {0xAA, 0xAA, 0x03, 0, 0, 0};
    switch (m_framing)
    {
    case Framing::Ethernet:
        type = size >= 14 && ForUs(b) ? U16(b + 12) : 0;
        frame.sender = Bytes(b + 6, 6);
        ip = 14;
        break;
    case Framing::Ppp:
        type = size < 2 ? 0 : U16(b) == kPppIpv4 ? kEtherIpv4 : U16(b) == kPppIpv6 ? kEtherIpv6 : 0;
        ip = 2;
        break;
    case Framing::Wifi: {
        // An 802.11 data frame: frame control, duration, three addresses
        // (the transmitter second), sequence; a fourth address between two
        // distribution systems, QoS control, HT control; then LLC/SNAP.
        bool data = size >= 24 && ((b[0] >> 2) & 3) == 2 && !(b[1] & 0x40);
        bool qos = b[0] & 0x80;
        uint32_t mac = 24 + ((b[1] & 3) == 3 ? 6 : 0) + (qos ? 2 : 0) + (qos && (b[1] & 0x80) ? 4 : 0);
        bool snap = data && size >= mac + 8 && ForUs(b + 4) && std::memcmp(b + mac, kSnap, 6) == 0;
        type = snap ? U16(b + mac + 6) : 0;
        frame.sender = Bytes(b + 10, 6);
        ip = mac + 8;
        break;
    }
    }
    if (type == kEtherIpv4 && size >= ip + 20 && b[ip] >> 4 == 4)
    {
        InspectIpv4(b + ip, size - ip, frame);
    }
    else if (type == kEtherIpv6 && size >= ip + 40 && b[ip] >> 4 == 6)
    {
        InspectIpv6(b + ip, size - ip, frame);
    }
    return frame;
}

bool
ReceiveImpairment::ForUs(const uint8_t* destination) const
{
    bool group = destination[0] & 1; // broadcast or multicast
    return m_own == 0 || group || Bytes(destination, 6) == m_own;
}

void
ReceiveImpairment::InspectIpv4(const uint8_t* b, uint32_t size, Frame& frame)
{
    frame.ip = true;
    uint32_t headerLength = (b[0] & 0x0F) * 4u;
    uint32_t total = U16(b + 2);
    bool laterFragment = (U16(b + 6) & 0x1FFF) != 0;
    frame.data = true;
    if (b[9] == kTcp && !laterFragment && size >= headerLength + 13)
    {
        frame.data = total > headerLength + (b[headerLength + 12] >> 4) * 4u;
    }
}

void
ReceiveImpairment::InspectIpv6(const uint8_t* b, uint32_t size, Frame& frame)
{
    uint8_t next = b[6];
    uint32_t payload = U16(b + 4), at = 40;
    if (next == kFragment && size >= at + 8)
    {
        if ((U16(b + at + 2) & 0xFFF8) != 0)
        {
            frame.ip = frame.data = true; // a later fragment: data, whatever it carries
            return;
        }
        next = b[at];
        payload -= 8;
        at += 8;
    }
    // Neighbor discovery is IPv6's ARP: spared like ARP.
    bool discovery = next == kIcmpv6 && size > at && b[at] >= 133 && b[at] <= 137;
    frame.ip = !discovery;
    frame.data = frame.ip;
    if (next == kTcp && size >= at + 13)
    {
        frame.data = payload > (b[at + 12] >> 4) * 4u;
    }
}

bool
ReceiveImpairment::GilbertLoses(Sender& sender)
{
    const GilbertElliott& ge = *sender.impairments->burst;
    // netem's order: change state first, then lose with the new state's probability.
    sender.bad = sender.bad ? m_random->GetValue() >= ge.r : m_random->GetValue() < ge.p;
    double loss = sender.bad ? ge.badLoss : ge.goodLoss;
    return loss >= 1 || (loss > 0 && m_random->GetValue() < loss);
}

std::optional<DropCause>
ReceiveImpairment::Judge(Sender& sender, bool data)
{
    const Impairments& imp = *sender.impairments;
    DirectionCounters& counters = *sender.counters;
    ++counters.frames;
    if (data)
    {
        uint64_t n = ++counters.dataFrames;
        const auto& drop = imp.drop;
        while (sender.nextDrop < drop.size() && drop[sender.nextDrop] < n)
        {
            ++sender.nextDrop;
        }
        if (sender.nextDrop < drop.size() && drop[sender.nextDrop] == n)
        {
            return DropCause::List;
        }
    }
    if (imp.burst)
    {
        if (GilbertLoses(sender))
        {
            return DropCause::Burst;
        }
    }
    else if (imp.loss > 0 && m_random->GetValue() < imp.loss)
    {
        return DropCause::Random;
    }
    if (imp.corrupt > 0 && m_random->GetValue() < imp.corrupt)
    {
        return DropCause::Corrupt;
    }
    return std::nullopt;
}

bool
ReceiveImpairment::DoCorrupt(ns3::Ptr<ns3::Packet> packet)
{
    Frame frame = Inspect(packet);
    bool down = m_up && !*m_up; // then ARP and neighbor discovery are lost too
    if (!frame.ip)
    {
        return down;
    }
    auto it = m_senders.find(frame.sender);
    if (it == m_senders.end())
    {
        auto setup = m_lookup ? m_lookup(frame.sender) : std::nullopt;
        it = m_senders.emplace(frame.sender, setup ? std::optional<Sender>(Sender{*setup, false, 0}) : std::nullopt).first;
    }
    if (!it->second)
    {
        return down;
    }
    std::optional<DropCause> cause = DropCause::Down;
    if (down)
    {
        ++it->second->counters->frames;
    }
    else
    {
        cause = Judge(*it->second, frame.data);
    }
    if (cause)
    {
        DirectionCounters& counters = *it->second->counters;
        ++counters.dropped[static_cast<size_t>(*cause)];
        if (m_log)
        {
            m_log->Add({counters.link, counters.from + "->" + counters.to, counters.to, "", DropCauseName(*cause),
                        packet->Copy(), ""});
        }
    }
    return cause.has_value();
}

void
ReceiveImpairment::DoReset()
{
    for (auto& [key, sender] : m_senders)
    {
        if (sender)
        {
            sender->bad = false;
            sender->nextDrop = 0;
        }
    }
}

} // namespace nslab
