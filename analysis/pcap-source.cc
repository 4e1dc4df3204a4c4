#include "pcap-source.h"

#include "packet-decode.h"
#include "trace.h"

#include <pcap/pcap.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nslab::trace::detail
{

namespace
{

constexpr size_t kFileHeader = 24; //!< a classic pcap file's header

/**
 * \return a capture time in nanoseconds. Seconds are clamped to pcap's 32-bit
 * range (pcapng allows more), so that any difference of two capture times
 * fits in 64 bits.
 */
int64_t
TimeNs(int64_t seconds, int64_t nanoseconds)
{
    return std::clamp<int64_t>(seconds, 0, int64_t(UINT32_MAX)) * 1'000'000'000 +
           std::clamp<int64_t>(nanoseconds, 0, 999'999'999);
}

/**
 * \return the capture opened for reading, refused without blocking if it is
 * not a regular file: a FIFO would block open() (and libpcap's reads) for
 * ever, a directory or device is not a capture.
 * \throw TraceInputError naming the path
 */
int
OpenRegular(const std::string& path)
{
    int fd = open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
    {
        int error = errno;
        if (fd >= 0)
        {
            close(fd);
        }
        throw TraceInputError(path + ": " + std::strerror(error));
    }
    if (!S_ISREG(st.st_mode))
    {
        close(fd);
        throw TraceInputError(path + ": " + (S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "not a regular file"));
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    return fd;
}

/**
 * The file mapped into memory and opened as an unbuffered memory stream:
 * libpcap's freads then copy each frame once, from the page cache into its
 * buffer, instead of read() copying the file into a stdio buffer first
 * (that copy was half the run time). nullptr if the file cannot be mapped
 * (empty): the caller reads it the ordinary way. FD stays open.
 */
FILE*
OpenMapped(int fd, void*& map, size_t& size, bool whole)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_size == 0)
    {
        return nullptr;
    }
    size = static_cast<size_t>(st.st_size);
    map = mmap(nullptr, size, PROT_READ, MAP_PRIVATE | (whole ? MAP_POPULATE : 0), fd, 0);
    if (map == MAP_FAILED)
    {
        map = nullptr;
        return nullptr;
    }
    madvise(map, size, MADV_SEQUENTIAL | (whole ? MADV_WILLNEED : 0));
    FILE* file = fmemopen(map, size, "rb");
    if (!file)
    {
        munmap(map, size);
        map = nullptr;
        return nullptr;
    }
    setvbuf(file, nullptr, _IOFBF, 512);
    return file;
}

} // namespace

PcapSource::PcapSource(const std::string& path, bool whole)
{
    char error[PCAP_ERRBUF_SIZE] = "";
    int fd = OpenRegular(path);
    FILE* file = OpenMapped(fd, m_map, m_mapSize, whole);
    if (file)
    {
        close(fd);
    }
    else
    {
        file = fdopen(fd, "rb");
        if (!file)
        {
            int err = errno;
            close(fd);
            throw TraceInputError(path + ": " + std::strerror(err));
        }
        setvbuf(file, nullptr, _IOFBF, 1 << 20); // fewer read calls than stdio's 4 KiB
    }
    m_pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, error);
    if (!m_pcap)
    {
        fclose(file);
        Unmap();
        throw TraceInputError(path + ": " + error);
    }
    CheckLinkType(path);
    ReadInPlace(static_cast<const uint8_t*>(m_map), m_mapSize);
}

void
PcapSource::Unmap()
{
    if (m_map)
    {
        munmap(m_map, m_mapSize);
        m_map = nullptr;
    }
}

PcapSource::PcapSource(const uint8_t* data, size_t size, const std::string& name)
{
    char error[PCAP_ERRBUF_SIZE] = "";
    FILE* file = size ? fmemopen(const_cast<uint8_t*>(data), size, "rb") : nullptr;
    if (!file)
    {
        throw TraceInputError(name + ": empty");
    }
    m_pcap = pcap_fopen_offline_with_tstamp_precision(file, PCAP_TSTAMP_PRECISION_NANO, error);
    if (!m_pcap)
    {
        fclose(file);
        throw TraceInputError(name + ": " + error);
    }
    CheckLinkType(name);
    ReadInPlace(data, size);
}

