#include "scenario.h"

#include "addresses.h"
#include "command.h"
#include "expand.h"
#include "keys.h"
#include "units.h"
#include "wifi-cells.h"

#include <algorithm>
#include <cstring>
#include <sys/stat.h>
#include <unistd.h>
#include <limits>
#include <type_traits>
#include <map>
#include <optional>
#include <queue>
#include <set>
#include <sstream>

namespace nslab
{

namespace
{

constexpr uint32_t kIpTcpHeaders = 52;   // IPv4 20 + TCP 20 + timestamp option 12
constexpr uint32_t kIp6TcpHeaders = 72;  // IPv6 40 + TCP 20 + timestamp option 12
constexpr uint32_t kDefaultBuffer = 131072;
constexpr uint64_t kMaxBuffer = 64ull << 20;
constexpr uint32_t kNslabHeader = 24;
constexpr size_t kMaxMessages = 200000;           // per client, and per scenario
constexpr uint64_t kMaxDatagrams = 10000000;      // per client, and per scenario
constexpr size_t kMaxMessageBytes = 16u << 20;    // per client, all its messages together; and per scenario
constexpr uint32_t kEphemeralPorts = 65535 - 49152 + 1; // ns-3's range, one per client socket
constexpr uint32_t kMaxUdpPayload = 65507;
constexpr uint32_t kMaxTcpMessage = 16u << 20;    // a paced tcp-client's message
constexpr uint32_t kMaxRecvSize = 16u << 20;      // a tcp-server's recv() call
constexpr double kMaxDistance = 100000;           // metres

const std::vector<std::string> kAppTypes{"tcp-client", "tcp-server", "udp-client", "udp-server",
                                         "ping",       "traceroute", "process"};

std::string
Hint(const std::string& word, const std::vector<std::string>& candidates, const std::string& open = "'",
     const std::string& close = "'")
{
    std::string best = DidYouMean(word, candidates);
    return best.empty() ? "" : " (did you mean " + open + best + close + "?)";
}

/** What IsName accepts, as error messages say it. */
const char kNameRule[] = "a name starts with a letter and has letters, digits, '_' or '-' (at most 64)";

bool
IsName(const std::string& name)
{
    // Names become file names (<node>-<iface>.pcap, <app>.throughput.csv): keep them short.
    return !name.empty() && name.size() <= 64 && std::isalpha(static_cast<unsigned char>(name[0])) &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
           });
}

/** \return the keys a message lists: not member_of, which resolved scenarios write, nor include, which the file reader takes. */
std::vector<std::string>
Listed(std::vector<std::string> keys)
{
    for (const char* quiet : {"member_of", "include"})
    {
        keys.erase(std::remove(keys.begin(), keys.end(), quiet), keys.end());
    }
    return keys;
}

/**
 * Reads the keys of one section: every key must be allowed for the section's
 * type, and every value error is reported with its file, line, section and key.
 */
class SectionReader
{
  public:
    /**
     * \param label the sections' name in messages ("ethernet links"), empty for the global keys
     * \param kind the section kind of keys.h ("ethernet", "global")
     */
    SectionReader(const IniSection& section, const std::string& label, const std::string& kind)
        : m_section(section),
          m_label(section.name.empty() ? "" : "[" + section.name + "] "),
          m_kind(kind)
    {
        const std::vector<std::string> allowed = KeysOf(kind);
        for (const auto& entry : section.entries)
        {
            if (std::find(allowed.begin(), allowed.end(), entry.key) != allowed.end())
            {
                continue;
            }
            if (!label.empty() && IsLinkOrAppKey(entry.key))
            {
                throw ScenarioError(entry.where, m_label + "key '" + entry.key + "' does not apply to " +
                                                     label + " (keys: " + Join(Listed(allowed)) + ")");
            }
            throw ScenarioError(entry.where, m_label + "unknown key '" + entry.key + "'" +
                                                 Hint(entry.key, allowed) + "; keys: " + Join(Listed(allowed)));
        }
    }

    bool Has(const std::string& key) const { return m_section.Find(key) != nullptr; }

    /** \return the raw text of a key that must be present. */
    const IniEntry& Required(const std::string& key) const
    {
        const IniEntry* entry = m_section.Find(key);
        if (!entry)
        {
            throw ScenarioError(m_section.where, m_label + "missing key '" + key + "'");
        }
        return *entry;
    }

    /** \return parse(value) of the key, or fallback when it is absent. */
    template <class Parse, class T>
    T Get(const std::string& key, Parse parse, T fallback) const
    {
        const IniEntry* entry = m_section.Find(key);
        if (!entry)
        {
            return fallback;
        }
        try
        {
            auto value = parse(entry->value);
            if constexpr (std::is_integral_v<T>)
            {
                if (value > std::numeric_limits<T>::max())
                {
                    Fail(key, "'" + entry->value + "' is too large (at most " +
                                  std::to_string(std::numeric_limits<T>::max()) + ")");
                }
            }
            if constexpr (std::is_arithmetic_v<decltype(value)>)
            {
                CheckRange(key, value);
            }
            return static_cast<T>(value);
        }
        catch (const ValueError& e)
        {
            Fail(key, e.what());
        }
    }

    [[noreturn]] void Fail(const std::string& key, const std::string& message) const
    {
        const IniEntry* entry = m_section.Find(key);
        throw ScenarioError(entry ? entry->where : m_section.where, m_label + key + ": " + message);
    }

    const IniSection& Section() const { return m_section; }

  private:
    /** A whole number outside its key's min..max (keys.cc) fails with the key's message. */
    template <class V>
    void CheckRange(const std::string& key, V value) const
    {
        const KeyDef* def = FindKey(key, m_kind);
        if (!def || (!(def->min && static_cast<double>(value) < *def->min) &&
                     !(def->max && static_cast<double>(value) > *def->max)))
        {
            return;
        }
        std::string message = def->rangeError;
        size_t at = message.find("{value}");
        if (at != std::string::npos)
        {
            message.replace(at, 7, std::to_string(value));
        }
        Fail(key, message);
    }

    /** \return true if some link, direction or app section takes the key (a global or node key may not). */
    static bool IsLinkOrAppKey(const std::string& key)
    {
        for (const auto& def : ScenarioKeys())
        {
            if (def.name == key && std::any_of(def.kinds.begin(), def.kinds.end(), [](const std::string& kind) {
                    return kind != "global" && kind != "node";
                }))
            {
                return true;
            }
        }
        return false;
    }

    const IniSection& m_section;
    std::string m_label;
    std::string m_kind;
};

ns3::Time
TimeOf(const std::string& text)
{
    return ns3::NanoSeconds(ParseTimeNs(text));
}

std::vector<std::string>
ReadNodeList(const SectionReader& reader, const std::string& key)
{
    reader.Required(key);
    std::vector<std::string> nodes = reader.Get(key, ExpandNames, std::vector<std::string>{});
    std::set<std::string> seen;
    for (const auto& node : nodes)
    {
        if (!IsName(node))
        {
            reader.Fail(key, "bad node name '" + node +
                                 "': " + kNameRule);
        }
        if (!seen.insert(node).second)
        {
            reader.Fail(key, "node '" + node + "' is listed twice");
        }
    }
    return nodes;
}

/** \return why addresses with this first byte are not for hosts ("" if they are); prefixes are /8 or longer. */
std::string
NotForHosts(unsigned firstByte)
{
    if (firstByte == 0 || firstByte == 127)
    {
        return firstByte ? "127.0.0.0/8 is loopback" : "0.0.0.0/8 means this network";
    }
    return firstByte < 224 ? "" : firstByte < 240 ? "224.0.0.0/4 is multicast" : "240.0.0.0/4 is reserved";
}

Subnet
ParseSubnet(const std::string& text)
{
    size_t slash = text.find('/');
    std::string example = "; expected a prefix such as '192.168.1.0/24'";
    unsigned a, b, c, d, prefix;
    char tail;
    if (slash == std::string::npos ||
        std::sscanf(text.c_str(), "%u.%u.%u.%u/%u%c", &a, &b, &c, &d, &prefix, &tail) != 5 ||
        a > 255 || b > 255 || c > 255 || d > 255)
    {
        throw ValueError("bad subnet '" + text + "'" + example);
    }
    if (prefix < 8 || prefix > 30)
    {
        throw ValueError("prefix length /" + std::to_string(prefix) + " is outside /8../30");
    }
    uint32_t network = (a << 24) | (b << 16) | (c << 8) | d;
    if (network & ((1u << (32 - prefix)) - 1))
    {
        throw ValueError("'" + text + "' has host bits set" + example);
    }
    if (std::string why = NotForHosts(a); !why.empty())
    {
        throw ValueError("'" + text + "' is not a range for hosts (" + why +
                         "); private ranges are 10.0.0.0/8, 172.16.0.0/12 and 192.168.0.0/16");
    }
    return Subnet{ns3::Ipv4Address(network), static_cast<uint8_t>(prefix)};
}

/** Reads the type key of a section against the allowed types. */
std::string
ReadType(const IniSection& section, const std::vector<std::string>& types, const std::string& what)
{
    const IniEntry* entry = section.Find("type");
    std::string label = "[" + section.name + "] ";
    if (!entry)
    {
        throw ScenarioError(section.where, label + "missing key 'type' (" + what + " types: " + Join(types) + ")");
    }
    if (std::find(types.begin(), types.end(), entry->value) == types.end())
    {
        throw ScenarioError(entry->where, label + "type: unknown " + what + " type '" + entry->value + "'" +
                                              Hint(entry->value, types) + "; types: " + Join(types));
    }
    return entry->value;
}

IpVersion
ParseIpVersion(const std::string& text)
{
    static const std::map<std::string, IpVersion> names{
        {"v4", IpVersion::V4}, {"v6", IpVersion::V6}, {"dual", IpVersion::Dual}};
    auto it = names.find(text);
    if (it == names.end())
    {
        throw ValueError("expected v4, v6 or dual, got '" + text + "'");
    }
    return it->second;
}

const char*
IpVersionName(IpVersion ip)
{
    return ip == IpVersion::V4 ? "v4" : ip == IpVersion::V6 ? "v6" : "dual";
}

const std::vector<std::pair<std::string, Capture>> kCaptures{
    {"full", Capture::Full}, {"headers", Capture::Headers}, {"none", Capture::None}};
const std::vector<std::pair<std::string, EthernetMedium>> kMedia{
    {"switched", EthernetMedium::Switched}, {"shared", EthernetMedium::Shared}};

/** \return the value of a word among named choices, or a ValueError listing them. */
template <class T>
T
ParseChoice(const std::vector<std::pair<std::string, T>>& choices, const std::string& text)
{
    std::vector<std::string> names;
    for (const auto& [name, value] : choices)
    {
        if (name == text)
        {
            return value;
        }
        names.push_back(name);
    }
    throw ValueError("expected " + Join(names, " | ") + ", got '" + text + "'" + Hint(text, names));
}

template <class T>
const std::string&
ChoiceName(const std::vector<std::pair<std::string, T>>& choices, T value)
{
    return std::find_if(choices.begin(), choices.end(), [&](const auto& c) { return c.second == value; })->first;
}

Capture
ParseCapture(const std::string& text)
{
    return ParseChoice(kCaptures, text);
}

bool
ParseBool(const std::string& text)
{
    if (text == "true" || text == "yes" || text == "1")
    {
        return true;
    }
    if (text == "false" || text == "no" || text == "0")
    {
        return false;
    }
    throw ValueError("expected true or false, got '" + text + "'");
}

/** Words, or "quoted phrases": hello "how are you" bye; at most kMaxMessages of kMaxMessageBytes in all. */
std::vector<std::string>
ParseMessages(const std::string& text)
{
    std::vector<std::string> messages;
    size_t total = 0;
    for (size_t i = 0; i < text.size();)
    {
        if (std::isspace(static_cast<unsigned char>(text[i])))
        {
            ++i;
            continue;
        }
        bool quoted = text[i] == '"';
        size_t end = quoted ? text.find('"', i + 1) : text.find_first_of(" \t\"", i);
        if (quoted && end == std::string::npos)
        {
            throw ValueError("unterminated quote in " + text.substr(i));
        }
        end = end == std::string::npos ? text.size() : end;
        std::string message = text.substr(quoted ? i + 1 : i, end - (quoted ? i + 1 : i));
        if (message.empty())
        {
            throw ValueError("an empty message (\"\"): every message needs at least one character");
        }
        total += message.size();
        if (messages.size() == kMaxMessages || total > kMaxMessageBytes)
        {
            throw ValueError(std::string("more than ") +
                             (total > kMaxMessageBytes ? "16 MiB of messages" : "200000 messages") +
                             ": each is a packet in the run and a line of summary.json, so nslab takes at most "
                             "200000 messages of 16 MiB in all per client");
        }
        messages.push_back(message);
        i = quoted ? end + 1 : end;
    }
    return messages;
}

/** \return messages as written in a scenario: words, or quoted when they hold spaces. */
std::string
FormatMessages(const std::vector<std::string>& messages)
{
    std::string out;
    for (const auto& m : messages)
    {
        bool plain = m.find_first_of(" \t\r#;") == std::string::npos;
        out += (out.empty() ? "" : " ") + (plain ? m : "\"" + m + "\"");
    }
    return out;
}

JitterDistribution
ParseDistribution(const std::string& text)
{
    static const std::map<std::string, JitterDistribution> names{
        {"uniform", JitterDistribution::Uniform},
        {"normal", JitterDistribution::Normal},
        {"pareto", JitterDistribution::Pareto}};
    auto it = names.find(text);
    if (it == names.end())
    {
        throw ValueError("unknown distribution '" + text + "'" + Hint(text, {"uniform", "normal", "pareto"}) +
                         "; distributions: uniform, normal, pareto");
    }
    return it->second;
}

const char*
DistributionName(JitterDistribution d)
{
    return d == JitterDistribution::Uniform ? "uniform" : d == JitterDistribution::Normal ? "normal" : "pareto";
}

/** netem's "p r [1-h [1-k]]", as ratios. */
GilbertElliott
ParseGilbert(const std::string& text)
{
    auto words = SplitWords(text);
    if (words.size() < 2 || words.size() > 4)
    {
        throw ValueError("expected 'P R [1-H [1-K]]' as netem's gemodel, e.g. '1% 20%' or '1% 20% 100% 0%', got '" +
                         text + "'");
    }
    GilbertElliott ge;
    ge.p = ParseRatio(words[0]);
    ge.r = ParseRatio(words[1]);
    ge.badLoss = words.size() > 2 ? ParseRatio(words[2]) : 1.0;
    ge.goodLoss = words.size() > 3 ? ParseRatio(words[3]) : 0.0;
    if (ge.r == 0)
    {
        throw ValueError("R (bad -> good) must be more than 0, or the link stays bad for ever");
    }
    return ge;
}

