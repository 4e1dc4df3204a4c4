#include "impairments.h"

#include <numeric>

namespace nslab
{

double
GilbertElliott::MeanLoss() const
{
    double bad = p + r > 0 ? p / (p + r) : 0; // stationary share of the bad state
    return bad * badLoss + (1 - bad) * goodLoss;
}

GilbertElliott
GilbertElliott::FromBurst(double loss, double meanBurst)
{
    GilbertElliott ge;
    ge.r = 1 / meanBurst;
    ge.p = loss < 1 ? loss * ge.r / (1 - loss) : 1;
    return ge;
}

bool
Impairments::DropsAtReceiver() const
{
    return loss > 0 || burst || !drop.empty() || corrupt > 0;
}

bool
Impairments::ShapesAtSender() const
{
    return !jitter.IsZero() || duplicate > 0 || queue || rate > 0;
}

const char*
DropCauseName(DropCause cause)
{
    static const char* names[kDropCauses] = {"random", "burst", "list", "corrupt", "queue", "down"};
    return names[static_cast<size_t>(cause)];
}

uint64_t
DirectionCounters::Dropped() const
{
    return std::accumulate(dropped.begin(), dropped.end(), uint64_t{0});
}

} // namespace nslab
