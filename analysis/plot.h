#ifndef NSLAB_PLOT_H
#define NSLAB_PLOT_H

#include <nlohmann/json.hpp>

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

/**
 * \return TEXT as a gnuplot single-quoted string: control characters dropped
 * (a newline would end the command), ' doubled. gnuplot substitutes nothing
 * inside single quotes (no `command`, no @macro).
 */
std::string GnuplotString(const std::string& text);

/** \brief A file that a figure's gnuplot script reads or writes; the script names it only by a variable. */
struct GnuplotFile
{
    enum Kind
    {
        kInput, //!< a file that exists (a run's CSV): text is its content, read by the caller
        kData,  //!< a data file to write: text is its content
        kImage, //!< a file gnuplot draws
    };
    Kind kind = kData;
    std::string variable; //!< the gnuplot variable the commands use (lower case letters)
    std::string name;     //!< the file relative to the figure's folder ("../x.csv" for an input)
    std::string text;     //!< its content (not for an image)
};

/** \brief A figure: gnuplot commands that name files only by variables, and those files. */
struct GnuplotFigure
{
    std::string dir;      //!< the figure's folder
    std::string script;   //!< name of the script kept there ("file.gp")
    std::string commands; //!< gnuplot commands; untrusted text only as GnuplotString
    std::vector<GnuplotFile> files;
};

/**
 * \brief Draw a figure, the one way nslab runs gnuplot. Its data files and its
 * script (files named relative to DIR: `cd DIR && gnuplot SCRIPT` redraws it)
 * are written to DIR (made without following a link in its place); gnuplot
 * then runs in a fresh private folder in the system's temporary folder, on a
 * copy of the script where every file has a fixed name, so no path reaches
 * gnuplot; the images are then written into DIR as every result file is (a
 * link planted there is replaced, never written through).
 * \return the images, as DIR/name
 * \throw PathError for a file name that a script cannot hold (a control character)
 * \throw std::runtime_error if gnuplot is missing or fails (the figure's images are removed)
 */
std::vector<std::string> DrawFigure(const GnuplotFigure& figure);

/** \brief The deepest nesting of arrays and objects accepted in a JSON file nslab reads. */
inline constexpr int kMaxJsonDepth = 64;

/** \brief The most values (numbers, strings...) accepted in a JSON file nslab reads. */
inline constexpr size_t kMaxJsonValues = 4000000;

/**
 * \brief Read a JSON file that nslab did not just write: ReadText (bounded,
 * regular files only), then parsed with at most kMaxJsonDepth levels of nesting
 * and kMaxJsonValues values.
 * \param error set to why it is unusable ("not a regular file", "not JSON",
 *        "nested deeper than 64 levels"), else cleared
 * \return the document (null on error)
 */
nlohmann::json ReadJsonFile(const std::string& file, std::string& error);

} // namespace nslab

#endif
