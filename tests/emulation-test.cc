// The emulation library against the real kernel: namespaces, taps carrying
// frames, programs started and stopped by the launcher's init, and nothing
// left behind when the owner is killed. Every test skips, saying why, without
// root (or CAP_NET_ADMIN and CAP_SYS_ADMIN) and /dev/net/tun.

#include "emulation.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <arpa/inet.h>
#include <chrono>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <functional>
#include <grp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sstream>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace nslab::emu;
using Clock = std::chrono::steady_clock;
using Kind = ProgramEvent::Kind;

namespace
{

#define REQUIRE_PRIVILEGES()                                                                                           \
    do                                                                                                                 \
    {                                                                                                                  \
        std::string missing = MissingPrivileges();                                                                     \
        if (!missing.empty())                                                                                          \
        {                                                                                                              \
            GTEST_SKIP() << missing;                                                                                   \
        }                                                                                                              \
    } while (0)

std::string Slurp(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

/** A fresh folder (physical path) with output files for programs, removed with the object. */
class Scratch
{
  public:
    Scratch()
    {
        std::string t = (std::filesystem::temp_directory_path() / "nslab-emu-XXXXXX").string();
        if (!mkdtemp(t.data()))
        {
            throw std::runtime_error("mkdtemp");
        }
        m_dir = std::filesystem::canonical(t).string();
    }
    ~Scratch()
    {
        for (int fd : m_fds)
        {
            close(fd);
        }
        std::error_code ec;
        std::filesystem::remove_all(m_dir, ec);
    }
    /** An open (O_CLOEXEC) file NAME in the folder, for a program's stdout or stderr. */
    int File(const std::string& name)
    {
        int fd = open((m_dir + "/" + name).c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        m_fds.push_back(fd);
        return fd;
    }
    std::string Read(const std::string& name) const
    {
        return Slurp(m_dir + "/" + name);
    }
    const std::string& Dir() const
    {
        return m_dir;
    }

  private:
    std::string m_dir;
    std::vector<int> m_fds;
};

/** Collects a launcher's events; each wait takes the first unclaimed event that matches. */
class Events
{
  public:
    explicit Events(Launcher& l)
        : m_l(l)
    {
    }
    const ProgramEvent* WaitFor(size_t program, Kind kind, std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        return Wait([&](const ProgramEvent& e) { return e.program == program && e.kind == kind; }, limit);
    }
    /** Waits for program's end (Exited, Signaled or ExecFailed). */
    const ProgramEvent* WaitEnd(size_t program, std::chrono::milliseconds limit = std::chrono::seconds(5))
    {
        return Wait([&](const ProgramEvent& e) { return e.program == program && e.kind != Kind::Started; }, limit);
    }
    std::vector<ProgramEvent> m_all;

  private:
    const ProgramEvent* Wait(const std::function<bool(const ProgramEvent&)>& match, std::chrono::milliseconds limit)
    {
        auto end = Clock::now() + limit;
        for (;;)
        {
            for (size_t i = 0; i < m_all.size(); ++i)
            {
                if (!m_claimed[i] && match(m_all[i]))
                {
                    m_claimed[i] = true;
                    return &m_all[i];
                }
            }
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - Clock::now()).count();
            if (left <= 0)
            {
                return nullptr;
            }
            pollfd p{m_l.EventFd(), POLLIN, 0};
            poll(&p, 1, static_cast<int>(left));
            for (auto& e : m_l.ReadEvents())
            {
                m_all.push_back(e);
                m_claimed.push_back(false);
            }
        }
    }

    Launcher& m_l;
    std::vector<bool> m_claimed;
};

/** Runs argv in namespace fd netns (-1: ours) and returns its stdout; fails the test if it does not exit 0. */
std::string RunIn(int netns, std::vector<std::string> argv)
{
    Scratch s;
    int out = s.File("out");
    int err = s.File("err");
    Launcher l({{"probe", argv, {}, "", netns, out, err}});
    l.Start(0);
    Events ev(l);
    const ProgramEvent* e = ev.WaitEnd(0);
    EXPECT_TRUE(e && e->kind == Kind::Exited && e->code == 0)
        << (e ? Describe(*e) : "no end") << ": " << argv[0] << " stderr: " << s.Read("err");
    return s.Read("out");
}

bool InPath(const std::string& name)
{
    const char* path = getenv("PATH");
    std::stringstream dirs(path ? path : "/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':'))
    {
        if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0)
        {
            return true;
        }
    }
    return false;
}

std::string FindIp()
{
    for (const char* p : {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"})
    {
        if (access(p, X_OK) == 0)
        {
            return p;
        }
    }
    return "";
}

std::string Contains(const std::string& hay, const std::string& needle)
{
    return hay.find(needle) != std::string::npos ? "" : "'" + needle + "' not in:\n" + hay;
}

ino_t ThreadNetns()
{
    struct stat st{};
    stat("/proc/thread-self/ns/net", &st);
    return st.st_ino;
}

size_t OpenFds()
{
    size_t n = 0;
    for (auto& e : std::filesystem::directory_iterator("/proc/self/fd"))
    {
        (void)e;
        ++n;
    }
    return n;
}

std::array<uint8_t, 6> Mac(uint8_t last)
{
    return {0x02, 0x00, 0x00, 0x00, 0x01, last};
}

// ------------------------------------------------------------ frames

using Frame = std::vector<uint8_t>;

void Put16(Frame& f, uint16_t v)
{
    f.push_back(v >> 8);
    f.push_back(v & 0xff);
}

void PutIp(Frame& f, const char* text)
{
    in_addr a{};
    inet_pton(AF_INET, text, &a);
    auto* b = reinterpret_cast<uint8_t*>(&a);
    f.insert(f.end(), b, b + 4);
}

Frame ArpRequest(const std::array<uint8_t, 6>& from, const char* fromIp, const char* askIp)
{
    Frame f(6, 0xff);
    f.insert(f.end(), from.begin(), from.end());
    Put16(f, 0x0806);
    Put16(f, 1);
    Put16(f, 0x0800);
    f.push_back(6);
    f.push_back(4);
    Put16(f, 1);
    f.insert(f.end(), from.begin(), from.end());
    PutIp(f, fromIp);
    f.insert(f.end(), 6, 0);
    PutIp(f, askIp);
    return f;
}

Frame ArpReply(const std::array<uint8_t, 6>& from, const char* fromIp, const uint8_t* toMac, const uint8_t* toIp)
{
    Frame f(toMac, toMac + 6);
    f.insert(f.end(), from.begin(), from.end());
    Put16(f, 0x0806);
    Put16(f, 1);
    Put16(f, 0x0800);
    f.push_back(6);
    f.push_back(4);
    Put16(f, 2);
    f.insert(f.end(), from.begin(), from.end());
    PutIp(f, fromIp);
    f.insert(f.end(), toMac, toMac + 6);
    f.insert(f.end(), toIp, toIp + 4);
    return f;
}

Frame Udp(const std::array<uint8_t, 6>& src, const std::array<uint8_t, 6>& dst, const char* srcIp, const char* dstIp,
          uint16_t sport, uint16_t dport, const std::string& payload)
{
    Frame f(dst.begin(), dst.end());
    f.insert(f.end(), src.begin(), src.end());
    Put16(f, 0x0800);
    size_t ip = f.size();
    f.push_back(0x45);
    f.push_back(0);
    Put16(f, 20 + 8 + payload.size());
    Put16(f, 0x1234);
    Put16(f, 0x4000);
    f.push_back(64);
    f.push_back(17);
    Put16(f, 0);
    PutIp(f, srcIp);
    PutIp(f, dstIp);
    uint32_t sum = 0;
    for (size_t i = ip; i < ip + 20; i += 2)
    {
        sum += (f[i] << 8) | f[i + 1];
    }
    while (sum >> 16)
    {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    f[ip + 10] = static_cast<uint8_t>(~sum >> 8);
    f[ip + 11] = static_cast<uint8_t>(~sum & 0xff);
    Put16(f, sport);
    Put16(f, dport);
    Put16(f, 8 + payload.size());
    Put16(f, 0); // no UDP checksum (allowed for IPv4)
    f.insert(f.end(), payload.begin(), payload.end());
    return f;
}

/** Reads frames from a tap until one satisfies want or the time is up; on each frame calls also. */
bool ReadFrames(int tap, std::chrono::milliseconds limit, const std::function<bool(const Frame&)>& want)
{
    auto end = Clock::now() + limit;
    while (Clock::now() < end)
    {
        pollfd p{tap, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
        {
            continue;
        }
        Frame f(65536);
        ssize_t n = read(tap, f.data(), f.size());
        if (n <= 0)
        {
            return false;
        }
        f.resize(n);
        if (want(f))
        {
            return true;
        }
    }
    return false;
}

/** Process ids whose argument vector is exactly "sleep MARKER". */
std::vector<pid_t> Sleeping(const std::string& marker)
{
    std::vector<pid_t> found;
    const std::string want = std::string("sleep") + '\0' + marker + '\0';
    for (auto& e : std::filesystem::directory_iterator("/proc"))
    {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") == std::string::npos && Slurp(e.path().string() + "/cmdline") == want)
        {
            found.push_back(std::stoi(name));
        }
    }
    return found;
}

/** pid exists and is not a zombie (a dead init reparented to a PID 1 that does not reap stays a zombie). */
bool Alive(pid_t pid)
{
    std::string stat = Slurp("/proc/" + std::to_string(pid) + "/stat");
    size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

/** Everything in /proc that still refers to network namespace inode: processes in it, fds on it. */
std::vector<std::string> HoldersOf(ino_t inode)
{
    std::string link = "net:[" + std::to_string(inode) + "]";
    std::vector<std::string> held;
    std::error_code ec;
    for (auto& e : std::filesystem::directory_iterator("/proc", ec))
    {
        std::string name = e.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos)
        {
            continue;
        }
        char buf[256];
        ssize_t n = readlink((e.path().string() + "/ns/net").c_str(), buf, sizeof buf - 1);
        if (n > 0 && std::string(buf, n) == link)
        {
            held.push_back(e.path().string() + "/ns/net");
        }
        for (auto& fd : std::filesystem::directory_iterator(e.path() / "fd", ec))
        {
            n = readlink(fd.path().c_str(), buf, sizeof buf - 1);
            if (n > 0 && std::string(buf, n) == link)
            {
                held.push_back(fd.path().string());
            }
        }
    }
    return held;
}

/** cubic if the host lets a namespace choose it (see CongestionControlNotAllowed...), else reno (always allowed). */
std::string Congestion()
{
    std::string allowed = " " + Slurp("/proc/sys/net/ipv4/tcp_allowed_congestion_control");
    return allowed.find(" cubic") != std::string::npos ? "cubic" : "reno";
}

HostConfig TwoTapRouter()
{
    HostConfig c;
    c.node = "r1";
    c.congestion = Congestion();
    c.forwarding = true;
    InterfaceConfig eth0;
    eth0.name = "eth0";
    eth0.mac = Mac(2);
    eth0.mtu = 1400;
    eth0.ipv4 = "10.0.1.2";
    eth0.prefix4 = 24;
    InterfaceConfig eth1;
    eth1.name = "eth1";
    eth1.mac = Mac(3);
    eth1.mtu = 9000;
    eth1.noArp = true;
    eth1.ipv4 = "10.0.2.2";
    eth1.prefix4 = 30;
    c.interfaces = {eth0, eth1};
    c.routes = {{"0.0.0.0", 0, "10.0.1.1", "eth0", 5}, {"10.0.3.0", 24, "10.0.2.1", "eth1", 0}};
    return c;
}

} // namespace

// ------------------------------------------------------------ privileges

TEST(MissingPrivileges, NothingMissingForRootAndNeitherCapabilityForNobody)
{
    REQUIRE_PRIVILEGES();
    if (geteuid() != 0)
    {
        GTEST_SKIP() << "needs root to become nobody";
    }
    int p[2];
    ASSERT_EQ(pipe(p), 0);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0)
    {
        close(p[0]);
        if (setgroups(0, nullptr) != 0 || setgid(65534) != 0 || setuid(65534) != 0)
        {
            _exit(2);
        }
        std::string m = MissingPrivileges();
        ssize_t n = write(p[1], m.data(), m.size());
        _exit(n == static_cast<ssize_t>(m.size()) ? 0 : 1);
    }
    close(p[1]);
    std::string message;
    char buf[512];
    ssize_t n;
    while ((n = read(p[0], buf, sizeof buf)) > 0)
    {
        message.append(buf, n);
    }
    close(p[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(message, "real programs need root, or CAP_NET_ADMIN and CAP_SYS_ADMIN (this process has neither)");
}

// ------------------------------------------------------------ namespaces

TEST(NetworkNamespace, TapsHaveTheMacMtuFlagsAddressesRoutesAndSysctlsAsConfigured)
{
    REQUIRE_PRIVILEGES();
    std::string ip = FindIp();
    if (ip.empty())
    {
        GTEST_SKIP() << "no ip(8) to look at the namespace with";
    }
    ino_t before = ThreadNetns();
    NetworkNamespace ns(TwoTapRouter());
    EXPECT_EQ(ThreadNetns(), before) << "the thread must be back in its own namespace";
    EXPECT_NE(ns.Inode(), before);

    std::string links = RunIn(ns.Fd(), {ip, "-o", "link"});
    EXPECT_EQ(Contains(links, "eth0: <BROADCAST,MULTICAST,UP,LOWER_UP> mtu 1400"), "");
    EXPECT_EQ(Contains(links, "link/ether 02:00:00:00:01:02"), "");
    EXPECT_EQ(Contains(links, "eth1: <BROADCAST,MULTICAST,NOARP,UP,LOWER_UP> mtu 9000"), "");
    EXPECT_EQ(Contains(links, "link/ether 02:00:00:00:01:03"), "");
    EXPECT_EQ(Contains(links, "lo: <LOOPBACK,UP,LOWER_UP>"), "");

    std::string addrs = RunIn(ns.Fd(), {ip, "-o", "addr"});
    EXPECT_EQ(Contains(addrs, "eth0    inet 10.0.1.2/24 brd 10.0.1.255 scope global eth0"), "");
    EXPECT_EQ(Contains(addrs, "eth1    inet 10.0.2.2/30 brd 10.0.2.3 scope global eth1"), "");
    EXPECT_EQ(addrs.find("inet6"), std::string::npos) << "IPv6 is off unless asked for:\n" << addrs;

    std::string routes = RunIn(ns.Fd(), {ip, "route"});
    EXPECT_EQ(Contains(routes, "default via 10.0.1.1 dev eth0 proto static metric 5"), "");
    EXPECT_EQ(Contains(routes, "10.0.3.0/24 via 10.0.2.1 dev eth1 proto static"), "");
    EXPECT_EQ(Contains(routes, "10.0.1.0/24 dev eth0 proto kernel scope link src 10.0.1.2"), "");

    std::string sysctls = RunIn(ns.Fd(), {"cat", "/proc/sys/net/ipv4/ip_forward",
                                          "/proc/sys/net/ipv4/tcp_congestion_control",
                                          "/proc/sys/net/ipv6/conf/all/disable_ipv6",
                                          "/proc/sys/net/ipv6/conf/eth0/disable_ipv6"});
    EXPECT_EQ(sysctls, "1\n" + Congestion() + "\n1\n1\n");

    // Our own namespace has none of it.
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    inet_pton(AF_INET, "10.0.1.2", &a.sin_addr);
    EXPECT_NE(bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    EXPECT_EQ(errno, EADDRNOTAVAIL);
    close(s);
}

TEST(NetworkNamespace, Ipv6AddressesAreUsableAtOnceAndRoutesHaveTheirMetric)
{
    REQUIRE_PRIVILEGES();
    std::string ip = FindIp();
    if (ip.empty())
    {
        GTEST_SKIP() << "no ip(8) to look at the namespace with";
    }
    HostConfig c;
    c.node = "h6";
    c.ipv6 = true;
    c.congestion = "reno";
    InterfaceConfig eth0;
    eth0.name = "eth0";
    eth0.mac = Mac(6);
    eth0.ipv4 = "10.0.1.2";
    eth0.ipv6 = "fd00:1::2";
    c.interfaces = {eth0};
    c.routes = {{"fd00:3::", 64, "fd00:1::1", "eth0", 7}, {"::", 0, "fd00:1::1", "eth0", 0}};
    NetworkNamespace ns(c);

    std::string addrs = RunIn(ns.Fd(), {ip, "-o", "-6", "addr", "show", "dev", "eth0"});
    EXPECT_EQ(Contains(addrs, "inet6 fd00:1::2/64 scope global"), "");
    EXPECT_EQ(addrs.find("tentative"), std::string::npos) << addrs;
    std::string routes = RunIn(ns.Fd(), {ip, "-6", "route"});
    EXPECT_EQ(Contains(routes, "fd00:3::/64 via fd00:1::1 dev eth0 proto static metric 7"), "");
    EXPECT_EQ(Contains(routes, "default via fd00:1::1 dev eth0 proto static metric 1024"), "");
    std::string sysctls = RunIn(ns.Fd(), {"cat", "/proc/sys/net/ipv6/conf/eth0/accept_dad",
                                          "/proc/sys/net/ipv6/conf/eth0/accept_ra",
                                          "/proc/sys/net/ipv6/conf/eth0/autoconf",
                                          "/proc/sys/net/ipv6/conf/eth0/router_solicitations",
                                          "/proc/sys/net/ipv4/tcp_congestion_control"});
    EXPECT_EQ(sysctls, "0\n0\n0\n0\nreno\n");
}

TEST(NetworkNamespace, TheKernelAnswersArpAndAUdpServerEchoesThroughTheTap)
{
    REQUIRE_PRIVILEGES();
    if (!InPath("python3"))
    {
        GTEST_SKIP() << "no python3 for the echo server";
    }
    HostConfig c;
    c.node = "h1";
    c.congestion = Congestion();
    InterfaceConfig eth0;
    eth0.name = "eth0";
    eth0.mac = Mac(2);
    eth0.ipv4 = "10.0.1.2";
    c.interfaces = {eth0};
    NetworkNamespace ns(c);
    int tap = ns.TapFd(0);
    const std::array<uint8_t, 6> peer{0x02, 0, 0, 0, 0, 0x99};

    // ARP: who has 10.0.1.2? The kernel inside answers with the configured MAC.
    Frame req = ArpRequest(peer, "10.0.1.1", "10.0.1.2");
    ASSERT_EQ(write(tap, req.data(), req.size()), static_cast<ssize_t>(req.size()));
    bool arp = ReadFrames(tap, std::chrono::seconds(3), [&](const Frame& f) {
        return f.size() >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 2 &&
               std::equal(f.begin(), f.begin() + 6, peer.begin()) &&
               std::equal(f.begin() + 22, f.begin() + 28, eth0.mac.begin()) && f[28] == 10 && f[29] == 0 &&
               f[30] == 1 && f[31] == 2;
    });
    EXPECT_TRUE(arp) << "no ARP reply from 10.0.1.2";

    // UDP: a real server in the namespace echoes a datagram we inject as a frame.
    Scratch s;
    Launcher l({{"echo",
                 {"python3", "-c",
                  "import socket\n"
                  "s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
                  "s.bind(('10.0.1.2', 7777))\n"
                  "d, a = s.recvfrom(2000)\n"
                  "s.sendto(b'echo:' + d, a)\n"},
                 {},
                 "",
                 ns.Fd(),
                 s.File("out"),
                 s.File("err")}});
    l.Start(0);
    Frame udp = Udp(peer, eth0.mac, "10.0.1.1", "10.0.1.2", 5555, 7777, "hello-nslab");
    std::string reply;
    auto end = Clock::now() + std::chrono::seconds(5);
    while (reply.empty() && Clock::now() < end)
    {
        ASSERT_EQ(write(tap, udp.data(), udp.size()), static_cast<ssize_t>(udp.size()));
        ReadFrames(tap, std::chrono::milliseconds(300), [&](const Frame& f) {
            if (f.size() >= 42 && f[12] == 0x08 && f[13] == 0x06 && f[21] == 1)
            {
                Frame answer = ArpReply(peer, "10.0.1.1", &f[6], &f[28]); // the kernel asks for 10.0.1.1
                EXPECT_EQ(write(tap, answer.data(), answer.size()), static_cast<ssize_t>(answer.size()));
                return false;
            }
            if (f.size() >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17 && f[34] == 7777 >> 8 &&
                f[35] == (7777 & 0xff) && f[36] == 5555 >> 8 && f[37] == (5555 & 0xff))
            {
                EXPECT_TRUE(std::equal(f.begin(), f.begin() + 6, peer.begin())) << "reply to the peer's MAC";
                EXPECT_TRUE(std::equal(f.begin() + 6, f.begin() + 12, eth0.mac.begin())) << "from the tap's MAC";
                reply.assign(f.begin() + 42, f.end());
                return true;
            }
            return false;
        });
    }
    EXPECT_EQ(reply, "echo:hello-nslab") << "server stderr: " << s.Read("err");
    Events ev(l);
    const ProgramEvent* e = ev.WaitEnd(0);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, Kind::Exited);
    EXPECT_EQ(e->code, 0);
}

TEST(NetworkNamespace, ANoArpLinkSendsAtOnceToItsOwnMac)
{
    REQUIRE_PRIVILEGES();
    if (!InPath("python3"))
    {
        GTEST_SKIP() << "no python3 to send a datagram with";
    }
    HostConfig c = TwoTapRouter();
    NetworkNamespace ns(c);
    Scratch s;
    std::vector<std::string> argv = {"python3", "-c",
                                     "import socket\n"
                                     "socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('10.0.2.1', 9))\n"};
    Launcher l({{"send", argv, {}, "", ns.Fd(), s.File("out"), s.File("err")}});
    l.Start(0);
    bool sawArp = false;
    Frame udp;
    ReadFrames(ns.TapFd(1), std::chrono::seconds(3), [&](const Frame& f) {
        sawArp = sawArp || (f.size() >= 14 && f[12] == 0x08 && f[13] == 0x06);
        if (f.size() >= 42 && f[12] == 0x08 && f[13] == 0x00 && f[23] == 17)
        {
            udp = f;
            return true;
        }
        return false;
    });
    ASSERT_FALSE(udp.empty()) << "no datagram on eth1; stderr: " << s.Read("err");
    EXPECT_FALSE(sawArp);
    EXPECT_TRUE(std::equal(udp.begin(), udp.begin() + 6, c.interfaces[1].mac.begin()))
        << "with IFF_NOARP the kernel addresses frames to the tap's own MAC";
}

TEST(NetworkNamespace, BadConfigurationsThrowNamingNodeAndInterfaceAndLeaveTheThreadHome)
{
    REQUIRE_PRIVILEGES();
    ino_t before = ThreadNetns();
    size_t fds = OpenFds();
    auto message = [](const HostConfig& c) {
        try
        {
            NetworkNamespace ns(c);
        }
        catch (const std::runtime_error& e)
        {
            return std::string(e.what());
        }
        return std::string("no exception");
    };
    HostConfig c = TwoTapRouter();
    c.interfaces[0].name = "a-name-too-long-for-linux";
    EXPECT_EQ(Contains(message(c), "node r1, interface a-name-too-long-for-linux"), "");

    c = TwoTapRouter();
    c.routes.push_back({"10.0.9.0", 24, "10.0.8.1", "eth0", 0}); // gateway not on any subnet: the kernel refuses
    std::string m = message(c);
    EXPECT_EQ(Contains(m, "node r1, route 10.0.9.0/24 via 10.0.8.1 dev eth0"), "");
    EXPECT_EQ(Contains(m, "unreachable"), "");

    c = TwoTapRouter();
    c.interfaces[1].ipv6 = "fd00::1";
    EXPECT_EQ(Contains(message(c), "node r1, interface eth1: an IPv6 address on a host without ipv6"), "");

    c = TwoTapRouter();
    c.congestion = "no-such-algorithm";
    EXPECT_EQ(Contains(message(c), "node r1: sysctl net.ipv4.tcp_congestion_control = no-such-algorithm"), "");

    // A namespace may only choose what the host allows (bbr as the host's default makes cubic restricted).
    std::string allowed = Slurp("/proc/sys/net/ipv4/tcp_allowed_congestion_control");
    allowed.pop_back();
    if ((" " + allowed + " ").find(" cubic ") == std::string::npos)
    {
        c = TwoTapRouter();
        c.congestion = "cubic";
        EXPECT_EQ(Contains(message(c), "cubic: Operation not permitted: a network namespace may only use the host's "
                                       "allowed algorithms (net.ipv4.tcp_allowed_congestion_control = '" +
                                           allowed + "')"),
                  "");
    }

    EXPECT_EQ(ThreadNetns(), before);
    EXPECT_EQ(OpenFds(), fds);
}

TEST(NetworkNamespace, NamespacesMadeInAnotherThreadLeaveThatThreadHome)
{
    REQUIRE_PRIVILEGES();
    ino_t main = ThreadNetns();
    ino_t inThread = 0;
    ino_t made = 0;
    std::unique_ptr<NetworkNamespace> ns;
    std::thread t([&] {
        ns = std::make_unique<NetworkNamespace>(TwoTapRouter());
        made = ns->Inode();
        inThread = ThreadNetns();
    });
    t.join();
    EXPECT_EQ(inThread, main);
    EXPECT_NE(made, main);
    EXPECT_EQ(ThreadNetns(), main);
}

// ------------------------------------------------------------ launcher

TEST(Launcher, ReportsExitCodesSignalsExecFailuresAndGivesOutputEnvDirectoryAndCleanFds)
{
    REQUIRE_PRIVILEGES();
    Scratch s;
    Scratch work;
    setenv("NSLAB_REPLACED", "old", 1);
    struct sigaction ign{};
    struct sigaction old{};
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &old); // a caller that ignores SIGINT must not pass that on
    std::vector<ProgramSpec> specs = {
        {"shell", {"sh", "-c", "echo \"$NSLAB_NEW $NSLAB_REPLACED\"; pwd; echo oops >&2; exit 7"},
         {"NSLAB_NEW=hello", "NSLAB_REPLACED=new"}, work.Dir(), -1, s.File("0.out"), s.File("0.err")},
        {"absent", {"/nonexistent/program"}, {}, "", -1, -1, -1},
        {"not-in-path", {"nslab-no-such-program-here"}, {}, "", -1, -1, -1},
        {"bad-dir", {"true"}, {}, "/nonexistent-dir", -1, -1, -1},
        {"killed", {"sh", "-c", "kill -9 $$"}, {}, "", -1, -1, -1},
        {"fds", {"ls", "/proc/self/fd"}, {}, "", -1, s.File("5.out"), -1},
        {"stdin", {"readlink", "/proc/self/fd/0"}, {}, "", -1, s.File("6.out"), -1},
        {"signals", {"grep", "-E", "^Sig(Ign|Blk)", "/proc/self/status"}, {}, "", -1, s.File("7.out"), -1},
    };
    Launcher l(specs);
    sigaction(SIGINT, &old, nullptr);
    Events ev(l);
    for (size_t i = 0; i < specs.size(); ++i)
    {
        l.Start(i);
    }
    const ProgramEvent* e = ev.WaitEnd(0);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, Kind::Exited);
    EXPECT_EQ(e->code, 7);
    EXPECT_FALSE(e->stoppedByUs);
    EXPECT_EQ(s.Read("0.out"), "hello new\n" + work.Dir() + "\n");
    EXPECT_EQ(s.Read("0.err"), "oops\n");

    for (size_t i : {1, 2})
    {
        e = ev.WaitEnd(i);
        ASSERT_TRUE(e);
        EXPECT_EQ(e->kind, Kind::ExecFailed) << Describe(*e);
        EXPECT_EQ(e->code, ENOENT);
        EXPECT_EQ(e->detail, "execvp");
    }
    e = ev.WaitEnd(3);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, Kind::ExecFailed);
    EXPECT_EQ(e->code, ENOENT);
    EXPECT_EQ(e->detail, "chdir");
    EXPECT_EQ(Describe(*e, {"a", "b", "c", "bad-dir"}), "program 3 (bad-dir): could not start (chdir): No such file or directory");

    e = ev.WaitEnd(4);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, Kind::Signaled);
    EXPECT_EQ(e->code, SIGKILL);
    EXPECT_FALSE(e->stoppedByUs);

    for (size_t i : {5, 6, 7})
    {
        e = ev.WaitEnd(i);
        ASSERT_TRUE(e && e->kind == Kind::Exited && e->code == 0) << i;
    }
    EXPECT_EQ(s.Read("5.out"), "0\n1\n2\n3\n") << "only stdio (3 is ls's own directory)";
    EXPECT_EQ(s.Read("6.out"), "/dev/null\n");
    EXPECT_EQ(s.Read("7.out"), "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n");

    // Started came before each program's end, and exec failures never start.
    size_t started = 0;
    for (const auto& x : ev.m_all)
    {
        started += x.kind == Kind::Started;
    }
    EXPECT_EQ(started, 5u);
}

TEST(Launcher, StopSendsSigtermAndSigkillAfterTheGrace)
{
    REQUIRE_PRIVILEGES();
    Scratch s;
    const auto grace = std::chrono::milliseconds(400);
    Launcher l({{"sleep", {"sleep", "100"}, {}, "", -1, -1, -1},
                {"stubborn", {"sh", "-c", "trap '' TERM; echo ready; sleep 100"}, {}, "", -1, s.File("1.out"), -1},
                {"left-running", {"sleep", "100"}, {}, "", -1, -1, -1}},
               grace);
    Events ev(l);
    l.Start(0);
    l.Start(1);
    l.Start(2);
    ASSERT_TRUE(ev.WaitFor(0, Kind::Started));
    ASSERT_TRUE(ev.WaitFor(1, Kind::Started));
    ASSERT_TRUE(ev.WaitFor(2, Kind::Started));

    auto t0 = Clock::now();
    l.Stop(0);
    const ProgramEvent* e = ev.WaitEnd(0);
    auto took = Clock::now() - t0;
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, Kind::Signaled);
    EXPECT_EQ(e->code, SIGTERM);
    EXPECT_TRUE(e->stoppedByUs);
    EXPECT_LT(took, grace);

    // Started again after a stop.
    l.Start(0);
    ASSERT_TRUE(ev.WaitFor(0, Kind::Started));

    auto end = Clock::now() + std::chrono::seconds(3);
    while (s.Read("1.out") != "ready\n" && Clock::now() < end)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    t0 = Clock::now();
    l.Stop(1);
    e = ev.WaitEnd(1);
    took = Clock::now() - t0;
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind, Kind::Signaled);
    EXPECT_EQ(e->code, SIGKILL);
    EXPECT_TRUE(e->stoppedByUs);
    EXPECT_GE(took, grace - std::chrono::milliseconds(20));
    EXPECT_LT(took, grace + std::chrono::seconds(1));