/** Data frames to drop: positive integers, e.g. "3 7". */
std::vector<uint64_t>
ParseDropList(const std::string& text)
{
    std::vector<uint64_t> frames;
    for (const auto& word : SplitWords(text))
    {
        uint64_t n = ParseCount(word);
        if (n == 0)
        {
            throw ValueError("data frames are counted from 1; got 0");
        }
        frames.push_back(n);
    }
    std::sort(frames.begin(), frames.end());
    frames.erase(std::unique(frames.begin(), frames.end()), frames.end());
    return frames;
}

/** A bare number is packets (as Linux's txqueuelen and netem's limit); with a size unit, bytes. */
QueueLimit
ParseQueue(const std::string& text)
{
    QueueLimit limit;
    std::string number = text;
    for (const char* suffix : {"packets", "p"})
    {
        size_t n = std::strlen(suffix);
        if (number.size() > n && number.compare(number.size() - n, std::string::npos, suffix) == 0)
        {
            number = number.substr(0, number.size() - n);
            break;
        }
    }
    number = number.substr(0, number.find_last_not_of(" \t") + 1);
    bool packets = !number.empty() && number.find_first_not_of("0123456789") == std::string::npos;
    limit.value = packets ? ParseCount(number) : ParseSizeBytes(text);
    limit.bytes = !packets;
    if (limit.value == 0)
    {
        throw ValueError(limit.bytes ? "a queue holds at least 1 byte" : "a queue holds at least 1 packet");
    }
    return limit;
}

std::string
FormatQueue(const QueueLimit& q)
{
    return q.bytes ? FormatSize(q.value) : std::to_string(q.value) + "p";
}

/** \return a value for a message, to 10 significant digits (ToIni prints exact values). */
std::string
Rounded(double value)
{
    std::ostringstream out;
    out.precision(10);
    out << value;
    return out.str();
}

/** Loss keys: loss alone (random), loss with loss_burst (Gilbert), or gilbert (netem's four). */
void
ReadLoss(const SectionReader& reader, const Impairments& base, Impairments& imp)
{
    if (reader.Has("gilbert"))
    {
        for (const char* other : {"loss", "loss_burst"})
        {
            if (reader.Has(other))
            {
                reader.Fail(other, "give either gilbert or loss (with loss_burst), not both");
            }
        }
        imp.burst = reader.Get("gilbert", ParseGilbert, GilbertElliott{});
        imp.loss = 0;
        imp.meanBurst = 0;
        return;
    }
    if (!reader.Has("loss") && !reader.Has("loss_burst"))
    {
        return;
    }
    imp.loss = reader.Get("loss", ParseRatio, base.burst && base.meanBurst == 0 ? base.burst->MeanLoss() : base.loss);
    imp.meanBurst = reader.Get("loss_burst", ParseNumber, base.meanBurst);
    imp.burst.reset();
    if (reader.Has("loss_burst") && imp.meanBurst < 1)
    {
        reader.Fail("loss_burst", "a loss burst is at least 1 frame long on average");
    }
    // A direction may inherit one of the two from its link: name the one it gives.
    const char* burstKey = reader.Has("loss_burst") ? "loss_burst" : "loss";
    if (imp.meanBurst > 0 && imp.loss >= 1)
    {
        reader.Fail(burstKey, "100% loss is one endless burst: give loss below 100% or no loss_burst");
    }
    if (imp.meanBurst > 0 && imp.loss > 0)
    {
        imp.burst = GilbertElliott::FromBurst(imp.loss, imp.meanBurst);
        if (imp.burst->p > 1)
        {
            reader.Fail(burstKey, "bursts of " + FormatNumber(imp.meanBurst) + " frames cannot make " +
                                          FormatRatio(imp.loss) + " loss: the mean burst must be at least loss / (1 - loss) = " +
                                          Rounded(imp.loss / (1 - imp.loss)) + " frames");
        }
    }
}

/** Reads netem's keys over a base (the link's impairments, for a direction). */
Impairments
ReadImpairments(const SectionReader& reader, const Impairments& base, bool direction)
{
    Impairments imp = base;
    imp.delay = reader.Get("delay", TimeOf, base.delay);
    imp.jitter = reader.Get("jitter", TimeOf, base.jitter);
    imp.distribution = reader.Get("distribution", ParseDistribution, base.distribution);
    imp.reorder = reader.Get("reorder", ParseBool, base.reorder);
    ReadLoss(reader, base, imp);
    imp.drop = reader.Get("drop", ParseDropList, base.drop);
    imp.corrupt = reader.Get("corrupt", ParseRatio, base.corrupt);
    imp.duplicate = reader.Get("duplicate", ParseRatio, base.duplicate);
    if (reader.Has("queue"))
    {
        imp.queue = reader.Get("queue", ParseQueue, QueueLimit{});
    }
    if (direction)
    {
        imp.rate = reader.Get("rate", ParseRateBps, base.rate);
        if (reader.Has("rate") && imp.rate == 0)
        {
            reader.Fail("rate", "a rate must be more than 0");
        }
    }
    if (imp.jitter > ns3::Seconds(60))
    {
        reader.Fail("jitter", "jitter is at most 60s");
    }
    return imp;
}

/** \return the WiFi checks of a cell's loss, which would stall association. */
void
CheckWifiLoss(const SectionReader& reader, const Impairments& imp)
{
    double loss = imp.burst ? imp.burst->MeanLoss() : imp.loss;
    double total = 1 - (1 - loss) * (1 - imp.corrupt);
    if (total > 0.5)
    {
        const char* key = reader.Has("corrupt")      ? "corrupt"
                           : reader.Has("gilbert")    ? "gilbert"
                           : reader.Has("loss_burst") && !reader.Has("loss") ? "loss_burst"
                                                                            : "loss";
        reader.Fail(key, "WiFi frame loss above 50 % (loss and corrupt together) stalls the cell; use at most 50%");
    }
}

const std::vector<std::pair<std::string, bool>> kStates{{"up", true}, {"down", false}};
const std::vector<std::pair<std::string, Routing>> kRoutings{
    {"static", Routing::Static}, {"fixed", Routing::Fixed}, {"rip", Routing::Rip}};

/** A cell's rate_control and mode. */
void
ReadRateControl(const SectionReader& reader, LinkSpec& link)
{
    link.rateControl = reader.Get("rate_control", [](const std::string& v) { return v; }, link.rateControl);
    const auto& controls = WifiRateControls();
    if (std::count(controls.begin(), controls.end(), link.rateControl) == 0)
    {
        reader.Fail("rate_control", "unknown rate control '" + link.rateControl + "'" +
                                        Hint(link.rateControl, controls) + "; rate controls: " + Join(controls));
    }
    if (link.rateControl == "minstrel" && link.standard == "802.11ax")
    {
        reader.Fail("rate_control", "ns-3.37's Minstrel has no 802.11ax (HE) rates: use ideal or constant");
    }
    if (link.rateControl != "constant")
    {
        if (reader.Has("mode"))
        {
            reader.Fail("mode", "a mode is the one rate of rate_control = constant (this cell's is " +
                                    link.rateControl + ")");
        }
        return;
    }
    auto modes = WifiModes(link.standard);
    if (!reader.Has("mode"))
    {
        reader.Fail("rate_control", "constant needs the mode to send at, e.g. mode = " + modes.back() +
                                        "; modes of " + link.standard + ": " + Join(modes));
    }
    link.mode = reader.Required("mode").value;
    if (std::count(modes.begin(), modes.end(), link.mode) == 0)
    {
        reader.Fail("mode", "'" + link.mode + "' is not a mode of " + link.standard + Hint(link.mode, modes) +
                                "; modes: " + Join(modes));
    }
}

LinkSpec
LoadLink(const IniSection& section, const std::string& name)
{
    std::string type = ReadType(section, LinkTypeNames(), "link");
    SectionReader reader(section, type + " links", type);
    LinkSpec link;
    link.name = name;
    link.type = type == "ethernet" ? LinkType::Ethernet : type == "p2p" ? LinkType::P2p : LinkType::Wifi;
    link.nodes = ReadNodeList(reader, "nodes");
    link.rate = ns3::DataRate(reader.Get("rate", ParseRateBps, link.rate.GetBitRate()));
    link.medium = reader.Get("medium", [](const std::string& v) { return ParseChoice(kMedia, v); }, link.medium);
    if (reader.Has("capture"))
    {
        link.capture = reader.Get("capture", ParseCapture, Capture::Full);
    }
    link.impairments = ReadImpairments(reader, Impairments{}, false);
    uint32_t maxMtu = link.type == LinkType::Wifi ? 2296 : 9000;
    link.mtu = reader.Get("mtu", ParseSizeBytes, link.mtu);
    if (link.mtu < 68 || link.mtu > maxMtu)
    {
        reader.Fail("mtu", "MTU " + std::to_string(link.mtu) + " is outside 68.." + std::to_string(maxMtu) +
                               " bytes for " + type + " links");
    }
    if (reader.Has("subnet"))
    {
        link.subnet = reader.Get("subnet", ParseSubnet, Subnet{});
    }
    if (link.rate.GetBitRate() == 0)
    {
        reader.Fail("rate", "a link rate must be more than 0");
    }
    if (link.type == LinkType::Wifi)
    {
        auto ap = reader.Get("ap", ExpandNames, std::vector<std::string>{reader.Required("ap").value});
        if (ap.size() != 1)
        {
            reader.Fail("ap", "a cell has one access point, and this names " + std::to_string(ap.size()));
        }
        link.ap = ap.front();
        if (!IsName(link.ap) || std::count(link.nodes.begin(), link.nodes.end(), link.ap))
        {
            reader.Fail("ap", "the access point '" + link.ap + "' must be a node name not listed in nodes");
        }
        link.standard = reader.Get("standard", [](const std::string& s) { return s; }, link.standard);
        if (std::count(WifiStandards().begin(), WifiStandards().end(), link.standard) == 0)
        {
            reader.Fail("standard", "unknown standard '" + link.standard + "'" +
                                        Hint(link.standard, WifiStandards()) + "; standards: " +
                                        Join(WifiStandards()));
        }
        link.distance = reader.Get("distance", ParseDistanceM, link.distance);
        if (link.distance > kMaxDistance)
        {
            reader.Fail("distance", "a station is at most 100km from its access point (802.11 reaches a few "
                                    "hundred metres; ns-3's positions and delays stay exact below that)");
        }
        link.retries = reader.Get("retries", ParseCount, link.retries);
        CheckWifiLoss(reader, link.impairments);
        ReadRateControl(reader, link);
        if (reader.Has("channel"))
        {
            link.channel = reader.Get("channel", ParseCount, uint32_t{1});
        }
    }
    link.up = reader.Get("state", [](const std::string& v) { return ParseChoice(kStates, v); }, true);
    size_t minimum = link.type == LinkType::Wifi ? 1 : 2;
    if (link.nodes.size() < minimum || (link.type == LinkType::P2p && link.nodes.size() != 2))
    {
        reader.Fail("nodes", link.type == LinkType::P2p ? "a p2p link joins exactly 2 nodes"
                             : link.type == LinkType::Wifi ? "a wifi cell needs at least 1 station"
                                                           : "an ethernet link joins at least 2 nodes");
    }
    if (link.subnet && (1ull << (32 - link.subnet->prefix)) - 2 < MembersOf(link).size())
    {
        reader.Fail("subnet", "too small for the " + std::to_string(MembersOf(link).size()) + " nodes of the link");
    }
    return link;
}

/** What a client's bind key names: one of its node's interfaces, by name or address. */
struct BindSpec
{
    std::string text;          //!< canonical, for ToIni
    std::string iface;         //!< the interface's name
    std::optional<bool> v6;    //!< for an address: its IP version
};

BindSpec
ParseBind(const SectionReader& reader, const std::vector<InterfacePlan>& plan, const std::string& node)
{
    std::string text = reader.Required("bind").value;
    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
    {
        text = text.substr(1, text.size() - 2); // an IPv6 address in brackets, as in peer
    }
    BindSpec bind;
    std::vector<std::string> names;
    for (const auto& iface : plan)
    {
        if (iface.node == node)
        {
            names.push_back(node + "." + iface.name);
        }
    }
    if (text.find(':') != std::string::npos || (!text.empty() && std::isdigit(static_cast<unsigned char>(text[0]))))
    {
        IpLiteral ip;
        try
        {
            ip = ParseAddress(text);
        }
        catch (const ValueError& e)
        {
            reader.Fail("bind", e.what());
        }
        if (ip.IsMulticast())
        {
            reader.Fail("bind", ip.text + " is a multicast group: a client binds to one of its own addresses (" + node +
                                    " has " + AddressesOf(plan, node, ip.v6) + "); a udp-server joins groups (group)");
        }
        bind.text = ip.text;
        bind.v6 = ip.v6;
        for (const auto& iface : plan)
        {
            if (ip.v6 ? iface.address6 == ip.v6addr : iface.address == ip.v4)
            {
                if (iface.node != node)
                {
                    reader.Fail("bind", ip.text + " is " + iface.node + "." + iface.name + "'s address, not one of " +
                                            node + "'s: " + node + " has " + AddressesOf(plan, node, ip.v6));
                }
                bind.iface = iface.name;
                return bind;
            }
        }
        reader.Fail("bind", "no interface of " + node + " has the address " + ip.text + ": " + node + " has " +
                                AddressesOf(plan, node, ip.v6));
    }
    size_t dot = text.find('.');
    if (dot == std::string::npos)
    {
        reader.Fail("bind", "expected NODE.IFACE or an address of " + node + ", e.g. '" + names.front() + "', got '" +
                                text + "'");
    }
    std::string owner = text.substr(0, dot);
    bind.iface = text.substr(dot + 1);
    bind.text = text;
    if (owner != node)
    {
        reader.Fail("bind", text + " is not an interface of " + node + ": a client binds to its own node's (" +
                                Join(names) + ")");
    }
    if (!InterfaceNamed(plan, node, bind.iface))
    {
        std::vector<std::string> ifaces;
        for (const auto& name : names)
        {
            ifaces.push_back(name.substr(node.size() + 1));
        }
        reader.Fail("bind", node + " has no interface '" + bind.iface + "' (interfaces: " + Join(ifaces) + ")");
    }
    return bind;
}

