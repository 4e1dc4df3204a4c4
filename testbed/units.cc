#include "units.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <sstream>
#include <utility>

namespace nslab
{

namespace
{

using UnitTable = std::vector<std::pair<std::string, uint64_t>>; // unit, multiplier

/** A decimal number split as mantissa / 10^decimals, with what follows it. */
struct Decimal
{
    uint64_t mantissa = 0;
    uint64_t scale = 1; // 10^decimals
    std::string unit;
};

std::string
Quoted(const std::string& text)
{
    return "'" + text + "'";
}

std::string
UnitList(const UnitTable& units)
{
    std::string list;
    for (const auto& [unit, mult] : units)
    {
        list += (list.empty() ? "" : ", ") + unit;
    }
    return list;
}

/** \return why the number TEXT cannot be held: too many digits, too large or too small (its first digit far after the point). */
std::string
OutOfRange(const std::string& text)
{
    size_t point = text.find('.');
    bool small = point != std::string::npos && text.find_first_not_of("0.") > point;
    return "value " + Quoted(text) + (small ? " is too small (too many zeros after the point)" : " is too large");
}

Decimal
SplitDecimal(const std::string& text, const std::string& what, const std::string& example)
{
    if (!text.empty() && text[0] == '-')
    {
        throw ValueError("negative value " + Quoted(text) + ": a " + what + " must be 0 or more");
    }
    Decimal d;
    size_t i = 0;
    bool digits = false;
    bool point = false;
    for (; i < text.size(); ++i)
    {
        char c = text[i];
        if (c == '.' && !point)
        {
            point = true;
            continue;
        }
        if (!std::isdigit(static_cast<unsigned char>(c)))
        {
            break;
        }
        if (d.mantissa > (UINT64_MAX - 9) / 10 || (point && d.scale > UINT64_MAX / 10))
        {
            throw ValueError(OutOfRange(text));
        }
        d.mantissa = d.mantissa * 10 + static_cast<uint64_t>(c - '0');
        d.scale *= point ? 10 : 1;
        digits = true;
    }
    if (!digits)
    {
        throw ValueError("expected a " + what + " such as " + Quoted(example) + ", got " + Quoted(text));
    }
    d.unit = text.substr(i);
    return d;
}

uint64_t
Scale(const Decimal& d, uint64_t mult, const std::string& text, const std::string& finest)
{
    long double value = static_cast<long double>(d.mantissa) * mult / d.scale;
    if (value > static_cast<long double>(INT64_MAX))
    {
        throw ValueError("value " + Quoted(text) + " is too large");
    }
    // Exact when the multiplier absorbs the decimals (1.5ms); else refuse.
    if ((static_cast<unsigned __int128>(d.mantissa) * mult) % d.scale != 0)
    {
        throw ValueError("value " + Quoted(text) + " is finer than 1 " + finest);
    }
    return static_cast<uint64_t>((static_cast<unsigned __int128>(d.mantissa) * mult) / d.scale);
}

uint64_t
ParseWithUnits(const std::string& text,
               const UnitTable& units,
               const std::string& what,
               const std::string& example,
               bool bareAllowed)
{
    Decimal d = SplitDecimal(text, what, example);
    std::string expected = ": expected a " + what + " such as " + Quoted(example) + " (units: " +
                           UnitList(units) + ")";
    if (d.unit.empty())
    {
        if (bareAllowed)
        {
            return Scale(d, 1, text, units.back().first);
        }
        throw ValueError("missing unit in " + Quoted(text) + expected);
    }
    for (const auto& [unit, mult] : units)
    {
        if (unit == d.unit)
        {
            return Scale(d, mult, text, units.back().first);
        }
    }
    std::vector<std::string> names;
    for (const auto& [unit, mult] : units)
    {
        names.push_back(unit);
    }
    std::string hint = DidYouMean(d.unit, names);
    throw ValueError("unknown unit " + Quoted(d.unit) + " in " + Quoted(text) +
                     (hint.empty() ? "" : " (did you mean " + Quoted(hint) + "?)") + expected);
}

const UnitTable kTimeUnits{{"s", 1000000000}, {"ms", 1000000}, {"us", 1000}, {"ns", 1}};
const UnitTable kRateUnits{{"Gbps", 1000000000}, {"Mbps", 1000000}, {"Kbps", 1000}, {"bps", 1}};
const UnitTable kSizeUnits{{"GB", 1000000000},
                           {"GiB", 1ull << 30},
                           {"MB", 1000000},
                           {"MiB", 1ull << 20},
                           {"KB", 1000},
                           {"KiB", 1ull << 10},
                           {"B", 1}};

std::string
Format(uint64_t value, const UnitTable& units)
{
    for (const auto& [unit, mult] : units)
    {
        if (value != 0 && value % mult == 0)
        {
            return std::to_string(value / mult) + unit;
        }
    }
    return std::to_string(value) + units.back().first;
}

/** The shortest decimal that reads back as the same double, never with an exponent. */
std::string
Shortest(double value)
{
    char text[400]; // a double's fixed form has at most 309 integer or 340 fraction digits
    auto [end, ec] = std::to_chars(text, text + sizeof text, value, std::chars_format::fixed);
    return ec == std::errc() ? std::string(text, end) : "0";
}

/**
 * A non-negative decimal number of any length without exponent, as a double
 * rounded once (from_chars), so that Shortest's text reads back exactly.
 * \param unit set to what follows the number
 */
double
ParseDouble(const std::string& text, const std::string& what, const std::string& example, std::string& unit)
{
    if (!text.empty() && text[0] == '-')
    {
        throw ValueError("negative value " + Quoted(text) + ": a " + what + " must be 0 or more");
    }
    size_t i = 0;
    bool digits = false;
    bool point = false;
    for (; i < text.size(); ++i)
    {
        if (text[i] == '.' && !point)
        {
            point = true;
        }
        else if (std::isdigit(static_cast<unsigned char>(text[i])))
        {
            digits = true;
        }
        else
        {
            break;
        }
    }
    if (!digits)
    {
        throw ValueError("expected a " + what + " such as " + Quoted(example) + ", got " + Quoted(text));
    }
    double value = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + i, value, std::chars_format::fixed);
    if (ec != std::errc() || end != text.data() + i || !std::isfinite(value))
    {
        throw ValueError(OutOfRange(text.substr(0, i)));
    }
    unit = text.substr(i);
    return value;
}

size_t
EditDistance(const std::string& a, const std::string& b)
{
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
    {
        row[j] = j;
    }
    for (size_t i = 1; i <= a.size(); ++i)
    {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= b.size(); ++j)
        {
            size_t up = row[j];
            bool same = std::tolower(a[i - 1]) == std::tolower(b[j - 1]);
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (same ? 0 : 1)});
            diagonal = up;
        }
    }
    return row[b.size()];
}

} // namespace

