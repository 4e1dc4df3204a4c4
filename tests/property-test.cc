// Property test: scenarios generated at random from the scenario keys (small
// topologies, every key sometimes at the edges of its range or just outside
// it) either are refused by `nslab check` with exit 2 and FILE:LINE, or run
// briefly with exit 0: never a signal, a hang or exit 1. A run's results must
// be whole (summary.json parses) and its resolved scenario.ini must reload and
// reprint identically.
//
// Each case is generated from its own seed, so a failing case is reproduced
// by its number; the failure prints the whole scenario text and the command.
//   NSLAB_PROPERTY_FIRST=N   first case (default 0)
//   NSLAB_PROPERTY_CASES=N   number of cases (default 80: about 40 s)
//   NSLAB_PROPERTY_TIMEOUT=S wall-clock bound of each nslab command (default 60)
//   NSLAB_PROPERTY_KEEP=DIR  keep the scenario file of every failing case there
//   NSLAB_PROPERTY_VERBOSE=1 print what check said of every case
#include "test-util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <regex>
#include <set>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nslab::test;

namespace
{

/** splitmix64: the same numbers on every platform (std distributions are not). */
class Rng
{
  public:
    explicit Rng(uint64_t seed)
        : m_state(seed)
    {
        m_state = Next(); // neighbouring seeds give unrelated sequences, not shifted ones
    }
    uint64_t Next()
    {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /** \return a number in 0..n-1 (n > 0). */
    uint64_t Below(uint64_t n) { return Next() % n; }
    /** \return a number in lo..hi. */
    uint64_t Between(uint64_t lo, uint64_t hi) { return lo + Below(hi - lo + 1); }
    bool Chance(double p) { return static_cast<double>(Next() >> 11) / 9007199254740992.0 < p; }
    template <typename T>
    const T& Pick(const std::vector<T>& v)
    {
        return v.at(Below(v.size()));
    }

  private:
    uint64_t m_state;
};

// Section kinds a key belongs to.
enum Kind : unsigned
{
    Global = 1,
    Ethernet = 2,
    P2p = 4,
    Wifi = 8,
    Direction = 16,
    TcpClient = 32,
    TcpServer = 64,
    UdpClient = 128,
    UdpServer = 256,
    Cell = 512, //!< a wifi link or one of its directions: loss and corrupt together at most 50 %
    Ping = 1024,
    Traceroute = 2048,
};
constexpr unsigned kLinks = Ethernet | P2p | Wifi;
constexpr unsigned kImpaired = kLinks | Direction;
constexpr unsigned kTcp = TcpClient | TcpServer;

/** The values one key is drawn from. */
struct KeySpec
{
    const char* key;
    unsigned kinds;
    std::vector<std::string> edges;   //!< its minimum and maximum (the loader accepts them)
    std::vector<std::string> typical; //!< ordinary values, in several spellings
    std::vector<std::string> outside; //!< just outside its range (the loader must refuse them)
};

const std::string kMaxNs = "1000000000000000ns";
// Drawn by Generator::AddressKeys from a stream of their own, not by TableKeys.
const std::set<std::string> kAddressKeys{"sport", "group"}; // 10^6 s: the longest time the loader takes (kMaxTimeNs)
// 18446744073709551609 is the largest whole number that parses (units.cc refuses a
// 20th digit that could overflow 64 bits), 18446744073709551610 the smallest refused.

/**
 * The keys whose values do not depend on the rest of the scenario, with
 * their ranges. This mirrors the loader (testbed/scenario.cc and
 * docs/scenario-format.md); keep it in step. Keys that depend on the
 * topology or on other keys (name, duration, bin, type, nodes, ap, subnet,
 * node, peer, port, ip of a client, bind, start, stop, messages, rtt, echo,
 * forward_groups) are drawn in Generator below, with their edges too. A
 * group of the table is refused where the scenario lacks its IP version.
 */
const std::vector<KeySpec>&
KeyTable()
{
    static const std::vector<KeySpec> table{
        // WiFi first: where both match a section, the first entry of a key counts.
        {"loss", Cell, {"0%", "50%", "0.000000001"}, {"1%", "5%", "0.2"}, {"50.0000001%"}},
        {"corrupt", Cell, {"0%", "50%"}, {"1%", "10%"}, {"50.1%"}},
        {"gilbert", Cell, {"0% 100%", "50% 50% 100% 0%", "100% 100% 50% 50%"}, {"1% 20%", "5% 30% 80% 1%"},
         {"100% 99% 100% 0%"}},
        {"seed", Global, {"1", "4294944442"}, {"7", "12345", "0042"}, {"0", "4294944443"}},
        {"run", Global, {"1", "4294967295"}, {"2", "99", "1000000"}, {"0", "4294967296"}},
        {"capture", Global | kLinks, {"full", "none"}, {"headers", "full"}, {"header", "Full", "all"}},
        {"medium", Ethernet, {"switched", "shared"}, {"switched", "shared"}, {"hub", "Switched"}},
        {"rate", Ethernet | P2p | Direction,
         {"1bps", "100Gbps"},
         {"10Mbps", "100Mbps", "1.5Mbps", "64Kbps", "1Gbps", "2500000bps"},
         {"0bps", "100000000001bps", "9223372036854775808bps", "0.5bps"}},
        {"mtu", Ethernet | P2p, {"68", "9000", "1280"}, {"1500", "576", "1500B", "1.5KB"}, {"67", "9001"}},
        {"mtu", Wifi, {"68", "2296", "1280"}, {"1500", "1400"}, {"67", "2297"}},
        {"standard", Wifi, {"802.11a", "802.11ax"}, {"802.11n", "802.11g", "802.11b", "802.11ac"}, {"802.11z"}},
        {"distance", Wifi, {"0m", "100km", "0.0000001m"}, {"10m", "1.5m", "25m", "0.02km"}, {"-1m", "10", "100.001km"}},
        {"retries", Wifi, {"0", "15"}, {"6", "3"}, {"16"}},
        {"delay", kImpaired, {"0s", kMaxNs, "1ns"}, {"5ms", "1.5ms", "20ms", "250us", ".1s"},
         {"9223372036854775808ns", "0.5ns"}},
        {"jitter", kImpaired, {"0s", "60s", "1ns"}, {"1ms", "2ms", "500us"}, {"60000000001ns"}},
        {"distribution", kImpaired, {"uniform", "pareto"}, {"normal", "uniform"}, {"gauss"}},
        {"reorder", kImpaired, {"true", "false"}, {"yes", "no", "1", "0"}, {"on"}},
        {"loss", kImpaired, {"0%", "100%", "0.000000001", "0.123456789123"}, {"1%", "5%", "0.2", "12.5%"},
         {"100.0001%", "1.01"}},
        {"loss_burst", kImpaired, {"1", "12345678901234.5", "1000000"}, {"2", "2.5", "5"}, {"0.999", "0"}},
        {"gilbert", kImpaired,
         {"0% 100%", "100% 100% 100% 100%", "0.000001% 0.000001%"},
         {"1% 20%", "5% 30% 80% 1%", "0.01 0.3 1"},
         {"1% 0%", "1%", "1% 2% 3% 4% 5%"}},
        {"drop", kImpaired, {"1", "18446744073709551609"}, {"3 7", "2", "1 2 3 4 5 6 7 8 9 10", "7 3 3"},
         {"0", "18446744073709551610", "3,7"}},
        {"corrupt", kImpaired, {"0%", "100%", "0.0000001%"}, {"1%", "10%", "0.05"}, {"101%"}},
        {"duplicate", kImpaired, {"0%", "100%"}, {"1%", "10%", "0.5"}, {"100.1%"}},
        {"queue", kImpaired, {"1", "1B", "18446744073709551609"}, {"30p", "30 packets", "64KB", "100", "1500B"},
         {"0", "0B"}},
        {"bytes", TcpClient, {"24", "9223372036854775807B"}, {"1MB", "100KB", "2906B", "1.5KiB"}, {"23B", "0"}},
        {"size", UdpClient, {"24", "65507"}, {"1000", "160B", "4000", "1.5KB"}, {"23", "65508"}},
        {"interval", UdpClient, {"1ns"}, {"20ms", "100ms", "1ms", "0.5ms"}, {"0s", "0.1ns"}},
        {"rate", UdpClient, {"1bps", "100Gbps"}, {"64Kbps", "1Mbps", "100Kbps"}, {"0bps", "100000000001bps"}},
        {"count", UdpClient, {"0", "1", "18446744073709551609"}, {"10", "100", "3"}, {"18446744073709551610", "-1"}},
        // A paced tcp-client: a message of size every interval (or at a rate), count of them.
        {"size", TcpClient, {"24", "16MiB"}, {"160B", "1000", "1448B", "64KiB"}, {"23", "16777217B"}},
        {"interval", TcpClient, {"1ns"}, {"20ms", "100ms", "1ms"}, {"0s", "0.1ns"}},
        {"rate", TcpClient, {"1bps", "100Gbps"}, {"64Kbps", "1Mbps"}, {"0bps", "100000000001bps"}},
        {"count", TcpClient, {"0", "1", "18446744073709551609"}, {"10", "100", "3"}, {"18446744073709551610"}},
        {"raw", TcpClient | UdpClient, {"true", "false"}, {"yes", "0", "false"}, {"maybe", "True"}},
        {"recv_size", TcpServer, {"1B", "16MiB"}, {"64KiB", "1448", "5B", "1MB"}, {"0B", "16777217B"}},
        {"buffer", kTcp | UdpServer, {"1KiB", "1GiB", "1024"}, {"128KiB", "250KB", "64KB"}, {"1023B", "1073741825"}},
        {"mss", kTcp, {"64", "65495"}, {"1448", "536", "1000B"}, {"63", "65496", "4294967296"}},
        {"chunk", TcpClient, {"1B", "4294967295B"}, {"100B", "1KB", "1448"}, {"0B", "4294967296B"}},
        {"congestion", kTcp, {"newreno", "yeah"},
         {"linuxreno", "cubic", "bbr", "bic", "highspeed", "htcp", "hybla", "illinois", "ledbat", "lp",
          "scalable", "vegas", "veno", "westwood"},
         {"reno", "CUBIC"}},
        {"sack", kTcp, {"true", "false"}, {"yes", "0"}, {"maybe"}},
        {"delack", kTcp, {"true", "false"}, {"no", "1"}, {"off"}},
        {"initial_cwnd", kTcp, {"1", "1000"}, {"10", "4", "2"}, {"0", "1001"}},
        {"min_rto", kTcp, {"1ms", "60s"}, {"200ms", "1s", "1000ms"}, {"999999ns", "60000000001ns"}},
        {"count", Ping, {"0", "1", "18446744073709551609"}, {"5", "3", "10"}, {"18446744073709551610", "-1"}},
        {"interval", Ping, {"1ns"}, {"1s", "200ms", "10ms", "0.5s"}, {"0s", "0.1ns"}},
        {"size", Ping, {"0", "65507"}, {"56", "64B", "1000", "1.5KB"}, {"65508", "-1"}},
        {"max_hops", Traceroute, {"1", "255"}, {"30", "5", "2"}, {"0", "256"}},
        {"probes", Traceroute, {"1", "10"}, {"3", "1", "2"}, {"0", "11"}},
        {"sport", TcpClient | UdpClient, {"1", "65535"}, {"40000", "5001", "1024"}, {"0", "65536"}},
        {"group", UdpServer, {"224.0.1.0", "239.255.255.255", "ff13::1", "ff1e::ffff"},
         {"239.1.1.1", "ff15::1", "239.1.1.1 ff15::1"}, {"224.0.0.1", "10.0.0.1", "ff02::1"}},
    };
    return table;
}

/** How a value is drawn: the generator's knobs, per case. */
struct Odds
{
    double present;  //!< that an optional key appears
    double edge;     //!< that it takes an edge of its range
    double outside;  //!< that it takes a value just outside
};

struct LinkPlan
{
    std::string name;
    std::string type;
    std::string ap;                 // wifi
    std::vector<std::string> nodes; // stations for wifi
    std::vector<std::string> Members() const
    {
        std::vector<std::string> m;
        if (!ap.empty())
        {
            m.push_back(ap);
        }
        m.insert(m.end(), nodes.begin(), nodes.end());
        return m;
    }
};

struct ServerPlan
{
    std::string type;
    std::string node;
    std::string port;
    bool echo;
};

/** Writes one scenario from its case number. */
class Generator
{
  public:
    /**
     * \param icmpApps also write ping and traceroute apps, and the address
     * keys (bind, sport, group, broadcast and group peers, forward_groups):
     * they come from random streams of their own, so that the rest of a case
     * is what it was before they existed (the found cases below).
     */
    explicit Generator(uint64_t caseNumber, bool icmpApps = true)
        : m_rng(caseNumber),
          m_icmpRng(caseNumber ^ 0x1C3Bu),
          m_addressRng(caseNumber ^ 0xADD2u),
          m_icmpApps(icmpApps)
    {
        // Some cases stay close to the loader's ranges, others push every key.
        static const std::vector<Odds> moods{{0.25, 0.2, 0.005}, {0.45, 0.4, 0.015}, {0.6, 0.5, 0.03}};
        m_odds = m_rng.Pick(moods);
    }