/** A peer written as an address: an interface's, a link's broadcast, or a group. */
Peer
PeerAtAddress(const SectionReader& reader, const std::vector<InterfacePlan>& plan,
              const std::vector<LinkSpec>& links, const std::string& node, const std::string& bindIface,
              const IpLiteral& ip)
{
    Peer peer;
    peer.address = ip.text;
    if (ip.IsMulticast())
    {
        if (std::string why = GroupProblem(ip); !why.empty())
        {
            reader.Fail("peer", why);
        }
        peer.kind = PeerKind::Group;
        return peer;
    }
    for (const auto& iface : plan)
    {
        if (ip.v6 ? iface.address6 == ip.v6addr : iface.address == ip.v4)
        {
            peer.kind = PeerKind::Address;
            peer.node = iface.node;
            peer.iface = iface.name;
            return peer;
        }
    }
    if (!ip.v6 && ip.v4 == ns3::Ipv4Address::GetBroadcast())
    {
        reader.Fail("peer", "255.255.255.255, the limited broadcast, would leave by every interface of " + node +
                                ": write broadcast:PORT to broadcast on one link (the one of bind, else of " + node +
                                "'s first interface)");
    }
    for (const auto& iface : plan)
    {
        if (ip.v6 || (BroadcastOf(iface) != ip.v4 &&
                      iface.address.CombineMask(ns3::Ipv4Mask(~((1u << (32 - iface.prefix)) - 1))) != ip.v4))
        {
            continue;
        }
        const std::string& name = links[iface.link].name;
        if (BroadcastOf(iface) != ip.v4)
        {
            reader.Fail("peer", ip.text + " is the network address of link " + name + " (" + ip.text + "/" +
                                    std::to_string(iface.prefix) + "), not an interface's");
        }
        const InterfacePlan* own = OnLink(plan, node, iface.link);
        if (!own)
        {
            reader.Fail("peer", ip.text + " is the broadcast address of link " + name + ", and " + node +
                                    " is not on it: a broadcast stays on its link");
        }
        if (!bindIface.empty() && bindIface != own->name)
        {
            reader.Fail("peer", ip.text + " is the broadcast address of link " + name + ", but bind puts the client on " +
                                    links[InterfaceNamed(plan, node, bindIface)->link].name + " (" + node + "." +
                                    bindIface + ")");
        }
        peer.kind = PeerKind::Broadcast;
        peer.link = iface.link;
        peer.iface = own->name;
        return peer;
    }
    reader.Fail("peer", "no interface has the address " + ip.text + NearAddress(plan, links, ip));
}

/** A peer's text split: the host part (an address without its brackets) and the port. */
struct SplitPeerText
{
    std::string host;
    uint16_t port = 0;
    bool address = false; //!< an IP address (in brackets, or starting with a digit: names start with a letter)
};

SplitPeerText
SplitPeer(const SectionReader& reader)
{
    const std::string& text = reader.Required("peer").value;
    const std::string forms = "expected NODE:PORT, NODE.IFACE:PORT, ADDRESS:PORT or broadcast:PORT, e.g. 'bob:5000', "
                              "'10.0.1.2:5000' or '[fd00:1::2]:5000', got '" + text + "'";
    size_t colon = text.rfind(':');
    bool bracketed = !text.empty() && text[0] == '[';
    size_t close = text.find(']');
    if (colon == std::string::npos || colon == 0 ||
        (bracketed && (close == std::string::npos || close + 1 != colon)))
    {
        reader.Fail("peer", forms);
    }
    SplitPeerText split;
    split.host = bracketed ? text.substr(1, close - 1) : text.substr(0, colon);
    if (!bracketed && split.host.find(':') != std::string::npos)
    {
        reader.Fail("peer", "an IPv6 address goes in brackets: '[" + split.host + "]" + text.substr(colon) + "'");
    }
    split.address = bracketed || std::isdigit(static_cast<unsigned char>(split.host[0]));
    size_t dot = split.address ? std::string::npos : split.host.find('.');
    if (dot != std::string::npos && (dot == 0 || dot + 1 == split.host.size()))
    {
        reader.Fail("peer", forms);
    }
    uint64_t port = 0;
    try
    {
        port = ParseCount(text.substr(colon + 1));
    }
    catch (const ValueError&)
    {
        reader.Fail("peer", "bad port in '" + text + "': expected NODE:PORT, e.g. 'bob:5000'");
    }
    if (port < 1 || port > 65535)
    {
        reader.Fail("peer", "port " + std::to_string(port) + " is outside 1..65535");
    }
    split.port = static_cast<uint16_t>(port);
    return split;
}

/** A peer written as NODE or NODE.IFACE. */
Peer
PeerAtNode(const SectionReader& reader, const std::vector<InterfacePlan>& plan, const std::string& host)
{
    size_t dot = host.find('.');
    Peer peer;
    peer.node = host.substr(0, dot);
    peer.iface = dot == std::string::npos ? "" : host.substr(dot + 1);
    std::vector<std::string> ifaces;
    for (const auto& iface : plan)
    {
        if (iface.node == peer.node)
        {
            ifaces.push_back(iface.name);
        }
    }
    if (ifaces.empty())
    {
        // The candidates only now: a campus of 10,000 nodes and apps must not copy them per app.
        std::vector<std::string> nodes;
        for (const auto& iface : plan)
        {
            nodes.push_back(iface.node);
        }
        reader.Fail("peer", "unknown node '" + peer.node + "'" + Hint(peer.node, nodes));
    }
    if (!peer.iface.empty() && std::count(ifaces.begin(), ifaces.end(), peer.iface) == 0)
    {
        reader.Fail("peer", peer.node + " has no interface '" + peer.iface + "' (interfaces: " + Join(ifaces) + ")");
    }
    return peer;
}

/**
 * NODE:PORT, NODE.IFACE:PORT, ADDRESS:PORT ([ADDRESS]:PORT for IPv6) or
 * broadcast:PORT; resolved against the interfaces (and, for a broadcast or
 * a group, the link the client sends on: bind's, else its first interface's).
 */
Peer
ParsePeer(const SectionReader& reader, const std::vector<InterfacePlan>& plan, const std::vector<LinkSpec>& links,
          const std::string& client, const std::string& bindIface)
{
    SplitPeerText split = SplitPeer(reader);
    const InterfacePlan& sending = *InterfaceNamed(plan, client, bindIface); // bind's, else the first
    Peer peer;
    if (split.address)
    {
        IpLiteral ip;
        try
        {
            ip = ParseAddress(split.host);
        }
        catch (const ValueError& e)
        {
            reader.Fail("peer", e.what());
        }
        peer = PeerAtAddress(reader, plan, links, client, bindIface, ip);
        peer.link = peer.kind == PeerKind::Group ? sending.link : peer.link;
    }
    else if (split.host == "broadcast")
    {
        peer.kind = PeerKind::Broadcast;
        peer.link = sending.link;
        peer.iface = sending.name;
    }
    else
    {
        peer = PeerAtNode(reader, plan, split.host);
    }
    peer.port = split.port;
    return peer;
}

/**
 * The peer of a ping or traceroute: a client's peer without the port, NODE,
 * NODE.IFACE or an interface's address (ICMP echo goes to one host).
 */
Peer
ParseIcmpPeer(const SectionReader& reader, const std::vector<InterfacePlan>& plan, const std::vector<LinkSpec>& links,
              const std::string& client)
{
    const std::string& text = reader.Required("peer").value;
    bool address = ParseIp(text) || std::isdigit(static_cast<unsigned char>(text[0]));
    size_t dot = address ? std::string::npos : text.find('.');
    if (text.find_first_of(":[") != std::string::npos && !address)
    {
        dot = 0; // a port, or an address in brackets
    }
    if (text.empty() || dot == 0 || (dot != std::string::npos && dot + 1 == text.size()))
    {
        reader.Fail("peer", "expected NODE, NODE.IFACE or an address (ICMP has no ports), e.g. 'bob', 'bob.eth0' or "
                            "'10.0.1.2', got '" + text + "'");
    }
    if (!address)
    {
        return PeerAtNode(reader, plan, text);
    }
    IpLiteral ip;
    try
    {
        ip = ParseAddress(text);
    }
    catch (const ValueError& e)
    {
        reader.Fail("peer", e.what());
    }
    Peer peer = PeerAtAddress(reader, plan, links, client, "", ip);
    if (peer.kind != PeerKind::Address)
    {
        reader.Fail("peer", ip.text + (peer.kind == PeerKind::Group ? " is a group" : " is a broadcast address") +
                                ": a ping or traceroute goes to one interface's address");
    }
    return peer;
}

uint16_t
ReadPort(const SectionReader& reader)
{
    reader.Required("port");
    // Read wide: a port beyond the range gets the range's message (keys.cc), not "too large".
    return static_cast<uint16_t>(reader.Get("port", ParseCount, uint64_t{0}));
}

/** The pace of a udp-client, or of a paced tcp-client: size, interval or rate, count. */
void
ReadPacing(const SectionReader& reader, AppSpec& app)
{
    bool udp = app.transport == Transport::Udp;
    uint32_t least = app.raw ? 1 : kNslabHeader;
    uint32_t most = udp ? kMaxUdpPayload : kMaxTcpMessage;
    app.size = reader.Get("size", ParseSizeBytes, uint32_t{1000});
    if (app.size < least || app.size > most)
    {
        std::string why = std::string(app.raw ? "" : "24 B: the nslab header; ") +
                          (udp ? "65507 B: the UDP maximum" : "16MiB: nslab's limit for a message");
        reader.Fail("size", std::string(udp ? "datagram" : "message") + " size " + std::to_string(app.size) +
                                " B is outside " + std::to_string(least) + ".." + std::to_string(most) + " B (" +
                                why + ")");
    }
    if (reader.Has("interval") && reader.Has("rate"))
    {
        reader.Fail("rate", "give either interval or rate, not both");
    }
    app.interval = reader.Get("interval", TimeOf, ns3::MilliSeconds(100));
    app.rate = reader.Get("rate", ParseRateBps, uint64_t{0});
    if (reader.Has("rate"))
    {
        if (app.rate == 0)
        {
            reader.Fail("rate", "a sending rate must be more than 0");
        }
        // The interval that gives this rate, rounded up to whole nanoseconds.
        uint64_t bits = uint64_t{app.size} * 8 * 1000000000ull;
        app.interval = ns3::NanoSeconds(static_cast<int64_t>((bits + app.rate - 1) / app.rate));
    }
    if (app.interval.IsZero())
    {
        reader.Fail("interval", std::string("the interval between ") + (udp ? "datagrams" : "messages") +
                                    " must be more than 0");
    }
    app.count = reader.Get("count", ParseCount, uint64_t{0});
    for (const auto& m : app.messages)
    {
        if (udp && (app.raw ? 0 : kNslabHeader) + m.size() > kMaxUdpPayload)
        {
            reader.Fail("messages", "a message of " + std::to_string(m.size()) + " bytes does not fit a UDP datagram" +
                                        (app.raw ? " (65507 bytes at most)" : " with the 24-byte nslab header"));
        }
    }
    if (!app.messages.empty())
    {
        app.count = app.messages.size();
    }
}

/** \return how many datagrams a udp-client sends in a run of DURATION. */
uint64_t
PlannedDatagrams(const AppSpec& app, ns3::Time duration)
{
    uint64_t span = static_cast<uint64_t>((std::min(app.stop, duration) - app.start).GetNanoSeconds());
    uint64_t planned = span / static_cast<uint64_t>(app.interval.GetNanoSeconds()) + 1;
    return app.count > 0 ? std::min(planned, app.count) : planned;
}

/** Refuse a datagram (or paced message) stream so dense that the run would take hours: most likely a typo. */
void
CheckPacedVolume(const SectionReader& reader, const AppSpec& app, ns3::Time duration, const Location& durationAt)
{
    uint64_t planned = PlannedDatagrams(app, duration);
    if (planned > kMaxDatagrams)
    {
        bool ping = app.IsPing();
        std::string why = "this client would send " + std::to_string(planned) +
                          (ping ? " echo requests" : app.transport == Transport::Udp ? " datagrams" : " messages") +
                          "; nslab allows at most 10000000 per client (a longer interval, " +
                          (ping ? "" : "a lower rate, ") + "a count or an earlier stop)";
        // Name a key the file gives: the pace, else the end that makes the span long.
        for (const char* key : {"rate", "interval", "stop"})
        {
            if (reader.Has(key))
            {
                reader.Fail(key, why);
            }
        }
        throw ScenarioError(durationAt, "duration: [app." + app.name + "] " + why);
    }
}

/**
 * What a tcp-client sends: bytes as fast as TCP takes them, its messages
 * at once, or (size, interval, rate, count) a message every interval.
 */
void
ReadTcpTransfer(const SectionReader& reader, AppSpec& app, ns3::Time duration, const Location& durationAt)
{
    uint64_t header = app.raw ? 0 : kNslabHeader;
    for (const char* key : {"size", "interval", "rate", "count"})
    {
        app.paced = app.paced || reader.Has(key);
    }
    if (app.paced && reader.Has("bytes"))
    {
        reader.Fail("bytes", "give either bytes (one transfer, as fast as TCP goes) or size, interval, rate and "
                             "count (a message every interval), not both");
    }
    if (app.paced)
    {
        ReadPacing(reader, app);
        CheckPacedVolume(reader, app, duration, durationAt);
        app.bytes = app.count * app.size; // 0 for count = 0: until stop
    }
    else
    {
        app.bytes = reader.Get("bytes", ParseSizeBytes, uint64_t{1000000});
    }
    if (!app.messages.empty())
    {
        app.bytes = 0;
        for (const auto& m : app.messages)
        {
            app.bytes += header + m.size();
        }
    }
    if (!app.paced && app.bytes < std::max<uint64_t>(header, 1))
    {
        reader.Fail("bytes", app.raw ? "a transfer carries at least 1 byte"
                                     : "a transfer carries at least the 24-byte nslab header");
    }
}

