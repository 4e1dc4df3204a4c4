// report.html (issue 18): rendered by headless Chromium, asserted on its DOM.
#include "test-util.h"

#include <gtest/gtest.h>

#include <regex>

using namespace nslab::test;

namespace
{

std::vector<std::map<std::string, std::string>> CsvRows(const std::string& path);

bool
HaveChromium()
{
    return std::system("command -v chromium >/dev/null 2>&1") == 0;
}

/** \return the page's DOM after its scripts ran (headless Chromium), or "" if Chromium failed. */
std::string
RenderedDom(const std::string& page, const TempDir& profile)
{
    return Shell("timeout 120 chromium --headless --no-sandbox --disable-gpu --user-data-dir=" + profile.Path() +
                 " --dump-dom file://" + page + " 2>/dev/null")
        .out;
}

/** \return the text of the page's error box (script errors land there). */
std::string
ErrorBox(const std::string& dom)
{
    std::smatch m;
    std::regex box("<div id=\"errors\"[^>]*>([^<]*)</div>");
    return std::regex_search(dom, m, box) ? m[1].str() : "(no error box)";
}


} // namespace

// The example: a lossy run's report renders without a script error,
// names every node and app, draws the topology as SVG and shows the drops with their causes.
TEST(Report, LossyRunRendersInChromium)
{
    if (!HaveChromium())
    {
        GTEST_SKIP() << "chromium is not installed (bash scripts/setup.sh installs it)";
    }
    Results r(FromFile{Scenario("tcp-vs-udp.ini")});
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    TempDir profile;
    std::string dom = RenderedDom(r.Out("report.html"), profile);
    ASSERT_NE(dom.find("data-ready=\"1\""), std::string::npos) << "the page's script did not finish:\n" << dom.substr(0, 2000);
    EXPECT_EQ(ErrorBox(dom), "");
    EXPECT_NE(dom.find("<svg id=\"topology\""), std::string::npos);
    for (std::string node : {"alice", "bob"})
    {
        EXPECT_NE(dom.find("data-node=\"" + node + "\""), std::string::npos) << node;
    }
    for (const auto& app : r.summary.at("apps"))
    {
        std::string name = app.at("name");
        EXPECT_NE(dom.find("<tr data-app=\"" + name + "\"><td>" + name + "</td>"), std::string::npos) << name;
    }
    // Drops: the link's random losses per direction, as many as the summary counts.
    int64_t dropped = Direction(r.summary, "alice", "bob").at("dropped_by_cause").at("random");
    ASSERT_GT(dropped, 0);
    EXPECT_NE(dom.find("<td>link lan alice-&gt;bob</td><td>random loss</td><td class=\"num\">" + std::to_string(dropped) +
                       "</td>"),
              std::string::npos);
    // The drop log: a row per dropped frame (drops.csv), with its cause.
    EXPECT_EQ(Occurrences(dom, "class=\"drop-row\""), static_cast<size_t>(dropped + Direction(r.summary, "bob", "alice").at("dropped").get<int64_t>()));
    EXPECT_NE(dom.find("<td>lan</td><td>alice-&gt;bob</td><td>bob</td><td></td><td>random</td><td>TCP</td>"), std::string::npos);
    // The step-through: its controls, and its first step (the client's SYN).
    for (std::string id : {"step-first", "step-prev", "step-play", "step-next", "step-speed", "step-filter", "step-slider"})
    {
        EXPECT_NE(dom.find("id=\"" + id + "\""), std::string::npos) << id;
    }
    EXPECT_NE(dom.find("alice -&gt; bob (+5.0"), std::string::npos);
    EXPECT_NE(dom.find("seq=0 len=0 SYN"), std::string::npos);
    // Opened on the lost frames, the step-through says where and why the first was lost (its drops.csv row).
    std::string lost = RenderedDom(r.Out("report.html") + "#filter=lost", profile);
    auto rows = CsvRows(r.Out("drops.csv"));
    ASSERT_FALSE(rows.empty());
    EXPECT_NE(lost.find("LOST on the way (random at " + rows[0]["node"] + "): TCP"), std::string::npos)
        << lost.substr(lost.find("step-info"), 600);
    // The TCP ladder marks the segments the cable lost (found by comparing its two captures).
    EXPECT_EQ(Occurrences(dom, "class=\"ladder\""), 1u);
    EXPECT_GT(Occurrences(dom, "class=\"lost-segment\""), 0u);
    // A plot per app with a series.
    EXPECT_EQ(Occurrences(dom, "class=\"plot\""), 4u);
}