int64_t
ParseTimeNs(const std::string& text)
{
    uint64_t ns = ParseWithUnits(text, kTimeUnits, "time", "5ms", false);
    if (ns > static_cast<uint64_t>(kMaxTimeNs))
    {
        throw ValueError("value " + Quoted(text) + " is longer than " + FormatTime(kMaxTimeNs) +
                         ", the longest time nslab takes (ns-3 counts time in 64-bit nanoseconds: "
                         "sums of longer times, such as start + duration, would overflow)");
    }
    return static_cast<int64_t>(ns);
}

uint64_t
ParseRateBps(const std::string& text)
{
    uint64_t bps = ParseWithUnits(text, kRateUnits, "rate", "100Mbps", false);
    // ns-3 rounds a frame's transmission time to whole nanoseconds: much
    // faster, a 40-byte ACK takes no time at all, and over a link without
    // delay a TCP transfer then never lets simulated time move on.
    if (bps > kMaxRateBps)
    {
        throw ValueError(Quoted(text) + " is faster than 100Gbps, the fastest rate nslab takes (ns-3 counts "
                         "transmission times in whole nanoseconds: a small frame would take none)");
    }
    return bps;
}

uint64_t
ParseSizeBytes(const std::string& text)
{
    return ParseWithUnits(text, kSizeUnits, "size", "1500B", true);
}

