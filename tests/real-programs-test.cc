// Real programs on virtual hosts (issue 15): the socket lesson's own Python
// programs run unmodified in network namespaces whose taps are simulated
// interfaces, beside nslab's apps, in real time; nothing of a run survives it.
// Runs need root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and /dev/net/tun: where
// they are missing, those tests are skipped with the reason.
#include "test-util.h"

#include "emulation.h"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <dirent.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <filesystem>
#include <set>
#include <thread>
#include <unistd.h>

using namespace nslab::test;

namespace
{

const std::string kLesson = std::string(NSLAB_SOURCE_DIR) + "/scenarios/lesson";

#define REQUIRE_PRIVILEGES()                                                                                           \
    do                                                                                                                 \
    {                                                                                                                  \
        std::string missing = nslab::emu::MissingPrivileges();                                                         \
        if (!missing.empty())                                                                                          \
        {                                                                                                              \
            GTEST_SKIP() << "real programs cannot run here: " << missing;                                              \
        }                                                                                                              \
    } while (false)

/** A lesson program as a process app: its section. */
std::string
Program(const std::string& name, const std::string& node, const std::string& command, const std::string& more = "")
{
    return "[app." + name + "]\ntype = process\nnode = " + node + "\ndir = " + kLesson + "\ncommand = " + command +
           "\n" + more;
}

/** \return the last line of a file that starts with a prefix ("" if none). */
std::string
LastLine(const std::string& path, const std::string& prefix)
{
    std::istringstream in(Slurp(path));
    std::string last;
    for (std::string line; std::getline(in, line);)
    {
        if (line.rfind(prefix, 0) == 0)
        {
            last = line;
        }
    }
    return last;
}

/** \return the processes (pids) whose command line contains a marker. */
std::vector<pid_t>
ProcessesWith(const std::string& marker)
{
    std::vector<pid_t> pids;
    for (const auto& entry : std::filesystem::directory_iterator("/proc"))
    {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == getpid())
        {
            continue;
        }
        std::string cmdline = Slurp(entry.path().string() + "/cmdline");
        std::replace(cmdline.begin(), cmdline.end(), '\0', ' ');
        if (cmdline.find(marker) != std::string::npos && cmdline.find("real-programs-test") == std::string::npos)
        {
            pids.push_back(std::stoi(name));
        }
    }
    return pids;
}

/** \return "net:[4026532]" of a process, or "" if it is gone. */
std::string
NetNamespaceOf(pid_t pid)
{
    char target[64] = {};
    ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/ns/net").c_str(), target, sizeof(target) - 1);
    return n > 0 ? std::string(target, n) : "";
}

/** \return true if any process is in that network namespace or holds a descriptor of it. */
bool
NamespaceAlive(const std::string& ns)
{
    for (const auto& entry : std::filesystem::directory_iterator("/proc"))
    {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos)
        {
            continue;
        }
        if (NetNamespaceOf(std::stoi(name)) == ns)
        {
            return true;
        }
        std::error_code ec;
        for (const auto& fd : std::filesystem::directory_iterator(entry.path() / "fd", ec))
        {
            std::error_code ec2;
            if (std::filesystem::read_symlink(fd.path(), ec2).string() == ns)
            {
                return true;
            }
        }
    }
    return false;
}

/** Wait up to a time for a condition. */
template <class Test>
bool
Eventually(Test test, std::chrono::milliseconds limit)
{
    auto end = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < end)
    {
        if (test())
        {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return test();
}

} // namespace