// A screenshot of the page is not blank, and the page needs nothing from the network.
TEST(Report, ScreenshotIsNotBlankAndThePageIsSelfContained)
{
    if (!HaveChromium())
    {
        GTEST_SKIP() << "chromium is not installed";
    }
    Results r(FromFile{Scenario("wifi-cell.ini")});
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    std::string page = Slurp(r.Out("report.html"));
    // Nothing to fetch (the SVG namespace is a name, not a request), and a policy that forbids fetching.
    for (std::string fetch : {"src=\"http", "href=\"http", "url(http", "<link", "<script src", "import("})
    {
        EXPECT_EQ(page.find(fetch), std::string::npos) << fetch;
    }
    EXPECT_NE(page.find("content=\"default-src 'none';"), std::string::npos);
    TempDir profile;
    std::string png = r.dir / "shot.png";
    Shell("timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --user-data-dir=" +
          profile.Path() + " --window-size=1280,1400 --screenshot=" + png + " file://" + r.Out("report.html") +
          " 2>/dev/null");
    std::string image = Slurp(png);
    ASSERT_GT(image.size(), 8u);
    EXPECT_EQ(image.substr(1, 3), "PNG");
    // A blank 1280x1400 page compresses to a few kilobytes; text, a topology and plots do not.
    EXPECT_GT(image.size(), 40000u);
}

