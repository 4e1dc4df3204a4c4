#ifndef NSLAB_INI_H
#define NSLAB_INI_H

#include <istream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nslab
{

/** \brief Where a value came from: a scenario file and line, or "--set" and its position. */
struct Location
{
    std::string file;
    int line = 0; //!< 0: the file as a whole

    /** \return "file:line" (or "file" for line 0). */
    std::string Str() const;
};

/** \brief Bad input: the message names the key; what() is "file:line: message". */
class ScenarioError : public std::runtime_error
{
  public:
    ScenarioError(const Location& where, const std::string& message);
    const Location where;
};

struct IniEntry
{
    std::string key;
    std::string value;
    Location where;
};

struct IniSection
{
    std::string name; //!< "" for the keys before the first section header
    Location where;
    std::vector<IniEntry> entries;
    std::string group; //!< an app made from a range: the app section written, e.g. "u" for [app.u-h1]

    /** \return the entry of that key, or nullptr. */
    const IniEntry* Find(const std::string& key) const;
};

/** \brief An INI file as written: sections in order, keys in order, each with its line. */
struct IniDocument
{
    std::string file;
    std::vector<IniSection> sections; //!< sections[0] is the unnamed global one

    /** \return the section of that name, or nullptr. */
    IniSection* Find(const std::string& name);
    const IniSection* Find(const std::string& name) const;

    /** \return where a key of a section was written, or the section header if the key was not. */
    Location Where(const std::string& section, const std::string& key) const;
};

/**
 * \brief Parse "[section]" headers, "key = value" lines and "#" or ";" comments
 * (whole-line, or after whitespace at the end of a value).
 * \throw ScenarioError on a broken line, a duplicate key or section, or binary data
 */
IniDocument ParseIni(std::istream& in, const std::string& file);

/** \brief The largest scenario file read (a line holds at most 16 MiB). */
inline constexpr size_t kMaxScenarioBytes = 64u << 20;

/**
 * \brief Read and parse a file: a regular file of at most kMaxScenarioBytes
 * (a FIFO or device is refused at once, without blocking), its path UTF-8
 * without control characters (results quote it).
 * \throw ScenarioError if it cannot be read or parsed
 */
IniDocument ReadIniFile(const std::string& path);

/** \return TEXT with every byte outside printable ASCII (and backslash) as \xNN: safe to quote in a message. */
std::string EscapeText(const std::string& text);

/**
 * \brief Apply one "--set SECTION.KEY=VALUE" (or "KEY=VALUE" for a global key)
 * as if it were written in the file.
 * \param index 1-based position among the overrides, used as its line in errors
 * The key and the value must be UTF-8 text (io's IsValidUtf8), the value
 * one line (no control character but tab). SECTION.KEY and .KEY name the
 * same key as KEY does for the global section: a later override of a key
 * replaces an earlier one, whatever form it took.
 * \throw ScenarioError if it is not of that form or names no existing section
 */
void ApplyOverride(IniDocument& doc, const std::string& assignment, int index);

} // namespace nslab

#endif