    // Shutdown stops the rest and hands over their last events.
    l.Shutdown();
    l.Shutdown();
    l.Start(1); // ignored after shutdown
    std::vector<ProgramEvent> last = l.ReadEvents();
    ASSERT_EQ(last.size(), 2u);
    for (const auto& x : last)
    {
        EXPECT_EQ(x.kind, Kind::Signaled) << Describe(x);
        EXPECT_EQ(x.code, SIGTERM);
        EXPECT_TRUE(x.stoppedByUs);
    }
    EXPECT_TRUE(l.ReadEvents().empty());
    EXPECT_NE(kill(l.InitPid(), 0), 0) << "the init is gone (and reaped)";
}

TEST(Launcher, ProgramsRunInTheNamespaceAndTheirChildrenGoWithTheLauncher)
{
    REQUIRE_PRIVILEGES();
    NetworkNamespace ns(TwoTapRouter());
    const std::string marker = "1234." + std::to_string(getpid()) + "1";
    {
        Launcher l({{"family", {"sh", "-c", "sleep " + marker + " & sleep " + marker + " & wait"}, {}, "", ns.Fd(), -1, -1}});
        l.Start(0);
        Events ev(l);
        ASSERT_TRUE(ev.WaitFor(0, Kind::Started));
        std::vector<pid_t> pids;
        auto end = Clock::now() + std::chrono::seconds(3);
        while ((pids = Sleeping(marker)).size() < 2 && Clock::now() < end)
        {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        ASSERT_EQ(pids.size(), 2u);
        for (pid_t p : pids)
        {
            struct stat st{};
            ASSERT_EQ(stat(("/proc/" + std::to_string(p) + "/ns/net").c_str(), &st), 0);
            EXPECT_EQ(st.st_ino, ns.Inode()) << "sleep runs in the host's namespace";
        }
    }
    EXPECT_TRUE(Sleeping(marker).empty()) << "grandchildren died with the launcher";
}

TEST(Launcher, NothingSurvivesSigkillOfItsOwner)
{
    REQUIRE_PRIVILEGES();
    const std::string marker = "1234." + std::to_string(getpid()) + "2";
    int p[2];
    ASSERT_EQ(pipe2(p, O_CLOEXEC), 0);
    pid_t owner = fork();
    ASSERT_GE(owner, 0);
    if (owner == 0)
    {
        close(p[0]);
        prctl(PR_SET_PDEATHSIG, SIGKILL); // never outlive a failed test
        try
        {
            NetworkNamespace ns(TwoTapRouter());
            Launcher l({{"sleep", {"sleep", marker}, {}, "", ns.Fd(), -1, -1},
                        {"family", {"sh", "-c", "sleep " + marker + " & sleep " + marker + " & wait"}, {}, "",
                         ns.Fd(), -1, -1}});
            l.Start(0);
            l.Start(1);
            Events ev(l);
            if (!ev.WaitFor(0, Kind::Started) || !ev.WaitFor(1, Kind::Started))
            {
                _exit(3);
            }
            uint64_t report[2] = {ns.Inode(), static_cast<uint64_t>(l.InitPid())};
            if (write(p[1], report, sizeof report) != sizeof report)
            {
                _exit(4);
            }
            for (;;)
            {
                pause();
            }
        }
        catch (...)
        {
            _exit(5);
        }
    }
    close(p[1]);
    struct KillOwner
    {
        pid_t pid;
        ~KillOwner()
        {
            if (pid > 0)
            {
                kill(pid, SIGKILL);
                waitpid(pid, nullptr, 0);
            }
        }
    } guard{owner};
    uint64_t report[2] = {0, 0};
    pollfd pf{p[0], POLLIN, 0};
    ASSERT_EQ(poll(&pf, 1, 5000), 1);
    ASSERT_EQ(read(p[0], report, sizeof report), static_cast<ssize_t>(sizeof report));
    close(p[0]);
    auto end = Clock::now() + std::chrono::seconds(3);
    while (Sleeping(marker).size() < 3 && Clock::now() < end)
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_EQ(Sleeping(marker).size(), 3u);
    ASSERT_FALSE(HoldersOf(report[0]).empty());

    auto t0 = Clock::now();
    kill(owner, SIGKILL);
    waitpid(owner, nullptr, 0);
    guard.pid = -1;
    std::vector<pid_t> left;
    std::vector<std::string> held;
    end = Clock::now() + std::chrono::seconds(2);
    do
    {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        left = Sleeping(marker);
        held = HoldersOf(report[0]);
    } while ((!left.empty() || !held.empty()) && Clock::now() < end);
    auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count();
    EXPECT_TRUE(left.empty()) << left.size() << " marker processes still there after " << took << " ms";
    EXPECT_TRUE(held.empty()) << "namespace still held: " << (held.empty() ? "" : held[0]);
    EXPECT_FALSE(Alive(static_cast<pid_t>(report[1]))) << "the init is gone";
    std::printf("[          ] everything gone %lld ms after SIGKILL of the owner\n", static_cast<long long>(took));
}

TEST(Resources, NoFdOrChildIsLeftAfterDestruction)
{
    REQUIRE_PRIVILEGES();
    size_t before = OpenFds();
    {
        NetworkNamespace ns(TwoTapRouter());
        Scratch s;
        Launcher l({{"hello", {"echo", "hi"}, {}, "", ns.Fd(), s.File("out"), -1},
                    {"sleeper", {"sleep", "100"}, {}, "", ns.Fd(), -1, -1}});
        l.Start(0);
        l.Start(1);
        Events ev(l);
        ASSERT_TRUE(ev.WaitEnd(0));
        ASSERT_TRUE(ev.WaitFor(1, Kind::Started));
        EXPECT_EQ(s.Read("out"), "hi\n");
    }
    EXPECT_EQ(OpenFds(), before);
    errno = 0;
    EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1) << "a child is left to reap";
    EXPECT_EQ(errno, ECHILD);
}
