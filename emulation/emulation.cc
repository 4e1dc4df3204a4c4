#include "emulation.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/mount.h>
#include <fstream>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <sched.h>
#include <set>
#include <sstream>
#include <stdexcept>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace nslab::emu
{
namespace
{

std::string Errno(int err)
{
    return std::strerror(err);
}

/** An owned file descriptor: every error path closes what it opened. */
class UniqueFd
{
  public:
    UniqueFd() = default;
    explicit UniqueFd(int fd)
        : m_fd(fd)
    {
    }
    ~UniqueFd()
    {
        Reset();
    }
    UniqueFd(UniqueFd&& other) noexcept
        : m_fd(other.Release())
    {
    }
    UniqueFd& operator=(UniqueFd&& other) noexcept
    {
        if (this != &other)
        {
            Reset();
            m_fd = other.Release();
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    int Get() const
    {
        return m_fd;
    }
    int Release()
    {
        int fd = m_fd;
        m_fd = -1;
        return fd;
    }
    void Reset()
    {
        if (m_fd >= 0)
        {
            close(m_fd);
        }
        m_fd = -1;
    }

  private:
    int m_fd = -1;
};

// ---------------------------------------------------------------- privileges

bool HasCapability(int cap)
{
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
    {
        if (line.rfind("CapEff:", 0) == 0)
        {
            unsigned long long mask = std::strtoull(line.c_str() + 7, nullptr, 16);
            return (mask >> cap) & 1;
        }
    }
    return false;
}

} // namespace

std::string MissingPrivileges()
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0)
    {
        return "pipe: " + Errno(errno);
    }
    pid_t pid = fork();
    if (pid < 0)
    {
        int err = errno;
        close(p[0]);
        close(p[1]);
        return "fork: " + Errno(err);
    }
    if (pid == 0)
    {
        // Only system calls here: the caller may have threads.
        int result[2] = {0, 0};
        if (unshare(CLONE_NEWNET | CLONE_NEWPID) != 0)
        {
            result[0] = 1;
            result[1] = errno;
        }
        else
        {
            int tun = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
            if (tun < 0)
            {
                result[0] = 2;
                result[1] = errno;
            }
            else
            {
                struct ifreq ifr;
                std::memset(&ifr, 0, sizeof ifr);
                std::memcpy(ifr.ifr_name, "nslabprobe0", 12);
                ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
                if (ioctl(tun, TUNSETIFF, &ifr) != 0)
                {
                    result[0] = 3;
                    result[1] = errno;
                }
            }
        }
        ssize_t n = write(p[1], result, sizeof result);
        _exit(n == sizeof result ? 0 : 1);
    }
    close(p[1]);
    int result[2] = {-1, 0};
    ssize_t n;
    do
    {
        n = read(p[0], result, sizeof result);
    } while (n < 0 && errno == EINTR);
    close(p[0]);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR)
    {
    }
    if (n != sizeof result)
    {
        return "the privilege probe (a forked child) died before answering";
    }
    const int CAP_NET_ADMIN_BIT = 12;
    const int CAP_SYS_ADMIN_BIT = 21;
    bool net = HasCapability(CAP_NET_ADMIN_BIT);
    bool sys = HasCapability(CAP_SYS_ADMIN_BIT);
    switch (result[0])
    {
    case 0:
        return "";
    case 1:
        if (result[1] == EPERM && (!net || !sys))
        {
            std::string has = !net && !sys ? "has neither" : !sys ? "lacks CAP_SYS_ADMIN" : "lacks CAP_NET_ADMIN";
            return "real programs need root, or CAP_NET_ADMIN and CAP_SYS_ADMIN (this process " + has + ")";
        }
        if (result[1] == EPERM)
        {
            return "unshare(CLONE_NEWNET|CLONE_NEWPID): Operation not permitted although this process has "
                   "CAP_NET_ADMIN and CAP_SYS_ADMIN (a container or seccomp policy forbids new namespaces)";
        }
        return "unshare(CLONE_NEWNET|CLONE_NEWPID): " + Errno(result[1]);
    case 2:
        return "/dev/net/tun: " + Errno(result[1]);
    default:
        return "TUNSETIFF on /dev/net/tun: " + Errno(result[1]) +
               (result[1] == EPERM ? " (real programs need CAP_NET_ADMIN)" : "");
    }
}

// ---------------------------------------------------------------- namespace

namespace
{

/** Puts the calling thread back into its saved network namespace, whatever happens. */
class NetnsGuard
{
  public:
    explicit NetnsGuard(int saved)
        : m_saved(saved)
    {
    }
    ~NetnsGuard()
    {
        if (setns(m_saved, CLONE_NEWNET) != 0)
        {
            // The thread would go on in the wrong namespace: nothing sane is left to do.
            std::fprintf(stderr, "nslab: cannot return to the original network namespace: %s\n",
                         std::strerror(errno));
            std::abort();
        }
    }
    NetnsGuard(const NetnsGuard&) = delete;
    NetnsGuard& operator=(const NetnsGuard&) = delete;

  private:
    int m_saved;
};

/** An IPv4 or IPv6 address from text. */
struct Address
{
    int family = 0;
    unsigned char bytes[16] = {};
    size_t Size() const
    {
        return family == AF_INET ? 4 : 16;
    }
};

bool ParseAddress(const std::string& text, Address& out)
{
    if (inet_pton(AF_INET, text.c_str(), out.bytes) == 1)
    {
        out.family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text.c_str(), out.bytes) == 1)
    {
        out.family = AF_INET6;
        return true;
    }
    return false;
}

