#ifndef NSLAB_RUNNER_H
#define NSLAB_RUNNER_H

#include "scenario.h"

#include <optional>
#include <string>
#include <vector>

namespace nslab
{

/** \brief How to run a scenario: where results go, whether to show progress. */
struct RunOptions
{
    std::string outDir;    //!< results folder (created)
    bool progress = false; //!< wall-clock progress on stderr
};

/** \brief One app's statistics after a run. */
struct AppReport
{
    const AppSpec* spec = nullptr;
    std::string endpoint; //!< "bob:5000" (server) or "alice -> 10.0.1.2:5000" (client)
    uint64_t bytesSent = 0;
    uint64_t packetsSent = 0; //!< datagrams, or TCP messages
    bool connected = false;   //!< tcp-client
    bool connectFailed = false; //!< tcp-client: ns-3 gave up connecting
    uint64_t bytesReceived = 0;
    uint64_t packetsReceived = 0;
    uint64_t lost = 0;
    uint64_t duplicates = 0;
    uint64_t reordered = 0;
    uint64_t malformed = 0;
    uint32_t connections = 0;
    uint64_t latencyCount = 0;
    double latencyMin = 0, latencyMean = 0, latencyMax = 0; //!< seconds
};

/** \brief Everything a run produced besides its pcaps. */
struct RunReport
{
    const Scenario* scenario = nullptr;
    std::vector<AppReport> apps;
    std::vector<InterfacePlan> interfaces;
    double wallSeconds = 0; //!< not part of summary.json, which must be reproducible
};

/**
 * \brief Build the scenario's network and apps in ns-3, run it for its
 * duration with one pcap per interface in options.outDir, and collect what
 * every app saw. The simulator is destroyed before it returns.
 */
RunReport RunScenario(const Scenario& scenario, const RunOptions& options);

} // namespace nslab

#endif
