#include "command.h"
#include "ini.h"
#include "units.h"

#include <gtest/gtest.h>

using namespace nslab;

namespace
{

std::string
ErrorOf(void (*parse)(const std::string&), const std::string& text)
{
    try
    {
        parse(text);
    }
    catch (const ValueError& e)
    {
        return e.what();
    }
    return "no error";
}

void
Time(const std::string& t)
{
    ParseTimeNs(t);
}

void
Rate(const std::string& t)
{
    ParseRateBps(t);
}

void
Ratio(const std::string& t)
{
    ParseRatio(t);
}

} // namespace

TEST(Units, TimesAreExactInNanoseconds)
{
    EXPECT_EQ(ParseTimeNs("5ms"), 5000000);
    EXPECT_EQ(ParseTimeNs("1.5s"), 1500000000);
    EXPECT_EQ(ParseTimeNs("0.25us"), 250);
    EXPECT_EQ(ParseTimeNs("0s"), 0);
    EXPECT_EQ(ErrorOf(Time, "0.5ns"), "value '0.5ns' is finer than 1 ns");
}

TEST(Units, RatesAndSizes)
{
    EXPECT_EQ(ParseRateBps("100Mbps"), 100000000u);
    EXPECT_EQ(ParseRateBps("2.5Kbps"), 2500u);
    EXPECT_EQ(ParseSizeBytes("2MB"), 2000000u);
    EXPECT_EQ(ParseSizeBytes("128KiB"), 131072u);
    EXPECT_EQ(ParseSizeBytes("1448"), 1448u);
    EXPECT_EQ(ParseSizeBytes("1.5KB"), 1500u);
}

TEST(Units, RatiosArePercentOrFraction)
{
    EXPECT_DOUBLE_EQ(ParseRatio("2%"), 0.02);
    EXPECT_DOUBLE_EQ(ParseRatio("0.02"), 0.02);
    EXPECT_DOUBLE_EQ(ParseRatio("100%"), 1.0);
    EXPECT_EQ(ErrorOf(Ratio, "150%"), "'150%' is outside 0..100 %");
    EXPECT_EQ(ErrorOf(Ratio, "2"), "'2' is a fraction without '%' (200 %), outside 0..100 %: write '2%' for 2 %");
    EXPECT_EQ(ErrorOf(Ratio, "2 percent"),
              "expected a percentage such as '2%' or a fraction such as '0.02', got '2 percent'");
}

TEST(Units, ErrorsNameTheValueAndTheUnits)
{
    EXPECT_EQ(ErrorOf(Rate, "100"),
              "missing unit in '100': expected a rate such as '100Mbps' (units: Gbps, Mbps, Kbps, bps)");
    EXPECT_EQ(ErrorOf(Time, "5sec"),
              "unknown unit 'sec' in '5sec' (did you mean 's'?): expected a time such as '5ms' (units: s, ms, us, ns)");
    EXPECT_EQ(ErrorOf(Time, "-1s"), "negative value '-1s': a time must be 0 or more");
    EXPECT_EQ(ErrorOf(Time, "soon"), "expected a time such as '5ms', got 'soon'");
    EXPECT_EQ(ErrorOf(Rate, "99999999999999999999Gbps"), "value '99999999999999999999Gbps' is too large");
}

TEST(Units, FormatsParseBackToTheSameValue)
{
    for (int64_t ns : {int64_t{0}, int64_t{1}, int64_t{1500000}, int64_t{20000000}, int64_t{3000000000}})
    {
        EXPECT_EQ(ParseTimeNs(FormatTime(ns)), ns) << FormatTime(ns);
    }
    EXPECT_EQ(FormatTime(20000000), "20ms");
    EXPECT_EQ(FormatRate(100000000), "100Mbps");
    EXPECT_EQ(FormatSize(131072), "128KiB");
    EXPECT_EQ(FormatSize(2000000), "2MB");
    EXPECT_EQ(FormatRatio(0.02), "2%");
    EXPECT_DOUBLE_EQ(ParseRatio(FormatRatio(0.005)), 0.005);
}