bool HostBitsClear(const Address& a, unsigned prefix)
{
    for (size_t bit = prefix; bit < a.Size() * 8; ++bit)
    {
        if (a.bytes[bit / 8] & (0x80 >> (bit % 8)))
        {
            return false;
        }
    }
    return true;
}

/** One rtnetlink request at a time, each acknowledged; errors carry the kernel's extended message. */
class Netlink
{
  public:
    Netlink()
        : m_fd(socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE))
    {
        if (m_fd.Get() < 0)
        {
            throw std::runtime_error("netlink socket: " + Errno(errno));
        }
        int one = 1;
        setsockopt(m_fd.Get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof one); // best effort
    }

    /** Starts a message: header plus the fixed part. */
    void Begin(uint16_t type, const void* fixed, size_t size)
    {
        m_buf.assign(NLMSG_LENGTH(size), 0);
        auto* h = reinterpret_cast<nlmsghdr*>(m_buf.data());
        h->nlmsg_type = type;
        h->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
        h->nlmsg_seq = ++m_seq;
        std::memcpy(NLMSG_DATA(h), fixed, size);
    }

    void Attr(uint16_t type, const void* data, size_t size)
    {
        size_t at = NLMSG_ALIGN(m_buf.size());
        m_buf.resize(at + RTA_ALIGN(RTA_LENGTH(size)), 0);
        auto* a = reinterpret_cast<rtattr*>(m_buf.data() + at);
        a->rta_type = type;
        a->rta_len = RTA_LENGTH(size);
        std::memcpy(RTA_DATA(a), data, size);
    }

    /** Sends the message; \return "" on success, else the reason. */
    std::string Commit()
    {
        auto* h = reinterpret_cast<nlmsghdr*>(m_buf.data());
        h->nlmsg_len = m_buf.size();
        sockaddr_nl kernel{};
        kernel.nl_family = AF_NETLINK;
        if (sendto(m_fd.Get(), m_buf.data(), m_buf.size(), 0, reinterpret_cast<sockaddr*>(&kernel),
                   sizeof kernel) < 0)
        {
            return "netlink send: " + Errno(errno);
        }
        alignas(nlmsghdr) char reply[8192];
        for (;;)
        {
            ssize_t n = recv(m_fd.Get(), reply, sizeof reply, 0);
            if (n < 0)
            {
                if (errno == EINTR)
                {
                    continue;
                }
                return "netlink receive: " + Errno(errno);
            }
            int len = static_cast<int>(n);
            for (auto* r = reinterpret_cast<nlmsghdr*>(reply); NLMSG_OK(r, len); r = NLMSG_NEXT(r, len))
            {
                if (r->nlmsg_seq != m_seq || r->nlmsg_type != NLMSG_ERROR)
                {
                    continue;
                }
                auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(r));
                if (e->error == 0)
                {
                    return "";
                }
                std::string why = Errno(-e->error);
                if (r->nlmsg_flags & NLM_F_ACK_TLVS)
                {
                    size_t off = sizeof(nlmsgerr);
                    if (!(r->nlmsg_flags & NLM_F_CAPPED))
                    {
                        off += e->msg.nlmsg_len - sizeof(nlmsghdr);
                    }
                    off = NLMSG_ALIGN(off);
                    size_t total = r->nlmsg_len - NLMSG_HDRLEN;
                    const char* base = reinterpret_cast<const char*>(e);
                    while (off + sizeof(nlattr) <= total)
                    {
                        const auto* a = reinterpret_cast<const nlattr*>(base + off);
                        if (a->nla_len < sizeof(nlattr) || off + a->nla_len > total)
                        {
                            break;
                        }
                        if (a->nla_type == NLMSGERR_ATTR_MSG)
                        {
                            why += " (" + std::string(base + off + NLA_HDRLEN,
                                                      strnlen(base + off + NLA_HDRLEN, a->nla_len - NLA_HDRLEN)) +
                                   ")";
                        }
                        off += NLA_ALIGN(a->nla_len);
                    }
                }
                return why;
            }
        }
    }

  private:
    UniqueFd m_fd;
    uint32_t m_seq = 0;
    std::vector<char> m_buf;
};

/** \return 0 or the errno of writing value to /proc/sys/KEY (dots for slashes). */
int TryWriteSysctl(const std::string& key, const std::string& value)
{
    std::string path = "/proc/sys/" + key;
    std::replace(path.begin() + 10, path.end(), '.', '/');
    UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
    if (fd.Get() < 0)
    {
        return errno;
    }
    ssize_t n = write(fd.Get(), value.data(), value.size());
    return n < 0 ? errno : n != static_cast<ssize_t>(value.size()) ? EIO : 0;
}

std::string SysctlError(const std::string& node, const std::string& key, const std::string& value, int err)
{
    return "node " + node + ": sysctl " + key + " = " + value + ": " + Errno(err);
}

void WriteSysctl(const std::string& node, const std::string& key, const std::string& value)
{
    if (int err = TryWriteSysctl(key, value))
    {
        throw std::runtime_error(SysctlError(node, key, value, err));
    }
}

bool ValidIfName(const std::string& name)
{
    return !name.empty() && name.size() < IFNAMSIZ && name != "." && name != ".." &&
           name.find_first_of("/%: \t\n") == std::string::npos;
}

