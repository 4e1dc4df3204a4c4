#include "fragments.h"

#include <algorithm>
#include <cstring>

namespace nslab::trace::detail
{

namespace
{
constexpr size_t kMaxPending = 65536;  //!< datagrams waiting for fragments; a hostile capture gets no more
constexpr size_t kMaxFragments = 1024; //!< fragments per datagram (64 KiB / 8-byte units would allow 8192)
} // namespace

size_t
Reassembler::KeyHash::operator()(const Key& k) const
{
    uint64_t h = Hash64(k.src.data(), k.src.size(), k.id ^ (uint64_t(k.protocol) << 32));
    return Hash64(k.dst.data(), k.dst.size(), h);
}

uint32_t
Reassembler::Covered(std::vector<std::pair<uint32_t, uint32_t>>& ranges)
{
    std::sort(ranges.begin(), ranges.end());
    uint32_t covered = 0, reach = 0;
    for (const auto& [begin, end] : ranges)
    {
        uint32_t from = std::max(begin, reach);
        if (end > from)
        {
            covered += end - from;
            reach = end;
        }
    }
    return covered;
}

bool
Reassembler::Add(const IpPacket& ip, int64_t timeNs, uint32_t frameBytes, Reassembled& out)
{
    Key key{ip.src.family, ip.protocol, ip.fragmentId, ip.src.bytes, ip.dst.bytes};
    auto it = m_pending.find(key);
    if (it == m_pending.end())
    {
        if (m_pending.size() >= kMaxPending)
        {
            m_overflow = true;
            return false;
        }
        it = m_pending.emplace(key, Pending{}).first;
        FragmentedDatagram& info = it->second.info;
        info.src = ip.src;
        info.dst = ip.dst;
        info.id = ip.fragmentId;
        info.protocol = ip.protocol;
        info.first = timeNs * 1e-9;
    }
    Pending& p = it->second;
    if (p.ranges.size() >= kMaxFragments)
    {
        m_overflow = true;
        return false;
    }
    uint32_t end = ip.fragmentOffset + ip.payloadLength;
    p.ranges.emplace_back(ip.fragmentOffset, end);
    p.info.fragments++;
    p.data.frameBytes += frameBytes;
    if (ip.fragmentOffset == 0)
    {
        p.data.captured = std::min<uint32_t>(ip.payloadCaptured, sizeof p.data.head);
        std::memcpy(p.data.head, ip.payload, p.data.captured);
    }
    if (!ip.moreFragments)
    {
        p.lastSeen = true;
        p.info.length = end;
    }
    uint32_t covered = Covered(p.ranges);
    if (!p.lastSeen || covered != p.info.length)
    {
        return false;
    }
    p.info.complete = true;
    p.info.lastSeen = true;
    out = p.data;
    out.length = p.info.length;
    m_done.push_back(p.info);
    m_pending.erase(it);
    return true;
}

std::vector<FragmentedDatagram>
Reassembler::Finish()
{
    std::vector<FragmentedDatagram> all = std::move(m_done);
    std::vector<FragmentedDatagram> incomplete;
    for (auto& [key, p] : m_pending)
    {
        uint32_t reach = 0;
        for (const auto& range : p.ranges)
        {
            reach = std::max(reach, range.second);
        }
        uint32_t covered = Covered(p.ranges);
        // Without the last fragment the length is unknown: count the holes up to the highest byte seen.
        p.info.missingBytes = (p.lastSeen ? p.info.length : reach) - covered;
        p.info.lastSeen = p.lastSeen;
        p.info.captured = p.ranges; // sorted by Covered
        p.info.captured.erase(std::unique(p.info.captured.begin(), p.info.captured.end()), p.info.captured.end());
        incomplete.push_back(std::move(p.info));
    }
    std::sort(incomplete.begin(), incomplete.end(),
              [](const FragmentedDatagram& x, const FragmentedDatagram& y) { return x.first < y.first; });
    all.insert(all.end(), incomplete.begin(), incomplete.end());
    m_pending.clear();
    return all;
}

} // namespace nslab::trace::detail
