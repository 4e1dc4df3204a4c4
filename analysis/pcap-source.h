// Internal to nslab-trace: a capture file (or bytes in memory) read frame by
// frame with libpcap, reporting a broken-off file as a warning, not an error.
#ifndef NSLAB_PCAP_SOURCE_H
#define NSLAB_PCAP_SOURCE_H

#include <cstdint>
#include <string>

struct pcap;

namespace nslab::trace::detail
{

/** \brief One captured frame; the bytes stay valid until the next call to Next. */
struct Frame
{
    uint64_t number = 0;   //!< 1-based
    int64_t timeNs = 0;    //!< capture time
    uint32_t wireLength = 0;
    uint32_t captured = 0;
    const uint8_t* data = nullptr;
};

/**
 * \brief A pcap or pcapng capture opened with libpcap (nanosecond timestamps).
 * The records of a classic pcap file in this machine's byte order, the kind
 * nslab writes, are read in place from memory; anything else, and any record
 * that is not plainly valid, is read by libpcap.
 */
class PcapSource
{
  public:
    /**
     * \param whole the whole file will be read: map it in at once (faster); false: page by page, as read
     * \throw TraceInputError if the file is missing, not a capture, or of an unsupported link type
     */
    explicit PcapSource(const std::string& path, bool whole = true);
    /** \brief Read from memory (fmemopen); name is used in messages. */
    PcapSource(const uint8_t* data, size_t size, const std::string& name);
    ~PcapSource();
    PcapSource(const PcapSource&) = delete;
    PcapSource& operator=(const PcapSource&) = delete;

    /** \return false at the end of the capture, or where it breaks off (see Error) */
    bool Next(Frame& frame);

    int LinkType() const { return m_dlt; }
    std::string LinkTypeName() const;
    /** \return why reading stopped early, empty at a clean end */
    const std::string& Error() const { return m_error; }

  private:
    void CheckLinkType(const std::string& name);
    void ReadInPlace(const uint8_t* bytes, size_t size);
    bool NextInPlace(Frame& frame);
    void Unmap();

    pcap* m_pcap = nullptr;
    int m_dlt = 0;
    uint64_t m_frames = 0;
    std::string m_error;
    void* m_map = nullptr; //!< the file, when read through a memory map
    size_t m_mapSize = 0;
    const uint8_t* m_bytes = nullptr; //!< the capture, when its records are read in place (else nullptr)
    size_t m_size = 0;
    size_t m_offset = 0;              //!< of the next record
    bool m_nano = false;              //!< timestamps in nanoseconds, else microseconds
};

} // namespace nslab::trace::detail

#endif