    std::string Text()
    {
        Globals();
        Links();
        Apps();
        if (m_icmpApps)
        {
            std::swap(m_rng, m_icmpRng); // every helper draws from m_rng
            IcmpApps();
            std::swap(m_rng, m_icmpRng);
        }
        if (m_icmpApps)
        {
            std::swap(m_rng, m_addressRng);
            Routers();
            std::swap(m_rng, m_addressRng);
        }
        return m_out.str();
    }

    /** Extra command-line options for run and check (a run number, sometimes; check has no --run). */
    std::vector<std::string> RunOptions()
    {
        if (m_rng.Chance(0.3))
        {
            return {"--set", "run=" + m_rng.Pick(std::vector<std::string>{"1", "4294967295", "2", "17"})};
        }
        return {};
    }

  private:
    Rng m_rng;
    Rng m_icmpRng;   //!< ping and traceroute apps only
    Rng m_addressRng; //!< the address keys only
    bool m_icmpApps; //!< see the constructor
    Odds m_odds;
    std::ostringstream m_out;
    std::string m_ip = "v4";
    int64_t m_durationNs = 1000000000;
    std::vector<LinkPlan> m_links;
    std::map<std::string, std::vector<std::string>> m_ifaces; // node -> eth0, ppp0, wlan0 ...
    std::string m_queueUnit;                                  // of the link being written

