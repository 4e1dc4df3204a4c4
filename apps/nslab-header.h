#ifndef NSLAB_NSLAB_HEADER_H
#define NSLAB_NSLAB_HEADER_H

#include "ns3/header.h"
#include "ns3/nstime.h"

namespace nslab
{

/**
 * \brief The 24-byte header that starts every nslab UDP datagram and TCP message.
 *
 * Layout (network byte order): magic "NS" (u16), version (u8), flags (u8),
 * app id (u32), sequence number (u32), message length including this header
 * (u32), send time in ns of simulated time (i64). The receiver uses it to count
 * loss, duplicates and reordering, to measure one-way latency and, on TCP, to
 * find message boundaries in the byte stream. analysis/wireshark/nslab.lua
 * dissects it.
 */
class NslabHeader : public ns3::Header
{
  public:
    static constexpr uint16_t kMagic = 0x4E53; //!< "NS"
    static constexpr uint8_t kVersion = 1;
    static constexpr uint32_t kSize = 24; //!< serialized size in bytes
    static constexpr uint8_t kText = 0x01; //!< flag: the payload is a text message, not padding

    static ns3::TypeId GetTypeId();
    ns3::TypeId GetInstanceTypeId() const override;
    uint32_t GetSerializedSize() const override;
    void Serialize(ns3::Buffer::Iterator start) const override;
    uint32_t Deserialize(ns3::Buffer::Iterator start) override;
    void Print(std::ostream& os) const override;

    /**
     * \brief Parse a header from raw bytes.
     * \return false if the bytes do not start with a valid nslab header.
     */
    bool Parse(const uint8_t* bytes, uint32_t size);

    /** \brief Write the header's kSize bytes, as Serialize does. */
    void Write(uint8_t* bytes) const;

    uint8_t flags = 0;   //!< kText or 0
    uint32_t app = 0;    //!< id of the sending app (1-based scenario index)
    uint32_t seq = 0;    //!< datagram or message number, from 0
    uint32_t length = 0; //!< whole message length, header included
    ns3::Time sent;      //!< simulated time at which the app sent it
    bool valid = true;   //!< false after Deserialize of a foreign payload
};

} // namespace nslab

#endif