void
ReadTcpOptions(const SectionReader& reader, AppSpec& app)
{
    std::vector<std::string> names;
    for (const auto& [name, typeId] : TcpCongestions())
    {
        names.push_back(name);
    }
    app.congestion = reader.Get("congestion", [](const std::string& v) { return v; }, app.congestion);
    if (std::count(names.begin(), names.end(), app.congestion) == 0)
    {
        reader.Fail("congestion", "unknown congestion control '" + app.congestion + "'" + Hint(app.congestion, names) +
                                      "; ns-3 has: " + Join(names));
    }
    app.sack = reader.Get("sack", ParseBool, app.sack);
    app.delack = reader.Get("delack", ParseBool, app.delack);
    app.initialCwnd = reader.Get("initial_cwnd", ParseCount, app.initialCwnd);
    app.minRto = reader.Get("min_rto", TimeOf, app.minRto);
    if (app.minRto < ns3::MilliSeconds(1) || app.minRto > ns3::Seconds(60))
    {
        reader.Fail("min_rto", "a minimum RTO is between 1ms and 60s");
    }
    app.chunk = reader.Get("chunk", ParseSizeBytes, app.chunk);
    if (reader.Has("chunk") && app.chunk == 0)
    {
        reader.Fail("chunk", "a send call passes at least 1 byte");
    }
}

/**
 * A client's ip: the version of an address given as peer or bind (without
 * ip, a dual stack prefers IPv6, as getaddrinfo does for a name); it must
 * be one the scenario speaks, and match both addresses.
 */
void
ReadClientIp(const SectionReader& reader, IpVersion ip, std::optional<bool> bindV6, AppSpec& app)
{
    std::optional<bool> peerV6;
    if (app.peer.kind != PeerKind::Node)
    {
        peerV6 = app.peer.IsV6();
    }
    if (peerV6 && !Speaks(ip, *peerV6))
    {
        reader.Fail("peer", app.peer.kind == PeerKind::Broadcast
                                ? "IPv6 has no broadcast (ip = v6): send to a group, e.g. [ff15::1]:" +
                                      std::to_string(app.peer.port)
                                : PeerText(app.peer) + " is " + FamilyName(*peerV6) + ", and the scenario has no " +
                                      FamilyName(*peerV6) + " (ip = " + IpVersionName(ip) + ")");
    }
    if (bindV6 && !Speaks(ip, *bindV6))
    {
        reader.Fail("bind", app.bind + " is an " + FamilyName(*bindV6) + " address, and the scenario has no " +
                                FamilyName(*bindV6) + " (ip = " + IpVersionName(ip) + ")");
    }
    std::optional<bool> v6 = peerV6 ? peerV6 : bindV6;
    IpVersion fallback = v6 ? (*v6 ? IpVersion::V6 : IpVersion::V4) : ip == IpVersion::V4 ? IpVersion::V4 : IpVersion::V6;
    app.ip = reader.Get("ip", ParseIpVersion, fallback);
    if (app.ip == IpVersion::Dual || (app.ip != ip && ip != IpVersion::Dual))
    {
        reader.Fail("ip", std::string("a client connects over one IP version the scenario has (ip = ") +
                              IpVersionName(ip) + ")");
    }
    bool usesV6 = app.ip == IpVersion::V6;
    if (peerV6 && *peerV6 != usesV6)
    {
        reader.Fail("ip", std::string(IpVersionName(app.ip)) + " does not match the peer: " + PeerText(app.peer) +
                              " is " + FamilyName(*peerV6) +
                              (app.peer.kind == PeerKind::Broadcast ? " (IPv6 has no broadcast)" : ""));
    }
    if (bindV6 && *bindV6 != usesV6)
    {
        reader.Fail("bind", app.bind + " is an " + FamilyName(*bindV6) + " address, and the client uses " +
                                FamilyName(usesV6) +
                                (reader.Has("ip") ? " (ip = " + std::string(IpVersionName(app.ip)) + ")"
                                                  : " to reach " + PeerText(app.peer)));
    }
}

/** A client's bind, peer, ip and sport. */
void
ReadClientAddressing(const SectionReader& reader, const std::vector<InterfacePlan>& plan,
                     const std::vector<LinkSpec>& links, IpVersion ip, AppSpec& app)
{
    BindSpec bind = reader.Has("bind") ? ParseBind(reader, plan, app.node) : BindSpec{};
    app.bind = bind.text;
    app.bindIface = bind.iface;
    app.peer = ParsePeer(reader, plan, links, app.node, app.bindIface);
    if (app.transport == Transport::Tcp && (app.peer.kind == PeerKind::Broadcast || app.peer.kind == PeerKind::Group))
    {
        reader.Fail("peer", std::string("TCP connects to one host: ") +
                                (app.peer.kind == PeerKind::Group ? "a group" : "a broadcast") + " is for a udp-client");
    }
    ReadClientIp(reader, ip, bind.v6, app);
    app.sport = static_cast<uint16_t>(reader.Get("sport", ParseCount, uint64_t{0})); // read wide, as port
}

/** ping: count, interval, size (iputils' -c, -i, -s); traceroute: max_hops, probes (traceroute's -m, -q). */
void
ReadIcmpKeys(const SectionReader& reader, AppSpec& app, bool ping)
{
    if (ping)
    {
        app.count = reader.Get("count", ParseCount, uint64_t{0});
        app.interval = reader.Get("interval", TimeOf, ns3::Seconds(1));
        if (app.interval.IsZero())
        {
            reader.Fail("interval", "the interval between echo requests must be more than 0");
        }
        app.size = reader.Get("size", ParseSizeBytes, uint32_t{56});
        if (app.size > 65507)
        {
            reader.Fail("size", "echo data of " + std::to_string(app.size) +
                                    " B is more than 65507 B (the largest IPv4 packet, 65535 B, less its IP and "
                                    "ICMP headers)");
        }
        return;
    }
    app.maxHops = reader.Get("max_hops", ParseCount, uint32_t{30});
    app.probes = reader.Get("probes", ParseCount, uint32_t{3});
}

/** \return true if a regular file that this process may execute. */
bool
IsExecutable(const std::string& path)
{
    struct stat st;
    return stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0;
}

/** \return "" if the program a command names can be started from dir, as execvp finds it; else why not. */
std::string
ProgramProblem(const std::string& program, const std::string& dir, const std::optional<std::string>& programPath)
{
    if (program.find('/') != std::string::npos)
    {
        std::string path = program[0] == '/' ? program : dir + "/" + program;
        return IsExecutable(path) ? "" : "'" + program + "' is not an executable file (from " + dir + ")";
    }
    const char* path = std::getenv("PATH");
    std::string dirs = programPath ? *programPath : path ? path : "/usr/local/bin:/usr/bin:/bin";
    for (size_t start = 0; start <= dirs.size();)
    {
        size_t end = std::min(dirs.find(':', start), dirs.size());
        std::string folder = dirs.substr(start, end - start);
        if (IsExecutable((folder.empty() ? "." : folder) + "/" + program))
        {
            return "";
        }
        start = end + 1;
    }
    return "'" + program + "' is not found in PATH (" + dirs + ")";
}

/**
 * A real program: its command split into words as a shell would (no shell
 * runs it), {NODE} and {NODE.IFACE} replaced by addresses of the app's IP
 * version, its folder checked and its program found before anything runs.
 */
void
ReadProcess(const SectionReader& reader, const std::vector<InterfacePlan>& plan, const std::string& file,
            IpVersion scenarioIp, AppSpec& app)
{
    app.ip = reader.Get("ip", ParseIpVersion, scenarioIp == IpVersion::V6 ? IpVersion::V6 : IpVersion::V4);
    if (app.ip == IpVersion::Dual)
    {
        reader.Fail("ip", "{NODE} stands for one address: v4 or v6");
    }
    if (!Speaks(scenarioIp, app.ip == IpVersion::V6))
    {
        reader.Fail("ip", std::string(IpVersionName(app.ip)) + ": the scenario has no " +
                              FamilyName(app.ip == IpVersion::V6) + " (ip = " + IpVersionName(scenarioIp) + ")");
    }
    // Relative to the file that says so (an included file's apps, to its folder).
    const IniEntry* dirEntry = reader.Section().Find("dir");
    const std::string& from = dirEntry ? dirEntry->where.file : reader.Section().where.file;
    std::string base = (from.empty() || from == "--set" ? file : from);
    base = base.substr(0, base.find_last_of('/') + 1);
    base = base.empty() ? "." : base;
    char* absolute = realpath(base.c_str(), nullptr);
    std::string folder = absolute ? absolute : base;
    std::free(absolute);
    app.dir = reader.Get("dir", [](const std::string& v) { return v; }, folder);
    if (!app.dir.empty() && app.dir[0] != '/')
    {
        app.dir = folder + "/" + app.dir;
    }
    struct stat st;
    if (reader.Has("dir") && (stat(app.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)))
    {
        reader.Fail("dir", "'" + app.dir + "' is not a folder");
    }
    app.command = reader.Required("command").value;
    bool v6 = app.ip == IpVersion::V6;
    auto address = [&](const std::string& name) {
        for (const auto& iface : plan)
        {
            if (name == iface.node || name == iface.node + "." + iface.name)
            {
                std::ostringstream text;
                if (v6)
                {
                    text << iface.address6;
                }
                else
                {
                    text << iface.address;
                }
                return text.str();
            }
        }
        std::vector<std::string> names;
        for (const auto& iface : plan)
        {
            names.push_back(iface.node);
            names.push_back(iface.node + "." + iface.name);
        }
        throw ValueError("{" + name + "}: no node or interface of that name" + Hint(name, names) +
                         "; {NODE} and {NODE.IFACE} stand for addresses");
    };
    app.argv = reader.Get("command", SplitCommand, std::vector<std::string>{});
    for (auto& word : app.argv)
    {
        word = reader.Get("command", [&](const std::string&) { return ExpandPlaceholders(word, address); }, word);
    }
    if (app.argv.empty())
    {
        reader.Fail("command", "names no program");
    }
    app.env = reader.Get("env", SplitEnvironment, std::vector<std::string>{});
    // execvp looks in the PATH the program gets: env's, if it sets one.
    std::optional<std::string> path;
    for (const auto& assignment : app.env)
    {
        path = assignment.rfind("PATH=", 0) == 0 ? std::optional<std::string>(assignment.substr(5)) : path;
    }
    std::string problem = ProgramProblem(app.argv[0], app.dir, path);
    if (!problem.empty())
    {
        reader.Fail("command", problem);
    }
    // What execve takes: each word under 128 KiB, all of them with the environment under ARG_MAX.
    size_t total = 0;
    for (const auto& word : app.argv)
    {
        if (word.size() >= 131072)
        {
            reader.Fail("command", "a word of " + std::to_string(word.size()) +
                                       " bytes; Linux passes at most 131071 bytes per argument");
        }
        total += word.size() + 1 + sizeof(char*);
    }
    for (char** e = environ; *e; ++e)
    {
        total += std::strlen(*e) + 1 + sizeof(char*);
    }
    for (const auto& assignment : app.env)
    {
        total += assignment.size() + 1 + sizeof(char*);
    }
    long limit = sysconf(_SC_ARG_MAX);
    if (limit > 0 && total + 4096 > static_cast<size_t>(limit))
    {
        reader.Fail("command", "the words and the environment take " + std::to_string(total) +
                                   " bytes; Linux passes at most " + std::to_string(limit) + " (ARG_MAX)");
    }
    app.stopGiven = reader.Has("stop");
}

AppSpec
LoadApp(const IniSection& section, const std::string& name, const std::vector<InterfacePlan>& plan,
        const std::vector<LinkSpec>& links, ns3::Time duration, const Location& durationAt, IpVersion ip,
        const std::string& file)
{
    std::string type = ReadType(section, kAppTypes, "app");
    SectionReader reader(section, type + " apps", type);
    AppSpec app;
    app.name = name;
    app.group = section.group;
    if (const IniEntry* of = section.Find("member_of"))
    {
        // A resolved scenario names each app of a range, and keeps its group this way.
        if (!IsName(of->value))
        {
            throw ScenarioError(of->where, "[" + section.name + "] member_of: '" + of->value + "': " + kNameRule);
        }
        app.group = of->value;
    }
    bool icmp = type == "ping" || type == "traceroute";
    app.transport = type == "process" ? Transport::Process
                    : icmp            ? Transport::Icmp
                    : type.rfind("tcp", 0) == 0 ? Transport::Tcp
                                                : Transport::Udp;
    bool client = icmp || type.find("client") != std::string::npos;
    app.role = type == "process" ? AppRole::Program : client ? AppRole::Client : AppRole::Server;
    app.node = reader.Required("node").value;
    if (std::none_of(plan.begin(), plan.end(), [&](const InterfacePlan& i) { return i.node == app.node; }))
    {
        std::vector<std::string> nodes; // the candidates only now: not once per app of a campus
        for (const auto& iface : plan)
        {
            nodes.push_back(iface.node);
        }
        reader.Fail("node", "unknown node '" + app.node + "'" + Hint(app.node, nodes) +
                                "; nodes come from the links' nodes and ap keys");
    }
    app.start = reader.Get("start", TimeOf, app.role == AppRole::Client ? ns3::Seconds(1) : ns3::Time());
    app.stop = reader.Get("stop", TimeOf, duration);
    if (app.start >= duration && !reader.Has("start"))
    {
        throw ScenarioError(durationAt, "duration: " + FormatTime(duration.GetNanoSeconds()) + " ends before [app." +
                                            name + "] starts (a client starts at 1s unless it sets start)");
    }
    if (app.start >= duration)
    {
        reader.Fail("start", FormatTime(app.start.GetNanoSeconds()) + " is not before the end of the run (duration = " +
                                 FormatTime(duration.GetNanoSeconds()) + ")");
    }
    if (app.stop <= app.start)
    {
        reader.Fail("stop", "must be after start (" + FormatTime(app.start.GetNanoSeconds()) + ")");
    }
    if (app.transport == Transport::Process)
    {
        ReadProcess(reader, plan, file, ip, app);
        return app;
    }
    if (app.role == AppRole::Client)
    {
        if (icmp)
        {
            app.peer = ParseIcmpPeer(reader, plan, links, app.node);
            ReadClientIp(reader, ip, std::nullopt, app);
        }
        else
        {
            ReadClientAddressing(reader, plan, links, ip, app);
        }
    }
    else
    {
        app.port = ReadPort(reader);
        app.groups = reader.Get("group", ParseGroups, std::vector<std::string>{});
        for (const auto& group : app.groups)
        {
            bool v6 = group.find(':') != std::string::npos;
            if (!Speaks(ip, v6))
            {
                reader.Fail("group", group + " is an " + FamilyName(v6) + " group, and the scenario has no " +
                                         FamilyName(v6) + " (ip = " + IpVersionName(ip) + ")");
            }
        }
    }
    app.messages = reader.Get("messages", ParseMessages, std::vector<std::string>{});
    app.rtt = reader.Get("rtt", ParseBool, false);
    if (app.rtt && (app.peer.kind == PeerKind::Broadcast || app.peer.kind == PeerKind::Group))
    {
        reader.Fail("rtt", "round trips need one server that echoes; a broadcast or a group reaches many");
    }
    app.echo = reader.Get("echo", ParseBool, false);
    app.raw = reader.Get("raw", ParseBool, false);
    if (app.raw && app.rtt)
    {
        reader.Fail("rtt", "round trips are matched to their echo by the nslab header, which a client with "
                           "raw = true does not send");
    }
    for (const char* other : {"bytes", "size", "count", "rate"})
    {
        if (reader.Has("messages") && reader.Has(other))
        {
            reader.Fail(other, std::string("give either messages or ") + other + ", not both");
        }
    }
    if (type == "tcp-client")
    {
        ReadTcpTransfer(reader, app, duration, durationAt);
    }
    if (type == "udp-client")
    {
        ReadPacing(reader, app);
        CheckPacedVolume(reader, app, duration, durationAt);
    }
    if (type == "tcp-server")
    {
        app.recvSize = reader.Get("recv_size", ParseSizeBytes, app.recvSize);
        if (app.recvSize < 1 || app.recvSize > kMaxRecvSize)
        {
            reader.Fail("recv_size", "a recv() call asks for 1B to 16MiB");
        }
    }
    if (icmp)
    {
        ReadIcmpKeys(reader, app, type == "ping");
        if (app.IsPing())
        {
            CheckPacedVolume(reader, app, duration, durationAt);
        }
    }
    // UDP servers get ns-3's default receive buffer; TCP's follows the path.
    app.buffer = reader.Get("buffer", ParseSizeBytes, type == "udp-server" ? kDefaultBuffer : uint32_t{0});
    if (reader.Has("buffer") && (app.buffer < 1024 || app.buffer > (1u << 30)))
    {
        reader.Fail("buffer", "a socket buffer is between 1KiB and 1GiB");
    }
    if (app.transport == Transport::Tcp)
    {
        ReadTcpOptions(reader, app);
    }
    app.mss = reader.Get("mss", ParseSizeBytes, uint32_t{0});
    if (reader.Has("mss") && (app.mss < 64 || app.mss > 65495))
    {
        reader.Fail("mss", "an MSS is between 64 and 65495 bytes");
    }
    return app;
}