    void Line(const std::string& key, const std::string& value) { m_out << key << " = " << value << "\n"; }

    /** A value of a key of the table for this kind of section. */
    std::string Draw(const std::string& key, unsigned kind)
    {
        for (const auto& spec : KeyTable())
        {
            if (spec.key == key && (spec.kinds & kind))
            {
                return Draw(spec.edges, spec.typical, spec.outside);
            }
        }
        throw std::logic_error("no key " + key + " in the table");
    }

    std::string Draw(const std::vector<std::string>& edges, const std::vector<std::string>& typical,
                     const std::vector<std::string>& outside)
    {
        if (!outside.empty() && m_rng.Chance(m_odds.outside))
        {
            return m_rng.Pick(outside);
        }
        if (!edges.empty() && m_rng.Chance(m_odds.edge))
        {
            return m_rng.Pick(edges);
        }
        return m_rng.Pick(typical);
    }

    /** Optional keys of the table for this kind, each present with the case's odds. */
    void TableKeys(unsigned kind, std::set<std::string> skip = {})
    {
        skip.insert(kAddressKeys.begin(), kAddressKeys.end()); // see AddressKeys
        std::set<std::string> done;
        if ((kind & kImpaired) && !m_rng.Chance(m_odds.outside))
        {
            // One loss model per section: loss (with loss_burst) or gilbert; in a
            // WiFi cell, corrupt counts with them.
            uint64_t model = m_rng.Below(kind & Cell ? 3 : 2);
            skip.insert(model == 0 ? "gilbert" : "loss");
            skip.insert(model == 0 ? "gilbert" : "loss_burst");
            if (model == 2)
            {
                skip = {"loss", "loss_burst", "gilbert"};
            }
            else if (kind & Cell)
            {
                skip.insert("corrupt");
            }
        }
        for (const auto& spec : KeyTable())
        {
            if ((spec.kinds & kind) && !skip.count(spec.key) && !done.count(spec.key) &&
                m_rng.Chance(m_odds.present))
            {
                done.insert(spec.key);
                std::string value = Draw(spec.edges, spec.typical, spec.outside);
                for (int tries = 0; spec.key == std::string("queue") && tries < 20 && !SameQueueUnit(value); ++tries)
                {
                    value = Draw(spec.edges, spec.typical, spec.outside);
                }
                Line(spec.key, value);
            }
        }
    }