// More packets than the step-through holds: the earliest 20,000, and the page says so.
TEST(Report, StepThroughWindowsABigRun)
{
    if (!HaveChromium())
    {
        GTEST_SKIP() << "chromium is not installed";
    }
    Results r("name = flood\nduration = 4s\n[link.wire]\ntype = p2p\nnodes = a b\nrate = 100Mbps\n"
              "[app.flood]\ntype = udp-client\nnode = a\npeer = b:9000\ninterval = 100us\nsize = 100B\n"
              "[app.sink]\ntype = udp-server\nnode = b\nport = 9000\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "sink").at("packets_received"), 30000); // 3 s of 10,000 a second, captured twice
    TempDir profile;
    std::string dom = RenderedDom(r.Out("report.html"), profile);
    ASSERT_NE(dom.find("data-ready=\"1\""), std::string::npos);
    EXPECT_EQ(ErrorBox(dom), "");
    EXPECT_NE(dom.find("This page keeps the earliest 20000 captured packets, up to t = "), std::string::npos);
    // Each packet is one step (sent at a, received at b): 10,000 steps, none of them called lost.
    EXPECT_NE(dom.find("step 1 of 10000:"), std::string::npos);
}

// Text from the scenario cannot end the page's script: a message with </script> in it.
TEST(Report, ScenarioTextCannotBreakThePage)
{
    if (!HaveChromium())
    {
        GTEST_SKIP() << "chromium is not installed";
    }
    Results r("name = inject\nduration = 2s\n[link.wire]\ntype = p2p\nnodes = a b\n"
              "[app.talk]\ntype = udp-client\nnode = a\npeer = b:9000\n"
              "messages = \"</script><script>document.title='owned'</script>\" x\n"
              "[app.sink]\ntype = udp-server\nnode = b\nport = 9000\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(Slurp(r.Out("report.html")).find("</script><script>document.title"), std::string::npos);
    TempDir profile;
    std::string dom = RenderedDom(r.Out("report.html"), profile);
    EXPECT_NE(dom.find("data-ready=\"1\""), std::string::npos);
    EXPECT_EQ(ErrorBox(dom), "");
    // The text is data: had it run, the title would say so.
    EXPECT_NE(dom.find("<title>inject: nslab report</title>"), std::string::npos);
}

TEST(Report, ReportCommandRebuildsAndRefusesBadFolders)
{
    Results r("name = small\nduration = 2s\n[link.wire]\ntype = p2p\nnodes = a b\n"
              "[app.ping]\ntype = ping\nnode = a\npeer = b\ncount = 3\n", "--no-report");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_FALSE(std::filesystem::exists(r.Out("report.html")));
    auto made = Nslab("report " + r.Out(""));
    EXPECT_EQ(made.status, 0) << made.err;
    EXPECT_NE(Slurp(r.Out("report.html")).find("\"scenario\":\"small\""), std::string::npos);
    TempDir empty;
    auto bad = Nslab("report " + empty.Path());
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("not a run's results folder (no summary.json and scenario.ini in it)"), std::string::npos)
        << bad.err;
    EXPECT_EQ(Nslab("report").status, 2);
    EXPECT_EQ(Nslab("report " + r.Out("") + " extra").status, 2);
}

// The example: a sweep writes a page with its settings, its table and its plots.
TEST(Report, SweepPageHasSettingsTablePlotsAndRuns)
{
    if (!HaveChromium())
    {
        GTEST_SKIP() << "chromium is not installed";
    }
    TempDir dir;
    auto sweep = Nslab("sweep " + Scenario("tcp-vs-udp.ini") + " --vary link.lan.loss=0%,1% --runs 3 --quiet --out " +
                       dir.Path() + " --plot file-sink.goodput_bps --model mathis");
    ASSERT_EQ(sweep.status, 0) << sweep.err;
    EXPECT_NE(sweep.out.find(dir.Path() + "/sweep.html"), std::string::npos);
    TempDir profile;
    std::string dom = RenderedDom(dir / "sweep.html", profile);
    ASSERT_NE(dom.find("data-ready=\"1\""), std::string::npos) << dom.substr(0, 2000);
    EXPECT_EQ(ErrorBox(dom), "");
    EXPECT_NE(dom.find("<th>varied (x axis)</th><td>link.lan.loss = 0%, 1%</td>"), std::string::npos);
    // The table of means: a row per metric, a column per combination, mean ± 95 % interval (n).
    EXPECT_NE(dom.find("<tr data-metric=\"voice.packets_sent\"><td>voice.packets_sent</td><td class=\"num\">400 ± 0 (n=3)</td>"),
              std::string::npos);
    // Each run's own point on the goodput plot (3 runs x 2 combinations), and the gnuplot figure with its model.
    size_t plot = dom.find("<div class=\"plot\" data-metric=\"file-sink.goodput_bps\">");
    ASSERT_NE(plot, std::string::npos);
    std::string figure = dom.substr(plot, dom.find("</svg>", plot) - plot);
    EXPECT_EQ(Occurrences(figure, "class=\"run-point\""), 6u);
    EXPECT_EQ(Occurrences(figure, "class=\"mean-point\""), 2u);
    EXPECT_EQ(Occurrences(dom, "class=\"model-plot\""), 1u);
    EXPECT_NE(dom.find("Mathis"), std::string::npos);
    // A link to each run's report, which exists.
    EXPECT_EQ(Occurrences(dom, "class=\"run-link\""), 6u);
    EXPECT_TRUE(std::filesystem::exists(dir / "runs/1-loss=1pct/run-3/report.html"));
    EXPECT_NE(dom.find("href=\"runs/1-loss=1pct/run-3/report.html\""), std::string::npos);
}

namespace
{

/** \return the rows of a CSV file with a header line (no quoted commas in the fields read here). */
std::vector<std::map<std::string, std::string>>
CsvRows(const std::string& path)
{
    std::istringstream lines(Slurp(path));
    std::string line;
    std::vector<std::string> names;
    std::getline(lines, line);
    std::istringstream header(line);
    for (std::string name; std::getline(header, name, ',');)
    {
        names.push_back(name);
    }
    std::vector<std::map<std::string, std::string>> rows;
    while (std::getline(lines, line))
    {
        std::map<std::string, std::string> row;
        std::istringstream cells(line + ",");
        std::string cell;
        for (size_t i = 0; i < names.size() && std::getline(cells, cell, ','); ++i)
        {
            row[names[i]] = cell;
        }
        rows.push_back(row);
    }
    return rows;
}

/**
 * \brief drops.csv has one row per frame the summary counts as dropped: the
 * links' directions by cause, the switches, the nodes, and the interfaces'
 * queue discs (but netem's, whose drops are its direction's "queue").
 * \return the number of rows
 */
size_t
ExpectDropsMatchSummary(const Results& r)
{
    auto rows = CsvRows(r.Out("drops.csv"));
    auto count = [&](auto match) { return static_cast<int64_t>(std::count_if(rows.begin(), rows.end(), match)); };
    int64_t total = 0;
    for (const auto& link : r.summary.at("links"))
    {
        std::string name = link.at("name");
        for (const auto& d : link.at("directions"))
        {
            std::string direction = d.at("from").get<std::string>() + "->" + d.at("to").get<std::string>();
            for (const auto& [cause, n] : d.at("dropped_by_cause").items())
            {
                total += n.get<int64_t>();
                EXPECT_EQ(count([&](auto& row) { return row["link"] == name && row["direction"] == direction && row["cause"] == cause; }),
                          n.get<int64_t>())
                    << name << " " << direction << " " << cause;
            }
        }
        if (link.contains("switch"))
        {
            for (const auto& [cause, n] : link.at("switch").at("dropped_by_cause").items())
            {
                total += n.get<int64_t>();
                EXPECT_EQ(count([&](auto& row) { return row["link"] == name && row["node"] == "switch" && row["cause"] == cause; }),
                          n.get<int64_t>());
            }
        }
    }
    for (const auto& host : r.summary.at("hosts"))
    {
        for (const auto& [cause, n] : host.at("dropped_by_cause").items())
        {
            total += n.get<int64_t>();
            EXPECT_EQ(count([&](auto& row) { return row["node"] == host.at("node") && row["direction"].empty() && row["cause"] == cause; }),
                      n.get<int64_t>())
                << host.at("node") << " " << cause;
        }
    }
    for (const auto& iface : r.summary.at("interfaces"))
    {
        if (iface.contains("queue_disc") && iface.at("queue_disc").at("type") != "Netem")
        {
            int64_t n = iface.at("queue_disc").at("dropped");
            total += n;
            EXPECT_EQ(count([&](auto& row) {
                          return row["node"] == iface.at("node") && row["interface"] == iface.at("name") &&
                                 row["cause"].rfind("queue disc ", 0) == 0;
                      }),
                      n);
        }
    }
    EXPECT_EQ(static_cast<int64_t>(rows.size()), total);
    for (auto& row : rows)
    {
        EXPECT_FALSE(row["cause"].empty());
        EXPECT_FALSE(row["protocol"].empty()) << row["cause"] << " at " << row["time_s"];
    }
    return rows.size();
}

} // namespace

// The example: exactly one row per frame the summary counts as dropped, each with its cause.
TEST(Drops, OneRowPerDroppedFrameWithItsCause)
{
    // Random loss on a cable; a switch port overflowing; WiFi retries exhausted and queue discs
    // dropping; a link down and no route; a netem queue overflowing.
    for (std::string scenario : {"tcp-vs-udp.ini", "star-incast.ini", "wifi-retries.ini", "link-failure.ini",
                                 "bottleneck-queue.ini"})
    {
        Results r(FromFile{Scenario(scenario)}, "--no-report");
        ASSERT_EQ(r.outcome.status, 0) << scenario << ": " << r.outcome.err;
        SCOPED_TRACE(scenario);
        EXPECT_GT(ExpectDropsMatchSummary(r), 0u);
    }
}

// What the rows say of the frames: the TCP segment or nslab datagram, in time order.
TEST(Drops, RowsNameTheFrame)
{
    Results r("name = lossy\nduration = 3s\n[link.wire]\ntype = p2p\nnodes = a b\ndelay = 1ms\n[link.wire.a->b]\ndrop = 3\n"
              "[app.u]\ntype = udp-client\nnode = a\npeer = b:9000\ncount = 5\ninterval = 100ms\n"
              "[app.sink]\ntype = udp-server\nnode = b\nport = 9000\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto rows = CsvRows(r.Out("drops.csv"));
    ASSERT_EQ(rows.size(), 1u);
    EXPECT_EQ(rows[0]["link"], "wire");
    EXPECT_EQ(rows[0]["direction"], "a->b");
    EXPECT_EQ(rows[0]["node"], "b");
    EXPECT_EQ(rows[0]["cause"], "list");
    EXPECT_EQ(rows[0]["protocol"], "UDP");
    EXPECT_EQ(rows[0]["destination"], "10.0.1.2:9000");
    EXPECT_EQ(rows[0]["nslab_seq"], "2"); // the third datagram (nslab numbers them from 0)
    // Dropped at the receiver as it arrives: sent at 1.2 s, 1030 B at 100 Mbit/s (82.4 us), 1 ms on the wire.
    EXPECT_EQ(rows[0]["time_s"], "1.201082400");
}