/**
 * Shortest paths between nodes, in links: a breadth-first search over the
 * links (two are neighbours when a node is on both), so that a query costs
 * O(links), not O(nodes): a LAN of 10,000 hosts is one step.
 */
class PathFinder
{
  public:
    explicit PathFinder(const std::vector<LinkSpec>& links)
        : m_neighbours(links.size())
    {
        for (size_t i = 0; i < links.size(); ++i)
        {
            for (const auto& node : MembersOf(links[i]))
            {
                m_linksOf[node].push_back(i);
            }
        }
        for (const auto& [node, own] : m_linksOf)
        {
            for (size_t a : own)
            {
                for (size_t b : own)
                {
                    if (a != b)
                    {
                        m_neighbours[a].push_back(b);
                    }
                }
            }
        }
        for (auto& n : m_neighbours)
        {
            std::sort(n.begin(), n.end());
            n.erase(std::unique(n.begin(), n.end()), n.end());
        }
    }

    /** \return the first link a node is on (in link order). */
    size_t FirstLink(const std::string& node) const { return m_linksOf.at(node).front(); }

    /** \return the links along a shortest path between two nodes (empty if none or the same node). */
    std::vector<size_t> Path(const std::string& from, const std::string& to) const
    {
        auto a = m_linksOf.find(from), b = m_linksOf.find(to);
        if (from == to || a == m_linksOf.end() || b == m_linksOf.end())
        {
            return {};
        }
        std::set<size_t> goal(b->second.begin(), b->second.end());
        std::vector<size_t> previous(m_neighbours.size(), SIZE_MAX), frontier;
        std::vector<bool> seen(m_neighbours.size(), false);
        for (size_t link : a->second)
        {
            seen[link] = true;
            frontier.push_back(link);
        }
        for (size_t f = 0; f < frontier.size(); ++f)
        {
            size_t link = frontier[f];
            if (goal.count(link))
            {
                std::vector<size_t> path;
                for (size_t l = link; l != SIZE_MAX; l = previous[l])
                {
                    path.push_back(l);
                }
                return path; // from `to`'s end back to `from`'s, as the routes do not care
            }
            for (size_t next : m_neighbours[link])
            {
                if (!seen[next])
                {
                    seen[next] = true;
                    previous[next] = link;
                    frontier.push_back(next);
                }
            }
        }
        return {};
    }

  private:
    std::map<std::string, std::vector<size_t>> m_linksOf;
    std::vector<std::vector<size_t>> m_neighbours;
};

/** \return the longest one-way delay of any direction of a link, jitter included. */
ns3::Time
LongestDelay(const LinkSpec& link)
{
    ns3::Time longest;
    for (const Impairments* imp : link.AllImpairments())
    {
        longest = std::max(longest, imp->delay + imp->jitter);
    }
    return longest;
}

/** \return a link's rate for buffer sizing: WiFi cells count with their standard's usual top rate. */
uint64_t
NominalRate(const LinkSpec& link)
{
    static const std::map<std::string, uint64_t> wifi{{"802.11a", 54000000},  {"802.11b", 11000000},
                                                      {"802.11g", 54000000},  {"802.11n", 150000000},
                                                      {"802.11ac", 433000000}, {"802.11ax", 600000000}};
    return link.type == LinkType::Wifi ? wifi.at(link.standard) : link.rate.GetBitRate();
}

/**
 * TCP defaults that suit the path: an MSS that fits its smallest MTU, buffers of twice its BDP.
 * \return the link whose MTU set the MSS (s.links.size() if none did)
 */
size_t
FillTcpDefaults(Scenario& s, AppSpec& app, const PathFinder& paths)
{
    uint32_t mtu = 65535;
    size_t narrowest = s.links.size();
    unsigned __int128 bdpBits = 0; // rates and delays near their limits overflow 64 bits
    auto consider = [&](const std::string& a, const std::string& b) {
        uint64_t rate = UINT64_MAX;
        unsigned __int128 delayNs = 0;
        for (size_t i : paths.Path(a, b))
        {
            narrowest = s.links[i].mtu < mtu ? i : narrowest;
            mtu = std::min(mtu, s.links[i].mtu);
            rate = std::min<uint64_t>(rate, NominalRate(s.links[i]));
            delayNs += static_cast<uint64_t>(LongestDelay(s.links[i]).GetNanoSeconds());
        }
        if (rate != UINT64_MAX)
        {
            bdpBits = std::max<unsigned __int128>(bdpBits, rate / 1000 * 2 * delayNs / 1000000);
        }
    };
    for (const auto& other : s.apps)
    {
        bool pair = app.role == AppRole::Client
                        ? other.role == AppRole::Server && other.node == app.peer.node && other.port == app.peer.port
                        : other.role == AppRole::Client && other.peer.node == app.node && other.peer.port == app.port;
        if (pair && other.transport == Transport::Tcp)
        {
            consider(app.node, other.node);
        }
    }
    if (mtu == 65535)
    {
        narrowest = paths.FirstLink(app.node); // no peer: the node's first link
        mtu = s.links[narrowest].mtu;
    }
    if (app.mss == 0)
    {
        // A server answers in the version of its clients; in dual stacks, size for IPv6.
        bool v6 = app.role == AppRole::Client ? app.ip == IpVersion::V6 : s.ip != IpVersion::V4;
        app.mss = mtu - (v6 ? kIp6TcpHeaders : kIpTcpHeaders);
    }
    if (app.buffer == 0)
    {
        app.buffer = static_cast<uint32_t>(
            std::clamp<unsigned __int128>(2 * bdpBits / 8, kDefaultBuffer, kMaxBuffer));
    }
    return narrowest;
}

/**
 * Segment sizes ns-3 can handle: an MSS derived from a small MTU must still
 * hold nslab's header and be a valid MSS, and ns-3 joins a segment's pieces
 * (send calls of `chunk` bytes) recursively, one stack frame each.
 */
void
CheckTcpSegments(const Scenario& s, const IniDocument& doc)
{
    const uint32_t maxPieces = 8192;
    for (const auto& app : s.apps)
    {
        std::string section = "[app." + app.name + "] ";
        uint32_t pieces = app.chunk > 0 ? (app.mss + app.chunk - 1) / app.chunk : 1;
        if (pieces > maxPieces)
        {
            throw ScenarioError(doc.Where("app." + app.name, "chunk"),
                                section + "chunk: " + FormatSize(app.chunk) + " pieces make " +
                                    std::to_string(pieces) + " per segment of " +
                                    std::to_string(app.mss) + " bytes; ns-3 joins at most " +
                                    std::to_string(maxPieces) + " (chunk = " +
                                    std::to_string((app.mss + maxPieces - 1) / maxPieces) + "B or more)");
        }
    }
}

/** \return "tcp bob 5000": the key of a port of a node and transport. */
std::string
PortKey(Transport transport, const std::string& node, uint16_t port)
{
    return std::string(transport == Transport::Tcp ? "tcp " : "udp ") + node + " " + std::to_string(port);
}

/** Warnings for a broadcast or a group that servers on its port would not read. */
void
WarnUnheard(Scenario& s, const IniDocument& doc, const AppSpec& client)
{
    std::string where = doc.Where("app." + client.name, "peer").Str() + ": [app." + client.name + "] peer: ";
    bool group = client.peer.kind == PeerKind::Group;
    bool heard = false;
    for (const auto& server : s.apps)
    {
        bool joined = std::count(server.groups.begin(), server.groups.end(), client.peer.address) > 0;
        if (server.role != AppRole::Server || server.transport != Transport::Udp || server.port != client.peer.port ||
            (group && !joined))
        {
            continue;
        }
        bool receives = Receives(s, client, server);
        heard = heard || receives || group; // a member it misses gets a warning of its own
        std::string what = group ? client.peer.address : "the broadcast";
        if (server.node == client.node)
        {
            s.warnings.push_back(where + what + " does not come back to [app." + server.name + "] on " + server.node +
                                 ", the sender's own node: ns-3 sends it out, not up to the node's own sockets");
        }
        else if (group && !receives)
        {
            s.warnings.push_back(where + what + " does not reach [app." + server.name + "] on " + server.node +
                                 ": no router on the way forwards it (forward_groups in [node.NAME])");
        }
    }
    if (!heard && !group)
    {
        s.warnings.push_back(where + "no udp-server listens on port " + std::to_string(client.peer.port) +
                             " on link " + s.links[client.peer.link].name + " (besides " + client.node + ")");
    }
    else if (!heard)
    {
        s.warnings.push_back(where + "no udp-server on port " + std::to_string(client.peer.port) + " joined " +
                             client.peer.address + " (group = " + client.peer.address + " in a udp-server)");
    }
}

/**
 * A client bound to an interface sends by the routes through it: its peer
 * must be on that interface's link or beyond it, along a path that does not
 * come back through the client's node (ns-3 would find no route, and every
 * send would fail).
 */
void
CheckBoundPaths(const Scenario& s, const IniDocument& doc)
{
    std::vector<InterfacePlan> plan;
    for (const auto& app : s.apps)
    {
        bool unicast = app.peer.kind == PeerKind::Node || app.peer.kind == PeerKind::Address;
        if (app.role != AppRole::Client || app.bindIface.empty() || !unicast || app.peer.node == app.node)
        {
            continue;
        }
        plan = plan.empty() ? PlanInterfaces(s.links) : plan;
        const InterfacePlan* bound = InterfaceNamed(plan, app.node, app.bindIface);
        const InterfacePlan* target = InterfaceNamed(plan, app.peer.node, app.peer.iface);
        if (!ReachesThrough(s.links, plan, static_cast<size_t>(bound - plan.data()), target->link))
        {
            throw ScenarioError(doc.Where("app." + app.name, "bind"),
                                "[app." + app.name + "] bind: " + app.node + "." + app.bindIface + " does not reach " +
                                    target->node + "." + target->name + " (link " + s.links[target->link].name +
                                    "): every path from link " + s.links[bound->link].name + " to it comes back "
                                    "through " + app.node);
        }
    }
}

void
CheckPorts(Scenario& s, const IniDocument& doc, const PathFinder& paths)
{
    std::map<std::string, const AppSpec*> servers; // "tcp bob 5000"
    for (const auto& app : s.apps)
    {
        if (app.role == AppRole::Server && !servers.emplace(PortKey(app.transport, app.node, app.port), &app).second)
        {
            throw ScenarioError(doc.Where("app." + app.name, "port"),
                                "[app." + app.name + "] port: " + app.node + " already has a " + app.TypeName() +
                                    " on port " + std::to_string(app.port) + " ([app." +
                                    servers[PortKey(app.transport, app.node, app.port)]->name + "])");
        }
    }
    // A source port is a socket's port like a server's: one socket per node, transport and port.
    std::map<std::string, const AppSpec*> sources;
    for (const auto& app : s.apps)
    {
        if (app.role != AppRole::Client || app.sport == 0)
        {
            continue;
        }
        std::string key = PortKey(app.transport, app.node, app.sport);
        auto server = servers.find(key);
        auto other = sources.emplace(key, &app).first->second;
        if (server != servers.end() || other != &app)
        {
            const AppSpec& owner = server != servers.end() ? *server->second : *other;
            throw ScenarioError(doc.Where("app." + app.name, "sport"),
                                "[app." + app.name + "] sport: " + app.node + " already has a " + owner.TypeName() +
                                    (owner.role == AppRole::Server ? " on port " : " with sport ") +
                                    std::to_string(app.sport) + " ([app." + owner.name + "])");
        }
    }
    auto unicast = [](const AppSpec& app) {
        return app.role == AppRole::Client && (app.peer.kind == PeerKind::Node || app.peer.kind == PeerKind::Address);
    };
    for (const auto& app : s.apps)
    {
        if (unicast(app) && app.node != app.peer.node && paths.Path(app.node, app.peer.node).empty())
        {
            throw ScenarioError(doc.Where("app." + app.name, "peer"),
                                "[app." + app.name + "] peer: no path from " + app.node + " to " + app.peer.node +
                                    ": no chain of links joins them");
        }
    }
    CheckBoundPaths(s, doc);
    for (const auto& app : s.apps)
    {
        auto server = servers.find(PortKey(app.transport, app.peer.node, app.peer.port));
        if (unicast(app) && app.rtt && (server == servers.end() || !server->second->echo))
        {
            throw ScenarioError(doc.Where("app." + app.name, "rtt"),
                                "[app." + app.name + "] rtt: round trips need a server that echoes; set echo = true" +
                                    (server == servers.end() ? " on a server at " + app.peer.node + ":" +
                                                                   std::to_string(app.peer.port)
                                                             : " in [app." + server->second->name + "]"));
        }
    }
    for (const auto& app : s.apps)
    {
        if (unicast(app) && app.transport != Transport::Icmp && !s.IsRealNode(app.peer.node) &&
            !servers.count(PortKey(app.transport, app.peer.node, app.peer.port)))
        {
            s.warnings.push_back(doc.Where("app." + app.name, "peer").Str() + ": [app." + app.name + "] peer: no " +
                                 (app.transport == Transport::Tcp ? "tcp" : "udp") + "-server listens on " +
                                 app.peer.node + " port " + std::to_string(app.peer.port));
        }
        else if (app.role == AppRole::Client && !unicast(app))
        {
            WarnUnheard(s, doc, app);
        }
    }
}