    /** The address keys of the table for this kind, from their own stream (see the constructor). */
    void AddressKeys(unsigned kind)
    {
        if (!m_icmpApps)
        {
            return;
        }
        std::swap(m_rng, m_addressRng);
        for (const auto& spec : KeyTable())
        {
            if ((spec.kinds & kind) && kAddressKeys.count(spec.key) && m_rng.Chance(m_odds.present))
            {
                Line(spec.key, Draw(spec.edges, spec.typical, spec.outside));
            }
        }
        std::swap(m_rng, m_addressRng);
    }

    /** A link's queues count in one unit: the first queue of a link sets it (mostly). */
    bool SameQueueUnit(const std::string& value)
    {
        bool bytes = value.find('B') != std::string::npos;
        if (m_queueUnit.empty())
        {
            m_queueUnit = bytes ? "bytes" : "packets";
        }
        return (m_queueUnit == "bytes") == bytes || m_rng.Chance(m_odds.outside);
    }

    static std::string Ns(int64_t ns) { return std::to_string(ns) + "ns"; }

    std::string Name(const std::string& base)
    {
        if (m_rng.Chance(m_odds.outside / 2))
        {
            return m_rng.Pick(std::vector<std::string>{std::string(65, 'x'), "1" + base, base + ".x"});
        }
        if (m_rng.Chance(0.05))
        {
            return base + std::string(64 - base.size(), 'z'); // the longest name
        }
        return base;
    }

    void Globals()
    {
        if (m_rng.Chance(0.7))
        {
            Line("name", m_rng.Chance(m_odds.outside) ? m_rng.Pick(std::vector<std::string>{"..", "_a", "a b"})
                                                      : m_rng.Pick(std::vector<std::string>{"p", "9", "prop.case-1"}));
        }
        // Short runs: at most 2 s of simulated time; 1ms is the shortest a bin allows.
        std::vector<int64_t> durations{1000000, 2000000000, 1000000000, 500000000, 1500000000, 300000000};
        m_durationNs = m_rng.Pick(durations);
        std::string duration = m_rng.Chance(0.5) ? Ns(m_durationNs) : std::to_string(m_durationNs / 1000000) + "ms";
        if (m_rng.Chance(m_odds.outside))
        {
            duration = m_rng.Pick(std::vector<std::string>{"0s", "1ns", "999us"});
        }
        Line("duration", duration);
        if (m_rng.Chance(m_odds.present) || m_durationNs < 100000000)
        {
            Line("bin", Draw({"1ms", Ns(m_durationNs)}, {m_durationNs >= 100000000 ? "100ms" : "1ms", "1000us"},
                             {"999us", Ns(m_durationNs + 1)}));
        }
        if (m_rng.Chance(0.6))
        {
            m_ip = m_rng.Pick(std::vector<std::string>{"v4", "v6", "dual"});
            Line("ip", m_rng.Chance(m_odds.outside) ? "V4" : m_ip);
        }
        TableKeys(Global);
        m_out << "\n";
    }

    std::string Mtu(unsigned kind)
    {
        // IPv6 needs 1280: keep most IPv6 cases runnable, but the edge stays reachable.
        if (m_ip != "v4" && !m_rng.Chance(m_odds.outside))
        {
            return Draw({"1280", (kind & Wifi) ? "2296" : "9000"}, {"1500", "1400"}, {"1279"});
        }
        return Draw("mtu", kind);
    }

    void Links()
    {
        static const std::vector<std::string> names{"alice", "bob", "carol", "dave", "erin"};
        size_t nodeCount = m_rng.Between(2, 5);
        std::vector<std::string> nodes(names.begin(), names.begin() + nodeCount);
        if (m_rng.Chance(0.05))
        {
            nodes[0] = "n" + std::string(63, 'a'); // the longest node name
        }
        size_t linkCount = m_rng.Between(1, 3);
        std::vector<std::string> placed;
        for (size_t i = 0; i < linkCount; ++i)
        {
            LinkPlan link;
            link.name = Name("l" + std::to_string(i + 1));
            link.type = m_rng.Pick(std::vector<std::string>{"ethernet", "p2p", "wifi"});
            // Each later link joins one node already placed (a router) to others.
            std::vector<std::string> pool = nodes;
            std::vector<std::string> members;
            if (!placed.empty() && m_rng.Chance(0.9))
            {
                members.push_back(m_rng.Pick(placed));
            }
            size_t want = link.type == "p2p" ? 2 : m_rng.Between(2, std::min<size_t>(4, nodeCount));
            for (size_t tries = 0; members.size() < want && tries < 20; ++tries)
            {
                const std::string& n = m_rng.Pick(pool);
                if (std::find(members.begin(), members.end(), n) == members.end())
                {
                    members.push_back(n);
                }
            }
            if (members.size() < 2)
            {
                continue;
            }
            if (link.type == "wifi")
            {
                link.ap = members[0];
                link.nodes.assign(members.begin() + 1, members.end());
            }
            else
            {
                link.nodes = members;
            }
            for (const auto& m : members)
            {
                if (std::find(placed.begin(), placed.end(), m) == placed.end())
                {
                    placed.push_back(m);
                }
            }
            m_links.push_back(link);
        }
        for (size_t i = 0; i < m_links.size(); ++i)
        {
            WriteLink(i);
        }
    }

