#ifndef NSLAB_IMPAIRMENTS_H
#define NSLAB_IMPAIRMENTS_H

#include "ns3/nstime.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nslab
{

/**
 * \brief Gilbert-Elliott loss with netem's four parameters (tc-netem(8),
 * "loss gemodel p r 1-h 1-k"). Per frame, the state changes first, then the
 * frame is lost with the loss probability of the new state.
 */
struct GilbertElliott
{
    double p = 0;        //!< good -> bad
    double r = 1;        //!< bad -> good
    double badLoss = 1;  //!< 1-h: loss probability in the bad state
    double goodLoss = 0; //!< 1-k: loss probability in the good state

    /** \return the long-run frame loss ratio. */
    double MeanLoss() const;
    /** \return the simple Gilbert model (1-h = 1, 1-k = 0) of that mean loss and mean burst length. */
    static GilbertElliott FromBurst(double loss, double meanBurst);
};

enum class JitterDistribution
{
    Uniform, //!< delay +- jitter
    Normal,  //!< jitter is the standard deviation
    Pareto,  //!< shape 3, jitter is the standard deviation, mean delay unchanged
};

/** \brief A queue limit: packets (Linux txqueuelen, netem limit) or bytes. */
struct QueueLimit
{
    uint64_t value = 1000;
    bool bytes = false;
};

/**
 * \brief What a link does to the frames of one direction: netem's set.
 *
 * Losses (loss, burst, drop, corrupt) are drawn at the receiving interface,
 * before its capture: the sender's pcap shows the frame, the receiver's does
 * not. Delay, jitter, duplication, rate and queue act at the sending
 * interface. Only IP frames are impaired: ARP and IPv6 neighbor discovery
 * are spared so that address resolution does not add one-second stalls to
 * the effect being studied.
 */
struct Impairments
{
    ns3::Time delay;  //!< one-way propagation delay
    ns3::Time jitter; //!< spread of the delay, see distribution
    JitterDistribution distribution = JitterDistribution::Uniform;
    bool reorder = false;                //!< may jitter reorder frames (netem does)?
    double loss = 0;                     //!< random, per frame
    double meanBurst = 0;                //!< loss_burst: frames per loss burst (0: none)
    std::optional<GilbertElliott> burst; //!< replaces loss when set (from loss and meanBurst, or given)
    std::vector<uint64_t> drop;          //!< data frames to drop, counted from 1, ascending
    double corrupt = 0;                  //!< frames damaged on the way (dropped by the receiver)
    double duplicate = 0;                //!< frames sent twice
    std::optional<QueueLimit> queue;     //!< frames waiting to be sent, besides those on the wire
    uint64_t rate = 0;                   //!< bit/s for this direction; 0: the link's rate

    /** \return true if frames may be lost at the receiver. */
    bool DropsAtReceiver() const;
    /** \return true if the sender needs more than a plain wire with the link's delay. */
    bool ShapesAtSender() const;
};

/** \brief Why a frame was dropped; the names summary.json uses are in DropCauseName. */
enum class DropCause
{
    Random,
    Burst,
    List,
    Corrupt,
    Queue,
    Down, //!< the link was down (an event)
};
constexpr size_t kDropCauses = 6;

/** \return "random", "burst", "list", "corrupt", "queue" or "down". */
const char* DropCauseName(DropCause cause);

/** \brief What happened to the frames of one direction of a link during a run. */
struct DirectionCounters
{
    std::string link;
    std::string from;
    std::string to;
    bool counted = false;    //!< frames and dataFrames were counted (the link impairs frames)
    uint64_t frames = 0;     //!< IP frames that reached the receiver's checks
    uint64_t dataFrames = 0; //!< of which carried data (the drop list counts these)
    uint64_t duplicated = 0;
    std::array<uint64_t, kDropCauses> dropped{};

    uint64_t Dropped() const;
};

} // namespace nslab

#endif