// The lesson's TCP pair over a 10 Mbit/s, 10 ms cable that loses 2 % per
// direction: every byte arrives, Linux retransmits what the cable lost, and
// the handshake takes one round trip of the cable (2 x 10 ms and change).
TEST(RealPrograms, LessonTcpOverLossyCable)
{
    REQUIRE_PRIVILEGES();
    Results r("name = lesson-tcp\nduration = 12s\n[link.cable]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\n"
              "delay = 10ms\nloss = 2%\n" +
              Program("server", "bob", "python3 TCP_server.py {bob} 5000") +
              Program("client", "alice", "python3 TCP_client.py {bob} 5000 1000000", "start = 0.5s\n"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "client").at("exit_code"), 0) << Slurp(r.Out("client.stdout"));
    EXPECT_TRUE(App(r.summary, "server").at("stopped").get<bool>()); // it serves until the end of the run
    EXPECT_NE(Slurp(r.Out("server.stdout")).find("received 1000000 bytes from 10.0.1.1"), std::string::npos)
        << Slurp(r.Out("server.stdout"));
    EXPECT_FALSE(r.summary.at("realtime").at("deterministic").get<bool>());
    EXPECT_GT(r.summary.at("realtime").at("lateness_samples").get<int>(), 10000);
    // The cable dropped some of the ~700 data frames and ACKs, and counted them.
    auto ab = Direction(r.summary, "alice", "bob");
    EXPECT_GT(ab.at("dropped").get<int>(), 2);
    if (!HaveTshark())
    {
        return;
    }
    std::string pcap = r.Out("alice-eth0.pcap");
    // Wireshark calls many of Linux's fast retransmissions out-of-order (EMULATION-NOTES.md).
    size_t retransmitted =
        Fields(pcap, "tcp.srcport != 5000 && (tcp.analysis.retransmission || tcp.analysis.out_of_order)", "-e frame.number")
            .size();
    EXPECT_GE(retransmitted, static_cast<size_t>(ab.at("dropped").get<int>()) / 2) << "dropped " << ab.dump();
    EXPECT_GT(retransmitted, 0u);
    // Handshake: the last SYN alice sent, then the SYN-ACK that came back.
    auto syns = Fields(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-e frame.time_relative");
    auto synAcks = Fields(pcap, "tcp.flags.syn == 1 && tcp.flags.ack == 1", "-e frame.time_relative");
    ASSERT_FALSE(syns.empty());
    ASSERT_FALSE(synAcks.empty());
    double rtt = std::stod(synAcks.front().at(0)) - std::stod(syns.back().at(0));
    EXPECT_GE(rtt, 0.020);
    EXPECT_LE(rtt, 0.030);
}

// A real UDP server counts an nslab udp-client's datagrams: exactly those
// that reached its interface (its pcap), about 1 - loss of those sent.
TEST(RealPrograms, RealUdpServerCountsNslabClient)
{
    REQUIRE_PRIVILEGES();
    Results r("name = udp-real\nduration = 5s\n[link.cable]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\n"
              "delay = 5ms\nloss = 10%\n" +
              Program("server", "bob", "python3 UDP_server.py {bob} 6000") +
              "[app.voice]\ntype = udp-client\nnode = alice\npeer = bob:6000\nsize = 160B\ninterval = 10ms\ncount = 300\n"
              "start = 0.5s\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "voice").at("packets_sent"), 300);
    auto ab = Direction(r.summary, "alice", "bob");
    int dropped = ab.at("dropped").get<int>();
    std::string last = LastLine(r.Out("server.stdout"), "datagrams ");
    ASSERT_FALSE(last.empty()) << Slurp(r.Out("server.stderr"));
    int counted = std::stoi(last.substr(10));
    EXPECT_EQ(counted, 300 - dropped) << last;
    // 10 % of 300: 30 +- 3 sigma (5.2).
    EXPECT_GE(dropped, 14);
    EXPECT_LE(dropped, 46);
    // 160 B of payload each: the nslab header and padding, as sent.
    EXPECT_NE(last.find("bytes " + std::to_string(160 * counted)), std::string::npos) << last;
    if (HaveTshark())
    {
        EXPECT_EQ(Fields(r.Out("bob-eth0.pcap"), "udp.dstport == 6000", "-e frame.number").size(),
                  static_cast<size_t>(counted));
    }
}

// A real TCP client delivers 100,000 bytes to nslab's tcp-server, which
// reads them as a raw stream (no client of its own sends nslab headers).
TEST(RealPrograms, RealTcpClientToNslabServer)
{
    REQUIRE_PRIVILEGES();
    Results r("name = tcp-real\nduration = 5s\n[link.cable]\ntype = ethernet\nnodes = alice bob\nrate = 10Mbps\n"
              "delay = 5ms\n" +
              Program("client", "alice", "python3 TCP_client.py {bob} 5000 100000", "start = 0.5s\n") +
              "[app.sink]\ntype = tcp-server\nnode = bob\nport = 5000\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "client").at("exit_code"), 0) << Slurp(r.Out("client.stdout"));
    auto sink = App(r.summary, "sink");
    EXPECT_EQ(sink.at("bytes_received"), 100000);
    EXPECT_EQ(sink.at("connections"), 1);
    EXPECT_TRUE(sink.at("raw").get<bool>());
}

// An nslab tcp-client to a real server over IPv6 on a point-to-point wire
// (PPP framing, no neighbour discovery on the tap).
TEST(RealPrograms, NslabClientToRealServerOverIpv6P2p)
{
    REQUIRE_PRIVILEGES();
    Results r("name = p2p6\nduration = 5s\nip = v6\n[link.wire]\ntype = p2p\nnodes = alice bob\nrate = 10Mbps\n"
              "delay = 5ms\n" +
              Program("server", "bob", "python3 TCP_server.py {bob} 5000") +
              "[app.file]\ntype = tcp-client\nnode = alice\npeer = bob:5000\nbytes = 200KB\nraw = true\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    auto file = App(r.summary, "file");
    EXPECT_EQ(file.at("bytes_sent"), 200000);
    EXPECT_NE(Slurp(r.Out("server.stdout")).find("received 200000 bytes from fd00:1::1"), std::string::npos)
        << Slurp(r.Out("server.stdout")) << Slurp(r.Out("server.stderr"));
}

// A real program on a WiFi station reaches one on the LAN behind the access
// point, which routes between the cell and the LAN (a simulated router).
TEST(RealPrograms, WifiStationReachesLanBehindAccessPoint)
{
    REQUIRE_PRIVILEGES();
    Results r("name = wifi-real\nduration = 6s\n[link.cell]\ntype = wifi\nap = router\nnodes = laptop\n"
              "[link.lan]\ntype = ethernet\nnodes = router server\nrate = 100Mbps\ndelay = 1ms\n" +
              Program("server", "server", "python3 TCP_server.py {server} 5000") +
              Program("client", "laptop", "python3 TCP_client.py {server} 5000 300000", "start = 1s\n"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "client").at("exit_code"), 0) << Slurp(r.Out("client.stdout"));
    EXPECT_NE(Slurp(r.Out("server.stdout")).find("received 300000 bytes from 10.0.1.2"), std::string::npos)
        << Slurp(r.Out("server.stdout"));
    EXPECT_TRUE(std::filesystem::exists(r.Out("laptop-wlan0.radio.pcap")));
}

// A real node on two links is a Linux router: it forwards nslab's IPv4 and
// IPv6 datagrams between an Ethernet cable and a p2p wire, its own sends
// take the cable's jitter, and it answers ARP and neighbour solicitations.
TEST(RealPrograms, RealRouterForwardsDualStack)
{
    REQUIRE_PRIVILEGES();
    Results r("name = router\nduration = 4s\nip = dual\n[link.a]\ntype = ethernet\nnodes = alice r\ndelay = 2ms\n"
              "jitter = 1ms\n[link.b]\ntype = p2p\nnodes = r bob\ndelay = 3ms\n" +
              Program("router", "r", "sleep 100") +
              "[app.u]\ntype = udp-client\nnode = alice\npeer = bob:6000\nip = v4\ncount = 100\ninterval = 10ms\n"
              "[app.us]\ntype = udp-server\nnode = bob\nport = 6000\n"
              "[app.u6]\ntype = udp-client\nnode = alice\npeer = bob:6001\nip = v6\ncount = 100\ninterval = 10ms\n"
              "[app.us6]\ntype = udp-server\nnode = bob\nport = 6001\n"
              "[app.p]\ntype = ping\nnode = bob\npeer = alice\nip = v4\ncount = 3\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "us").at("packets_received"), 100);
    EXPECT_EQ(App(r.summary, "us6").at("packets_received"), 100);
    auto ping = App(r.summary, "p");
    EXPECT_EQ(ping.at("packets_received"), 3);
    // 2 x (2 ms +- 1 ms jitter + 3 ms), and serialization: at least 2 x 4 ms.
    EXPECT_GE(ping.at("rtt_min_s").get<double>(), 0.008);
    EXPECT_TRUE(std::filesystem::exists(r.Out("r-eth0.pcap")));
    EXPECT_TRUE(std::filesystem::exists(r.Out("r-ppp0.pcap")));
}

// A program may send anything: frames that would crash ns-3's parsers (an
// ARP address of 255 bytes, an unknown IPv6 next header, an IPv4 length
// beyond the frame) are dropped at the tap and counted; nslab runs on.
TEST(RealPrograms, MalformedFramesAreRefusedAtTheTap)
{
    REQUIRE_PRIVILEGES();
    Results r("name = bad\nduration = 2s\nip = dual\n[link.lan]\ntype = ethernet\nnodes = alice bob\n"
              "[app.bad]\ntype = process\nnode = alice\ndir = " + std::string(NSLAB_SOURCE_DIR) +
              "/tests/data\ncommand = python3 bad-frames.py 20\nstart = 0.5s\n"
              "[app.sink]\ntype = udp-server\nnode = bob\nport = 5000\n");
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "bad").at("exit_code"), 0) << Slurp(r.Out("bad.stderr"));
    nlohmann::json drops;
    for (const auto& host : r.summary.at("hosts"))
    {
        drops = host.at("node") == "alice" ? host.at("dropped_by_cause") : drops;
    }
    EXPECT_EQ(drops.value("tap: malformed ARP", 0), 20) << drops;
    EXPECT_EQ(drops.value("tap: IPv6 next header nslab's hosts do not take", 0), 20) << drops;
    EXPECT_EQ(drops.value("tap: frame longer than the link's MTU", 0), 20) << drops;
}

// The programs' own outcomes: an exit status, a program nslab stops at its
// stop time, one still running at the end, one killed by a signal; output,
// environment and interface; and no program or namespace left after the run.
TEST(RealPrograms, ExitStopsAndNothingLeft)
{
    REQUIRE_PRIVILEGES();
    std::string marker = "4242." + std::to_string(getpid());
    Results r("name = outcomes\nduration = 3s\nbin = 100ms\n[link.cable]\ntype = ethernet\nnodes = alice bob\n" +
              Program("exits", "alice", "sh -c 'echo \"$GREETING from $(cat /sys/class/net/eth0/address)\"; exit 3'",
                      "env = GREETING='hello world'\n") +
              Program("sleeper", "bob", "sleep " + marker, "stop = 1s\n") +
              Program("forever", "bob", "sleep " + marker + "1") +
              Program("killed", "alice", "sh -c 'kill -9 $$'", "start = 0.5s\n") +
              Program("namespace", "bob", "readlink /proc/self/ns/net"));
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    std::string ns = Slurp(r.Out("namespace.stdout"));
    ASSERT_EQ(ns.rfind("net:[", 0), 0u) << ns;
    EXPECT_FALSE(NamespaceAlive(ns.substr(0, ns.find('\n')))) << ns;
    auto exits = App(r.summary, "exits");
    EXPECT_EQ(exits.at("exit_code"), 3);
    EXPECT_FALSE(exits.at("stopped").get<bool>());
    EXPECT_LT(exits.at("end_s").get<double>(), 1.0);
    EXPECT_EQ(Slurp(r.Out("exits.stdout")), "hello world from 00:00:00:00:00:01\n");
    auto sleeper = App(r.summary, "sleeper");
    EXPECT_TRUE(sleeper.at("stopped").get<bool>());
    EXPECT_EQ(sleeper.at("signal"), "SIGTERM");
    EXPECT_NEAR(sleeper.at("end_s").get<double>(), 1.0, 0.2);
    auto forever = App(r.summary, "forever");
    EXPECT_TRUE(forever.at("stopped").get<bool>());
    EXPECT_EQ(forever.at("signal"), "SIGTERM");
    EXPECT_NEAR(forever.at("end_s").get<double>(), 3.0, 0.2);
    auto killed = App(r.summary, "killed");
    EXPECT_FALSE(killed.at("stopped").get<bool>());
    EXPECT_EQ(killed.at("signal"), "SIGKILL");
    EXPECT_TRUE(ProcessesWith(marker).empty());
}

// kill -9 of nslab in the middle of a run: its programs (and their own
// children) and its namespaces go with it.
TEST(RealPrograms, NothingSurvivesKill9)
{
    REQUIRE_PRIVILEGES();
    TempDir dir;
    std::string marker = "4343." + std::to_string(getpid());
    std::ofstream(dir / "s.ini") << "name = killed\nduration = 60s\n[link.cable]\ntype = ethernet\nnodes = alice bob\n" +
                                       Program("server", "bob", "python3 TCP_server.py {bob} 5000") +
                                       Program("nested", "alice", "sh -c 'sleep " + marker + " & sleep " + marker +
                                                                     "; wait'");
    pid_t nslab = fork();
    if (nslab == 0)
    {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        dup2(null, 2);
        execl(NSLAB_BIN, NSLAB_BIN, "run", (dir / "s.ini").c_str(), "--out", (dir / "out").c_str(), "--quiet",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    // sh and its two sleeps, whose command lines all hold the marker.
    ASSERT_TRUE(Eventually([&] { return ProcessesWith(marker).size() == 3; }, std::chrono::seconds(10)));
    std::string ns = NetNamespaceOf(ProcessesWith(marker).front());
    ASSERT_FALSE(ns.empty());
    EXPECT_TRUE(NamespaceAlive(ns));
    kill(nslab, SIGKILL);
    waitpid(nslab, nullptr, 0);
    EXPECT_TRUE(Eventually([&] { return ProcessesWith(marker).empty(); }, std::chrono::seconds(2)));
    EXPECT_TRUE(Eventually([&] { return !NamespaceAlive(ns); }, std::chrono::seconds(2))) << ns;
    EXPECT_FALSE(std::filesystem::exists(dir / "out/summary.json"));
}

// Ctrl-C (SIGINT): the run stops at once, the programs are stopped, the
// pcaps are complete, and no summary.json says the run was whole.
TEST(RealPrograms, InterruptStopsEverything)
{
    REQUIRE_PRIVILEGES();
    TempDir dir;
    std::string marker = "4444." + std::to_string(getpid());
    std::ofstream(dir / "s.ini") << "name = interrupted\nduration = 60s\n[link.cable]\ntype = ethernet\nnodes = alice bob\n" +
                                       Program("sleeper", "alice", "sleep " + marker) +
                                       "[app.ping]\ntype = ping\nnode = bob\npeer = alice\ninterval = 100ms\nstart = 0s\n";
    pid_t nslab = fork();
    if (nslab == 0)
    {
        int null = open("/dev/null", O_WRONLY);
        dup2(null, 1);
        execl(NSLAB_BIN, NSLAB_BIN, "run", (dir / "s.ini").c_str(), "--out", (dir / "out").c_str(), "--quiet",
              static_cast<char*>(nullptr));
        _exit(127);
    }
    ASSERT_TRUE(Eventually([&] { return ProcessesWith(marker).size() == 1; }, std::chrono::seconds(10)));
    std::this_thread::sleep_for(std::chrono::seconds(1));
    auto start = std::chrono::steady_clock::now();
    kill(nslab, SIGINT);
    int status = 0;
    waitpid(nslab, &status, 0);
    EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 130);
    EXPECT_TRUE(ProcessesWith(marker).empty());
    EXPECT_FALSE(std::filesystem::exists(dir / "out/summary.json"));
    if (HaveTshark())
    {
        // A second of pings at 100 ms, each request and reply seen by alice.
        size_t echoes = Fields(dir / "out/alice-eth0.pcap", "icmp", "-e frame.number").size();
        EXPECT_GE(echoes, 10u);
    }
}

// Without the privileges, run says so with exit 2 before starting anything;
// check still validates.
TEST(RealPrograms, WithoutPrivilegesRunRefusesCheckValidates)
{
    if (geteuid() != 0 || std::system("command -v setpriv >/dev/null 2>&1") != 0)
    {
        GTEST_SKIP() << "needs root and setpriv to drop to an unprivileged user";
    }
    TempDir dir;
    std::filesystem::permissions(dir.Path(), std::filesystem::perms::all);
    std::ofstream(dir / "s.ini") << "name = unprivileged\nduration = 2s\n[link.cable]\ntype = ethernet\nnodes = alice bob\n" +
                                       Program("server", "bob", "python3 UDP_server.py {bob} 6000");
    std::filesystem::permissions(dir / "s.ini", std::filesystem::perms::all);
    auto r = Shell("setpriv --reuid=65534 --regid=65534 --clear-groups " + std::string(NSLAB_BIN) + " run " +
                   (dir / "s.ini") + " --out " + (dir / "out"));
    if (r.status == 126 || (r.err.find("Permission denied") != std::string::npos && r.err.find("nslab run") == std::string::npos))
    {
        GTEST_SKIP() << "the unprivileged user cannot run the nslab binary here: " << r.err;
    }
    EXPECT_EQ(r.status, 2) << r.err;
    EXPECT_NE(r.err.find("[app.server] is a real program"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find("CAP_NET_ADMIN"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(dir / "out/alice-eth0.pcap"));
    auto check = Shell("setpriv --reuid=65534 --regid=65534 --clear-groups " + std::string(NSLAB_BIN) + " check " +
                       (dir / "s.ini"));
    EXPECT_EQ(check.status, 0) << check.err;
    EXPECT_NE(check.out.find("command = python3 UDP_server.py {bob} 6000"), std::string::npos) << check.out;
}

// The loader: words split as a shell would, {NODE} and {NODE.IFACE}
// replaced, every mistake named with its file, line and key.
TEST(RealProgramsLoader, CommandWordsAndPlaceholders)
{
    TempDir dir;
    std::string head = "name = l\nduration = 2s\n[link.lan]\ntype = ethernet\nnodes = alice bob\n[link.w]\ntype = p2p\n"
                       "nodes = bob carol\n";
    auto check = [&](const std::string& app) {
        std::ofstream(dir / "s.ini") << head + app;
        return Nslab("check " + (dir / "s.ini"));
    };
    auto ok = check(Program("p", "alice", "python3 -c 'print(1)' {bob} {carol.ppp0} \"a b\" x\\ y {{z}}"));
    ASSERT_EQ(ok.status, 0) << ok.err;
    EXPECT_NE(ok.out.find("command = python3 -c 'print(1)' {bob} {carol.ppp0}"), std::string::npos) << ok.out;
    auto bad = check(Program("p", "alice", "python3 x.py {bobb}"));
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("s.ini:13: [app.p] command: {bobb}: no node or interface of that name (did you mean 'bob'?)"),
              std::string::npos)
        << bad.err;
    bad = check(Program("p", "alice", "python3 'x.py"));
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("[app.p] command: unterminated '"), std::string::npos) << bad.err;
    bad = check(Program("p", "alice", "pyhton3 x.py"));
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("[app.p] command: 'pyhton3' is not found in PATH"), std::string::npos) << bad.err;
    bad = check(Program("p", "alice", "python3 x.py", "env = 1X=2\n"));
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("[app.p] env: '1X=2' is not NAME=VALUE"), std::string::npos) << bad.err;
    bad = check(Program("p", "alice", "python3 x.py", "ip = v6\n"));
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("[app.p] ip: v6: the scenario has no IPv6"), std::string::npos) << bad.err;
    bad = check(Program("p", "alice", "python3 x.py") + "[app.s]\ntype = udp-server\nnode = alice\nport = 6000\n");
    EXPECT_EQ(bad.status, 2);
    EXPECT_NE(bad.err.find("[app.s] node: alice runs a real program ([app.p]), so its sockets are Linux's"),
              std::string::npos)
        << bad.err;
}

namespace
{

/** \return the count in the last "datagrams N ..." line of a UDP_server.py output. */
int
DatagramsCounted(const std::string& stdoutFile)
{
    std::string last = LastLine(stdoutFile, "datagrams ");
    return last.empty() ? 0 : std::stoi(last.substr(10));
}

/** Every pcap of a results folder opens in tshark, and none has a malformed frame. */
void
ExpectCleanPcaps(const std::string& dir)
{
    if (!HaveTshark())
    {
        return;
    }
    for (const auto& entry : std::filesystem::directory_iterator(dir))
    {
        if (entry.path().extension() == ".pcap")
        {
            auto r = Shell("tshark -n -r " + entry.path().string() + " -Y _ws.malformed");
            EXPECT_EQ(r.status, 0) << entry.path() << r.err;
            EXPECT_EQ(r.out, "") << entry.path();
        }
    }
}

} // namespace

// Lab 8's scenarios, as shipped, give what the handout says: every TCP byte
// arrives, UDP loses about what the link loses, the pcaps are clean.
TEST(RealProgramsLab, LessonOnCableAndWifi)
{
    REQUIRE_PRIVILEGES();
    for (std::string name : {"real-lesson-cable", "real-lesson-wifi"})
    {
        Results r(FromFile{Scenario(name + ".ini")});
        ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
        for (std::string laptop : {"laptop1", "laptop2"})
        {
            std::string other = laptop == "laptop1" ? "laptop2" : "laptop1";
            EXPECT_EQ(App(r.summary, laptop + "-tcp-client").at("exit_code"), 0) << name;
            EXPECT_NE(Slurp(r.Out(other + "-tcp-server.stdout")).find("received 1000000 bytes"), std::string::npos)
                << name << ": " << Slurp(r.Out(other + "-tcp-server.stdout"));
            int counted = DatagramsCounted(r.Out(other + "-udp-server.stdout"));
            // Cable: 2 % per frame; WiFi: 0.2^3 per hop, two hops: about 1.6 %. Either way 300 +- 3 sigma.
            EXPECT_LE(counted, 300) << name;
            EXPECT_GE(counted, 280) << name;
        }
        ExpectCleanPcaps(r.dir / "out");
    }
}

// Linux TCP and ns-3 TCP side by side: both deliver the megabyte; Linux's
// SYN announces its MSS and ns-3's does not (the handout's comparison).
TEST(RealProgramsLab, RealAgainstSimulatedTcp)
{
    REQUIRE_PRIVILEGES();
    Results r(FromFile{Scenario("real-vs-simulated-tcp.ini")});
    ASSERT_EQ(r.outcome.status, 0) << r.outcome.err;
    EXPECT_EQ(App(r.summary, "alice-tcp-client").at("exit_code"), 0);
    EXPECT_NE(Slurp(r.Out("bob-tcp-server.stdout")).find("received 1000000 bytes"), std::string::npos);
    EXPECT_EQ(App(r.summary, "dave-tcp-server").at("bytes_received"), 1000000);
    EXPECT_FALSE(App(r.summary, "dave-tcp-server").at("raw").get<bool>()); // its client is nslab's
    if (HaveTshark())
    {
        auto real = Fields(r.Out("alice-eth0.pcap"), "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-e tcp.options.mss_val");
        auto simulated = Fields(r.Out("carol-eth0.pcap"), "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-e tcp.options.mss_val");
        ASSERT_FALSE(real.empty());
        ASSERT_FALSE(simulated.empty());
        EXPECT_EQ(real.front().at(0), "1460");
        EXPECT_TRUE(simulated.front().empty());
        ExpectCleanPcaps(r.dir / "out");
    }
}
