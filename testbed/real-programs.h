#ifndef NSLAB_REAL_PROGRAMS_H
#define NSLAB_REAL_PROGRAMS_H

#include "scenario.h"

#include "ns3/nstime.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nslab
{

class Topology;
namespace emu
{
struct ProgramEvent;
}

/** \brief What a real program did during a run. */
struct ProcessReport
{
    bool started = false;
    ns3::Time start;             //!< when nslab started it (simulated time, which runs as the wall clock)
    std::optional<ns3::Time> end; //!< when it ended; nothing if it was still running when the run ended
    std::optional<int> exitCode; //!< it exited with this status
    std::optional<int> signal;   //!< a signal ended it
    bool stopped = false;        //!< nslab ended it: its stop time, or the end of the run (SIGTERM, then SIGKILL)
    std::string startError;      //!< it could not be started: "execvp: No such file or directory"...
};

/** \brief How far ns-3's real-time scheduler ran behind the wall clock, sampled every millisecond. */
struct Lateness
{
    size_t samples = 0;
    int64_t p50 = 0, p90 = 0, p99 = 0, max = 0; //!< ns
    int64_t tolerance = 0; //!< ns: one full frame's time on the fastest link of a real node (500 us at least)
    bool exceeded = false; //!< p99 above the tolerance: timings finer than it are not faithful
};

/**
 * \return "" if this process may run real programs (namespaces and taps); else what is missing.
 */
std::string RealProgramsUnavailable();

/**
 * \brief The real programs of a run: one unnamed network namespace per real
 * node whose taps are that node's interfaces on the simulated links (names,
 * addresses, MACs, MTUs, routes), the programs started and stopped on time in
 * them, their output in <app>.stdout and <app>.stderr, and the lateness of the
 * real-time scheduler. Nothing outlives it, nor nslab (even killed by SIGKILL).
 */
class RealPrograms
{
  public:
    /**
     * \brief Build it all after the topology and before Simulator::Run (and
     * before any thread: it forks), and schedule the starts, stops and probes.
     */
    RealPrograms(const Scenario& scenario, Topology& topology, const std::string& outDir);
    ~RealPrograms();

    /** \brief After Simulator::Run: stop the programs still running and collect what they did. */
    void Finish();

    /** \return what the app (scenario index) did; the app must be a process. */
    const ProcessReport& Report(size_t app) const;

    Lateness GetLateness() const;

    /** \return true if SIGINT or SIGTERM stopped the run early. */
    bool Interrupted() const;

  private:
    /** \brief Record program events read at simulated time `at`. */
    void Collect(const std::vector<emu::ProgramEvent>& events, ns3::Time at);

    struct State;
    std::unique_ptr<State> m_state;
};

} // namespace nslab

#endif
