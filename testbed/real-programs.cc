#include "real-programs.h"

#include "addresses.h"
#include "emulation.h"
#include "io.h"
#include "topology.h"
#include "units.h"

#include "ns3/realtime-simulator-impl.h"
#include "ns3/simulator.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstring>
#include <deque>
#include <fcntl.h>
#include <iostream>
#include <map>
#include <mutex>
#include <poll.h>
#include <sys/prctl.h>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace nslab
{

namespace
{

constexpr int64_t kProbeNs = 1000000; // the lateness probe's period: 1 ms
// At the end, how long to wait for the programs stopped then: the launcher's
// grace before SIGKILL (1 s), and time for the kill to be reported.
constexpr std::chrono::milliseconds kStopWait{3000};
constexpr int64_t kLeastTolerance = 500000; // below it, a busy machine's timer noise

std::atomic<bool> g_interrupted{false};

extern "C" void
OnInterrupt(int)
{
    g_interrupted = true;
}

/** \return the namespace of a real node: its interfaces as the plan has them, and Linux routes along the topology's. */
emu::HostConfig
HostConfigOf(const std::string& node, const Topology& topology, const Scenario& scenario)
{
    emu::HostConfig host;
    host.node = node;
    host.ipv6 = scenario.ip != IpVersion::V4;
    const auto& plan = topology.Interfaces();
    size_t links = 0;
    for (size_t i = 0; i < plan.size(); ++i)
    {
        if (plan[i].node != node)
        {
            continue;
        }
        ++links;
        const LinkSpec& link = scenario.links[plan[i].link];
        emu::InterfaceConfig iface;
        iface.name = plan[i].name;
        ns3::Mac48Address::ConvertFrom(topology.Device(i)->GetAddress()).CopyTo(iface.mac.data());
        iface.mtu = link.mtu;
        iface.noArp = link.type == LinkType::P2p;
        if (scenario.ip != IpVersion::V6)
        {
            iface.ipv4 = Text4(plan[i].address);
            iface.prefix4 = plan[i].prefix;
        }
        if (scenario.ip != IpVersion::V4)
        {
            iface.ipv6 = Text6(plan[i].address6);
        }
        host.interfaces.push_back(iface);
    }
    host.forwarding = links > 1;
    for (const auto& [link, hop] : topology.FirstHops(node))
    {
        auto [out, via] = hop;
        if (scenario.ip != IpVersion::V6)
        {
            Subnet subnet = SubnetOf(scenario.links, link);
            host.routes.push_back({Text4(subnet.network), subnet.prefix, Text4(plan[via].address),
                                   plan[out].name, 0});
        }
        if (scenario.ip != IpVersion::V4)
        {
            host.routes.push_back({Text6(Subnet6Of(link)), 64, Text6(plan[via].address6), plan[out].name, 0});
        }
    }
    return host;
}

/** \return one full frame's time on the fastest wired link a real node is on (WiFi: 54 Mbit/s), 500 us at least. */
int64_t
ToleranceOf(const Scenario& scenario, const Topology& topology)
{
    double fastest = 0;
    for (const auto& iface : topology.Interfaces())
    {
        if (scenario.IsRealNode(iface.node))
        {
            const LinkSpec& link = scenario.links[iface.link];
            double rate = link.type == LinkType::Wifi ? 54e6 : static_cast<double>(link.rate.GetBitRate());
            fastest = std::max(fastest, rate);
        }
    }
    double frame = fastest > 0 ? 8.0 * (1500 + 38) / fastest * 1e9 : 0;
    return std::max(kLeastTolerance, static_cast<int64_t>(frame));
}

/**
 * \return the congestion control real programs' TCP gets: cubic, Linux's
 * default, which a network namespace may only choose when the host allows it
 * (net.ipv4.tcp_allowed_congestion_control, global). If the host does not,
 * nslab adds it to that list (additive: it lets unprivileged programs choose
 * cubic too) and says so; failing that, the namespace keeps the host's default.
 */
std::string
LinuxCongestion()
{
    const std::string kWanted = "cubic";
    const char* allowedPath = "/proc/sys/net/ipv4/tcp_allowed_congestion_control";
    std::string error;
    std::string allowed = ReadText(allowedPath, error, 4096);
    allowed = allowed.substr(0, allowed.find('\n'));
    for (const auto& name : SplitWords(allowed))
    {
        if (name == kWanted)
        {
            return kWanted;
        }
    }
    int fd = open(allowedPath, O_WRONLY | O_CLOEXEC);
    std::string extended = allowed + " " + kWanted;
    bool written = fd >= 0 && write(fd, extended.data(), extended.size()) == static_cast<ssize_t>(extended.size());
    if (fd >= 0)
    {
        close(fd);
    }
    if (!written)
    {
        std::cerr << "nslab: warning: real programs' TCP keeps the host's default congestion control: the host "
                     "does not allow cubic in namespaces (net.ipv4.tcp_allowed_congestion_control = '"
                  << allowed << "') and nslab could not add it\n";
        return "";
    }
    std::cerr << "nslab: added cubic to net.ipv4.tcp_allowed_congestion_control (was '" << allowed
              << "'), so that real programs' TCP uses cubic, as Linux does by default\n";
    return kWanted;
}

int
OutputFile(const std::string& outDir, const std::string& name)
{
    if (outDir.empty())
    {
        return open("/dev/null", O_WRONLY | O_CLOEXEC);
    }
    int fd = CreateExclusive(outDir + "/" + name);
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    return fd;
}

} // namespace

std::string
RealProgramsUnavailable()
{
    return emu::MissingPrivileges();
}

struct RealPrograms::State
{
    const Scenario& scenario;
    std::vector<size_t> apps;                   //!< program index -> scenario app index
    std::map<size_t, ProcessReport> reports;    //!< by scenario app index
    std::vector<std::unique_ptr<emu::NetworkNamespace>> namespaces;
    std::vector<int> outputs;                   //!< stdout and stderr files, closed at the end
    std::unique_ptr<emu::Launcher> launcher;
    std::thread reader;
    int wake[2] = {-1, -1};                     //!< ends the reader thread
    std::mutex mutex;
    std::deque<emu::ProgramEvent> events;       //!< read, not yet stamped with a time
    std::vector<int64_t> lateness;              //!< ns, one per probe
    int64_t tolerance = 0;
    ns3::Ptr<ns3::RealtimeSimulatorImpl> clock;
    struct sigaction oldInt{}, oldTerm{};

    explicit State(const Scenario& s)
        : scenario(s)
    {
    }

    /** Stamp the events read so far with the simulated time (simulator thread). */
    void Drain(ns3::Time now)
    {
        std::lock_guard lock(mutex);
        for (; !events.empty(); events.pop_front())
        {
            const emu::ProgramEvent& e = events.front();
            ProcessReport& r = reports.at(apps.at(e.program));
            switch (e.kind)
            {
            case emu::ProgramEvent::Kind::Started:
                r.started = true;
                break;
            case emu::ProgramEvent::Kind::ExecFailed:
                r.startError = (e.detail.empty() ? "exec" : e.detail) + ": " + std::strerror(e.code);
                r.end = now;
                break;
            case emu::ProgramEvent::Kind::Exited:
            case emu::ProgramEvent::Kind::Signaled:
                (e.kind == emu::ProgramEvent::Kind::Exited ? r.exitCode : r.signal) = e.code;
                r.stopped = e.stoppedByUs;
                r.end = now;
                break;
            }
        }
    }

    void Read()
    {
        while (true)
        {
            pollfd fds[2] = {{launcher->EventFd(), POLLIN, 0}, {wake[0], POLLIN, 0}};
            if (poll(fds, 2, -1) < 0 && errno != EINTR)
            {
                return;
            }
            if (fds[1].revents)
            {
                return;
            }
            if (fds[0].revents & (POLLERR | POLLNVAL))
            {
                return;
            }
            auto read = launcher->ReadEvents();
            if (!read.empty())
            {
                std::lock_guard lock(mutex);
                events.insert(events.end(), read.begin(), read.end());
                ns3::Simulator::ScheduleWithContext(ns3::Simulator::NO_CONTEXT, ns3::Time(0),
                                                    [this]() { Drain(ns3::Simulator::Now()); });
            }
            else if (fds[0].revents & POLLHUP)
            {
                return;
            }
        }
    }

    void Probe()
    {
        lateness.push_back((clock->RealtimeNow() - ns3::Simulator::Now()).GetNanoSeconds());
        if (g_interrupted)
        {
            ns3::Simulator::Stop();
            return;
        }
        ns3::Simulator::Schedule(ns3::NanoSeconds(kProbeNs), &State::Probe, this);
    }
};

RealPrograms::RealPrograms(const Scenario& scenario, Topology& topology, const std::string& outDir)
    : m_state(std::make_unique<State>(scenario))
{
    State& s = *m_state;
    std::string congestion = LinuxCongestion();
    std::map<std::string, size_t> namespaceOf;
    for (size_t a = 0; a < scenario.apps.size(); ++a)
    {
        const AppSpec& app = scenario.apps[a];
        if (app.IsProcess() && !namespaceOf.count(app.node))
        {
            namespaceOf[app.node] = s.namespaces.size();
            emu::HostConfig host = HostConfigOf(app.node, topology, scenario);
            host.congestion = congestion;
            s.namespaces.push_back(std::make_unique<emu::NetworkNamespace>(host));
        }
    }
    std::vector<emu::ProgramSpec> programs;
    for (size_t a = 0; a < scenario.apps.size(); ++a)
    {
        const AppSpec& app = scenario.apps[a];
        if (!app.IsProcess())
        {
            continue;
        }
        emu::ProgramSpec program;
        program.name = app.name;
        program.argv = app.argv;
        // Python buffers a file's output and loses it when stopped: unbuffered, unless the app says otherwise.
        program.env.push_back("PYTHONUNBUFFERED=1");
        program.env.insert(program.env.end(), app.env.begin(), app.env.end());
        program.dir = app.dir;
        program.netns = s.namespaces[namespaceOf.at(app.node)]->Fd();
        program.stdoutFd = OutputFile(outDir, app.name + ".stdout");
        program.stderrFd = OutputFile(outDir, app.name + ".stderr");
        s.outputs.push_back(program.stdoutFd);
        s.outputs.push_back(program.stderrFd);
        s.apps.push_back(a);
        s.reports[a].start = app.start;
        programs.push_back(program);
    }
    // Before any thread: the launcher forks its init.
    s.launcher = std::make_unique<emu::Launcher>(programs);
    const auto& plan = topology.Interfaces();
    std::map<std::string, size_t> nextTap;
    for (size_t i = 0; i < plan.size(); ++i)
    {
        if (namespaceOf.count(plan[i].node))
        {
            int fd = s.namespaces[namespaceOf[plan[i].node]]->TapFd(nextTap[plan[i].node]++);
            // FdNetDevice closes what it is given; the namespace closes its own.
            topology.AttachTap(i, fcntl(fd, F_DUPFD_CLOEXEC, 3));
        }
    }
    for (size_t p = 0; p < s.apps.size(); ++p)
    {
        const AppSpec& app = scenario.apps[s.apps[p]];
        emu::Launcher* launcher = s.launcher.get();
        ns3::Simulator::Schedule(app.start, [launcher, p]() { launcher->Start(p); });
        if (app.stopGiven)
        {
            ns3::Simulator::Schedule(app.stop, [launcher, p]() { launcher->Stop(p); });
        }
    }
    s.tolerance = ToleranceOf(scenario, topology);
    s.clock = ns3::DynamicCast<ns3::RealtimeSimulatorImpl>(ns3::Simulator::GetImplementation());
    if (!s.clock)
    {
        throw std::logic_error("real programs need ns-3's real-time scheduler, bound before the topology");
    }
    ns3::Simulator::Schedule(ns3::Time(0), &State::Probe, &s);
    if (pipe2(s.wake, O_CLOEXEC) != 0)
    {
        throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
    }
    s.reader = std::thread(&State::Read, &s);
    // The scheduler sleeps until each event: Linux's default 50 us timer slack adds to every wake-up.
    prctl(PR_SET_TIMERSLACK, 1UL);
    // Ctrl-C ends the run at once, with pcaps complete and programs stopped.
    g_interrupted = false;
    struct sigaction action{};
    action.sa_handler = OnInterrupt;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &s.oldInt);
    sigaction(SIGTERM, &action, &s.oldTerm);
}