    void WriteLink(size_t index)
    {
        const LinkPlan& link = m_links[index];
        unsigned kind = link.type == "ethernet" ? Ethernet : link.type == "p2p" ? P2p : Wifi | Cell;
        m_queueUnit.clear();
        std::string prefix = link.type == "ethernet" ? "eth" : link.type == "p2p" ? "ppp" : "wlan";
        for (const auto& m : link.Members())
        {
            auto& list = m_ifaces[m];
            size_t n = std::count_if(list.begin(), list.end(),
                                     [&](const std::string& f) { return f.rfind(prefix, 0) == 0 && std::isdigit(f[prefix.size()]); });
            list.push_back(prefix + std::to_string(n));
        }
        m_out << "[link." << link.name << "]\n";
        Line("type", link.type);
        std::string nodes;
        for (const auto& n : link.nodes)
        {
            nodes += (nodes.empty() ? "" : m_rng.Chance(0.1) ? " \t " : " ") + n;
        }
        if (m_rng.Chance(m_odds.outside / 2))
        {
            nodes += " " + link.nodes[0]; // a name twice
        }
        Line("nodes", nodes);
        if (kind & Wifi)
        {
            Line("ap", link.ap);
        }
        if (m_rng.Chance(m_odds.present))
        {
            Line("mtu", Mtu(kind));
        }
        if (m_rng.Chance(m_odds.present / 2))
        {
            // Private prefixes that do not overlap the default 10.0.N.0/24 of other links.
            size_t members = link.Members().size();
            std::string third = std::to_string(index + 1);
            Line("subnet", Draw({"192.168." + third + ".0/30", "172.16.0.0/12", "192.168." + third + ".252/30"},
                                {"192.168." + third + ".0/24", "172.20." + third + ".0/28"},
                                {"192.168." + third + ".0/31", "192.168." + third + ".1/24", "10.0.0.0/8",
                                 members > 2 ? "192.168." + third + ".0/30" : "127.0.0.0/8"}));
        }
        TableKeys(kind, {"mtu"});
        m_out << "\n";
        size_t directions = m_rng.Chance(m_odds.present) ? m_rng.Between(1, 2) : 0;
        std::set<std::string> written;
        for (size_t d = 0; d < directions; ++d)
        {
            std::vector<std::string> members = link.Members();
            std::string from, to;
            if (kind & Wifi)
            {
                from = link.ap;
                to = m_rng.Pick(link.nodes);
                if (m_rng.Chance(0.5))
                {
                    std::swap(from, to);
                }
            }
            else
            {
                from = m_rng.Pick(members);
                do
                {
                    to = m_rng.Pick(members);
                } while (to == from);
            }
            if (!written.insert(from + "->" + to).second)
            {
                continue; // each section once
            }
            m_out << "[link." << link.name << "." << from << "->" << to << "]\n";
            TableKeys(Direction | (kind & Cell));
            m_out << "\n";
        }
    }

    std::vector<std::string> AllNodes() const
    {
        std::vector<std::string> all;
        for (const auto& [node, ifaces] : m_ifaces)
        {
            all.push_back(node);
        }
        return all;
    }

    std::string Messages(bool udp)
    {
        static const std::vector<std::string> words{"hi", "bye", "\"how are you\"", "\"room #1; door 2\"",
                                                    "héllo", "日本語", "x#y", "😀", "a"};
        if (m_rng.Chance(m_odds.edge / 4))
        {
            // The largest text a datagram holds (65507 - 24), or one byte more.
            size_t n = udp && m_rng.Chance(0.5 + m_odds.outside) ? 65484 : 65483;
            return std::string(n, 'm');
        }
        if (m_rng.Chance(m_odds.outside / 2))
        {
            return m_rng.Pick(std::vector<std::string>{"hi \"\"", "\"open"});
        }
        std::string text;
        size_t n = m_rng.Between(1, 6);
        for (size_t i = 0; i < n; ++i)
        {
            text += (text.empty() ? "" : " ") + m_rng.Pick(words);
        }
        return text;
    }

    /** start and stop of an app: edges are 0, the last ns before the end, and the largest time. */
    void StartStop(bool client)
    {
        int64_t start = 0;
        if (client || m_rng.Chance(m_odds.present))
        {
            // Clients start at 1s by default, after the end of the shorter runs: give start.
            std::vector<int64_t> edges{0, m_durationNs - 1}, typical{m_durationNs / 10, m_durationNs / 4};
            bool outside = m_rng.Chance(m_odds.outside);
            start = outside ? m_durationNs : m_rng.Chance(m_odds.edge) ? m_rng.Pick(edges) : m_rng.Pick(typical);
            Line("start", start == 0 && m_rng.Chance(0.5) ? "0s" : Ns(start));
        }
        if (m_rng.Chance(m_odds.present))
        {
            Line("stop", Draw({Ns(start + 1), Ns(m_durationNs), kMaxNs}, {Ns(start + std::max<int64_t>(1, (m_durationNs - start) / 2))},
                              {Ns(start), "9223372036854775808ns"}));
        }
    }

