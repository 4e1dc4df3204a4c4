// The scenario loader against hostile and careless input (issue 12): text
// that is not UTF-8, files that are not regular, times and counts ns-3
// cannot honour, the resolved scenario's round trip, and messages that name
// the key the file gives.
#include "ini.h"
#include "scenario.h"
#include "expand.h"
#include "loader-util.h"
#include "test-util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <regex>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace nslab;
using nslab::test::Doc;
using nslab::test::ErrorOf;
using nslab::test::Nslab;
using nslab::test::Outcome;
using nslab::test::Shell;
using nslab::test::Slurp;
using nslab::test::TempDir;

namespace
{

const std::string kLan = "[link.lan]\ntype = ethernet\nnodes = alice bob\n"; // lines 1-3
const std::string kUdp = "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:5000\n";


void
Write(const std::string& path, const std::string& text)
{
    std::ofstream(path, std::ios::binary) << text;
}

/** Load, resolve, reload, resolve again: the two resolved texts must be the same. */
std::pair<Scenario, Scenario>
RoundTrip(const std::string& text, const std::string& file = "t.ini")
{
    Scenario first = LoadScenario(Doc(text, file));
    std::string resolved = ToIni(first);
    Scenario second = LoadScenario(Doc(resolved, file));
    EXPECT_EQ(ToIni(second), resolved);
    // No value in exponent form: the loader takes none.
    EXPECT_FALSE(std::regex_search(resolved, std::regex("= .*[0-9][eE][-+]?[0-9]"))) << resolved;
    return {first, second};
}

} // namespace

// Class 4: overlong forms, surrogates and code points above U+10FFFF, in a
// value of the file, in a --set value and in a name: exit 2 naming FILE:LINE and the key.
TEST(LoaderHardening, TextThatIsNotUtf8IsRefusedNamingTheKey)
{
    TempDir dir;
    const std::vector<std::pair<std::string, std::string>> bad{
        {"\xC0\xAF", "bytes 0xc0 0xaf are not UTF-8 (an overlong form)"},
        {"\xED\xA0\x80", "bytes 0xed 0xa0 0x80 are not UTF-8 (a UTF-16 surrogate)"},
        {"\xF4\x90\x80\x80", "bytes 0xf4 0x90 0x80 0x80 are not UTF-8 (above U+10FFFF)"}};
    for (const auto& [bytes, why] : bad)
    {
        std::string file = dir / "s.ini";
        Write(file, kLan + kUdp + "messages = hello x" + bytes + "y\n");
        Outcome o = Nslab("check " + file);
        EXPECT_EQ(o.status, 2);
        EXPECT_EQ(o.err, file + ":8: [app.c] messages: " + why + "; values are UTF-8 text\n");

        Write(file, "name = lab" + bytes + "\n" + kLan);
        o = Nslab("check " + file);
        EXPECT_EQ(o.status, 2);
        EXPECT_EQ(o.err, file + ":1: name: " + why + "; values are UTF-8 text\n");

        Write(file, kLan + "[app.c" + bytes + "]\n");
        o = Nslab("check " + file);
        EXPECT_EQ(o.status, 2);
        EXPECT_EQ(o.err, file + ":4: section header: " + why + "; section names are UTF-8 text\n");

        Write(file, kLan + kUdp);
        Write(dir / "value", "app.c.messages=hi" + bytes);
        o = Nslab("check " + file + " --set \"$(cat " + (dir / "value") + ")\"");
        EXPECT_EQ(o.status, 2);
        EXPECT_EQ(o.err, "--set:1: [app.c] messages: " + why + "; values are UTF-8 text\n");
    }
    // A control character cannot be written in a file's value: not in a --set one either.
    EXPECT_EQ(ErrorOf(kLan + kUdp, {"app.c.messages=a\nb"}),
              "--set:1: [app.c] messages: a control character in the value (a value is one line of text)");
    // A CR inside a line would hide what follows it.
    EXPECT_EQ(ErrorOf(kLan + "delay = 5ms\rloss = 5%\n"),
              "t.ini:4: not a text file: control byte 0x0d; a scenario is an INI text file");
    EXPECT_EQ(ErrorOf(kLan + "delay = 5ms\r\n"), "no error");
}

TEST(LoaderHardening, AScenarioPathThatIsNotUtf8IsRefused)
{
    TempDir dir;
    std::string file = dir / "lab\xC0\xAF.ini";
    Write(file, kLan);
    Outcome o = Nslab("check '" + file + "'");
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "scenario path: '" + dir.Path() +
                         "/lab\\xc0\\xaf.ini' is not UTF-8 text without control characters: results name it, so "
                         "rename the file\n");
}

