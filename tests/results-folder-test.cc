// The results folder of `nslab run`: no link in it is ever followed, a file
// that cannot be created is found before the simulation, one run at a time,
// and only what a run listed in its manifest (.nslab-files) is ever removed.
#include "test-util.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <thread>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace nslab::test;
namespace fs = std::filesystem;

namespace
{

const std::string kGood = "duration = 2s\n"
                          "[link.lan]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\n"
                          "[app.s]\ntype = udp-server\nnode = bob\nport = 6000\n"
                          "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\ncount = 5\n";

/** A run that takes long enough to be caught in the middle: a datagram every millisecond for an hour. */
const std::string kLong = "duration = 3600s\n"
                          "[link.lan]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\n"
                          "[app.s]\ntype = udp-server\nnode = bob\nport = 6000\n"
                          "[app.c]\ntype = udp-client\nnode = alice\npeer = bob:6000\ninterval = 1ms\n"
                          "count = 3600000\n";

std::string
RunArgs(const TempDir& dir, const std::string& out)
{
    return "run " + (dir / "good.ini") + " --quiet --out '" + out + "'";
}

bool
IsLink(const std::string& path)
{
    return fs::is_symlink(fs::symlink_status(path));
}

/** Start `nslab run` in the background; \return its process id. */
pid_t
StartRun(const std::string& scenario, const std::string& out)
{
    pid_t pid = fork();
    if (pid == 0)
    {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execl(NSLAB_BIN, NSLAB_BIN, "run", scenario.c_str(), "--quiet", "--out", out.c_str(), (char*)nullptr);
        _exit(127);
    }
    return pid;
}

/** Wait (up to 60 s) until PATH exists and has at least MIN bytes. */
bool
WaitFor(const std::string& path, uintmax_t min)
{
    for (int i = 0; i < 600; ++i)
    {
        std::error_code ec;
        if (fs::exists(path, ec) && fs::file_size(path, ec) >= min && !ec)
        {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
}

TEST(ResultsFolderLinks, LinksInAFolderNoRunWroteAreRefusedAndNotFollowed)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    std::ofstream(dir / "victim") << "precious";
    fs::create_directory(dir / "out");
    for (std::string name : {"alice-eth0.pcap", "summary.json.tmp", "c.throughput.csv", "scenario.ini.tmp"})
    {
        fs::create_symlink(dir / "victim", dir / ("out/" + name));
    }
    Outcome o = Nslab(RunArgs(dir, dir / "out"));
    // Never deleted, never followed: the links are the user's (or an attacker's) files, not a run's.
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--out: " + (dir / "out/alice-eth0.pcap") +
                         " is not one a run wrote, and the results would replace it: choose another folder\n");
    EXPECT_EQ(Slurp(dir / "victim"), "precious");
    EXPECT_TRUE(IsLink(dir / "out/summary.json.tmp"));
    EXPECT_FALSE(fs::exists(dir / "out/summary.json"));
}

TEST(ResultsFolderLinks, LinksInPlaceOfAnEarlierRunsFilesAreReplacedNotFollowed)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    std::ofstream(dir / "victim") << "precious";
    ASSERT_EQ(Nslab(RunArgs(dir, dir / "out")).status, 0);
    std::string pcap = Slurp(dir / "out/alice-eth0.pcap");
    std::string csv = Slurp(dir / "out/c.throughput.csv");
    ASSERT_GT(pcap.size(), 24u);
    for (std::string name : {"alice-eth0.pcap", "bob-eth0.pcap", "summary.json.tmp", "c.throughput.csv",
                             "scenario.ini.tmp", "s.latency.csv.tmp"})
    {
        fs::remove(dir / ("out/" + name));
        fs::create_symlink(dir / "victim", dir / ("out/" + name));
    }
    Outcome o = Nslab(RunArgs(dir, dir / "out"));
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_EQ(Slurp(dir / "victim"), "precious");
    EXPECT_FALSE(IsLink(dir / "out/alice-eth0.pcap"));
    EXPECT_FALSE(IsLink(dir / "out/c.throughput.csv"));
    EXPECT_FALSE(fs::exists(fs::symlink_status(dir / "out/summary.json.tmp")));
    EXPECT_EQ(Slurp(dir / "out/alice-eth0.pcap"), pcap);
    EXPECT_EQ(Slurp(dir / "out/c.throughput.csv"), csv);
}