    std::string ClientIp()
    {
        if (m_rng.Chance(m_odds.outside))
        {
            return m_rng.Pick(std::vector<std::string>{"dual", m_ip == "v4" ? "v6" : "v5"});
        }
        if (m_ip == "dual")
        {
            return m_rng.Pick(std::vector<std::string>{"v4", "v6"});
        }
        return m_ip;
    }

    void Apps()
    {
        std::vector<std::string> nodes = AllNodes();
        size_t count = m_rng.Between(1, 4);
        std::vector<ServerPlan> servers;
        std::vector<std::string> clients;
        for (size_t i = 0; i < count; ++i)
        {
            std::string type =
                m_rng.Pick(std::vector<std::string>{"tcp-client", "tcp-server", "udp-client", "udp-server"});
            bool client = type.find("client") != std::string::npos;
            // A client wants a server: half the time, write one for it first.
            if (client && m_rng.Chance(0.6))
            {
                WriteServer(i, type.substr(0, 3) + "-server", nodes, servers);
            }
            m_out << "[app." << Name("a" + std::to_string(i + 1)) << "]\n";
            Line("type", type);
            std::string node = m_rng.Pick(nodes);
            Line("node", node);
            if (client)
            {
                WriteClient(type, servers, node);
            }
            else
            {
                WriteServerKeys(type, servers);
            }
            m_out << "\n";
        }
    }

    /** Up to two ping or traceroute apps; a fast ping comes with a count of at most 1000. */
    void IcmpApps()
    {
        size_t count = m_rng.Below(3);
        for (size_t i = 0; i < count; ++i)
        {
            std::string type = m_rng.Pick(std::vector<std::string>{"ping", "traceroute"});
            m_out << "[app." << Name("i" + std::to_string(i + 1)) << "]\n";
            Line("type", type);
            Line("node", m_rng.Pick(AllNodes()));
            std::string peer = m_rng.Pick(AllNodes());
            if (m_rng.Chance(0.3))
            {
                peer += "." + m_rng.Pick(m_ifaces.at(peer)); // NODE.IFACE
            }
            Line("peer", m_rng.Chance(m_odds.outside) ? peer + ":7" : peer);
            if (m_rng.Chance(m_odds.present))
            {
                Line("ip", ClientIp());
            }
            StartStop(true);
            if (type == "traceroute")
            {
                TableKeys(Traceroute);
                m_out << "\n";
                continue;
            }
            std::string interval = Draw("interval", Ping);
            bool fast = interval.find("ns") != std::string::npos;
            if (fast || m_rng.Chance(m_odds.present))
            {
                Line("interval", interval);
            }
            if (fast)
            {
                Line("count", m_rng.Pick(std::vector<std::string>{"1", "1000", "10"}));
            }
            TableKeys(Ping, fast ? std::set<std::string>{"interval", "count"} : std::set<std::string>{"interval"});
            m_out << "\n";
        }
    }

    void WriteServer(size_t i, const std::string& type, const std::vector<std::string>& nodes,
                     std::vector<ServerPlan>& servers)
    {
        m_out << "[app." << Name("s" + std::to_string(i + 1)) << "]\n";
        Line("type", type);
        std::string node = m_rng.Pick(nodes);
        Line("node", node);
        ServerPlan plan{type, node, "", false};
        WriteServerKeys(type, servers, &plan);
        m_out << "\n";
    }

    void WriteServerKeys(const std::string& type, std::vector<ServerPlan>& servers, ServerPlan* known = nullptr)
    {
        std::string port = Draw({"1", "65535"}, {"5000", "6000", "7000", "09000"}, {"0", "65536", "http"});
        Line("port", port);
        bool echo = m_rng.Chance(0.4);
        if (echo || m_rng.Chance(m_odds.present))
        {
            Line("echo", echo ? m_rng.Pick(std::vector<std::string>{"true", "yes", "1"}) : "false");
        }
        StartStop(false);
        TableKeys(type == "tcp-server" ? TcpServer : UdpServer);
        AddressKeys(type == "tcp-server" ? TcpServer : UdpServer);
        if (known)
        {
            known->port = port;
            known->echo = echo;
            servers.push_back(*known);
        }
    }

    /** forward_groups on a node of two links or more, sometimes (the groups the generator's apps use). */
    void Routers()
    {
        for (const auto& [node, ifaces] : m_ifaces)
        {
            if (ifaces.size() > 1 && m_rng.Chance(m_odds.present / 2))
            {
                std::string groups = m_ip == "v4" ? "239.1.1.1" : m_ip == "v6" ? "ff15::1" : "239.1.1.1 ff15::1";
                m_out << "[node." << node << "]\n";
                Line("forward_groups", groups);
                m_out << "\n";
            }
        }
    }