TEST(Units, DidYouMeanFindsNearWordsOnly)
{
    EXPECT_EQ(DidYouMean("ethernt", {"ethernet", "p2p", "wifi"}), "ethernet");
    EXPECT_EQ(DidYouMean("rat", {"rate", "delay"}), "rate");
    EXPECT_EQ(DidYouMean("bandwidth", {"rate", "delay"}), "");
}

// A process app's command: words as a POSIX shell splits them, no expansion.
TEST(Command, SplitsAsAShellWould)
{
    using nslab::SplitCommand;
    using V = std::vector<std::string>;
    EXPECT_EQ(SplitCommand("python3  TCP_server.py\t{bob} 5000"), (V{"python3", "TCP_server.py", "{bob}", "5000"}));
    EXPECT_EQ(SplitCommand("sh -c 'echo $HOME; ls *' \"a \\\"b\\\" \\\\ \\n\" x\\ y '' \"\""),
              (V{"sh", "-c", "echo $HOME; ls *", "a \"b\" \\ \\n", "x y", "", ""}));
    EXPECT_EQ(SplitCommand("a'b c'd"), (V{"ab cd"}));
    EXPECT_EQ(SplitCommand("   "), V{});
    EXPECT_THROW(SplitCommand("echo 'open"), nslab::ValueError);
    EXPECT_THROW(SplitCommand("echo \"open"), nslab::ValueError);
    EXPECT_THROW(SplitCommand("echo \\"), nslab::ValueError);
    EXPECT_THROW(SplitCommand("echo \x01"), nslab::ValueError);
}

TEST(Command, QuotedWordsSplitBackToThemselves)
{
    for (std::string word : {"plain", "two words", "it's", "", "$HOME", "a\"b", "back\\slash", "{bob}", "hello #2",
                             "a ;b", "#", "x\" #y"})
    {
        EXPECT_EQ(nslab::SplitCommand(nslab::QuoteWord(word)), std::vector<std::string>{word}) << word;
        // Also as an INI value, where " #" and " ;" start a comment.
        std::istringstream ini("k = " + nslab::QuoteWord(word) + " " + nslab::QuoteWord(word) + "\n");
        std::string value = nslab::ParseIni(ini, "t.ini").sections[0].entries.at(0).value;
        EXPECT_EQ(nslab::SplitCommand(value), (std::vector<std::string>{word, word})) << value;
    }
}

TEST(Command, PlaceholdersAndEnvironment)
{
    auto resolve = [](const std::string& name) -> std::string {
        if (name == "bob" || name == "bob.eth0")
        {
            return "10.0.1.2";
        }
        throw nslab::ValueError("unknown " + name);
    };
    EXPECT_EQ(nslab::ExpandPlaceholders("--to={bob}:{bob.eth0}", resolve), "--to=10.0.1.2:10.0.1.2");
    EXPECT_EQ(nslab::ExpandPlaceholders("{{bob}}", resolve), "{bob}");
    EXPECT_THROW(nslab::ExpandPlaceholders("{carol}", resolve), nslab::ValueError);
    EXPECT_THROW(nslab::ExpandPlaceholders("{bob", resolve), nslab::ValueError);
    EXPECT_THROW(nslab::ExpandPlaceholders("{}", resolve), nslab::ValueError);
    EXPECT_THROW(nslab::ExpandPlaceholders("a}b", resolve), nslab::ValueError);
    EXPECT_EQ(nslab::SplitEnvironment("A=1 B_2='x y' C="), (std::vector<std::string>{"A=1", "B_2=x y", "C="}));
    EXPECT_THROW(nslab::SplitEnvironment("A"), nslab::ValueError);
    EXPECT_THROW(nslab::SplitEnvironment("=1"), nslab::ValueError);
    EXPECT_THROW(nslab::SplitEnvironment("A-B=1"), nslab::ValueError);
}
