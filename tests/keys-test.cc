// The table of scenario keys (testbed/keys.cc): the loader takes each
// section's keys from it, and the key tables of docs/scenario-format.md are
// made from it.
#include "keys.h"
#include "loader-util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace nslab
{
namespace
{

std::string
ReadText(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    EXPECT_TRUE(in) << path;
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(KeysTest, DocsTablesAreTheTable)
{
    const std::string path = std::string(NSLAB_SOURCE_DIR) + "/docs/scenario-format.md";
    std::string doc = ReadText(path);
    for (const auto& section : KeyTableSections())
    {
        EXPECT_NE(doc.find("<!-- keys:" + section + " begin -->"), std::string::npos)
            << "docs/scenario-format.md has no block <!-- keys:" << section << " begin/end -->";
    }
    EXPECT_TRUE(UpdateKeyTables(doc) == doc)
        << "the key tables of docs/scenario-format.md differ from testbed/keys.cc; write them again with\n"
        << "  " << NSLAB_BIN << " keys --update-docs " << path;
}

TEST(KeysTest, CommandPrintsTheTables)
{
    for (const auto& section : KeyTableSections())
    {
        std::string command = std::string(NSLAB_BIN) + " keys --markdown " + section;
        FILE* pipe = popen(command.c_str(), "r");
        ASSERT_NE(pipe, nullptr);
        std::string out;
        char buffer[4096];
        for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;)
        {
            out.append(buffer, n);
        }
        EXPECT_EQ(pclose(pipe), 0) << command;
        EXPECT_EQ(out, KeyTableMarkdown(section)) << command;
    }
}

TEST(KeysTest, UpdateReplacesOnlyBlocks)
{
    std::string doc = "intro\n<!-- keys:node begin -->\nold\n<!-- keys:node end -->\nafter\n";
    EXPECT_EQ(UpdateKeyTables(doc),
              "intro\n<!-- keys:node begin -->\n\n" + KeyTableMarkdown("node") + "\n<!-- keys:node end -->\nafter\n");
    EXPECT_THROW(UpdateKeyTables("<!-- keys:node begin -->\n"), std::invalid_argument);
    EXPECT_THROW(UpdateKeyTables("<!-- keys:nodes begin -->\n<!-- keys:nodes end -->\n"), std::invalid_argument);
    EXPECT_THROW(KeyTableMarkdown("links"), std::invalid_argument);
}

TEST(KeysTest, EveryRowIsWhole)
{
    std::set<std::string> kinds(SectionKinds().begin(), SectionKinds().end());
    std::set<std::pair<std::string, std::string>> seen; // (key, kind): one meaning each
    for (const auto& key : ScenarioKeys())
    {
        EXPECT_FALSE(key.kinds.empty()) << key.name;
        EXPECT_FALSE(key.help.empty()) << key.name;
        EXPECT_FALSE(key.unit.empty()) << key.name;
        EXPECT_FALSE(key.defaultText.empty()) << key.name;
        EXPECT_FALSE(key.range.empty()) << key.name;
        EXPECT_EQ(key.rangeError.empty(), !key.min && !key.max) << key.name;
        for (const auto& kind : key.kinds)
        {
            EXPECT_TRUE(kinds.count(kind)) << key.name << ": " << kind;
            EXPECT_TRUE(seen.insert({key.name, kind}).second) << key.name << " twice in " << kind;
        }
    }
}

/** \return a scenario with a section of that kind holding `key = 1` (after the lines the kind needs). */
std::string
WithKey(const std::string& kind, const std::string& key, std::vector<std::string>& base)
{
    std::string link = "[link.l]\ntype = p2p\nnodes = a b\n";
    if (kind == "global")
    {
        base = {};
        return key + " = 1\n" + link;
    }
    if (kind == "node")
    {
        base = {};
        return link + "[node.a]\n" + key + " = 1\n";
    }
    if (kind == "direction")
    {
        base = {};
        return link + "[link.l.a->b]\n" + key + " = 1\n";
    }
    if (kind == "ethernet" || kind == "p2p" || kind == "wifi")
    {
        base = {"type", "nodes"};
        if (kind == "wifi")
        {
            base.push_back("ap");
        }
        return "[link.l]\ntype = " + kind + "\nnodes = a b\n" + (kind == "wifi" ? "ap = w\n" : "") + key + " = 1\n";
    }
    base = {"type", "node"};
    return link + "[app.x]\ntype = " + kind + "\nnode = a\n" + key + " = 1\n";
}

// Every key of the table is taken where the table says, and refused everywhere else.
TEST(KeysTest, LoaderTakesTheTablesKeys)
{
    std::set<std::string> names{"no_such_key"};
    for (const auto& key : ScenarioKeys())
    {
        names.insert(key.name);
    }
    for (const auto& kind : SectionKinds())
    {
        std::vector<std::string> keys = KeysOf(kind);
        EXPECT_FALSE(keys.empty()) << kind;
        if (kind == "event")
        {
            continue; // `at` and link keys as --set writes them: time-varying-test
        }
        for (const auto& name : names)
        {
            std::vector<std::string> base;
            std::string text = WithKey(kind, name, base);
            if (std::count(base.begin(), base.end(), name))
            {
                EXPECT_TRUE(std::count(keys.begin(), keys.end(), name)) << kind << ": " << name;
                continue;
            }
            std::string error = test::ErrorOf(text);
            bool refused = error.find("unknown key '" + name + "'") != std::string::npos ||
                           error.find("key '" + name + "' does not apply") != std::string::npos;
            bool listed = std::count(keys.begin(), keys.end(), name) > 0;
            EXPECT_EQ(refused, !listed) << kind << ": " << name << ": " << error;
        }
    }
}

// Every key the loader reads (reader.Get("KEY", ...), Has, Required, Fail) is in the table.
TEST(KeysTest, LoaderReadsOnlyTableKeys)
{
    std::string source = ReadText(std::string(NSLAB_SOURCE_DIR) + "/testbed/scenario.cc");
    std::set<std::string> names;
    for (const auto& key : ScenarioKeys())
    {
        names.insert(key.name);
    }
    std::regex use(R"re((?:reader|global)\.(?:Get|Has|Required|Fail)\("([a-z_0-9]+)")re");
    size_t found = 0;
    for (std::sregex_iterator it(source.begin(), source.end(), use), end; it != end; ++it, ++found)
    {
        EXPECT_TRUE(names.count((*it)[1].str())) << "scenario.cc reads '" << (*it)[1] << "', which keys.cc lacks";
    }
    EXPECT_GT(found, 50u);
}

// The generic range check keeps each key's own message.
TEST(KeysTest, RangesFromTheTable)
{
    const std::string link = "[link.l]\ntype = p2p\nnodes = a b\n";
    EXPECT_EQ(test::ErrorOf("seed = 4294944443\n" + link), "t.ini:1: seed: a seed is between 1 and 4294944442");
    EXPECT_EQ(test::ErrorOf("seed = 99999999999\n" + link), "t.ini:1: seed: a seed is between 1 and 4294944442");
    EXPECT_EQ(test::ErrorOf("run = 0\n" + link), "t.ini:1: run: a run is between 1 and 4294967295");
    EXPECT_EQ(test::ErrorOf("[link.w]\ntype = wifi\nap = w\nnodes = a\nretries = 16\n"),
              "t.ini:5: [link.w] retries: 802.11 retries are between 0 and 15");
    EXPECT_EQ(test::ErrorOf(link + "[app.s]\ntype = udp-server\nnode = b\nport = 70000\n"),
              "t.ini:7: [app.s] port: port 70000 is outside 1..65535");
    EXPECT_EQ(test::ErrorOf(link + "[app.t]\ntype = traceroute\nnode = a\npeer = b\nmax_hops = 0\n"),
              "t.ini:8: [app.t] max_hops: a traceroute probes 1 to 255 hops (a TTL is at most 255)");
    EXPECT_EQ(test::ErrorOf(link + "[app.t]\ntype = traceroute\nnode = a\npeer = b\nprobes = 11\n"),
              "t.ini:8: [app.t] probes: a traceroute sends 1 to 10 probes per hop");
    EXPECT_EQ(test::ErrorOf(link + "[app.s]\ntype = tcp-server\nnode = b\nport = 80\ninitial_cwnd = 1001\n"),
              "t.ini:8: [app.s] initial_cwnd: an initial window is between 1 and 1000 segments");
    EXPECT_EQ(test::ErrorOf(link + "[app.c]\ntype = udp-client\nnode = a\npeer = b:9\nsport = 0\n"),
              "t.ini:8: [app.c] sport: port 0 is outside 1..65535 (without sport, the client gets an ephemeral port)");
}

} // namespace
} // namespace nslab