// Class 5 (the loader's part): a FIFO is refused at once, a huge file is not read.
TEST(LoaderHardening, OnlyRegularFilesOfBoundedSizeAreRead)
{
    TempDir dir;
    ASSERT_EQ(mkfifo((dir / "fifo").c_str(), 0600), 0);
    auto start = std::chrono::steady_clock::now();
    Outcome o = Shell("timeout 20 " + std::string(NSLAB_BIN) + " check " + (dir / "fifo"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, (dir / "fifo") + ": cannot open the scenario: not a regular file\n");
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));

    std::string big = dir / "big.ini";
    Write(big, "");
    ASSERT_EQ(truncate(big.c_str(), (64 << 20) + 1), 0);
    o = Nslab("check " + big);
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, big + ": cannot open the scenario: larger than 67108864 bytes\n");
}

// Class 6: times near 2^63 ns, sums of times, ports, messages.
TEST(LoaderHardening, TimesNs3CannotAddAreRefused)
{
    const std::string why = " is longer than 1000000s, the longest time nslab takes (ns-3 counts time in 64-bit "
                            "nanoseconds: sums of longer times, such as start + duration, would overflow)";
    EXPECT_EQ(ErrorOf(kLan + "delay = 9223372036s\n"), "t.ini:4: [link.lan] delay: value '9223372036s'" + why);
    EXPECT_EQ(ErrorOf("duration = 9223372036854775807ns\n" + kLan),
              "t.ini:1: duration: value '9223372036854775807ns'" + why);
    EXPECT_EQ(ErrorOf(kLan + kUdp + "interval = 1000000.000000001s\n"),
              "t.ini:8: [app.c] interval: value '1000000.000000001s'" + why);
    EXPECT_EQ(ErrorOf(kLan + kUdp + "stop = 1000001s\n"), "t.ini:8: [app.c] stop: value '1000001s'" + why);
    EXPECT_EQ(ErrorOf(kLan, {"link.lan.delay=9223372036s"}), "--set:1: [link.lan] delay: value '9223372036s'" + why);
    // The longest times, together, still make a run whose end and delays fit.
    Scenario s = LoadScenario(Doc("duration = 1000000s\nbin = 1s\n" + kLan + "delay = 1000000s\njitter = 60s\n" +
                                  "[app.s]\ntype = tcp-server\nnode = bob\nport = 5000\n[app.c]\ntype = tcp-client\n"
                                  "node = alice\npeer = bob:5000\nstart = 999999s\nstop = 1000000s\n"));
    EXPECT_EQ(s.duration.GetSeconds(), 1000000);
    EXPECT_EQ(s.apps[1].buffer, 64u << 20); // the BDP of a 1000000s path, clamped, not wrapped
}

TEST(LoaderHardening, MoreClientsThanEphemeralPortsAreRefused)
{
    std::string text = kLan + "[app.s]\ntype = udp-server\nnode = alice\nport = 50000\n";
    for (int i = 1; i <= 16384; ++i)
    {
        text += "[app.c" + std::to_string(i) + "]\ntype = udp-client\nnode = alice\npeer = bob:5000\ncount = 1\n";
    }
    // 16384 ports, one taken by the server listening at 50000: the last client finds none.
    EXPECT_EQ(ErrorOf(text), "t.ini:" + std::to_string(8 + 16383 * 5 + 2) +
                                 ": [app.c16384] node: alice has no UDP port left for this client: a node has 16384 "
                                 "ephemeral ports (ns-3 uses 49152..65535), one per client and one per server "
                                 "listening there");
    EXPECT_EQ(ErrorOf(text, {"app.s.port=5000"}), "no error");
}

TEST(LoaderHardening, MessagesAreBoundedInCountAndBytes)
{
    std::string many;
    for (int i = 0; i < 200001; ++i)
    {
        many += " m";
    }
    const std::string why = ": each is a packet in the run and a line of summary.json, so nslab takes at most 200000 "
                            "messages of 16 MiB in all per client";
    EXPECT_EQ(ErrorOf(kLan + kUdp + "messages =" + many + "\n"),
              "t.ini:8: [app.c] messages: more than 200000 messages" + why);
    EXPECT_EQ(LoadScenario(Doc(kLan + kUdp + "messages =" + many.substr(2) + "\n")).apps[0].messages.size(),
              200000u);
    std::string phrase(60000, 'x');
    std::string big;
    for (int i = 0; i < 280; ++i)
    {
        big += " " + phrase;
    }
    // A file's line holds at most 16 MiB: more comes through --set.
    EXPECT_EQ(ErrorOf(kLan + "[app.c]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n", {"app.c.messages=" + big}),
              "--set:1: [app.c] messages: more than 16 MiB of messages" + why);
}