RealPrograms::~RealPrograms()
{
    Finish();
    for (int fd : m_state->outputs)
    {
        close(fd);
    }
    m_state->outputs.clear();
}

void
RealPrograms::Finish()
{
    State& s = *m_state;
    if (!s.launcher)
    {
        return;
    }
    if (s.reader.joinable())
    {
        [[maybe_unused]] ssize_t n = write(s.wake[1], "x", 1);
        s.reader.join();
        close(s.wake[0]);
        close(s.wake[1]);
    }
    ns3::Time end = ns3::Simulator::Now();
    s.Drain(end); // what ended while the simulator ran, stamped when read
    // The programs still running get SIGTERM (SIGKILL after the grace). Each
    // end is stamped when it is read: simulated time ran as the wall clock,
    // so it goes on from `end` as the wall clock does.
    auto stopped = std::chrono::steady_clock::now();
    auto now = [&]() { return end + ns3::NanoSeconds((std::chrono::steady_clock::now() - stopped).count()); };
    auto running = [&]() {
        return std::any_of(s.reports.begin(), s.reports.end(), [](const auto& r) { return !r.second.end; });
    };
    for (size_t p = 0; p < s.apps.size(); ++p)
    {
        s.launcher->Stop(p);
    }
    while (running() && std::chrono::steady_clock::now() - stopped < kStopWait)
    {
        pollfd fd{s.launcher->EventFd(), POLLIN, 0};
        poll(&fd, 1, 20);
        Collect(s.launcher->ReadEvents(), now());
    }
    s.launcher->Shutdown();
    Collect(s.launcher->ReadEvents(), now());
    s.launcher.reset();
    sigaction(SIGINT, &s.oldInt, nullptr);
    sigaction(SIGTERM, &s.oldTerm, nullptr);
}

void
RealPrograms::Collect(const std::vector<emu::ProgramEvent>& events, ns3::Time at)
{
    {
        std::lock_guard lock(m_state->mutex);
        m_state->events.insert(m_state->events.end(), events.begin(), events.end());
    }
    m_state->Drain(at);
}

const ProcessReport&
RealPrograms::Report(size_t app) const
{
    return m_state->reports.at(app);
}

Lateness
RealPrograms::GetLateness() const
{
    Lateness l;
    std::vector<int64_t> v = m_state->lateness;
    l.samples = v.size();
    l.tolerance = m_state->tolerance;
    if (v.empty())
    {
        return l;
    }
    std::sort(v.begin(), v.end());
    auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))]; };
    l.p50 = at(0.5);
    l.p90 = at(0.9);
    l.p99 = at(0.99);
    l.max = v.back();
    l.exceeded = l.p99 > l.tolerance;
    return l;
}

bool
RealPrograms::Interrupted() const
{
    return g_interrupted;
}

} // namespace nslab