TEST(ResultsFolderCreate, APcapThatCannotBeCreatedIsFoundBeforeTheRun)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    fs::create_directories(dir / "out/bob-eth0.pcap");
    Outcome o = Nslab(RunArgs(dir, dir / "out"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--out: cannot create " + (dir / "out/bob-eth0.pcap") + ": Is a directory\n");
    EXPECT_FALSE(fs::exists(dir / "out/summary.json"));
    EXPECT_FALSE(fs::exists(dir / "out/alice-eth0.pcap"));

    // The same after a run: the earlier run's pcap is gone, a directory is in its place.
    ASSERT_EQ(Nslab(RunArgs(dir, dir / "again")).status, 0);
    fs::remove(dir / "again/bob-eth0.pcap");
    fs::create_directory(dir / "again/bob-eth0.pcap");
    o = Nslab(RunArgs(dir, dir / "again"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--out: cannot create " + (dir / "again/bob-eth0.pcap") + ": Is a directory\n");
    EXPECT_FALSE(fs::exists(dir / "again/summary.json")) << "a stale summary would make the folder look complete";
}

TEST(ResultsFolderCreate, APathTooLongIsFoundBeforeTheRun)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    // A folder whose path leaves room for the pcaps and the manifest, but not for
    // s.throughput.csv.tmp (PATH_MAX is 4096 with the final NUL).
    std::string out = dir.Path();
    while (out.size() < 4077)
    {
        out += "/" + std::string(std::min<size_t>(200, 4077 - out.size() - 1), 'd');
    }
    ASSERT_EQ(out.size(), 4077u);
    ASSERT_TRUE(fs::create_directories(out));
    Outcome o = Nslab(RunArgs(dir, out));
    EXPECT_EQ(o.status, 2) << o.err;
    EXPECT_EQ(o.err, "--out: cannot create " + out + "/s.throughput.csv.tmp: File name too long\n");
    EXPECT_FALSE(fs::exists(out + "/alice-eth0.pcap"));
    EXPECT_FALSE(fs::exists(out + "/summary.json"));
}

TEST(ResultsFolderOwnership, TheUsersOwnFilesSurviveARerun)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    ASSERT_EQ(Nslab(RunArgs(dir, dir / "out")).status, 0);
    std::ofstream(dir / "out/notes.csv") << "the user's notes";
    std::ofstream(dir / "out/user.pcap") << "the user's capture";
    ASSERT_EQ(Nslab(RunArgs(dir, dir / "out")).status, 0);
    EXPECT_EQ(Slurp(dir / "out/notes.csv"), "the user's notes");
    EXPECT_EQ(Slurp(dir / "out/user.pcap"), "the user's capture");
    EXPECT_TRUE(fs::exists(dir / "out/summary.json"));
}

TEST(ResultsFolderOwnership, AUsersFileNamedLikeAResultIsRefusedNotReplaced)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    fs::create_directory(dir / "out");
    std::ofstream(dir / "out/c.throughput.csv") << "the user's own series";
    Outcome o = Nslab(RunArgs(dir, dir / "out"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--out: " + (dir / "out/c.throughput.csv") +
                         " is not one a run wrote, and the results would replace it: choose another folder\n");
    EXPECT_EQ(Slurp(dir / "out/c.throughput.csv"), "the user's own series");
    EXPECT_FALSE(fs::exists(dir / "out/alice-eth0.pcap"));
}

TEST(ResultsFolderOwnership, AnInterruptedRunsFilesAreClearedByTheNext)
{
    // As an interrupted run leaves it: its manifest, a partial pcap of a
    // node this scenario does not have, no summary.
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    fs::create_directory(dir / "out");
    std::ofstream(dir / "out/.nslab-files") << "carol-eth0.pcap\nsummary.json\nx.tcp.csv.tmp\n";
    std::ofstream(dir / "out/carol-eth0.pcap") << "half a pcap";
    std::ofstream(dir / "out/x.tcp.csv.tmp") << "half a series";
    std::ofstream(dir / "out/notes.csv") << "the user's notes";
    Outcome o = Nslab(RunArgs(dir, dir / "out"));
    ASSERT_EQ(o.status, 0) << o.err;
    EXPECT_FALSE(fs::exists(dir / "out/carol-eth0.pcap"));
    EXPECT_FALSE(fs::exists(dir / "out/x.tcp.csv.tmp"));
    EXPECT_EQ(Slurp(dir / "out/notes.csv"), "the user's notes");
    EXPECT_TRUE(fs::exists(dir / "out/summary.json"));
}

TEST(ResultsFolderOwnership, AManifestNamingAnotherFolderIsRefused)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    std::ofstream(dir / "victim") << "precious";
    fs::create_directory(dir / "out");
    std::ofstream(dir / "out/.nslab-files") << "alice-eth0.pcap\n../victim\n";
    Outcome o = Nslab(RunArgs(dir, dir / "out"));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--out: " + (dir / "out/.nslab-files") +
                         ":2: not the name of a file a run writes (a pcap, a CSV, a program's .stdout or .stderr, scenario.ini, "
                         "summary.json); that "
                         "list is not nslab's: choose another folder\n");
    EXPECT_EQ(Slurp(dir / "victim"), "precious");
}

