// nslab-webreport: report.html, one self-contained page per results folder
// (the topology, the apps, the time series, TCP ladders, the drops and a
// step-through of the frames), built from the folder's files only.
#ifndef NSLAB_WEB_REPORT_H
#define NSLAB_WEB_REPORT_H

#include <nlohmann/json.hpp>

#include <string>

namespace nslab::web
{

/** \brief The largest number of frames the step-through holds: the earliest, in time order. */
inline constexpr size_t kMaxStepFrames = 20000;

/**
 * \brief Write DIR/report.html (atomically) from DIR/summary.json, the time
 * series and the pcaps.
 * \param topology what the scenario's links are: {"links": [{"name", "type",
 *        "text" (rate, delay, impairments in words), "ap", "members": [{"node",
 *        "iface", "address"}]}], "events": [...]}; the caller has the scenario
 * \throw std::runtime_error if the folder lacks summary.json or a file is unreadable
 */
void WriteRunReport(const std::string& dir, const nlohmann::json& topology);

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