/**
 * What a server learns from its clients: whether they send raw streams (no
 * nslab header: the server counts bytes and reads, parses no messages), and
 * whether one sends texts (the server lists its first reads). A server reads
 * either raw streams or nslab messages: its clients must agree.
 */
void
MarkServers(Scenario& s, const IniDocument& doc)
{
    for (auto& server : s.apps)
    {
        if (server.role != AppRole::Server)
        {
            continue;
        }
        const AppSpec* raw = nullptr;
        const AppSpec* plain = nullptr;
        for (const auto& client : s.apps)
        {
            if (Receives(s, client, server))
            {
                const AppSpec*& first = client.raw ? raw : plain;
                first = first ? first : &client;
                server.listReads = server.listReads || !client.messages.empty();
            }
        }
        if (raw && plain)
        {
            throw ScenarioError(doc.Where("app." + raw->name, "raw"),
                                "[app." + raw->name + "] raw: [app." + plain->name + "] sends nslab headers to the same " +
                                    server.TypeName() + " ([app." + server.name +
                                    "]), which reads either raw streams or nslab messages: set raw in all its "
                                    "clients or in none");
        }
        // A real program may be the client of a server no nslab client names: it sends no nslab header.
        server.raw = raw != nullptr || (!plain && s.HasProcesses());
    }
}

/**
 * A node that runs a real program has Linux's IP stack, in its namespace:
 * nslab's apps and its multicast forwarding run on simulated nodes only.
 */
void
CheckRealNodes(const Scenario& s, const IniDocument& doc)
{
    for (const auto& app : s.apps)
    {
        if (app.IsProcess() || !s.IsRealNode(app.node))
        {
            continue;
        }
        auto real = std::find_if(s.apps.begin(), s.apps.end(),
                                 [&](const AppSpec& a) { return a.IsProcess() && a.node == app.node; });
        throw ScenarioError(doc.Where("app." + app.name, "node"),
                            "[app." + app.name + "] node: " + app.node + " runs a real program ([app." + real->name +
                                "]), so its sockets are Linux's: run nslab's " + app.TypeName() +
                                " on another node, or the real program there");
    }
    for (const auto& [node, groups] : s.forwardGroups)
    {
        if (s.IsRealNode(node))
        {
            throw ScenarioError(doc.Where("node." + node, "forward_groups"),
                                "[node." + node + "] forward_groups: " + node +
                                    " runs a real program: Linux routes its multicast, not nslab");
        }
    }
}

/**
 * Every client socket without sport takes one of its node's ephemeral ports
 * (ns-3: 49152..65535, per transport); servers listening in that range, and
 * clients whose sport is there, take theirs. With none left, ns-3 cannot
 * connect the client and the run never ends.
 */
void
CheckEphemeralPorts(const Scenario& s, const IniDocument& doc)
{
    std::map<std::string, uint32_t> used; // "tcp alice" -> ports taken
    auto key = [](const AppSpec& a) { return std::string(a.transport == Transport::Tcp ? "tcp " : "udp ") + a.node; };
    for (const auto& app : s.apps)
    {
        uint16_t own = app.role == AppRole::Server ? app.port : app.sport;
        used[key(app)] += own >= 49152 ? 1 : 0;
    }
    for (const auto& app : s.apps)
    {
        if (app.role == AppRole::Client && app.transport != Transport::Icmp && app.sport == 0 &&
            ++used[key(app)] > kEphemeralPorts)
        {
            throw ScenarioError(doc.Where("app." + app.name, "node"),
                                "[app." + app.name + "] node: " + app.node + " has no " +
                                    (app.transport == Transport::Tcp ? "TCP" : "UDP") +
                                    " port left for this client: a node has " + std::to_string(kEphemeralPorts) +
                                    " ephemeral ports (ns-3 uses 49152..65535), one per client and one per "
                                    "server listening there");
        }
    }
}

void
CheckSubnets(const Scenario& s, const IniDocument& doc)
{
    for (size_t i = 0; i < s.links.size(); ++i)
    {
        for (size_t j = 0; j < i; ++j)
        {
            Subnet a = SubnetOf(s.links, i), b = SubnetOf(s.links, j);
            uint8_t prefix = std::min(a.prefix, b.prefix);
            uint32_t mask = ~((1u << (32 - prefix)) - 1);
            if ((a.network.Get() & mask) == (b.network.Get() & mask))
            {
                bool own[2] = {doc.Find("link." + s.links[i].name)->Find("subnet") != nullptr,
                               doc.Find("link." + s.links[j].name)->Find("subnet") != nullptr};
                // Name a subnet the file gives: this link's, else the other's.
                size_t at = own[0] || !own[1] ? 0 : 1;
                size_t links[2] = {i, j};
                Subnet subnets[2] = {a, b};
                auto show = [&](size_t k) {
                    std::ostringstream text;
                    text << subnets[k].network << "/" << int(subnets[k].prefix) << (own[k] ? "" : " (the default)");
                    return text.str();
                };
                std::string text = "[link." + s.links[links[at]].name + "] subnet: " + show(at) + " overlaps " +
                                   show(1 - at) + " of [link." + s.links[links[1 - at]].name + "]";
                throw ScenarioError(doc.Where("link." + s.links[links[at]].name, "subnet"), text);
            }
        }
    }
}

/** Reads [link.NAME.FROM->TO]: the impairments of one direction, over the link's. */
void
LoadDirection(const IniSection& section, std::vector<LinkSpec>& links)
{
    std::string rest = section.name.substr(5); // after "link."
    size_t dot = rest.find('.');
    std::string linkName = rest.substr(0, dot), direction = rest.substr(dot + 1);
    size_t arrow = direction.find("->");
    std::string label = "[" + section.name + "] ";
    std::vector<std::string> names;
    LinkSpec* link = nullptr;
    for (auto& l : links)
    {
        names.push_back(l.name);
        link = l.name == linkName ? &l : link;
    }
    if (!link)
    {
        throw ScenarioError(section.where, label + "no link '" + linkName + "'" + Hint(linkName, names) +
                                               "; direction sections are [link.NAME.FROM->TO]");
    }
    std::string from = arrow == std::string::npos ? "" : direction.substr(0, arrow);
    std::string to = arrow == std::string::npos ? "" : direction.substr(arrow + 2);
    auto members = MembersOf(*link);
    for (const auto& node : {from, to})
    {
        if (std::count(members.begin(), members.end(), node) == 0)
        {
            throw ScenarioError(section.where,
                                label + (arrow == std::string::npos
                                             ? "expected a direction FROM->TO, e.g. [link." + linkName + "." +
                                                   members[0] + "->" + members[1] + "]"
                                             : "'" + node + "' is not on link " + linkName + Hint(node, members) +
                                                   " (nodes: " + Join(members, " ") + ")"));
        }
    }
    if (!link->Carries(from, to))
    {
        throw ScenarioError(section.where, label + (from == to ? "a direction joins two different nodes"
                                                               : "in a WiFi cell, frames go between the access point '" +
                                                                     link->ap + "' and a station"));
    }
    SectionReader reader(section, "direction sections", "direction");
    DirectionSpec spec{from, to, ReadImpairments(reader, link->impairments, true)};
    if (link->type == LinkType::Wifi)
    {
        CheckWifiLoss(reader, spec.impairments);
    }
    const auto& queue = spec.impairments.queue;
    const auto& linkQueue = link->impairments.queue;
    if (queue && linkQueue && queue->bytes != linkQueue->bytes)
    {
        reader.Fail("queue", std::string("a link's queues count in one unit: [link.") + link->name + "] counts " +
                                 (linkQueue->bytes ? "bytes" : "packets"));
    }
    for (const auto& other : link->directions)
    {
        if (queue && other.impairments.queue && queue->bytes != other.impairments.queue->bytes)
        {
            reader.Fail("queue", "a link's queues count in one unit: [link." + link->name + "." + other.from + "->" +
                                     other.to + "] counts " + (other.impairments.queue->bytes ? "bytes" : "packets"));
        }
    }
    link->directions.push_back(spec);
}

/** Writes netem's keys; a direction also writes its rate. */
void
WriteImpairments(std::ostream& out, const Impairments& imp, bool direction)
{
    out << "delay = " << FormatTime(imp.delay.GetNanoSeconds()) << "\njitter = " << FormatTime(imp.jitter.GetNanoSeconds())
        << "\ndistribution = " << DistributionName(imp.distribution) << "\nreorder = " << (imp.reorder ? "true" : "false")
        << "\n";
    if (imp.burst && imp.meanBurst == 0)
    {
        const auto& ge = *imp.burst;
        out << "gilbert = " << FormatRatio(ge.p) << " " << FormatRatio(ge.r) << " " << FormatRatio(ge.badLoss) << " "
            << FormatRatio(ge.goodLoss) << "\n";
    }
    else
    {
        out << "loss = " << FormatRatio(imp.loss) << "\n";
        if (imp.meanBurst > 0)
        {
            out << "loss_burst = " << FormatNumber(imp.meanBurst) << "\n";
        }
    }
    if (!imp.drop.empty())
    {
        out << "drop =";
        for (uint64_t n : imp.drop)
        {
            out << " " << n;
        }
        out << "\n";
    }
    out << "corrupt = " << FormatRatio(imp.corrupt) << "\nduplicate = " << FormatRatio(imp.duplicate) << "\n";
    if (imp.queue)
    {
        out << "queue = " << FormatQueue(*imp.queue) << "\n";
    }
    if (direction && imp.rate > 0)
    {
        out << "rate = " << FormatRate(imp.rate) << "\n";
    }
}

} // namespace

const std::vector<std::pair<std::string, std::string>>&
TcpCongestions()
{
    static const std::vector<std::pair<std::string, std::string>> table{
        {"newreno", "ns3::TcpNewReno"},     {"linuxreno", "ns3::TcpLinuxReno"}, {"cubic", "ns3::TcpCubic"},
        {"bbr", "ns3::TcpBbr"},             {"bic", "ns3::TcpBic"},             {"highspeed", "ns3::TcpHighSpeed"},
        {"htcp", "ns3::TcpHtcp"},           {"hybla", "ns3::TcpHybla"},         {"illinois", "ns3::TcpIllinois"},
        {"ledbat", "ns3::TcpLedbat"},       {"lp", "ns3::TcpLp"},               {"scalable", "ns3::TcpScalable"},
        {"vegas", "ns3::TcpVegas"},         {"veno", "ns3::TcpVeno"},           {"westwood", "ns3::TcpWestwood"},
        {"yeah", "ns3::TcpYeah"}};
    return table;
}

std::string
PeerHost(const Peer& peer)
{
    switch (peer.kind)
    {
    case PeerKind::Node:
        return peer.node + (peer.iface.empty() ? "" : "." + peer.iface);
    case PeerKind::Broadcast:
        return peer.address.empty() ? "broadcast" : peer.address;
    case PeerKind::Address:
    case PeerKind::Group:
        return peer.address;
    }
    return "";
}

std::string
PeerText(const Peer& peer)
{
    std::string host = PeerHost(peer);
    return (peer.IsV6() ? "[" + host + "]" : host) + ":" + std::to_string(peer.port);
}

bool
Receives(const Scenario& s, const AppSpec& client, const AppSpec& server)
{
    if (client.IsProcess() || server.IsProcess())
    {
        return false; // what a real program sends is its own affair
    }
    if (client.role != AppRole::Client || server.role != AppRole::Server || client.transport != server.transport ||
        client.peer.port != server.port)
    {
        return false;
    }
    switch (client.peer.kind)
    {
    case PeerKind::Node:
    case PeerKind::Address:
        return client.peer.node == server.node;
    case PeerKind::Broadcast: {
        // ns-3 sends a broadcast out, not back up to the sender's own sockets.
        auto members = MembersOf(s.links[client.peer.link]);
        return server.node != client.node && std::count(members.begin(), members.end(), server.node) > 0;
    }
    case PeerKind::Group: {
        if (server.node == client.node ||
            std::count(server.groups.begin(), server.groups.end(), client.peer.address) == 0)
        {
            return false;
        }
        GroupReach reach = ReachOfGroup(s.links, s.forwardGroups, client.peer.address, client.peer.link, client.node);
        for (size_t link : reach.links)
        {
            auto members = MembersOf(s.links[link]);
            if (std::count(members.begin(), members.end(), server.node))
            {
                return true;
            }
        }
        return false;
    }
    }
    return false;
}

std::string
AppSpec::TypeName() const
{
    if (transport == Transport::Process)
    {
        return "process";
    }
    if (transport == Transport::Icmp)
    {
        return maxHops ? "traceroute" : "ping";
    }
    return std::string(transport == Transport::Tcp ? "tcp" : "udp") + (role == AppRole::Client ? "-client" : "-server");
}

/**
 * Refuse a scenario whose clients together send more messages or datagrams
 * than one client may: each is a line of summary.json (messages) or an event
 * of the run, so several clients at the per-client bounds cost gigabytes.
 * Named at the last client's section, the one that passes the bound.
 */
