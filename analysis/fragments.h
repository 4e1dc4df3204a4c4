// Internal to nslab-trace: IPv4 and IPv6 fragment reassembly bookkeeping.
// Only the first bytes of each datagram are kept (enough for the UDP or TCP
// header and nslab's header), not whole datagrams.
#ifndef NSLAB_FRAGMENTS_H
#define NSLAB_FRAGMENTS_H

#include "packet-decode.h"

#include <unordered_map>
#include <vector>

namespace nslab::trace::detail
{

/** \brief A datagram whose fragments have all arrived. */
struct Reassembled
{
    uint32_t length = 0;   //!< upper-layer bytes
    uint32_t captured = 0; //!< of them, bytes kept in head
    uint8_t head[64];      //!< the first bytes of the upper layer
    uint64_t frameBytes = 0; //!< wire bytes of all its fragments
};

/** \brief Collects fragments; reports each datagram once complete, and the incomplete ones at the end. */
class Reassembler
{
  public:
    /**
     * \brief Add a fragment captured at timeNs in a frame of frameBytes.
     * \return true if it completed its datagram (then out holds it)
     */
    bool Add(const IpPacket& ip, int64_t timeNs, uint32_t frameBytes, Reassembled& out);

    /** \return every datagram seen in fragments, completed first in order of completion, then the rest */
    std::vector<FragmentedDatagram> Finish();

    /** \return true if fragments were dropped because too many datagrams were pending */
    bool Overflowed() const { return m_overflow; }

  private:
    struct Key
    {
        uint8_t family, protocol;
        uint32_t id;
        std::array<uint8_t, 16> src, dst;
        bool operator==(const Key& o) const
        {
            return id == o.id && family == o.family && protocol == o.protocol && src == o.src && dst == o.dst;
        }
    };
    struct KeyHash
    {
        size_t operator()(const Key& k) const;
    };
    struct Pending
    {
        FragmentedDatagram info;
        std::vector<std::pair<uint32_t, uint32_t>> ranges; //!< [begin, end) of captured fragments
        Reassembled data;
        bool lastSeen = false;
    };

    static uint32_t Covered(std::vector<std::pair<uint32_t, uint32_t>>& ranges);

    std::unordered_map<Key, Pending, KeyHash> m_pending;
    std::vector<FragmentedDatagram> m_done;
    bool m_overflow = false;
};

} // namespace nslab::trace::detail

#endif