// A manifest planted in a shared folder (or edited) named the user's own file: the run removed it.
TEST(ResultsFolderOwnership, AManifestRemovesOnlyFilesOfAKindARunWrites)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    fs::create_directory(dir / "out");
    std::ofstream(dir / "out/thesis.tex") << "precious";
    std::ofstream(dir / "out/.nslab-files") << "alice-eth0.pcap\nthesis.tex\n";
    Outcome o = Nslab(RunArgs(dir, dir / "out"));
    EXPECT_EQ(o.status, 2);
    EXPECT_NE(o.err.find(".nslab-files:2: not the name of a file a run writes"), std::string::npos) << o.err;
    EXPECT_EQ(Slurp(dir / "out/thesis.tex"), "precious");
}

TEST(ResultsFolderConcurrency, ASecondRunIntoABusyFolderIsRefusedAndAKilledRunIsCleared)
{
    TempDir dir;
    std::ofstream(dir / "long.ini") << kLong;
    std::ofstream(dir / "good.ini") << kGood;
    pid_t first = StartRun(dir / "long.ini", dir / "out");
    ASSERT_TRUE(WaitFor(dir / "out/alice-eth0.pcap", 1000)) << "the first run did not start capturing";
    Outcome second = Nslab(RunArgs(dir, dir / "out"));
    EXPECT_EQ(second.status, 2);
    EXPECT_EQ(second.err, "nslab run: " + (dir / "out") + ": another nslab process is using this folder\n");
    // Interrupted in the middle: the next run (another scenario) clears its partial pcaps.
    kill(first, SIGKILL);
    int status = 0;
    waitpid(first, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the first run ended before it was killed";
    std::ofstream(dir / "p2p.ini") << "duration = 1s\n[link.wire]\ntype = p2p\nnodes = carol dave\nrate = 10Mbps\n";
    Outcome third = Nslab("run " + (dir / "p2p.ini") + " --quiet --out " + (dir / "out"));
    ASSERT_EQ(third.status, 0) << third.err;
    EXPECT_FALSE(fs::exists(dir / "out/alice-eth0.pcap"));
    EXPECT_FALSE(fs::exists(dir / "out/bob-eth0.pcap"));
    EXPECT_TRUE(fs::exists(dir / "out/carol-ppp0.pcap"));
}

TEST(ResultsFolderPaths, AnOutPathThatIsNotUtf8IsRefusedBeforeTheRun)
{
    TempDir dir;
    std::ofstream(dir / "good.ini") << kGood;
    std::string out = dir / "out-\xff";
    Outcome o = Nslab(RunArgs(dir, out));
    EXPECT_EQ(o.status, 2);
    EXPECT_EQ(o.err, "--out: the path holds a control character or is not valid UTF-8; choose another\n");
    EXPECT_FALSE(fs::exists(out));
}

} // namespace
