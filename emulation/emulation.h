#ifndef NSLAB_EMULATION_H
#define NSLAB_EMULATION_H

// Real programs on simulated links: unnamed network namespaces with tap
// devices configured like a simulated host's interfaces, and a launcher that
// runs programs inside them. Everything is held by file descriptors and by a
// child init with PR_SET_PDEATHSIG, so nothing survives nslab, not even its
// SIGKILL. Pure Linux (no ns-3); needs root, or CAP_NET_ADMIN and CAP_SYS_ADMIN.

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <vector>

namespace nslab::emu
{

/**
 * \return "" if this process can run real programs (it actually tries, in a
 * forked child: unshare(CLONE_NEWNET|CLONE_NEWPID), open /dev/net/tun,
 * TUNSETIFF a tap); else a one-line message saying what is missing, e.g.
 * "real programs need root, or CAP_NET_ADMIN and CAP_SYS_ADMIN (this process
 * has neither)" or "/dev/net/tun: No such file or directory".
 */
std::string MissingPrivileges();

struct InterfaceConfig
{
    std::string name;             ///< "eth0", "wlan0", "ppp0" (<= 15 chars, no '/', '%' or space)
    std::array<uint8_t, 6> mac{}; ///< the tap's MAC (SIOCSIFHWADDR); all zero keeps the kernel's random one
    uint32_t mtu = 1500;          ///< the tap's MTU: keep it equal to the simulated link's (FdNetDevice cuts longer frames)
    bool noArp = false;           ///< point-to-point links: IFF_NOARP (the kernel then sends frames to its own MAC)
    std::string ipv4;             ///< "" or "10.0.1.2"
    uint8_t prefix4 = 24;
    std::string ipv6;             ///< "" or "fd00:1::2" (needs HostConfig::ipv6 and mtu >= 1280)
    uint8_t prefix6 = 64;
};

struct RouteConfig ///< IPv4 or IPv6 by the text of destination
{
    std::string destination; ///< network, e.g. "10.0.3.0" or "fd00:3::"; "0.0.0.0"/"::" for a default route
    uint8_t prefix = 24;
    std::string gateway;     ///< next hop address (same family); "" for a route straight out of iface
    std::string iface;       ///< out interface name
    uint32_t metric = 0;
};

struct HostConfig
{
    std::string node; ///< for messages only
    std::vector<InterfaceConfig> interfaces;
    std::vector<RouteConfig> routes;
    /** net.ipv4.ip_forward and net.ipv6.conf.all.forwarding = 1 (a router). */
    bool forwarding = false;
    /** false: disable_ipv6=1 for all/default/lo before the taps exist (else MLD, DAD and router
     *  solicitations appear on the link); true: accept_dad=0, accept_ra=0, autoconf=0,
     *  router_solicitations=0 (all/default) before the taps exist, addresses added with IFA_F_NODAD. */
    bool ipv6 = false;
    /** net.ipv4.tcp_congestion_control, set explicitly: a new namespace inherits the host's (bbr here). */
    std::string congestion = "cubic";
};

/**
 * One host's unnamed network namespace: created by the calling thread
 * (unshare in the thread, then setns back to the saved
 * /proc/thread-self/ns/net), held only by file descriptors, so it and its
 * taps vanish when this object (or the whole process, even by SIGKILL) goes.
 * Configures lo up, the sysctls, one tap per interface (opened inside the
 * namespace; not persistent) with its MAC, MTU, flags, up, then address(es),
 * then the routes (netlink). The calling thread is always back in its own
 * namespace on return, also when this throws. Programs in it share nslab's
 * mount namespace: /proc/net is theirs, but /sys/class/net shows the host's
 * devices (sysfs belongs to the namespace that mounted it).
 * \throw std::runtime_error naming node and interface on any failure
 */
class NetworkNamespace
{
  public:
    explicit NetworkNamespace(const HostConfig& config);
    ~NetworkNamespace(); ///< closes all fds: the namespace and its taps go unless a program still runs in it
    NetworkNamespace(const NetworkNamespace&) = delete;
    NetworkNamespace& operator=(const NetworkNamespace&) = delete;

    int Fd() const;                    ///< an fd of the namespace (for setns), O_CLOEXEC
    int TapFd(size_t interface) const; ///< the tap's fd (blocking, O_CLOEXEC), in interfaces order
    /** The namespace's inode (as in /proc/PID/ns/net -> "net:[INODE]"): to recognise it in /proc. */
    ino_t Inode() const;