    void WriteClient(const std::string& type, const std::vector<ServerPlan>& servers, const std::string& node)
    {
        bool udp = type == "udp-client";
        std::string serverType = type.substr(0, 3) + "-server";
        const ServerPlan* target = nullptr;
        for (auto it = servers.rbegin(); it != servers.rend(); ++it)
        {
            if (it->type == serverType)
            {
                target = &*it;
                break;
            }
        }
        std::string peerNode = target ? target->node : m_rng.Pick(AllNodes());
        std::string port = target ? target->port : "5000";
        std::string host = peerNode;
        if (m_rng.Chance(0.3))
        {
            host += "." + m_rng.Pick(m_ifaces.at(peerNode)); // NODE.IFACE:PORT
        }
        if (m_icmpApps && udp && m_addressRng.Chance(0.15))
        {
            // A broadcast on the client's link, or a group the servers may join (table: group).
            host = m_addressRng.Pick(std::vector<std::string>{"broadcast", "239.1.1.1", "[ff15::1]"});
        }
        Line("peer", host + ":" + port);
        if (m_icmpApps && m_addressRng.Chance(m_odds.present / 3))
        {
            Line("bind", node + "." + m_addressRng.Pick(m_ifaces.at(node))); // one of its own interfaces
        }
        if (m_rng.Chance(m_odds.present))
        {
            Line("ip", ClientIp());
        }
        bool messages = m_rng.Chance(0.3);
        if (messages)
        {
            Line("messages", Messages(udp));
        }
        bool rtt = (target && target->echo && m_rng.Chance(0.7)) || m_rng.Chance(m_odds.outside);
        if (rtt)
        {
            Line("rtt", "true");
        }
        StartStop(true);
        std::set<std::string> skip;
        if (messages && !m_rng.Chance(m_odds.outside))
        {
            skip = {"bytes", "size", "count", "rate"};
        }
        if (rtt && !m_rng.Chance(m_odds.outside))
        {
            skip.insert("raw"); // round trips need the header
        }
        // A tcp-client sends bytes, or its messages (at once, or one every interval), or is paced.
        bool paced = udp || (!messages && m_rng.Chance(0.3));
        if (paced)
        {
            WritePacing(udp ? UdpClient : TcpClient, skip, skip.count("count") > 0);
            if (!udp && !m_rng.Chance(m_odds.outside))
            {
                skip.insert("bytes"); // with size and a pace: refused
            }
        }
        else if (!messages && !m_rng.Chance(m_odds.outside))
        {
            skip.insert({"size", "interval", "rate", "count"});
        }
        TableKeys(udp ? UdpClient : TcpClient, skip);
        AddressKeys(udp ? UdpClient : TcpClient);
    }

