#ifndef NSLAB_UNITS_H
#define NSLAB_UNITS_H

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace nslab
{

/** \brief A value that does not parse; the message names the value, not the key. */
class ValueError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/**
 * \brief The longest time any key takes: 1000000 s (11.6 days). ns-3 counts
 * time in signed 64-bit nanoseconds (292 years); with every time this short,
 * no sum nslab or ns-3 forms (start + duration, delays along a path) wraps.
 */
inline constexpr int64_t kMaxTimeNs = 1000000ll * 1000000000ll;
/** \brief The fastest rate nslab takes, in bit/s: every frame still takes a nanosecond or more. */
inline constexpr uint64_t kMaxRateBps = 100000000000ull;

/**
 * Parsers for the quantities of a scenario file. Each takes the whole value
 * and throws ValueError unless it is a non-negative decimal number with one
 * of the listed units, converted exactly.
 */
int64_t ParseTimeNs(const std::string& text);      //!< s ms us ns; at most kMaxTimeNs
uint64_t ParseRateBps(const std::string& text);    //!< bps Kbps Mbps Gbps; at most kMaxRateBps
uint64_t ParseSizeBytes(const std::string& text);  //!< B KB MB GB KiB MiB GiB; a bare integer is bytes
double ParseRatio(const std::string& text);        //!< "2%" or "0.02", between 0 and 1
double ParseDistanceM(const std::string& text);    //!< m km
uint64_t ParseCount(const std::string& text);      //!< a non-negative integer
double ParseNumber(const std::string& text);       //!< a non-negative decimal number without unit

/**
 * Formatters: the largest unit that shows the value exactly; decimals in
 * their shortest exact form, never with an exponent. Each parses back to
 * the same value (to the same double, bit for bit).
 */
std::string FormatTime(int64_t ns);
std::string FormatRate(uint64_t bps);
std::string FormatSize(uint64_t bytes);
std::string FormatRatio(double ratio);
std::string FormatDistance(double metres);
std::string FormatNumber(double value);

/** \return the candidate closest to word by edit distance, or "" if none is close. */
std::string DidYouMean(const std::string& word, const std::vector<std::string>& candidates);

/** \return the words joined by sep: "a, b, c" for messages that list choices. */
std::string Join(const std::vector<std::string>& words, const std::string& sep = ", ");

/** \return the blank-separated words of a value, e.g. a node list. */
std::vector<std::string> SplitWords(const std::string& text);

} // namespace nslab

#endif
