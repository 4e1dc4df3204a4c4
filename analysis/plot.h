#ifndef NSLAB_PLOT_H
#define NSLAB_PLOT_H

#include <stdexcept>
#include <string>
#include <vector>

namespace nslab
{

/** \brief A results folder that cannot be plotted (missing or broken summary, missing series). */
class PlotInputError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/**
 * \brief Draw one figure per app of a results folder with gnuplot, as
 * DIR/plots/<app>.png and .svg, from the CSV time series a run wrote; the
 * gnuplot script of each figure is kept beside it (<app>.gp).
 * \return the image files written
 * \throw PlotInputError if DIR is not a results folder
 * \throw std::runtime_error if gnuplot is missing or fails
 */
std::vector<std::string> PlotResults(const std::string& dir);

/** \return text as a gnuplot double-quoted string. */
std::string Quote(const std::string& text);

/**
 * \brief Run gnuplot on a script; its output is shown only when it fails.
 * \param outputs the images the script draws: removed if gnuplot fails, so
 * that no figure is left half drawn (a PNG without its SVG)
 * \throw std::runtime_error if gnuplot is missing or fails
 */
void RunGnuplot(const std::string& script, const std::vector<std::string>& outputs = {});

} // namespace nslab

#endif
