#include "message-stream.h"

namespace nslab
{

namespace
{

/** Copy bytes [offset, offset + size) of a packet. */
void
CopyOut(const ns3::Ptr<const ns3::Packet>& packet, uint32_t offset, uint32_t size, uint8_t* out)
{
    if (offset == 0)
    {
        packet->CopyData(out, size); // the usual case: no fragment needed
        return;
    }
    packet->CreateFragment(offset, size)->CopyData(out, size);
}

void
AppendText(const ns3::Ptr<const ns3::Packet>& packet, uint32_t offset, uint32_t size, std::string& text)
{
    size_t old = text.size();
    text.resize(old + size);
    CopyOut(packet, offset, size, reinterpret_cast<uint8_t*>(&text[old]));
}

} // namespace

uint64_t
MessageStream::Feed(const ns3::Ptr<const ns3::Packet>& packet, const Handler& onMessage)
{
    uint32_t size = packet->GetSize();
    uint32_t offset = 0;
    while (offset < size && !m_broken)
    {
        if (m_headerFill < NslabHeader::kSize)
        {
            uint32_t take = std::min(NslabHeader::kSize - m_headerFill, size - offset);
            CopyOut(packet, offset, take, m_header + m_headerFill);
            m_headerFill += take;
            offset += take;
            if (m_headerFill == NslabHeader::kSize)
            {
                m_broken = !m_current.header.Parse(m_header, NslabHeader::kSize);
                m_bodyLeft = m_current.header.length - NslabHeader::kSize;
                m_current.text.clear();
            }
        }
        if (m_broken)
        {
            return size - offset + NslabHeader::kSize;
        }
        uint32_t take = std::min(m_bodyLeft, size - offset);
        if (m_current.header.flags & NslabHeader::kText)
        {
            AppendText(packet, offset, take, m_current.text);
        }
        m_bodyLeft -= take;
        offset += take;
        if (m_headerFill == NslabHeader::kSize && m_bodyLeft == 0)
        {
            onMessage(m_current);
            m_headerFill = 0;
        }
    }
    return m_broken ? size - offset : 0;
}

bool
MessageStream::ReadDatagram(const ns3::Ptr<const ns3::Packet>& packet, Message& message)
{
    uint8_t bytes[NslabHeader::kSize];
    uint32_t copied = packet->CopyData(bytes, NslabHeader::kSize);
    if (!message.header.Parse(bytes, copied) || message.header.length != packet->GetSize())
    {
        return false;
    }
    message.text.clear();
    if (message.header.flags & NslabHeader::kText)
    {
        AppendText(packet, NslabHeader::kSize, packet->GetSize() - NslabHeader::kSize, message.text);
    }
    return true;
}

} // namespace nslab