TEST(LoaderHardening, WifiDistanceIsBounded)
{
    const std::string wifi = "[link.w]\ntype = wifi\nap = ap\nnodes = a\n";
    EXPECT_EQ(ErrorOf(wifi + "distance = 100.001km\n"),
              "t.ini:5: [link.w] distance: a station is at most 100km from its access point (802.11 reaches a few "
              "hundred metres; ns-3's positions and delays stay exact below that)");
    EXPECT_EQ(LoadScenario(Doc(wifi + "distance = 100km\n")).links[0].distance, 100000);
}

// At 9223372036854775807bps over a link without delay a frame took 0 ns and a
// TCP transfer never let simulated time move on (a run that never ended).
TEST(LoaderHardening, RatesFasterThanANanosecondPerFrameAreRefused)
{
    EXPECT_EQ(ErrorOf(kLan, {"link.lan.rate=9223372036854775807bps"}),
              "--set:1: [link.lan] rate: '9223372036854775807bps' is faster than 100Gbps, the fastest rate nslab "
              "takes (ns-3 counts transmission times in whole nanoseconds: a small frame would take none)");
    EXPECT_EQ(ErrorOf(kLan, {"link.lan.rate=100000000001bps"}).substr(0, 30), "--set:1: [link.lan] rate: '100");
    EXPECT_EQ(LoadScenario(Doc(kLan + "rate = 100Gbps\n")).links[0].rate.GetBitRate(), 100000000000u);
}

// A direction section alone used to be reported as "no [link.NAME] section" with no line.
TEST(LoaderHardening, ADirectionOfNoLinkIsNamedAtItsLine)
{
    EXPECT_EQ(ErrorOf("[link.l1.x]\nloss = 1%\n"),
              "t.ini:1: [link.l1.x] no link 'l1'; direction sections are [link.NAME.FROM->TO]");
}

// Six clients at the per-client bound took 1.9 GB and wrote a 409 MB summary.json;
// 200 streams of 10^7 datagrams each made a 3 s run last for hours.
TEST(LoaderHardening, TheScenarioAsAWholeIsBounded)
{
    std::string words;
    for (int i = 0; i < 110000; ++i)
    {
        words += " m" + std::to_string(i);
    }
    std::string two = kLan + "[app.c1]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n" +
                      "[app.c2]\ntype = tcp-client\nnode = alice\npeer = bob:5000\n";
    EXPECT_EQ(ErrorOf(two, {"app.c1.messages=" + words, "app.c2.messages=" + words}).rfind(
                  "t.ini:9: [app.c2] with the clients before it, the scenario's clients send 220000 messages; ", 0),
              0u);
    EXPECT_EQ(ErrorOf(two, {"app.c1.messages=" + words}), "no error");
    std::string streams = "duration = 10s\n" + kLan;
    for (int i = 0; i < 3; ++i)
    {
        streams += "[app.u" + std::to_string(i) + "]\ntype = udp-client\nnode = alice\npeer = bob:6000\n"
                   "size = 24B\ninterval = 2us\n";
    }
    // Each starts at 1 s: 4500001 datagrams, under the bound of one client.
    EXPECT_EQ(ErrorOf(streams).rfind(
                  "t.ini:18: [app.u2] with the clients before it, the scenario's clients send 13500003 datagrams; ", 0),
              0u);
}

// A ratio below what a double holds was called "too large".
TEST(LoaderHardening, ANumberTooSmallIsCalledSo)
{
    std::string tiny = "0." + std::string(330, '0') + "1";
    EXPECT_EQ(ErrorOf(kLan, {"link.lan.loss=" + tiny}),
              "--set:1: [link.lan] loss: value '" + tiny + "' is too small (too many zeros after the point)");
}