void Validate(const HostConfig& c)
{
    const std::string who = "node " + c.node;
    std::set<std::string> names{"lo"};
    for (const auto& i : c.interfaces)
    {
        const std::string where = who + ", interface " + i.name;
        if (!ValidIfName(i.name))
        {
            throw std::runtime_error(where + ": an interface name has 1 to 15 characters, none of / % : or space");
        }
        if (!names.insert(i.name).second)
        {
            throw std::runtime_error(where + ": the name is used twice (or is lo)");
        }
        if (i.mac[0] & 1)
        {
            throw std::runtime_error(where + ": a multicast MAC (first byte odd) cannot be a tap's address");
        }
        if (i.mtu < 68 || i.mtu > 65521)
        {
            throw std::runtime_error(where + ": MTU " + std::to_string(i.mtu) + " is outside 68..65521");
        }
        Address a;
        if (!i.ipv4.empty() && (!ParseAddress(i.ipv4, a) || a.family != AF_INET || i.prefix4 > 32))
        {
            throw std::runtime_error(where + ": bad IPv4 address " + i.ipv4 + "/" + std::to_string(i.prefix4));
        }
        if (!i.ipv6.empty())
        {
            if (!ParseAddress(i.ipv6, a) || a.family != AF_INET6 || i.prefix6 > 128)
            {
                throw std::runtime_error(where + ": bad IPv6 address " + i.ipv6 + "/" + std::to_string(i.prefix6));
            }
            if (!c.ipv6)
            {
                throw std::runtime_error(where + ": an IPv6 address on a host without ipv6 (HostConfig::ipv6)");
            }
            if (i.mtu < 1280)
            {
                throw std::runtime_error(where + ": IPv6 needs an MTU of at least 1280, not " + std::to_string(i.mtu));
            }
        }
    }
    for (const auto& r : c.routes)
    {
        const std::string where = who + ", route " + r.destination + "/" + std::to_string(r.prefix) + " via " +
                                  (r.gateway.empty() ? "(direct)" : r.gateway) + " dev " + r.iface;
        Address d;
        Address g;
        if (!ParseAddress(r.destination, d))
        {
            throw std::runtime_error(where + ": the destination is not an IP address");
        }
        if (r.prefix > d.Size() * 8)
        {
            throw std::runtime_error(where + ": prefix too long");
        }
        if (!HostBitsClear(d, r.prefix))
        {
            throw std::runtime_error(where + ": the destination has bits set beyond the prefix");
        }
        if (d.family == AF_INET6 && !c.ipv6)
        {
            throw std::runtime_error(where + ": an IPv6 route on a host without ipv6 (HostConfig::ipv6)");
        }
        if (!r.gateway.empty() && (!ParseAddress(r.gateway, g) || g.family != d.family))
        {
            throw std::runtime_error(where + ": the gateway is not an address of the destination's family");
        }
        if (!names.count(r.iface))
        {
            throw std::runtime_error(where + ": no interface " + r.iface + " on this node");
        }
    }
}

int IfIndex(int ctl, const std::string& name)
{
    struct ifreq ifr;
    std::memset(&ifr, 0, sizeof ifr);
    std::memcpy(ifr.ifr_name, name.c_str(), name.size() + 1);
    if (ioctl(ctl, SIOCGIFINDEX, &ifr) != 0)
    {
        return -1;
    }
    return ifr.ifr_ifindex;
}

std::string AddAddress(Netlink& nl, int index, const std::string& text, unsigned prefix)
{
    Address a;
    ParseAddress(text, a);
    ifaddrmsg m{};
    m.ifa_family = a.family;
    m.ifa_prefixlen = prefix;
    m.ifa_scope = RT_SCOPE_UNIVERSE;
    m.ifa_index = index;
    m.ifa_flags = a.family == AF_INET6 ? IFA_F_NODAD : 0;
    nl.Begin(RTM_NEWADDR, &m, sizeof m);
    nl.Attr(IFA_LOCAL, a.bytes, a.Size());
    nl.Attr(IFA_ADDRESS, a.bytes, a.Size());
    if (a.family == AF_INET && prefix < 31)
    {
        // As SIOCSIFNETMASK would: the subnet's broadcast address.
        unsigned char b[4];
        uint32_t mask = prefix == 0 ? 0 : htonl(~uint32_t(0) << (32 - prefix));
        uint32_t addr;
        std::memcpy(&addr, a.bytes, 4);
        addr |= ~mask;
        std::memcpy(b, &addr, 4);
        nl.Attr(IFA_BROADCAST, b, 4);
    }
    if (a.family == AF_INET6)
    {
        uint32_t flags = IFA_F_NODAD;
        nl.Attr(IFA_FLAGS, &flags, sizeof flags);
    }
    return nl.Commit();
}

std::string AddRoute(Netlink& nl, int index, const RouteConfig& r)
{
    Address d;
    Address g;
    ParseAddress(r.destination, d);
    rtmsg m{};
    m.rtm_family = d.family;
    m.rtm_dst_len = r.prefix;
    m.rtm_table = RT_TABLE_MAIN;
    m.rtm_protocol = RTPROT_STATIC;
    m.rtm_scope = r.gateway.empty() && d.family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    m.rtm_type = RTN_UNICAST;
    nl.Begin(RTM_NEWROUTE, &m, sizeof m);
    if (r.prefix > 0)
    {
        nl.Attr(RTA_DST, d.bytes, d.Size());
    }
    if (!r.gateway.empty())
    {
        ParseAddress(r.gateway, g);
        nl.Attr(RTA_GATEWAY, g.bytes, g.Size());
    }
    uint32_t oif = index;
    nl.Attr(RTA_OIF, &oif, sizeof oif);
    if (r.metric)
    {
        nl.Attr(RTA_PRIORITY, &r.metric, sizeof r.metric);
    }
    return nl.Commit();
}