void
CheckScenarioVolume(const Scenario& s, const IniDocument& doc)
{
    uint64_t messages = 0, bytes = 0, datagrams = 0;
    bool pacedTcp = false;
    for (const auto& app : s.apps)
    {
        if (app.role != AppRole::Client)
        {
            continue;
        }
        messages += app.messages.size();
        for (const auto& text : app.messages)
        {
            bytes += text.size();
        }
        bool paced = app.transport == Transport::Udp || app.paced || app.IsPing();
        datagrams += paced ? PlannedDatagrams(app, s.duration) : 0;
        pacedTcp = pacedTcp || app.paced;
        std::string why = messages > kMaxMessages     ? std::to_string(messages) + " messages"
                          : bytes > kMaxMessageBytes  ? std::to_string(bytes) + " bytes of messages"
                          : datagrams > kMaxDatagrams ? std::to_string(datagrams) +
                                                            (pacedTcp ? " datagrams and paced TCP messages" : " datagrams")
                                                      : "";
        if (!why.empty())
        {
            throw ScenarioError(doc.Where("app." + app.name, "type"),
                                "[app." + app.name + "] with the clients before it, the scenario's clients send " +
                                    why + "; nslab allows at most 200000 messages of 16 MiB in all and 10000000 "
                                    "datagrams per scenario (each message is a line of summary.json, each datagram "
                                    "events of the run)");
        }
    }
}

/** \return a point "X,Y" or "X,Y,Z" in metres (a number may end in m). */
ns3::Vector
ParsePoint(const std::string& text)
{
    std::vector<double> xyz;
    std::string rest = text;
    while (true)
    {
        size_t comma = rest.find(',');
        std::string word = rest.substr(0, comma);
        word.erase(0, word.find_first_not_of(' '));
        word.erase(word.find_last_not_of(' ') + 1);
        bool negative = !word.empty() && word[0] == '-';
        std::string magnitude = negative ? word.substr(1) : word;
        if (magnitude.empty())
        {
            throw ValueError("expected a point X,Y or X,Y,Z in metres such as '30,0', got '" + text + "'");
        }
        double value = magnitude.back() == 'm' ? ParseDistanceM(magnitude) : ParseNumber(magnitude);
        if (value > kMaxDistance)
        {
            throw ValueError("'" + word + "': a coordinate is at most 100000 m from the origin");
        }
        xyz.push_back(negative ? -value : value);
        if (comma == std::string::npos)
        {
            break;
        }
        rest = rest.substr(comma + 1);
    }
    if (xyz.size() < 2 || xyz.size() > 3)
    {
        throw ValueError("expected a point X,Y or X,Y,Z in metres such as '30,0', got '" + text + "'");
    }
    return ns3::Vector(xyz[0], xyz[1], xyz.size() == 3 ? xyz[2] : 0);
}

/** \return waypoints "T:X,Y ..." in ascending time. */
std::vector<std::pair<ns3::Time, ns3::Vector>>
ParseWaypoints(const std::string& text)
{
    std::vector<std::pair<ns3::Time, ns3::Vector>> points;
    for (const auto& word : SplitWords(text))
    {
        size_t colon = word.find(':');
        if (colon == std::string::npos)
        {
            throw ValueError("expected TIME:X,Y such as '20s:400,0', got '" + word + "'");
        }
        ns3::Time at = TimeOf(word.substr(0, colon));
        if (!points.empty() && at <= points.back().first)
        {
            throw ValueError("'" + word + "' is not later than the waypoint before it: times ascend");
        }
        points.emplace_back(at, ParsePoint(word.substr(colon + 1)));
    }
    if (points.empty())
    {
        throw ValueError("expected at least one waypoint TIME:X,Y such as '0s:5,0'");
    }
    return points;
}

/** \return a point as ParsePoint reads it. */
std::string
FormatPoint(const ns3::Vector& v)
{
    auto coordinate = [](double c) { return (c < 0 ? "-" : "") + FormatNumber(std::abs(c)); };
    return coordinate(v.x) + "," + coordinate(v.y) + "," + coordinate(v.z);
}

/** A [node.NAME]'s position or waypoints: only radios have a place. */
void
LoadPlace(const SectionReader& reader, const std::string& name, const Scenario& s, NodePlace& place)
{
    const char* key = reader.Has("position") ? "position" : "waypoints";
    if (reader.Has("position") && reader.Has("waypoints"))
    {
        reader.Fail("waypoints", "a node has a position or waypoints, not both");
    }
    bool radio = std::any_of(s.links.begin(), s.links.end(), [&](const LinkSpec& link) {
        return link.type == LinkType::Wifi &&
               (link.ap == name || std::count(link.nodes.begin(), link.nodes.end(), name));
    });
    if (!radio)
    {
        reader.Fail(key, name + " is on no WiFi link: positions place radios (wired links have their delay)");
    }
    if (reader.Has("position"))
    {
        place.position = reader.Get("position", ParsePoint, ns3::Vector());
    }
    else
    {
        place.waypoints = reader.Get("waypoints", ParseWaypoints, place.waypoints);
    }
}

/** The global routing key and RIP's timers. */
void
ReadRouting(const SectionReader& global, Scenario& s)
{
    s.routing = global.Get("routing", [](const std::string& v) { return ParseChoice(kRoutings, v); }, s.routing);
    struct Timer
    {
        const char* key;
        ns3::Time* value;
        ns3::Time max;
    };
    for (const Timer& timer : {Timer{"rip_update", &s.rip.update, ns3::Seconds(300)},
                               Timer{"rip_timeout", &s.rip.timeout, ns3::Seconds(1800)},
                               Timer{"rip_garbage", &s.rip.garbage, ns3::Seconds(1800)}})
    {
        if (global.Has(timer.key) && s.routing != Routing::Rip)
        {
            // Not an error, so that --set routing=static can compare a RIP scenario with the oracle.
            s.warnings.push_back(global.Section().Find(timer.key)->where.Str() + ": " + timer.key +
                                 " is a timer of routing = rip, and routing is " + ChoiceName(kRoutings, s.routing) +
                                 ": ignored");
        }
        *timer.value = global.Get(timer.key, TimeOf, *timer.value);
        if (*timer.value < ns3::MilliSeconds(100) || *timer.value > timer.max)
        {
            global.Fail(timer.key, "between 100ms and " + FormatTime(timer.max.GetNanoSeconds()));
        }
    }
    if (s.rip.timeout <= s.rip.update)
    {
        global.Fail(global.Has("rip_timeout") ? "rip_timeout" : "rip_update",
                    "a route must outlive an update period: rip_timeout > rip_update");
    }
}

/** A [node.NAME] section: settings of one node of the links. */
void
LoadNode(const IniSection& section, const std::string& name, const std::vector<InterfacePlan>& plan, Scenario& s)
{
    SectionReader reader(section, "nodes", "node");
    std::vector<std::string> nodes;
    for (const auto& iface : plan)
    {
        if (std::find(nodes.begin(), nodes.end(), iface.node) == nodes.end())
        {
            nodes.push_back(iface.node);
        }
    }
    if (std::find(nodes.begin(), nodes.end(), name) == nodes.end())
    {
        throw ScenarioError(section.where, "[" + section.name + "] no link has a node '" + name + "'" + Hint(name, nodes));
    }
    if (reader.Has("capture"))
    {
        s.nodeCapture[name] = reader.Get("capture", ParseCapture, Capture::Full);
    }
    if (reader.Has("position") || reader.Has("waypoints"))
    {
        LoadPlace(reader, name, s, s.places[name]);
    }
    if (reader.Has("forward_groups"))
    {
        std::set<size_t> links;
        for (const auto& iface : plan)
        {
            if (iface.node == name)
            {
                links.insert(iface.link);
            }
        }
        if (links.size() < 2)
        {
            reader.Fail("forward_groups", name + " is on one link: a router forwards groups between its links");
        }
        auto groups = reader.Get("forward_groups", ParseGroups, std::vector<std::string>{});
        for (const auto& group : groups)
        {
            bool v6 = group.find(':') != std::string::npos;
            if (!Speaks(s.ip, v6))
            {
                reader.Fail("forward_groups", group + " is an " + FamilyName(v6) + " group, and the scenario has no " +
                                                  FamilyName(v6) + " (ip = " + IpVersionName(s.ip) + ")");
            }
        }
        s.forwardGroups[name] = groups;
    }
}