    /**
     * A fast sender needs a count, or the run is long (not a fault: the loader
     * allows 10^7 datagrams per client): an interval under 1 ms or a rate's
     * edge comes with a count of at most 1000.
     */
    void WritePacing(unsigned kind, std::set<std::string>& skip, bool messages)
    {
        skip.insert({"interval", "rate", "count"});
        std::string pacing = messages || m_rng.Chance(0.5) ? "interval" : "rate";
        std::string value = Draw(pacing, kind);
        bool fast = pacing == "interval" ? value.find("ns") != std::string::npos ||
                                               value.find(".5ms") != std::string::npos
                                         : value.find("Gbps") != std::string::npos || value.size() > 12;
        if (m_rng.Chance(m_odds.present) || fast)
        {
            Line(pacing, value);
        }
        if (!messages && (fast || m_rng.Chance(m_odds.present)))
        {
            std::string count = Draw("count", kind);
            if (fast && (count.size() > 4 || count == "0"))
            {
                count = m_rng.Pick(std::vector<std::string>{"1", "1000", "10"});
            }
            Line("count", count);
        }
        if (m_rng.Chance(m_odds.outside))
        {
            Line(pacing == "rate" ? "interval" : "rate", pacing == "rate" ? "10ms" : "1Mbps"); // both: refused
        }
    }
};

struct Run
{
    int status = -1; //!< exit status, 128 + signal if killed by one, -1 if it timed out
    double seconds = 0;
    std::string out;
    std::string err;
};

/** Run nslab with an argument vector and a wall-clock bound (no shell, no quoting). */
Run
RunNslab(const std::vector<std::string>& args, const TempDir& tmp, int timeoutSeconds)
{
    std::string outPath = tmp / "stdout", errPath = tmp / "stderr";
    auto begin = std::chrono::steady_clock::now();
    pid_t pid = fork();
    if (pid == 0)
    {
        int out = open(outPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int err = open(errPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int in = open("/dev/null", O_RDONLY);
        dup2(in, 0);
        dup2(out, 1);
        dup2(err, 2);
        std::vector<char*> argv{const_cast<char*>(NSLAB_BIN)};
        for (const auto& a : args)
        {
            argv.push_back(const_cast<char*>(a.c_str()));
        }
        argv.push_back(nullptr);
        execv(NSLAB_BIN, argv.data());
        _exit(127);
    }
    Run r;
    int raw = 0;
    auto deadline = begin + std::chrono::seconds(timeoutSeconds);
    while (waitpid(pid, &raw, WNOHANG) == 0)
    {
        if (std::chrono::steady_clock::now() > deadline)
        {
            kill(pid, SIGKILL);
            waitpid(pid, &raw, 0);
            raw = -1;
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    r.status = raw == -1 ? -1 : WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
    r.out = Slurp(outPath);
    r.err = Slurp(errPath);
    return r;
}

std::string
Describe(const Run& r)
{
    std::string status = r.status == -1   ? "timed out"
                         : r.status > 128 ? "signal " + std::to_string(r.status - 128) + " (" +
                                                strsignal(r.status - 128) + ")"
                                          : "exit " + std::to_string(r.status);
    return status + " after " + std::to_string(r.seconds) + " s; stderr:\n" + r.err.substr(0, 4000);
}

std::string
Command(const std::vector<std::string>& args)
{
    std::string c = "nslab";
    for (const auto& a : args)
    {
        c += " " + a;
    }
    return c;
}

/** The resolved form without its first line (the comment names the file it came from). */
std::string
Body(const std::string& resolved)
{
    size_t eol = resolved.find('\n');
    return eol == std::string::npos ? "" : resolved.substr(eol + 1);
}

uint64_t
EnvNumber(const char* name, uint64_t fallback)
{
    const char* v = std::getenv(name);
    return v && *v ? std::stoull(v) : fallback;
}

/** What one case showed: "" if it kept every property, else why not. */
std::string
CheckCase(uint64_t number, const std::string& text, const std::vector<std::string>& runOptions, int timeout,
          bool* accepted)
{
    TempDir tmp;
    std::string file = tmp / ("case-" + std::to_string(number) + ".ini");
    {
        std::ofstream(file, std::ios::binary) << text;
    }
    std::vector<std::string> check{"check", file};
    check.insert(check.end(), runOptions.begin(), runOptions.end());
    Run c = RunNslab(check, tmp, timeout);
    *accepted = c.status == 0;
    if (std::getenv("NSLAB_PROPERTY_VERBOSE"))
    {
        std::cout << "case " << number << ": check " << c.status << " " << c.err.substr(0, 300) << "\n" << std::flush;
    }
    if (c.status == 2)
    {
        // FILE:LINE (or --set:N for --run), on a line the file has.
        std::smatch m;
        std::string err = c.err.substr(c.err.rfind('\n', c.err.size() - 2) + 1);
        static const std::regex where("^(.*):([0-9]+): .*\n?$");
        bool located = std::regex_match(err, m, where) && (m[1] == file || m[1] == "--set") &&
                       std::stoul(m[2]) >= 1 && (m[1] == "--set" || std::stoul(m[2]) <= Lines(text));
        return located ? "" : "check refused it without a FILE:LINE on a line of the file: " + Command(check) +
                                  "\n" + Describe(c);
    }
    if (c.status != 0)
    {
        return Command(check) + ": " + Describe(c);
    }
    std::string out = tmp / "out";
    std::vector<std::string> run{"run", file, "--quiet", "--out", out};
    run.insert(run.end(), runOptions.begin(), runOptions.end());
    Run r = RunNslab(run, tmp, timeout);
    if (r.status == 2 && r.err.find(out) != std::string::npos)
    {
        return ""; // a results path it cannot create is refused, and named
    }
    if (r.status != 0)
    {
        return Command(run) + ": " + Describe(r);
    }
    try
    {
        nlohmann::json summary = ReadJson(out + "/summary.json");
        if (!summary.is_object() || !summary.contains("apps"))
        {
            return "summary.json has no apps: " + Command(run);
        }
    }
    catch (const std::exception& e)
    {
        return "summary.json of " + Command(run) + " does not parse: " + e.what();
    }
    // Round trip: the resolved scenario reloads and reprints the same.
    std::string resolved = Slurp(out + "/scenario.ini");
    Run again = RunNslab({"check", out + "/scenario.ini"}, tmp, timeout);
    if (again.status != 0)
    {
        return "the resolved scenario does not reload: nslab check " + out + "/scenario.ini: " + Describe(again) +
               "\nresolved:\n" + resolved;
    }
    if (Body(again.out) != Body(resolved) || Body(c.out) != Body(resolved))
    {
        return "the resolved scenario reprints differently:\n--- check of the case:\n" + c.out +
               "--- scenario.ini of the run:\n" + resolved + "--- check of that:\n" + again.out;
    }
    return "";
}

} // namespace

// Cases outside the default range that found defects, checked every time:
// 1160 a [link.A.B] section alone is reported as "no [link.NAME] section" with
// no line; 1312 a duration under 1ms is blamed on bin with no line; 1363 a
// TCP server with congestion = westwood echoing over loopback aborts in ns-3.
const std::vector<uint64_t> kFoundCases{1160, 1312, 1363};

TEST(Property, GeneratedScenariosAreRefusedOrRunCleanly)
{
    uint64_t first = EnvNumber("NSLAB_PROPERTY_FIRST", 0);
    uint64_t cases = EnvNumber("NSLAB_PROPERTY_CASES", 80);
    int timeout = static_cast<int>(EnvNumber("NSLAB_PROPERTY_TIMEOUT", 60));
    const char* keep = std::getenv("NSLAB_PROPERTY_KEEP");
    size_t accepted = 0;
    std::vector<uint64_t> numbers = kFoundCases;
    for (uint64_t n = first; n < first + cases; ++n)
    {
        numbers.push_back(n);
    }
    for (uint64_t n : numbers)
    {
        // The found cases keep the scenarios that found them: no ICMP apps appended.
        Generator g(n, std::find(kFoundCases.begin(), kFoundCases.end(), n) == kFoundCases.end());
        std::string text = g.Text();
        std::vector<std::string> options = g.RunOptions();
        bool ok = false;
        std::string failure = CheckCase(n, text, options, timeout, &ok);
        accepted += ok;
        if (!failure.empty())
        {
            if (keep)
            {
                std::ofstream(std::string(keep) + "/case-" + std::to_string(n) + ".ini") << text;
            }
            ADD_FAILURE() << "case " << n << " (NSLAB_PROPERTY_FIRST=" << n << " NSLAB_PROPERTY_CASES=1)"
                          << (options.empty() ? "" : " with " + Command(options).substr(6)) << ": " << failure
                          << "\n--- scenario:\n"
                          << text.substr(0, 20000);
        }
    }
    std::cout << accepted << " of " << numbers.size() << " generated scenarios passed check and ran\n";
    // The generator must reach the simulator, not only the loader's refusals.
    EXPECT_GE(accepted * 4, numbers.size()) << "too few generated scenarios pass check";
}