// Class 8: every key, at the edges of its range, through ToIni and back.
TEST(LoaderHardening, ResolvedScenarioReloadsExactlyForEveryKey)
{
    // Maxima (and the values %g printed as exponents).
    auto [a, a2] = RoundTrip(
        "name = edge.max\nduration = 1000000s\nseed = 4294944442\nrun = 4294967295\nbin = 1000000s\nip = dual\n"
        "[link.lan]\ntype = ethernet\nnodes = alice bob\nrate = 100Gbps\nmtu = 9000\n"
        "subnet = 192.168.0.0/16\ndelay = 1000000s\njitter = 60s\ndistribution = pareto\nreorder = true\n"
        "loss = 0.00000000001\nloss_burst = 12345678900000\ndrop = 1 9223372036854775807\ncorrupt = 100%\n"
        "duplicate = 0.1234567890123456789\nqueue = 9223372036854775807p\n"
        "[link.lan.alice->bob]\nrate = 1bps\ngilbert = 0.000000000000000001% 100% 0.3333333333333333333 1%\n"
        "queue = 1p\n"
        "[link.w]\ntype = wifi\nap = ap\nnodes = bob\nstandard = 802.11ax\ndistance = 0.0000001m\nretries = 15\n"
        "mtu = 2296\nsubnet = 10.0.0.0/30\nloss = 49.999999999999%\n"
        "[link.wire]\ntype = p2p\nnodes = ap carol\nqueue = 9223372036854775807B\n"
        "[app.srv]\ntype = tcp-server\nnode = bob\nport = 65535\necho = true\nbuffer = 1GiB\nmss = 65495\n"
        "congestion = yeah\nsack = false\ndelack = false\ninitial_cwnd = 1000\nmin_rto = 60s\nstop = 1000000s\n"
        "[app.cli]\ntype = tcp-client\nnode = alice\npeer = bob.eth0:65535\nip = v4\nbytes = 9223372036854775807B\n"
        "start = 999999.999999999s\nstop = 1000000s\nbuffer = 1GiB\nmss = 65495\nchunk = 4294967295B\n"
        "[app.talk]\ntype = tcp-client\nnode = carol\npeer = bob:65535\nip = v6\nrtt = true\n"
        "messages = hello \"how are you\" a#b x;y \"\ttab\" \xF4\x8F\xBF\xBF\n"
        "[app.us]\ntype = udp-server\nnode = carol\nport = 1\nbuffer = 1KiB\n"
        "[app.uc]\ntype = udp-client\nnode = alice\npeer = carol:1\nip = v6\nsize = 65507\nrate = 1bps\n"
        "count = 9223372036854775807\n");
    EXPECT_EQ(a.links[0].impairments.loss, a2.links[0].impairments.loss);
    EXPECT_EQ(a.links[0].impairments.loss, 0.00000000001);
    EXPECT_EQ(a2.links[0].impairments.meanBurst, 12345678900000.0);
    EXPECT_EQ(a2.links[0].impairments.duplicate, 0.1234567890123456789);
    EXPECT_EQ(a2.links[0].directions[0].impairments.burst->badLoss, 0.3333333333333333333);
    EXPECT_EQ(a2.links[0].directions[0].impairments.burst->p, a.links[0].directions[0].impairments.burst->p);
    EXPECT_EQ(a2.links[1].distance, 0.0000001);
    EXPECT_EQ(a2.links[1].impairments.loss, 0.49999999999999);
    EXPECT_EQ(a2.apps[2].messages, (std::vector<std::string>{"hello", "how are you", "a#b", "x;y", "\ttab",
                                                             "\xF4\x8F\xBF\xBF"}));
    // Minima.
    auto [b, b2] = RoundTrip("duration = 1ms\nbin = 1ms\nseed = 1\nrun = 1\nip = v4\n"
                             "[link.lan]\ntype = ethernet\nnodes = alice bob\nrate = 1bps\nmtu = 68\n"
                             "subnet = 10.0.0.0/30\ndelay = 0s\njitter = 1ns\nloss = 0%\nloss_burst = 1\n"
                             "drop = 1\ncorrupt = 0\nduplicate = 0.000001%\nqueue = 1B\n"
                             "[link.w]\ntype = wifi\nap = ap\nnodes = bob\ndistance = 0m\nretries = 0\nmtu = 68\n"
                             "[app.s]\ntype = udp-server\nnode = bob\nport = 1\nstart = 0s\nstop = 1ns\n"
                             "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:1\nsize = 24\ninterval = 1ns\n"
                             "count = 0\nstart = 0s\nstop = 1ns\n"
                             "[app.t]\ntype = tcp-client\nnode = alice\npeer = bob:1\nbytes = 24\nmss = 64\n"
                             "chunk = 1B\ninitial_cwnd = 1\nmin_rto = 1ms\nstart = 999999ns\n");
    EXPECT_EQ(b2.links[0].impairments.duplicate, b.links[0].impairments.duplicate);
    EXPECT_GT(b2.links[0].impairments.duplicate, 0);
    EXPECT_EQ(b2.duration.GetNanoSeconds(), 1000000);
    // Values the old %g printed in exponent form, which the loader refused on reload.
    std::string resolved = ToIni(a);
    EXPECT_NE(resolved.find("loss = 0.00000000001\n"), std::string::npos) << resolved; // as a fraction: exact
    EXPECT_NE(resolved.find("loss_burst = 12345678900000\n"), std::string::npos);
    EXPECT_NE(resolved.find("distance = 0.0000001m\n"), std::string::npos);
}

