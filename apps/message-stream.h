#ifndef NSLAB_MESSAGE_STREAM_H
#define NSLAB_MESSAGE_STREAM_H

#include "nslab-header.h"

#include "ns3/packet.h"

#include <functional>
#include <string>

namespace nslab
{

/** \brief An nslab message as received: its header and, for text messages, the text. */
struct Message
{
    NslabHeader header;
    std::string text; //!< only when header.flags has NslabHeader::kText
};

/**
 * \brief Splits a TCP byte stream into nslab messages, whatever the segment
 * boundaries: headers are gathered across reads, padding is skipped by count,
 * text payloads are kept.
 */
class MessageStream
{
  public:
    using Handler = std::function<void(const Message&)>;

    /**
     * \brief Consume the next bytes of the stream.
     * \param onMessage called for each message the bytes complete
     * \return bytes that could not be read as messages (the stream lost sync)
     */
    uint64_t Feed(const ns3::Ptr<const ns3::Packet>& packet, const Handler& onMessage);

    /**
     * \brief Read a datagram as one message.
     * \return false if it does not hold exactly one valid message
     */
    static bool ReadDatagram(const ns3::Ptr<const ns3::Packet>& packet, Message& message);

  private:
    uint8_t m_header[NslabHeader::kSize]; //!< header bytes gathered so far
    uint32_t m_headerFill = 0;
    uint32_t m_bodyLeft = 0; //!< bytes until the current message ends
    Message m_current;
    bool m_broken = false;   //!< lost sync with message boundaries
};

} // namespace nslab

#endif
