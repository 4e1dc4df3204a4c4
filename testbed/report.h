#ifndef NSLAB_REPORT_H
#define NSLAB_REPORT_H

#include "runner.h"
#include "web-report.h"

#include <nlohmann/json.hpp>

#include <future>
#include <string>
#include <vector>

namespace nslab
{

/** \return the machine-readable summary; the same run gives the same bytes. */
nlohmann::ordered_json SummaryJson(const RunReport& report);

/** \return the human summary printed after a run. */
std::string SummaryText(const RunReport& report, const std::string& outDir);

/**
 * \brief Write scenario.ini (resolved), the CSV series and last summary.json,
 * each whole (temporary file + rename): a results folder with a summary.json
 * is a complete one.
 * \throw WriteError when a file cannot be written
 */
void WriteResults(const RunReport& report, const std::string& outDir);

/**
 * \brief report.html of a results folder, in two steps. Made once the run's
 * captures are complete, it reads their frames (most of the page's cost) in a
 * thread of its own, while the caller writes the other results; Write() then
 * writes the page from the folder's files (`nslab report DIR` rebuilds it).
 */
class ReportPage
{
  public:
    ReportPage(const Scenario& scenario, const std::string& outDir);
    /**
     * \brief Write report.html; the folder must have its summary.json by now.
     * \throw std::runtime_error when a file cannot be read or written
     */
    void Write();

  private:
    std::string m_dir;
    nlohmann::json m_topology;
    std::future<web::StepFrames> m_frames;
};

/** \return the links of a scenario as the report page draws them (see web::WriteRunReport). */
nlohmann::json TopologyJson(const Scenario& scenario);

/**
 * \return the names, in the results folder, of every file a run of the
 * scenario may create: its pcaps, CSV series, scenario.ini, summary.json and
 * the temporary FILE.tmp of each file written whole. Known before the run, so
 * that the folder can be checked and its manifest written first.
 */
std::vector<std::string> ResultFiles(const Scenario& scenario);

} // namespace nslab

#endif