TEST(LoaderHardening, ShippedScenariosReloadExactly)
{
    for (const auto& entry : std::filesystem::directory_iterator(std::string(NSLAB_SOURCE_DIR) + "/scenarios"))
    {
        if (entry.path().extension() == ".ini") // scenarios/lesson/ holds lab 8's programs
        {
            // As nslab reads a file: its includes merged, its ranges expanded.
            IniDocument doc = ReadScenarioDocument(entry.path().string());
            ExpandAppRanges(doc);
            Scenario first = LoadScenario(doc);
            std::string resolved = ToIni(first);
            EXPECT_EQ(ToIni(LoadScenario(Doc(resolved, entry.path().string()))), resolved) << entry.path();
        }
    }
}

// Class 9: a message names the key the file gives, with its line.
TEST(LoaderHardening, AShortDurationIsNamedNotTheDefaultBin)
{
    EXPECT_EQ(ErrorOf("duration = 50ms\n" + kLan),
              "t.ini:1: duration: 50ms is shorter than the default time bin of the throughput series (100ms): set "
              "bin = 50ms or less (at least 1ms)");
    EXPECT_EQ(ErrorOf(kLan, {"duration=500us"}),
              "--set:1: duration: a run lasts at least 1ms, the narrowest time bin of the throughput series");
    EXPECT_EQ(ErrorOf("duration = 50ms\nbin = 50ms\n" + kLan), "no error");
    // A client starts at 1s unless told otherwise: a shorter run is the duration's problem.
    EXPECT_EQ(ErrorOf("duration = 500ms\n" + kLan + kUdp),
              "t.ini:1: duration: 500ms ends before [app.c] starts (a client starts at 1s unless it sets start)");
}

TEST(LoaderHardening, DerivedProblemsNameAKeyTheFileGives)
{
    // A direction's loss over the link's loss_burst: the direction gives loss.
    EXPECT_EQ(ErrorOf(kLan + "loss = 5%\nloss_burst = 1\n[link.lan.alice->bob]\nloss = 100%\n"),
              "t.ini:7: [link.lan.alice->bob] loss: 100% loss is one endless burst: give loss below 100% or no "
              "loss_burst");
    // A link too big for a /24 gets a default subnet that fits it (issue 16), from 10.1.0.0 on.
    Scenario big = LoadScenario(Doc("[link.lan]\ntype = ethernet\nnodes = n[0..254]\n[link.wan]\ntype = p2p\n"
                                    "nodes = n0 far\n"));
    EXPECT_EQ(big.links[0].nodes.size(), 255u);
    Subnet lan = SubnetOf(big.links, 0), wan = SubnetOf(big.links, 1);
    EXPECT_EQ(lan.network, ns3::Ipv4Address("10.1.0.0"));
    EXPECT_EQ(lan.prefix, 23);
    EXPECT_EQ(wan.network, ns3::Ipv4Address("10.0.2.0"));
    // No name key: the file's name is the cause, not a key 'name'.
    EXPECT_EQ(ErrorOf(kLan, {}, "labs/my lab.ini"),
              "labs/my lab.ini: no name key, and the file name 'my lab.ini' does not give a scenario name: a "
              "scenario name starts with a letter or digit and has letters, digits, '_', '-' and '.' (it names the "
              "results folder); add name = ...");
}

TEST(LoaderHardening, AKeyAndItsDottedAliasAreOneKey)
{
    // --set KEY and --set .KEY both name the global key: the later wins, as for the same spelling.
    IniDocument doc = Doc("duration = 5s\n" + kLan);
    ApplyOverride(doc, "duration=2s", 1);
    ApplyOverride(doc, ".duration=3s", 2);
    EXPECT_EQ(doc.sections[0].entries.size(), 1u);
    EXPECT_EQ(LoadScenario(doc).duration.GetSeconds(), 3);
    EXPECT_EQ(ErrorOf("duration = 5s\n" + kLan, {"duration=2s", ".duration=0s"}),
              "--set:2: duration: the run must last more than 0 s");
    // In a file, .duration is not a spelling of duration.
    EXPECT_EQ(ErrorOf("duration = 5s\n.duration = 3s\n" + kLan),
              "t.ini:2: unknown key '.duration' (did you mean 'duration'?); keys: name, duration, seed, run, bin, ip, capture, routing, rip_update, rip_timeout, rip_garbage");
}