void
PcapSource::CheckLinkType(const std::string& name)
{
    m_dlt = pcap_datalink(m_pcap);
    if (!SupportedLinkType(m_dlt))
    {
        std::string type = LinkTypeName();
        pcap_close(m_pcap);
        m_pcap = nullptr;
        Unmap();
        throw TraceInputError(name + ": unsupported link type " + type +
                              " (supported: Ethernet, PPP, raw IP, Linux cooked, loopback, 802.11, radiotap)");
    }
}

PcapSource::~PcapSource()
{
    if (m_pcap)
    {
        pcap_close(m_pcap); // closes the stream before the memory under it goes
    }
    Unmap();
}

std::string
PcapSource::LinkTypeName() const
{
    const char* name = pcap_datalink_val_to_name(m_dlt);
    return name ? name : "DLT " + std::to_string(m_dlt);
}

void
PcapSource::ReadInPlace(const uint8_t* bytes, size_t size)
{
    constexpr uint32_t kMicro = 0xA1B2C3D4, kNano = 0xA1B23C4D; // classic pcap, in this machine's byte order
    uint32_t magic = 0;
    uint16_t version[2] = {};
    if (bytes && size >= kFileHeader)
    {
        std::memcpy(&magic, bytes, sizeof magic);
        std::memcpy(version, bytes + sizeof magic, sizeof version);
    }
    // Version 2.4 and later: records as written (libpcap swaps the lengths of some older ones).
    if ((magic == kMicro || magic == kNano) && version[0] == 2 && version[1] >= 4)
    {
        m_bytes = bytes;
        m_size = size;
        m_offset = kFileHeader;
        m_nano = magic == kNano;
    }
}

bool
PcapSource::NextInPlace(Frame& frame)
{
    constexpr size_t kRecordHeader = 16; // seconds, fraction, captured length, wire length
    if (m_offset == m_size)
    {
        return false;
    }
    uint32_t header[4] = {};
    if (m_size - m_offset >= kRecordHeader)
    {
        std::memcpy(header, m_bytes + m_offset, kRecordHeader);
    }
    if (m_size - m_offset < kRecordHeader || header[2] > static_cast<uint32_t>(pcap_snapshot(m_pcap)) ||
        header[2] > m_size - m_offset - kRecordHeader)
    {
        // Cut short or oversized: libpcap reads it from here on, and says what is wrong as it always does.
        std::fseek(pcap_file(m_pcap), static_cast<long>(m_offset), SEEK_SET);
        m_bytes = nullptr;
        return Next(frame);
    }
    frame.number = ++m_frames;
    frame.timeNs = TimeNs(header[0], int64_t{header[1]} * (m_nano ? 1 : 1000));
    frame.captured = header[2];
    frame.wireLength = header[3];
    frame.data = m_bytes + m_offset + kRecordHeader;
    m_offset += kRecordHeader + header[2];
    // The next record's header and IP header: fetched while this frame is decoded.
    __builtin_prefetch(m_bytes + std::min(m_offset, m_size - 1));
    __builtin_prefetch(m_bytes + std::min(m_offset + 64, m_size - 1));
    return true;
}

bool
PcapSource::Next(Frame& frame)
{
    if (m_bytes)
    {
        return NextInPlace(frame);
    }
    pcap_pkthdr* header = nullptr;
    const u_char* data = nullptr;
    int status = pcap_next_ex(m_pcap, &header, &data);
    if (status != 1)
    {
        if (status == PCAP_ERROR)
        {
            m_error = "frame " + std::to_string(m_frames + 1) + ": " + pcap_geterr(m_pcap);
        }
        return false;
    }
    frame.number = ++m_frames;
    frame.timeNs = TimeNs(header->ts.tv_sec, header->ts.tv_usec); // tv_usec holds ns here
    frame.wireLength = header->len;
    frame.captured = header->caplen;
    frame.data = data;
    return true;
}

} // namespace nslab::trace::detail