double
ParseRatio(const std::string& text)
{
    std::string unit;
    double value = ParseDouble(text, "ratio", "2%", unit);
    if (unit == "%")
    {
        value /= 100;
    }
    else if (!unit.empty())
    {
        throw ValueError("expected a percentage such as '2%' or a fraction such as '0.02', got " +
                         Quoted(text));
    }
    if (value > 1 && unit.empty())
    {
        // "loss = 2" meant 2 %, most likely: say how a bare number reads.
        throw ValueError(Quoted(text) + " is a fraction without '%' (" + Shortest(value * 100) +
                         " %), outside 0..100 %: write " + Quoted(text + "%") + " for " + text + " %");
    }
    if (value > 1)
    {
        throw ValueError(Quoted(text) + " is outside 0..100 %");
    }
    return value;
}

double
ParseDistanceM(const std::string& text)
{
    std::string unit;
    double value = ParseDouble(text, "distance", "10m", unit);
    if (unit == "m")
    {
        return value;
    }
    if (unit == "km")
    {
        return value * 1000;
    }
    throw ValueError((unit.empty() ? "missing unit in " : "unknown unit " + Quoted(unit) + " in ") +
                     Quoted(text) + ": expected a distance such as '10m' (units: m, km)");
}

uint64_t
ParseCount(const std::string& text)
{
    Decimal d = SplitDecimal(text, "whole number", "10");
    if (d.scale != 1 || !d.unit.empty())
    {
        throw ValueError("expected a whole number such as '10', got " + Quoted(text));
    }
    return d.mantissa;
}

std::string
FormatTime(int64_t ns)
{
    if (ns == 0)
    {
        return "0s";
    }
    return Format(static_cast<uint64_t>(ns), kTimeUnits);
}

std::string
FormatRate(uint64_t bps)
{
    return Format(bps, kRateUnits);
}

std::string
FormatSize(uint64_t bytes)
{
    return Format(bytes, kSizeUnits);
}

std::string
FormatRatio(double ratio)
{
    // A percentage where it reads back exactly, else the fraction (always exact).
    std::string percent = Shortest(ratio * 100) + "%";
    return ParseRatio(percent) == ratio ? percent : Shortest(ratio);
}

double
ParseNumber(const std::string& text)
{
    std::string unit;
    double value = ParseDouble(text, "number", "5", unit);
    if (!unit.empty())
    {
        throw ValueError("expected a number without unit such as '5' or '2.5', got " + Quoted(text));
    }
    return value;
}

std::string
FormatNumber(double value)
{
    return Shortest(value);
}

std::string
FormatDistance(double metres)
{
    return Shortest(metres) + "m";
}

std::string
DidYouMean(const std::string& word, const std::vector<std::string>& candidates)
{
    std::string best;
    size_t bestDistance = std::max<size_t>(2, word.size() / 3) + 1;
    for (const auto& candidate : candidates)
    {
        size_t distance = EditDistance(word, candidate);
        if (distance < bestDistance)
        {
            best = candidate;
            bestDistance = distance;
        }
    }
    return best;
}

std::string
Join(const std::vector<std::string>& words, const std::string& sep)
{
    std::string out;
    for (const auto& w : words)
    {
        out += (out.empty() ? "" : sep) + w;
    }
    return out;
}

std::vector<std::string>
SplitWords(const std::string& text)
{
    std::istringstream in(text);
    std::vector<std::string> words;
    for (std::string w; in >> w;)
    {
        words.push_back(w);
    }
    return words;
}

} // namespace nslab