  private:
    std::string m_node;
    int m_fd = -1;
    std::vector<int> m_taps;
};

struct ProgramSpec
{
    std::string name;              ///< for messages
    std::vector<std::string> argv; ///< argv[0] looked up in PATH (execvp, with env applied) unless it has a '/'
    std::vector<std::string> env;  ///< "NAME=VALUE" added to (or replacing in) nslab's environment at Launcher construction
    std::string dir;               ///< working directory (must exist); "" keeps nslab's
    int netns = -1;                ///< fd of the namespace to run in (NetworkNamespace::Fd()); -1: nslab's own
    int stdoutFd = -1;             ///< already-open file (-1: /dev/null); the program's stdin is /dev/null
    int stderrFd = -1;             ///< already-open file (-1: /dev/null)
};

struct ProgramEvent
{
    size_t program = 0; ///< index into the specs
    enum class Kind
    {
        Started,
        Exited,
        Signaled,
        ExecFailed
    } kind = Kind::Started;
    int code = 0;             ///< Exited: exit status; Signaled: signal number; ExecFailed: errno
    bool stoppedByUs = false; ///< Exited/Signaled after Stop()/Shutdown() sent SIGTERM
    std::string detail;       ///< ExecFailed: the step that failed ("setns", "mount /sys and /proc", "chdir", "stdio", "execvp")
};

/** "program 2 (server): exited with status 3" and the like, for logs and messages. */
std::string Describe(const ProgramEvent& event, const std::vector<std::string>& names = {});

/**
 * Starts and stops the programs from a small init process (PID 1 of a new PID
 * namespace, made with clone(CLONE_NEWPID) at construction, before the caller
 * starts any thread), so that (a) the caller never forks inside its event loop
 * (fork of a big process stalls it for ~100 ms), and (b) when the init dies,
 * the kernel kills every process in the PID namespace, including programs' own
 * children. The init has PR_SET_PDEATHSIG SIGKILL (tied to the constructing
 * thread: construct from the main thread) and also stops everything and exits
 * when the caller's end of the command socket closes, so it never outlives the
 * caller. The init keeps copies of the specs' fds (netns, stdout, stderr) taken
 * at construction, and closes every other fd it inherited.
 * Each program: forked by the init, PR_SET_PDEATHSIG SIGKILL, own process
 * group, setns(netns), chdir(dir), stdin /dev/null, stdout/stderr dup2'd, every
 * other fd closed, default signal dispositions and an empty signal mask, env
 * applied, execvp; a failure before exec is reported with errno. What is left
 * of a stopped program's process group is killed when its main process ends;
 * other leftovers die with the init at Shutdown(). The init
 * reaps every child (it is PID 1). Commands and events travel as fixed-size
 * records over one AF_UNIX SOCK_SEQPACKET pair (MSG_NOSIGNAL: a dead init
 * never raises SIGPIPE in the caller).
 * Start/Stop may be called from any thread; ReadEvents/Shutdown are serialised.
 * \throw std::runtime_error if the init cannot be made
 */
class Launcher
{
  public:
    explicit Launcher(std::vector<ProgramSpec> programs,
                      std::chrono::milliseconds grace = std::chrono::milliseconds(1000));
    ~Launcher(); ///< Shutdown() if not done
    Launcher(const Launcher&) = delete;
    Launcher& operator=(const Launcher&) = delete;

    /** Asynchronous, cheap (one write); safe from an event loop. Ignored while the program runs or after Shutdown(). */
    void Start(size_t program);
    /** SIGTERM to its process group; SIGKILL after grace if its main process is still there. */
    void Stop(size_t program);
    /** Stop every program still running (SIGTERM, SIGKILL after grace), wait for the init to exit, and return. Idempotent. */
    void Shutdown();
    int EventFd() const; ///< readable when events wait (for a reader thread / poll)
    /** Events so far, non-blocking; returns what is available. After Shutdown(), returns all remaining events. */
    std::vector<ProgramEvent> ReadEvents();
    pid_t InitPid() const; ///< the init's PID in the caller's PID namespace

  private:
    void Send(char op, size_t program);
    void Decode(const char* record);
    /** Decode the records the socket holds; flags 0 waits for the end of the stream. */
    void ReceiveEvents(int flags);

    size_t m_count = 0;
    int m_sock = -1;
    pid_t m_init = -1;
    std::atomic<bool> m_shutDown{false};
    std::mutex m_mutex;
    std::vector<ProgramEvent> m_pending;
};

} // namespace nslab::emu

#endif