void SetFlags(int ctl, const std::string& name, short set, const std::string& where)
{
    struct ifreq ifr;
    std::memset(&ifr, 0, sizeof ifr);
    std::memcpy(ifr.ifr_name, name.c_str(), name.size() + 1);
    if (ioctl(ctl, SIOCGIFFLAGS, &ifr) != 0)
    {
        throw std::runtime_error(where + ": SIOCGIFFLAGS: " + Errno(errno));
    }
    ifr.ifr_flags |= set;
    if (ioctl(ctl, SIOCSIFFLAGS, &ifr) != 0)
    {
        throw std::runtime_error(where + ": SIOCSIFFLAGS: " + Errno(errno));
    }
}

} // namespace

NetworkNamespace::NetworkNamespace(const HostConfig& c)
    : m_node(c.node)
{
    Validate(c);
    const std::string who = "node " + c.node;
    UniqueFd saved(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (saved.Get() < 0)
    {
        throw std::runtime_error(who + ": /proc/thread-self/ns/net: " + Errno(errno));
    }
    if (unshare(CLONE_NEWNET) != 0)
    {
        int err = errno;
        throw std::runtime_error(who + ": unshare(CLONE_NEWNET): " + Errno(err) +
                                 (err == EPERM ? " (needs root or CAP_SYS_ADMIN)" : ""));
    }
    NetnsGuard back(saved.Get()); // from here on, every exit returns the thread home
    UniqueFd self(open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
    if (self.Get() < 0)
    {
        throw std::runtime_error(who + ": /proc/thread-self/ns/net (new namespace): " + Errno(errno));
    }

    // Sockets made here stay bound to the new namespace.
    UniqueFd ctl(socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (ctl.Get() < 0)
    {
        throw std::runtime_error(who + ": socket: " + Errno(errno));
    }
    SetFlags(ctl.Get(), "lo", IFF_UP, who + ", interface lo");

    // Before any tap exists, so that no device ever sees the defaults.
    if (c.ipv6)
    {
        for (const char* scope : {"all", "default"})
        {
            for (const char* key : {"accept_dad", "accept_ra", "autoconf", "router_solicitations"})
            {
                WriteSysctl(c.node, std::string("net.ipv6.conf.") + scope + "." + key, "0");
            }
        }
    }
    else
    {
        for (const char* scope : {"all", "default", "lo"})
        {
            WriteSysctl(c.node, std::string("net.ipv6.conf.") + scope + ".disable_ipv6", "1");
        }
    }
    if (c.forwarding)
    {
        WriteSysctl(c.node, "net.ipv4.ip_forward", "1");
        WriteSysctl(c.node, "net.ipv6.conf.all.forwarding", "1");
    }
    if (!c.congestion.empty())
    {
        const std::string key = "net.ipv4.tcp_congestion_control";
        int err = TryWriteSysctl(key, c.congestion);
        if (err == EPERM)
        {
            // Only the initial namespace may choose a "restricted" algorithm; the host's list
            // (global, readable from here) says which are not.
            std::ifstream in("/proc/sys/net/ipv4/tcp_allowed_congestion_control");
            std::string allowed;
            std::getline(in, allowed);
            throw std::runtime_error(SysctlError(c.node, key, c.congestion, err) +
                                     ": a network namespace may only use the host's allowed algorithms "
                                     "(net.ipv4.tcp_allowed_congestion_control = '" +
                                     allowed + "'); as root on the host: sysctl -w "
                                     "net.ipv4.tcp_allowed_congestion_control='" +
                                     allowed + " " + c.congestion + "'");
        }
        if (err)
        {
            throw std::runtime_error(SysctlError(c.node, key, c.congestion, err));
        }
    }

    Netlink nl;
    std::vector<UniqueFd> taps;
    for (const auto& i : c.interfaces)
    {
        const std::string where = who + ", interface " + i.name;
        UniqueFd tap(open("/dev/net/tun", O_RDWR | O_CLOEXEC));
        if (tap.Get() < 0)
        {
            throw std::runtime_error(where + ": /dev/net/tun: " + Errno(errno));
        }
        struct ifreq ifr;
        std::memset(&ifr, 0, sizeof ifr);
        std::memcpy(ifr.ifr_name, i.name.c_str(), i.name.size() + 1);
        ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
        if (ioctl(tap.Get(), TUNSETIFF, &ifr) != 0)
        {
            throw std::runtime_error(where + ": TUNSETIFF: " + Errno(errno));
        }
        if (i.name != ifr.ifr_name)
        {
            throw std::runtime_error(where + ": the kernel named the tap " + ifr.ifr_name);
        }
        if (std::any_of(i.mac.begin(), i.mac.end(), [](uint8_t b) { return b != 0; }))
        {
            std::memset(&ifr, 0, sizeof ifr);
            std::memcpy(ifr.ifr_name, i.name.c_str(), i.name.size() + 1);
            ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
            std::memcpy(ifr.ifr_hwaddr.sa_data, i.mac.data(), 6);
            if (ioctl(ctl.Get(), SIOCSIFHWADDR, &ifr) != 0)
            {
                throw std::runtime_error(where + ": SIOCSIFHWADDR: " + Errno(errno));
            }
        }
        std::memset(&ifr, 0, sizeof ifr);
        std::memcpy(ifr.ifr_name, i.name.c_str(), i.name.size() + 1);
        ifr.ifr_mtu = static_cast<int>(i.mtu);
        if (ioctl(ctl.Get(), SIOCSIFMTU, &ifr) != 0)
        {
            throw std::runtime_error(where + ": SIOCSIFMTU " + std::to_string(i.mtu) + ": " + Errno(errno));
        }
        SetFlags(ctl.Get(), i.name, static_cast<short>(IFF_UP | (i.noArp ? IFF_NOARP : 0)), where);
        int index = IfIndex(ctl.Get(), i.name);
        if (index < 0)
        {
            throw std::runtime_error(where + ": SIOCGIFINDEX: " + Errno(errno));
        }
        if (!i.ipv4.empty())
        {
            std::string err = AddAddress(nl, index, i.ipv4, i.prefix4);
            if (!err.empty())
            {
                throw std::runtime_error(where + ": address " + i.ipv4 + "/" + std::to_string(i.prefix4) + ": " + err);
            }
        }
        if (!i.ipv6.empty())
        {
            std::string err = AddAddress(nl, index, i.ipv6, i.prefix6);
            if (!err.empty())
            {
                throw std::runtime_error(where + ": address " + i.ipv6 + "/" + std::to_string(i.prefix6) + ": " + err);
            }
        }
        taps.push_back(std::move(tap));
    }
    for (const auto& r : c.routes)
    {
        const std::string where = who + ", route " + r.destination + "/" + std::to_string(r.prefix) + " via " +
                                  (r.gateway.empty() ? "(direct)" : r.gateway) + " dev " + r.iface;
        int index = IfIndex(ctl.Get(), r.iface);
        if (index < 0)
        {
            throw std::runtime_error(where + ": SIOCGIFINDEX: " + Errno(errno));
        }
        std::string err = AddRoute(nl, index, r);
        if (!err.empty())
        {
            throw std::runtime_error(where + ": " + err +
                                     (err.find("unreachable") != std::string::npos
                                          ? " (is the gateway inside one of the interface's subnets?)"
                                          : ""));
        }
    }
    m_fd = self.Release();
    for (auto& t : taps)
    {
        m_taps.push_back(t.Release());
    }
}

NetworkNamespace::~NetworkNamespace()
{
    for (int t : m_taps)
    {
        close(t);
    }
    if (m_fd >= 0)
    {
        close(m_fd);
    }
}

int NetworkNamespace::Fd() const
{
    return m_fd;
}

int NetworkNamespace::TapFd(size_t interface) const
{
    if (interface >= m_taps.size())
    {
        throw std::out_of_range("node " + m_node + ": no interface " + std::to_string(interface));
    }
    return m_taps[interface];
}

ino_t NetworkNamespace::Inode() const
{
    struct stat st{};
    fstat(m_fd, &st);
    return st.st_ino;
}

// ---------------------------------------------------------------- launcher

namespace
{

// Records over the SOCK_SEQPACKET pair, one per send.
// Command: op ('S' start, 'T' stop, 'Q' quit), program index.
// Event: program, kind, stoppedByUs, step, code.
constexpr size_t COMMAND_SIZE = 8;
constexpr size_t EVENT_SIZE = 12;
const char* const STEPS[] = {"", "fork", "setns", "chdir", "stdio", "execvp", "mount /sys and /proc"};
constexpr int STEP_COUNT = sizeof STEPS / sizeof STEPS[0];

struct InitArgs
{
    int sock;
    const std::vector<ProgramSpec>* specs;
    std::chrono::milliseconds grace;
};

struct Running
{
    pid_t pid = 0; // 0: not running
    bool stopping = false;
    bool killed = false;
    std::chrono::steady_clock::time_point deadline;
};

std::string EventRecord(size_t program, ProgramEvent::Kind kind, int code, bool stopped, int step = 0)
{
    std::string r(EVENT_SIZE, '\0');
    uint32_t p = static_cast<uint32_t>(program);
    int32_t c = code;
    std::memcpy(&r[0], &p, 4);
    r[4] = static_cast<char>(kind);
    r[5] = stopped ? 1 : 0;
    r[6] = static_cast<char>(step);
    std::memcpy(&r[8], &c, 4);
    return r;
}

/** Closes every fd not in keep (sorted, unique). */
void CloseAllBut(const std::vector<int>& keep)
{
    unsigned from = 0;
    for (int k : keep)
    {
        if (k < 0 || static_cast<unsigned>(k) < from)
        {
            continue;
        }
        if (static_cast<unsigned>(k) > from)
        {
            if (close_range(from, k - 1, 0) != 0)
            {
                for (unsigned fd = from; fd < static_cast<unsigned>(k); ++fd)
                {
                    close(fd);
                }
            }
        }
        from = k + 1;
    }
    if (close_range(from, ~0U, 0) != 0)
    {
        long max = sysconf(_SC_OPEN_MAX);
        for (long fd = from; fd < (max > 0 ? max : 65536); ++fd)
        {
            close(fd);
        }
    }
}

void ResetSignals()
{
    for (int s = 1; s < NSIG; ++s)
    {
        if (s != SIGKILL && s != SIGSTOP)
        {
            signal(s, SIG_DFL); // fails harmlessly for the real-time signals glibc reserves
        }
    }
}

/** In the program's child: never returns. */
[[noreturn]] void ExecProgram(const ProgramSpec& spec, char** argv, char** envp, int report)
{
    auto fail = [&report](int step) {
        int rec[2] = {step, errno};
        ssize_t n = write(report, rec, sizeof rec);
        (void)n;
        _exit(127);
    };
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    setpgid(0, 0);
    ResetSignals();
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    if (spec.netns >= 0 && setns(spec.netns, CLONE_NEWNET) != 0)
    {
        fail(2);
    }
    // sysfs shows the devices of the namespace that mounted it: a private
    // mount of its own shows the program its own interfaces, as `ip netns exec` does.
    if (spec.netns >= 0)
    {
        if (unshare(CLONE_NEWNS) != 0 || mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
        {
            fail(6);
        }
        umount2("/sys", MNT_DETACH); // the host's, if mounted (mounting over it would do as well)
        if (mount("sysfs", "/sys", "sysfs", 0, nullptr) != 0)
        {
            fail(6);
        }
        // A /proc of the launcher's PID namespace: ps shows the run's programs, not the host's processes.
        umount2("/proc", MNT_DETACH);
        if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0)
        {
            fail(6);
        }
    }
    if (!spec.dir.empty() && chdir(spec.dir.c_str()) != 0)
    {
        fail(3);
    }
    // Move every source above 2 first, so that any overlap with 0..2 cannot clobber one.
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0)
    {
        fail(4);
    }
    int in = fcntl(null, F_DUPFD_CLOEXEC, 3);
    int out = fcntl(spec.stdoutFd >= 0 ? spec.stdoutFd : null, F_DUPFD_CLOEXEC, 3);
    int err = fcntl(spec.stderrFd >= 0 ? spec.stderrFd : null, F_DUPFD_CLOEXEC, 3);
    int rep = fcntl(report, F_DUPFD_CLOEXEC, 3);
    if (in < 0 || out < 0 || err < 0 || rep < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
    {
        fail(4);
    }
    if (rep != 3 && dup3(rep, 3, O_CLOEXEC) < 0)
    {
        fail(4);
    }
    report = 3;
    CloseAllBut({0, 1, 2, 3});
    environ = envp;
    execvp(argv[0], argv);
    fail(5);
    _exit(127);
}

class Init
{
  public:
    Init(const InitArgs& a)
        : m_sock(a.sock),
          m_specs(*a.specs),
          m_grace(a.grace),
          m_run(a.specs->size())
    {
    }

    [[noreturn]] void Main()
    {
        for (;;)
        {
            if (m_quitting && Idle())
            {
                Flush();
                _exit(0);
            }
            int timeout = -1;
            auto now = std::chrono::steady_clock::now();
            for (const auto& r : m_run)
            {
                if (r.pid && r.stopping && !r.killed)
                {
                    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.deadline - now).count() + 1;
                    ms = std::max<long long>(ms, 0);
                    timeout = timeout < 0 ? static_cast<int>(ms) : std::min(timeout, static_cast<int>(ms));
                }
            }
            // After the caller's end closed, the socket is left out (it would poll as hung up forever).
            pollfd fds[2] = {{m_eof ? -1 : m_sock, static_cast<short>(POLLIN | (m_out.empty() ? 0 : POLLOUT)), 0},
                             {m_sigfd, POLLIN, 0}};
            if (poll(fds, 2, timeout) < 0 && errno != EINTR)
            {
                _exit(2);
            }
            if (fds[1].revents & POLLIN)
            {
                signalfd_siginfo info;
                while (read(m_sigfd, &info, sizeof info) > 0)
                {
                }
            }
            Reap();
            Deadlines();
            if (!m_eof && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)))
            {
                Commands();
            }
            if (!m_eof && (fds[0].revents & POLLOUT))
            {
                Send(false);
            }
        }
    }

    void Setup()
    {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        prctl(PR_SET_NAME, "nslab-init");
        ResetSignals();
        std::vector<int> keep{2, m_sock};
        for (const auto& s : m_specs)
        {
            keep.insert(keep.end(), {s.netns, s.stdoutFd, s.stderrFd});
        }
        std::sort(keep.begin(), keep.end());
        keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
        CloseAllBut(keep);
        for (int fd = 0; fd < 2; ++fd)
        {
            if (!std::binary_search(keep.begin(), keep.end(), fd))
            {
                int null = open("/dev/null", O_RDWR);
                if (null >= 0 && null != fd)
                {
                    dup2(null, fd);
                    close(null);
                }
            }
        }
        sigset_t chld;
        sigemptyset(&chld);
        sigaddset(&chld, SIGCHLD);
        sigprocmask(SIG_SETMASK, &chld, nullptr);
        m_sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
        if (m_sigfd < 0)
        {
            _exit(3);
        }
    }

  private:
    bool Idle() const
    {
        return std::none_of(m_run.begin(), m_run.end(), [](const Running& r) { return r.pid != 0; });
    }

    void Queue(std::string record)
    {
        m_out.push_back(std::move(record));
        Send(false);
    }

    /** Sends queued events; blocking only when the init is about to exit. */
    void Send(bool block)
    {
        while (!m_out.empty() && !m_eof)
        {
            ssize_t n = send(m_sock, m_out.front().data(), m_out.front().size(),
                             MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
            if (n < 0)
            {
                if (errno == EINTR)
                {
                    continue;
                }
                if (errno == EAGAIN || errno == EWOULDBLOCK)
                {
                    return;
                }
                m_eof = true; // the caller is gone
                m_out.clear();
                return;
            }
            m_out.erase(m_out.begin());
        }
    }

    void Flush()
    {
        Send(true);
    }

    void Reap()
    {
        for (;;)
        {
            int status = 0;
            pid_t pid = waitpid(-1, &status, WNOHANG);
            if (pid <= 0)
            {
                return;
            }
            for (size_t i = 0; i < m_run.size(); ++i)
            {
                Running& r = m_run[i];
                if (r.pid != pid)
                {
                    continue;
                }
                if (r.stopping)
                {
                    kill(-pid, SIGKILL); // what is left of its process group
                }
                if (WIFEXITED(status))
                {
                    Queue(EventRecord(i, ProgramEvent::Kind::Exited, WEXITSTATUS(status), r.stopping));
                }
                else
                {
                    Queue(EventRecord(i, ProgramEvent::Kind::Signaled, WTERMSIG(status), r.stopping));
                }
                r = Running{};
            }
        }
    }

    void Deadlines()
    {
        auto now = std::chrono::steady_clock::now();
        for (auto& r : m_run)
        {
            if (r.pid && r.stopping && !r.killed && now >= r.deadline)
            {
                kill(-r.pid, SIGKILL);
                r.killed = true;
            }
        }
    }

    void Commands()
    {
        for (;;)
        {
            char cmd[COMMAND_SIZE];
            ssize_t n = recv(m_sock, cmd, sizeof cmd, MSG_DONTWAIT);
            if (n < 0 && errno == EINTR)
            {
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            {
                return;
            }
            if (n <= 0)
            {
                m_eof = true; // the caller is gone: stop everything, then exit
                m_out.clear();
                Quit();
                return;
            }
            if (n != COMMAND_SIZE)
            {
                continue;
            }
            uint32_t index;
            std::memcpy(&index, cmd + 4, 4);
            if (cmd[0] == 'Q')
            {
                Quit();
            }
            else if (index < m_run.size() && cmd[0] == 'S')
            {
                Spawn(index);
            }
            else if (index < m_run.size() && cmd[0] == 'T')
            {
                StopOne(index);
            }
        }
    }

    void StopOne(size_t i)
    {
        Running& r = m_run[i];
        if (!r.pid || r.stopping)
        {
            return;
        }
        r.stopping = true;
        r.deadline = std::chrono::steady_clock::now() + m_grace;
        kill(-r.pid, SIGTERM);
    }

    void Quit()
    {
        m_quitting = true;
        for (size_t i = 0; i < m_run.size(); ++i)
        {
            StopOne(i);
        }
    }

    void Spawn(size_t i)
    {
        if (m_quitting || m_run[i].pid)
        {
            return;
        }
        const ProgramSpec& spec = m_specs[i];
        // Everything the child needs is built before fork (the init is single-threaded anyway).
        std::vector<std::string> env;
        for (char** e = environ; *e; ++e)
        {
            std::string entry = *e;
            std::string name = entry.substr(0, entry.find('='));
            bool replaced = std::any_of(spec.env.begin(), spec.env.end(), [&](const std::string& s) {
                return s.substr(0, s.find('=')) == name;
            });
            if (!replaced)
            {
                env.push_back(entry);
            }
        }
        env.insert(env.end(), spec.env.begin(), spec.env.end());
        std::vector<char*> envp;
        for (auto& e : env)
        {
            envp.push_back(e.data());
        }
        envp.push_back(nullptr);
        std::vector<std::string> args = spec.argv;
        std::vector<char*> argv;
        for (auto& a : args)
        {
            argv.push_back(a.data());
        }
        argv.push_back(nullptr);

        int p[2];
        if (pipe2(p, O_CLOEXEC) != 0)
        {
            Queue(EventRecord(i, ProgramEvent::Kind::ExecFailed, errno, false, 1));
            return;
        }
        pid_t pid = fork();
        if (pid < 0)
        {
            int err = errno;
            close(p[0]);
            close(p[1]);
            Queue(EventRecord(i, ProgramEvent::Kind::ExecFailed, err, false, 1));
            return;
        }
        if (pid == 0)
        {
            close(p[0]);
            ExecProgram(spec, argv.data(), envp.data(), p[1]);
        }
        close(p[1]);
        int rec[2] = {0, 0};
        ssize_t n;
        do
        {
            n = read(p[0], rec, sizeof rec);
        } while (n < 0 && errno == EINTR);
        close(p[0]);
        if (n == sizeof rec)
        {
            // It exits at once with 127: reap it here, so that it never shows up as Exited.
            while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR)
            {
            }
            Queue(EventRecord(i, ProgramEvent::Kind::ExecFailed, rec[1], false, rec[0]));
            return;
        }
        m_run[i] = Running{};
        m_run[i].pid = pid;
        Queue(EventRecord(i, ProgramEvent::Kind::Started, 0, false));
    }

    int m_sock;
    int m_sigfd = -1;
    const std::vector<ProgramSpec>& m_specs;
    std::chrono::milliseconds m_grace;
    std::vector<Running> m_run;
    std::vector<std::string> m_out;
    bool m_eof = false;
    bool m_quitting = false;
};

int InitMain(void* arg)
{
    Init init(*static_cast<InitArgs*>(arg));
    init.Setup();
    init.Main();
}

} // namespace

Launcher::Launcher(std::vector<ProgramSpec> programs, std::chrono::milliseconds grace)
    : m_count(programs.size())
{
    for (size_t i = 0; i < programs.size(); ++i)
    {
        const ProgramSpec& s = programs[i];
        const std::string who = "program " + std::to_string(i) + " (" + s.name + ")";
        if (s.argv.empty() || s.argv[0].empty())
        {
            throw std::runtime_error(who + ": no program to run (empty argv)");
        }
        for (int fd : {s.netns, s.stdoutFd, s.stderrFd})
        {
            if (fd >= 0 && fcntl(fd, F_GETFD) < 0)
            {
                throw std::runtime_error(who + ": fd " + std::to_string(fd) + " is not open");
            }
        }
        for (const auto& e : s.env)
        {
            if (e.find('=') == std::string::npos || e[0] == '=')
            {
                throw std::runtime_error(who + ": environment entry '" + e + "' is not NAME=VALUE");
            }
        }
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
    {
        throw std::runtime_error("launcher: socketpair: " + Errno(errno));
    }
    const size_t stackSize = 1 << 20;
    void* stack = mmap(nullptr, stackSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
    {
        int err = errno;
        close(sv[0]);
        close(sv[1]);
        throw std::runtime_error("launcher: mmap: " + Errno(err));
    }
    InitArgs args{sv[1], &programs, grace};
    // No CLONE_VM: the child has its own copy of everything, this stack included.
    pid_t pid = clone(InitMain, static_cast<char*>(stack) + stackSize, CLONE_NEWPID | SIGCHLD, &args);
    int err = errno;
    munmap(stack, stackSize);
    close(sv[1]);
    if (pid < 0)
    {
        close(sv[0]);
        throw std::runtime_error("launcher: clone(CLONE_NEWPID): " + Errno(err) +
                                 (err == EPERM ? " (needs root or CAP_SYS_ADMIN)" : ""));
    }
    m_sock = sv[0];
    m_init = pid;
}

Launcher::~Launcher()
{
    Shutdown();
    close(m_sock);
}

void Launcher::Send(char op, size_t program)
{
    if (program >= m_count && op != 'Q')
    {
        throw std::out_of_range("launcher: no program " + std::to_string(program));
    }
    char cmd[COMMAND_SIZE] = {};
    cmd[0] = op;
    uint32_t index = static_cast<uint32_t>(program);
    std::memcpy(cmd + 4, &index, 4);
    while (send(m_sock, cmd, sizeof cmd, MSG_NOSIGNAL) < 0 && errno == EINTR)
    {
    }
}

void Launcher::Start(size_t program)
{
    if (!m_shutDown)
    {
        Send('S', program);
    }
}

void Launcher::Stop(size_t program)
{
    if (!m_shutDown)
    {
        Send('T', program);
    }
}

void Launcher::Decode(const char* r)
{
    ProgramEvent e;
    uint32_t p;
    int32_t c;
    std::memcpy(&p, r, 4);
    std::memcpy(&c, r + 8, 4);
    e.program = p;
    e.kind = static_cast<ProgramEvent::Kind>(r[4]);
    e.stoppedByUs = r[5] != 0;
    e.code = c;
    int step = r[6];
    if (step > 0 && step < STEP_COUNT)
    {
        e.detail = STEPS[step];
    }
    m_pending.push_back(e);
}

void Launcher::Shutdown()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (m_shutDown)
    {
        return;
    }
    m_shutDown = true;
    Send('Q', 0);
    ReceiveEvents(0); // every event up to the init's exit (end of stream)
    while (waitpid(m_init, nullptr, 0) < 0 && errno == EINTR)
    {
    }
}

void Launcher::ReceiveEvents(int flags)
{
    for (;;)
    {
        char r[EVENT_SIZE];
        ssize_t n = recv(m_sock, r, sizeof r, flags);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return; // nothing more now (MSG_DONTWAIT), or the end of the stream
        }
        if (n == EVENT_SIZE)
        {
            Decode(r);
        }
    }
}

int Launcher::EventFd() const
{
    return m_sock;
}

pid_t Launcher::InitPid() const
{
    return m_init;
}

std::vector<ProgramEvent> Launcher::ReadEvents()
{
    std::lock_guard<std::mutex> lock(m_mutex);
    if (!m_shutDown)
    {
        ReceiveEvents(MSG_DONTWAIT);
    }
    std::vector<ProgramEvent> out;
    out.swap(m_pending);
    return out;
}

std::string Describe(const ProgramEvent& e, const std::vector<std::string>& names)
{
    std::ostringstream s;
    s << "program " << e.program;
    if (e.program < names.size())
    {
        s << " (" << names[e.program] << ")";
    }
    switch (e.kind)
    {
    case ProgramEvent::Kind::Started:
        s << ": started";
        break;
    case ProgramEvent::Kind::Exited:
        s << ": exited with status " << e.code;
        break;
    case ProgramEvent::Kind::Signaled:
        s << ": killed by signal " << e.code << " (" << strsignal(e.code) << ")";
        break;
    case ProgramEvent::Kind::ExecFailed:
        s << ": could not start" << (e.detail.empty() ? "" : " (" + e.detail + ")") << ": " << std::strerror(e.code);
        break;
    }
    if (e.stoppedByUs)
    {
        s << " after we stopped it";
    }
    return s.str();
}

} // namespace nslab::emu