namespace
{

/** The keys an event may change: what a running link can change. */
const std::vector<std::string> kEventKeys{"state",   "rate", "delay",      "jitter",  "distribution", "reorder",
                                          "loss",    "loss_burst", "gilbert", "corrupt", "duplicate"};

bool
IsEventSection(const IniSection& section)
{
    return section.name == "event" || section.name.rfind("event.", 0) == 0;
}

/** \brief Set one KEY = VALUE line of an event in the document, as --set would, at the event's line. */
void
ApplyEventLine(IniDocument& doc, const IniSection& event, const IniEntry& line)
{
    std::string label = "[" + event.name + "] " + line.key;
    size_t dot = line.key.rfind('.');
    std::string sectionName = dot == std::string::npos ? "" : line.key.substr(0, dot);
    std::string key = line.key.substr(dot == std::string::npos ? 0 : dot + 1);
    if (sectionName.rfind("link.", 0) != 0)
    {
        throw ScenarioError(line.where, label + ": an event sets link keys as --set writes them, e.g. "
                                                "link.lan.loss = 20% or link.lan.alice->bob.delay = 50ms");
    }
    if (std::count(kEventKeys.begin(), kEventKeys.end(), key) == 0)
    {
        throw ScenarioError(line.where, label + ": '" + key + "' cannot change during a run" +
                                            Hint(key, kEventKeys) + "; events change " + Join(kEventKeys));
    }
    IniSection* section = doc.Find(sectionName);
    std::string linkName = sectionName.substr(5, sectionName.find('.', 5) - 5);
    if (!section && sectionName.find("->") != std::string::npos && doc.Find("link." + linkName))
    {
        doc.sections.push_back({sectionName, line.where, {}, ""}); // a direction the file did not write yet
        section = &doc.sections.back();
    }
    if (!section)
    {
        std::vector<std::string> links;
        for (const auto& s : doc.sections)
        {
            if (s.name.rfind("link.", 0) == 0)
            {
                links.push_back(s.name);
            }
        }
        throw ScenarioError(line.where, label + ": no section [" + sectionName + "]" +
                                            Hint(sectionName, links, "[", "]"));
    }
    for (auto& entry : section->entries)
    {
        if (entry.key == key)
        {
            entry = {key, line.value, line.where};
            return;
        }
    }
    section->entries.push_back({key, line.value, line.where});
}

Scenario LoadFrozen(const IniDocument& doc);

/**
 * \return the events of a scenario in time order: each applies its lines to
 * the document as the events before it left it, and the links are loaded
 * again, so that every value is checked as the same key in the file is.
 */
std::vector<EventSpec>
LoadEvents(const std::vector<IniSection>& sections, const IniDocument& base, const Scenario& s)
{
    std::vector<std::pair<ns3::Time, const IniSection*>> order;
    for (const auto& section : sections)
    {
        std::string name = section.name.size() > 6 ? section.name.substr(6) : "";
        if (!IsName(name))
        {
            throw ScenarioError(section.where, "bad name '" + name + "' in [" + section.name + "]: " + kNameRule);
        }
        const IniEntry* at = section.Find("at");
        if (!at)
        {
            throw ScenarioError(section.where, "[" + section.name + "] missing key 'at': when the event happens");
        }
        ns3::Time when;
        try
        {
            when = TimeOf(at->value);
        }
        catch (const ValueError& e)
        {
            throw ScenarioError(at->where, "[" + section.name + "] at: " + e.what());
        }
        if (when.IsZero() || when >= s.duration)
        {
            throw ScenarioError(at->where, "[" + section.name + "] at: an event happens during the run, after 0s and "
                                                "before the end (duration = " +
                                                FormatTime(s.duration.GetNanoSeconds()) + ")");
        }
        if (section.entries.size() < 2)
        {
            throw ScenarioError(section.where, "[" + section.name + "] changes nothing: add lines such as "
                                                                    "link.lan.loss = 20% or link.lan.state = down");
        }
        order.emplace_back(when, &section);
    }
    std::stable_sort(order.begin(), order.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<EventSpec> events;
    IniDocument now = base;
    // Events change links only: their states load without the apps, in time linear in the links.
    now.sections.erase(std::remove_if(now.sections.begin() + 1, now.sections.end(),
                                      [](const IniSection& section) { return section.name.rfind("app.", 0) == 0; }),
                       now.sections.end());
    for (const auto& [when, section] : order)
    {
        EventSpec event{section->name.substr(6), when, {}, {}};
        for (const auto& line : section->entries)
        {
            if (line.key != "at")
            {
                ApplyEventLine(now, *section, line);
                event.changes.emplace_back(line.key, line.value);
            }
        }
        event.links = LoadFrozen(now).links;
        events.push_back(std::move(event));
    }
    return events;
}

} // namespace

Scenario
LoadScenario(const IniDocument& doc)
{
    IniDocument base = doc;
    std::vector<IniSection> events;
    std::copy_if(doc.sections.begin(), doc.sections.end(), std::back_inserter(events), IsEventSection);
    base.sections.erase(std::remove_if(base.sections.begin(), base.sections.end(), IsEventSection),
                        base.sections.end());
    Scenario s = LoadFrozen(base);
    s.events = LoadEvents(events, base, s);
    return s;
}

namespace
{

/** \return the scenario without its events. */
Scenario
LoadFrozen(const IniDocument& doc)
{
    Scenario s;
    s.file = doc.file;
    SectionReader global(doc.sections[0], "", "global");
    if (global.Has("include"))
    {
        // The file reader takes the file's includes; what is left came from --set.
        global.Fail("include", "--set cannot include a file: write include = ... in the scenario");
    }
    std::string stem = doc.file.substr(doc.file.find_last_of('/') + 1);
    s.name = global.Get("name", [](const std::string& v) { return v; }, stem.substr(0, stem.rfind(".ini")));
    if (s.name.empty() || !std::isalnum(static_cast<unsigned char>(s.name[0])) ||
        s.name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != std::string::npos)
    {
        const char* rule = "a scenario name starts with a letter or digit and has letters, digits, '_', '-' and '.' "
                           "(it names the results folder)";
        if (!global.Has("name"))
        {
            // The name comes from the file's name: say so, not "name:", which the file does not have.
            throw ScenarioError({doc.file, 0}, "no name key, and the file name '" + EscapeText(stem) +
                                                   "' does not give a scenario name: " + rule + "; add name = ...");
        }
        global.Fail("name", rule);
    }
    s.duration = global.Get("duration", TimeOf, ns3::Seconds(10));
    if (s.duration.IsZero())
    {
        global.Fail("duration", "the run must last more than 0 s");
    }
    s.bin = global.Get("bin", TimeOf, ns3::MilliSeconds(100));
    if (!global.Has("bin") && s.bin > s.duration)
    {
        global.Fail("duration", s.duration < ns3::MilliSeconds(1)
                                    ? "a run lasts at least 1ms, the narrowest time bin of the throughput series"
                                    : FormatTime(s.duration.GetNanoSeconds()) +
                                          " is shorter than the default time bin of the throughput series "
                                          "(100ms): set bin = " + FormatTime(s.duration.GetNanoSeconds()) +
                                          " or less (at least 1ms)");
    }
    if (s.bin < ns3::MilliSeconds(1) || s.bin > s.duration)
    {
        global.Fail("bin", "the time bins of the throughput series are between 1ms and the duration");
    }
    const int64_t maxBins = 1000000; // rows of each app's throughput CSV
    if ((s.duration.GetNanoSeconds() + s.bin.GetNanoSeconds() - 1) / s.bin.GetNanoSeconds() > maxBins)
    {
        int64_t least = (s.duration.GetNanoSeconds() + maxBins - 1) / maxBins;
        global.Fail(global.Has("bin") ? "bin" : "duration",
                    FormatTime(s.duration.GetNanoSeconds()) + " in bins of " + FormatTime(s.bin.GetNanoSeconds()) +
                        " would make more than " + std::to_string(maxBins) +
                        " rows of throughput per app: set bin = " + FormatTime((least + 999999) / 1000000 * 1000000) +
                        " or more");
    }
    s.ip = global.Get("ip", ParseIpVersion, IpVersion::V4);
    s.capture = global.Get("capture", ParseCapture, Capture::Full);
    ReadRouting(global, s);
    // The range of each is checked from keys.cc; ns-3's MRG32k3a generator refuses seeds from its modulus
    // m2 = 4294944443 on. Read wide, so that any seed beyond the range gets the seed's own message.
    s.seed = static_cast<uint32_t>(global.Get("seed", ParseCount, uint64_t{1}));
    s.run = global.Get("run", ParseCount, uint32_t{1});
    std::vector<const IniSection*> appSections, directionSections, nodeSections;
    for (size_t i = 1; i < doc.sections.size(); ++i)
    {
        const IniSection& section = doc.sections[i];
        size_t dot = section.name.find('.');
        std::string kind = section.name.substr(0, dot);
        std::string name = dot == std::string::npos ? "" : section.name.substr(dot + 1);
        if (kind == "link" && name.find('.') != std::string::npos && IsName(name.substr(0, name.find('.'))))
        {
            directionSections.push_back(&section);
            continue;
        }
        if ((kind == "link" || kind == "app" || kind == "node") && !IsName(name))
        {
            throw ScenarioError(section.where, "bad name '" + name + "' in [" + section.name +
                                                   "]: " + kNameRule);
        }
        if (kind != "link" && kind != "app" && kind != "node")
        {
            throw ScenarioError(section.where, "unknown section [" + section.name + "]" +
                                                   Hint(kind, {"link", "app", "node", "event"}, "[", "." + name + "]") +
                                                   ": sections are [link.NAME], [node.NAME], [app.NAME] and [event.NAME]");
        }
        if (kind == "node")
        {
            nodeSections.push_back(&section);
        }
        else if (kind == "link")
        {
            s.links.push_back(LoadLink(section, name));
        }
        else
        {
            appSections.push_back(&section);
        }
    }
    // Directions first: one that names no link is reported at its own line.
    for (const IniSection* section : directionSections)
    {
        LoadDirection(*section, s.links);
    }
    if (s.links.empty())
    {
        throw ScenarioError({doc.file, 0}, "no [link.NAME] section: a scenario needs at least one link");
    }
    for (const auto& link : s.links)
    {
        if (s.ip != IpVersion::V4 && link.mtu < 1280)
        {
            throw ScenarioError(doc.Where("link." + link.name, "mtu"),
                                "[link." + link.name + "] mtu: IPv6 needs an MTU of at least 1280 bytes (ip = " +
                                    IpVersionName(s.ip) + ")");
        }
    }
    if (s.ip != IpVersion::V6) // IPv4 subnets are not used by IPv6-only hosts
    {
        CheckSubnets(s, doc);
    }
    std::vector<InterfacePlan> plan = PlanInterfaces(s.links);
    for (const IniSection* section : nodeSections)
    {
        LoadNode(*section, section->name.substr(5), plan, s);
    }
    for (const IniSection* section : appSections)
    {
        s.apps.push_back(
            LoadApp(*section, section->name.substr(4), plan, s.links, s.duration, doc.Where("", "duration"), s.ip,
                    doc.file));
    }
    CheckRealNodes(s, doc);
    PathFinder paths(s.links);
    CheckPorts(s, doc, paths);
    MarkServers(s, doc);
    for (auto& app : s.apps)
    {
        if (app.transport == Transport::Tcp)
        {
            size_t narrowest = FillTcpDefaults(s, app, paths);
            if (app.mss < 64)
            {
                // The MSS came from a link's MTU: name that key, which the file gives.
                const std::string& link = s.links[narrowest].name;
                throw ScenarioError(doc.Where("link." + link, "mtu"),
                                    "[link." + link + "] mtu: " + std::to_string(s.links[narrowest].mtu) +
                                        " bytes leave TCP segments of " + std::to_string(app.mss) + " bytes for [app." +
                                        app.name + "], and an MSS is at least 64: raise mtu by " +
                                        std::to_string(64 - app.mss) + (app.mss == 63 ? " byte" : " bytes") +
                                        " or more, or set mss in [app." + app.name + "]");
            }
        }
    }
    CheckEphemeralPorts(s, doc);
    CheckTcpSegments(s, doc);
    CheckScenarioVolume(s, doc);
    return s;
}

} // namespace

bool
Scenario::HasProcesses() const
{
    return std::any_of(apps.begin(), apps.end(), [](const AppSpec& a) { return a.IsProcess(); });
}

bool
Scenario::IsRealNode(const std::string& node) const
{
    return std::any_of(apps.begin(), apps.end(), [&](const AppSpec& a) { return a.IsProcess() && a.node == node; });
}

Scenario
LoadScenarioFile(const std::string& path, const std::vector<std::string>& overrides)
{
    IniDocument doc = ReadScenarioDocument(path);
    for (size_t i = 0; i < overrides.size(); ++i)
    {
        ApplyOverride(doc, overrides[i], static_cast<int>(i + 1));
    }
    ExpandAppRanges(doc); // after --set, which names the app sections as written
    return LoadScenario(doc);
}

std::string
ToIni(const Scenario& s)
{
    std::ostringstream out;
    auto time = [](ns3::Time t) { return FormatTime(t.GetNanoSeconds()); };
    out << "# " << s.name << kResolvedBy << s.file << "; every key explicit\n";
    out << "name = " << s.name << "\nduration = " << time(s.duration) << "\nip = " << IpVersionName(s.ip)
        << "\nseed = " << s.seed
        << "\nrun = " << s.run << "\nbin = " << time(s.bin) << "\ncapture = " << ChoiceName(kCaptures, s.capture)
        << "\nrouting = " << ChoiceName(kRoutings, s.routing) << "\n";
    if (s.routing == Routing::Rip)
    {
        out << "rip_update = " << time(s.rip.update) << "\nrip_timeout = " << time(s.rip.timeout)
            << "\nrip_garbage = " << time(s.rip.garbage) << "\n";
    }
    for (const auto& link : s.links)
    {
        out << "\n[link." << link.name << "]\ntype = " << LinkTypeNames()[static_cast<int>(link.type)] << "\n";
        if (link.type == LinkType::Wifi)
        {
            out << "ap = " << link.ap << "\nstandard = " << link.standard
                << "\ndistance = " << FormatDistance(link.distance) << "\n";
        }
        out << "nodes = " << Join(link.nodes, " ") << "\n";
        if (link.type != LinkType::Wifi)
        {
            out << "rate = " << FormatRate(link.rate.GetBitRate()) << "\n";
        }
        if (link.type == LinkType::Ethernet)
        {
            out << "medium = " << ChoiceName(kMedia, link.medium) << "\n";
        }
        if (link.capture)
        {
            out << "capture = " << ChoiceName(kCaptures, *link.capture) << "\n";
        }
        Subnet subnet = SubnetOf(s.links, static_cast<size_t>(&link - s.links.data()));
        out << "mtu = " << link.mtu << "\nsubnet = " << subnet.network << "/" << int(subnet.prefix) << "\n";
        if (link.type == LinkType::Wifi)
        {
            out << "retries = " << link.retries << "\nrate_control = " << link.rateControl << "\n"
                << (link.rateControl == "constant" ? "mode = " + link.mode + "\n" : "")
                << (link.channel ? "channel = " + std::to_string(*link.channel) + "\n" : "");
        }
        if (!link.up)
        {
            out << "state = down\n";
        }
        WriteImpairments(out, link.impairments, false);
        for (const auto& d : link.directions)
        {
            out << "\n[link." << link.name << "." << d.from << "->" << d.to << "]\n";
            WriteImpairments(out, d.impairments, true);
        }
    }
    std::set<std::string> nodes;
    for (const auto& [node, capture] : s.nodeCapture)
    {
        nodes.insert(node);
    }
    for (const auto& [node, groups] : s.forwardGroups)
    {
        nodes.insert(node);
    }
    for (const auto& [node, place] : s.places)
    {
        nodes.insert(node);
    }
    for (const auto& node : nodes)
    {
        out << "\n[node." << node << "]\n";
        if (s.nodeCapture.count(node))
        {
            out << "capture = " << ChoiceName(kCaptures, s.nodeCapture.at(node)) << "\n";
        }
        if (s.forwardGroups.count(node))
        {
            out << "forward_groups = " << Join(s.forwardGroups.at(node), " ") << "\n";
        }
        if (s.places.count(node) && s.places.at(node).position)
        {
            out << "position = " << FormatPoint(*s.places.at(node).position) << "\n";
        }
        else if (s.places.count(node))
        {
            std::vector<std::string> points;
            for (const auto& [at, point] : s.places.at(node).waypoints)
            {
                points.push_back(time(at) + ":" + FormatPoint(point));
            }
            out << "waypoints = " << Join(points, " ") << "\n";
        }
    }
    for (const auto& event : s.events)
    {
        out << "\n[event." << event.name << "]\nat = " << time(event.at) << "\n";
        for (const auto& [key, value] : event.changes)
        {
            out << key << " = " << value << "\n";
        }
    }
    if (!s.events.empty())
    {
        out << "\n# timeline\n";
        for (const auto& event : s.events)
        {
            for (const auto& [key, value] : event.changes)
            {
                out << "#   " << time(event.at) << "  " << event.name << ": " << key << " = " << value << "\n";
            }
        }
    }
    for (const auto& app : s.apps)
    {
        out << "\n[app." << app.name << "]\ntype = " << app.TypeName() << "\nnode = " << app.node << "\n"
            << (app.group.empty() ? "" : "member_of = " + app.group + "\n");
        if (app.IsProcess())
        {
            std::vector<std::string> env;
            std::transform(app.env.begin(), app.env.end(), std::back_inserter(env), QuoteWord);
            std::vector<std::string> words;
            for (const auto& word : SplitCommand(app.command))
            {
                words.push_back(QuoteWord(word)); // as written: placeholders stay, and an INI comment cannot cut it
            }
            out << "command = " << Join(words, " ") << "\nip = " << IpVersionName(app.ip) << "\ndir = " << app.dir
                << "\nstart = " << time(app.start) << "\n"
                << (app.stopGiven ? "stop = " + time(app.stop) + "\n" : "")
                << (env.empty() ? "" : "env = " + Join(env, " ") + "\n");
            continue;
        }
        if (app.transport == Transport::Icmp)
        {
            out << "peer = " << PeerHost(app.peer) << "\nip = " << IpVersionName(app.ip) << "\n";
            if (app.IsPing())
            {
                out << "count = " << app.count << "\ninterval = " << time(app.interval)
                    << "\nsize = " << FormatSize(app.size) << "\n";
            }
            else
            {
                out << "max_hops = " << app.maxHops << "\nprobes = " << app.probes << "\n";
            }
            out << "start = " << time(app.start) << "\nstop = " << time(app.stop) << "\n";
            continue;
        }
        if (app.role == AppRole::Client)
        {
            out << "peer = " << PeerText(app.peer) << "\nip = " << IpVersionName(app.ip) << "\n";
            if (!app.bind.empty())
            {
                out << "bind = " << app.bind << "\n";
            }
            if (app.sport)
            {
                out << "sport = " << app.sport << "\n";
            }
        }
        else
        {
            out << "port = " << app.port << "\n";
            if (!app.groups.empty())
            {
                out << "group = " << Join(app.groups, " ") << "\n";
            }
        }
        if (!app.messages.empty())
        {
            out << "messages = " << FormatMessages(app.messages) << "\n";
        }
        if (app.TypeName() == "tcp-client" && app.messages.empty() && !app.paced)
        {
            out << "bytes = " << FormatSize(app.bytes) << "\n";
        }
        if (app.TypeName() == "udp-client" || app.paced)
        {
            if (app.messages.empty())
            {
                out << "size = " << FormatSize(app.size) << "\ncount = " << app.count << "\n";
            }
            out << (app.rate ? "rate = " + FormatRate(app.rate) : "interval = " + time(app.interval)) << "\n";
        }
        if (app.role == AppRole::Client)
        {
            out << "raw = " << (app.raw ? "true" : "false") << "\nrtt = " << (app.rtt ? "true" : "false") << "\n";
        }
        else
        {
            out << "echo = " << (app.echo ? "true" : "false") << "\n";
        }
        if (app.TypeName() == "tcp-server")
        {
            out << "recv_size = " << FormatSize(app.recvSize) << "\n";
        }
        out << "start = " << time(app.start) << "\nstop = " << time(app.stop) << "\n";
        if (app.buffer)
        {
            out << "buffer = " << FormatSize(app.buffer) << "\n";
        }
        if (app.transport == Transport::Tcp)
        {
            out << "mss = " << app.mss << "\ncongestion = " << app.congestion << "\nsack = " << (app.sack ? "true" : "false")
                << "\ndelack = " << (app.delack ? "true" : "false") << "\ninitial_cwnd = " << app.initialCwnd
                << "\nmin_rto = " << time(app.minRto) << "\n";
        }
        if (app.chunk > 0)
        {
            out << "chunk = " << FormatSize(app.chunk) << "\n";
        }
    }
    return out.str();
}

} // namespace nslab
