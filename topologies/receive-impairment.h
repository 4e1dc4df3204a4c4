#ifndef NSLAB_RECEIVE_IMPAIRMENT_H
#define NSLAB_RECEIVE_IMPAIRMENT_H

#include "drop-log.h"
#include "impairments.h"

#include "ns3/error-model.h"
#include "ns3/random-variable-stream.h"

#include <functional>
#include <map>
#include <optional>

namespace nslab
{

/**
 * \brief netem's losing half as an ns-3 error model at a receiving
 * interface: per sender, random or Gilbert-Elliott loss, a list of data
 * frames to drop, and corruption. ARP and IPv6 neighbor discovery pass untouched.
 */
class ReceiveImpairment : public ns3::ErrorModel
{
  public:
    /** \brief What precedes the IP header in the frames the model sees. */
    enum class Framing
    {
        Ethernet, //!< Ethernet II: the sender is the Ethernet source address
        Ppp,      //!< p2p: one sender
        Wifi,     //!< 802.11 MPDU: the sender is the transmitter address
    };

    static ns3::TypeId GetTypeId();
    ReceiveImpairment();

    void SetFraming(Framing framing) { m_framing = framing; }
    /**
     * \brief The receiver's MAC as an integer: on shared media it also hears
     * frames unicast to others, which are none of its directions.
     */
    void SetOwnAddress(uint64_t mac) { m_own = mac; }
    /** \brief What frames from one sender go through, and where they are counted. */
    struct SenderSetup
    {
        const Impairments* impairments = nullptr;
        DirectionCounters* counters = nullptr;
    };
    /**
     * \brief Who a sender is, asked once per sender when its first IP frame
     * arrives, so that an N-node link holds state only for the pairs that talk.
     * The key is the sender's MAC as an integer (Ethernet, WiFi) or kAnySender
     * (Ppp); nothing: frames from that sender pass untouched and uncounted.
     */
    using SenderLookup = std::function<std::optional<SenderSetup>(uint64_t key)>;
    void SetSenderLookup(SenderLookup lookup) { m_lookup = std::move(lookup); }
    static constexpr uint64_t kAnySender = ~uint64_t{0};
    /** \brief Drop every frame while *up is false (a link an event took down); IP frames count as "down". */
    void SetLinkState(const bool* up) { m_up = up; }
    /** \brief Log each drop (with its frame) here too. */
    void SetDropLog(DropLog* log) { m_log = log; }

  private:
    struct Sender : SenderSetup
    {
        bool bad = false;     //!< Gilbert-Elliott state
        size_t nextDrop = 0;  //!< index into the drop list
    };
    /** \brief What the model needs to know of a frame. */
    struct Frame
    {
        bool ip = false;   //!< IPv4 or IPv6, not ARP or neighbor discovery
        bool data = false; //!< carries data: not a bare TCP SYN, ACK, FIN or RST
        uint64_t sender = kAnySender;
    };

    bool DoCorrupt(ns3::Ptr<ns3::Packet> packet) override;
    void DoReset() override;

    Frame Inspect(ns3::Ptr<const ns3::Packet> packet) const;
    /** \return true if a frame to that 6-byte MAC address is meant for this receiver. */
    bool ForUs(const uint8_t* destination) const;
    static void InspectIpv4(const uint8_t* header, uint32_t size, Frame& frame);
    static void InspectIpv6(const uint8_t* header, uint32_t size, Frame& frame);
    /** \return the cause of the frame's loss, if it is lost. */
    std::optional<DropCause> Judge(Sender& sender, bool data);
    bool GilbertLoses(Sender& sender);

    Framing m_framing = Framing::Ppp;
    uint64_t m_own = 0; //!< 0: take every frame (p2p)
    SenderLookup m_lookup;
    const bool* m_up = nullptr;
    DropLog* m_log = nullptr;
    std::map<uint64_t, std::optional<Sender>> m_senders; //!< asked so far
    ns3::Ptr<ns3::UniformRandomVariable> m_random;
};

} // namespace nslab

#endif
