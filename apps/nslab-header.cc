#include "nslab-header.h"

#include "ns3/buffer.h"

namespace nslab
{

NS_OBJECT_ENSURE_REGISTERED(NslabHeader);

ns3::TypeId
NslabHeader::GetTypeId()
{
    static ns3::TypeId tid = ns3::TypeId("nslab::NslabHeader")
                                 .SetParent<ns3::Header>()
                                 .SetGroupName("nslab")
                                 .AddConstructor<NslabHeader>();
    return tid;
}

ns3::TypeId
NslabHeader::GetInstanceTypeId() const
{
    return GetTypeId();
}

uint32_t
NslabHeader::GetSerializedSize() const
{
    return kSize;
}

void
NslabHeader::Serialize(ns3::Buffer::Iterator it) const
{
    uint8_t bytes[kSize];
    Write(bytes);
    it.Write(bytes, kSize);
}

uint32_t
NslabHeader::Deserialize(ns3::Buffer::Iterator it)
{
    uint8_t bytes[kSize];
    it.Read(bytes, kSize);
    Parse(bytes, kSize);
    return kSize;
}

void
NslabHeader::Write(uint8_t* bytes) const
{
    auto be = [bytes](int offset, int width, uint64_t value) {
        for (int i = width - 1; i >= 0; --i, value >>= 8)
        {
            bytes[offset + i] = static_cast<uint8_t>(value);
        }
    };
    be(0, 2, kMagic);
    bytes[2] = kVersion;
    bytes[3] = flags;
    be(4, 4, app);
    be(8, 4, seq);
    be(12, 4, length);
    be(16, 8, static_cast<uint64_t>(sent.GetNanoSeconds()));
}

bool
NslabHeader::Parse(const uint8_t* bytes, uint32_t size)
{
    if (size < kSize)
    {
        return false;
    }
    auto be = [bytes](int offset, int width) {
        uint64_t value = 0;
        for (int i = 0; i < width; ++i)
        {
            value = (value << 8) | bytes[offset + i];
        }
        return value;
    };
    // The same fields as Deserialize, from raw bytes: a TCP server gathers a
    // header from pieces of several segments.
    valid = be(0, 2) == kMagic && bytes[2] == kVersion;
    flags = bytes[3];
    app = static_cast<uint32_t>(be(4, 4));
    seq = static_cast<uint32_t>(be(8, 4));
    length = static_cast<uint32_t>(be(12, 4));
    sent = ns3::NanoSeconds(static_cast<int64_t>(be(16, 8)));
    valid = valid && length >= kSize;
    return valid;
}

void
NslabHeader::Print(std::ostream& os) const
{
    os << "nslab app=" << app << " seq=" << seq << " len=" << length << " sent=" << sent.GetSeconds();
}

} // namespace nslab
