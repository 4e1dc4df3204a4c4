// nslab-webreport: report.html, one self-contained page per results folder
// (the topology, the apps, the time series, TCP ladders, the drops and a
// step-through of the frames), built from the folder's files only.
#ifndef NSLAB_WEB_REPORT_H
#define NSLAB_WEB_REPORT_H

#include <nlohmann/json.hpp>

#include <future>
#include <string>
#include <vector>

namespace nslab::web
{

/** \brief The largest number of frames the step-through holds: the earliest, in time order. */
inline constexpr size_t kMaxStepFrames = 20000;

/**
 * \brief The step-through's frames: the earliest kMaxStepFrames IP packets of
 * a run's captures together, as the page holds them. Reading them is most of
 * a page's cost, so a run reads them while it writes its other files.
 */
struct StepFrames
{
    std::vector<std::string> json;     //!< the captures' packets: a JSON array (safe inside <script>), in pieces
    size_t kept = 0;                   //!< packets in all
    bool complete = true;              //!< no packet was left out
    std::vector<std::string> warnings; //!< captures that break off
};

/**
 * \return the frames of DIR's captures of the topology's interfaces
 * (DIR/NODE-IFACE.pcap); a capture missing is left out
 * \throw trace::TraceInputError if a capture is not one
 */
StepFrames ReadStepFrames(const std::string& dir, const nlohmann::json& topology);

/**
 * \brief Write DIR/report.html (atomically) from DIR/summary.json, the time
 * series, drops.csv and the frames of the pcaps.
 * \param topology what the scenario's links are: {"links": [{"name", "type",
 *        "text" (rate, delay, impairments in words), "ap", "members": [{"node",
 *        "iface", "address"}]}], "events": [...]}; the caller has the scenario
 * \param frames the frames being read (ReadStepFrames, in a thread of the
 *        caller's, or deferred): waited for once the rest of the page is ready
 * \throw std::runtime_error if the folder lacks summary.json or a file is unreadable
 */
void WriteRunReport(const std::string& dir, const nlohmann::json& topology, std::future<StepFrames> frames);

/**
 * \brief Write DIR/sweep.html (atomically) from a sweep folder: its settings
 * (plan.json), the table of means with 95 % intervals (sweep.json), a plot
 * per metric with each run's own points (the runs' summary.json), the figures
 * `nslab sweep --plot` drew (plots/NAME.svg, with their model) and a link to
 * each run's report.html.
 * \throw std::runtime_error if plan.json or sweep.json cannot be read
 */
void WriteSweepReport(const std::string& dir);

} // namespace nslab::web

#endif
