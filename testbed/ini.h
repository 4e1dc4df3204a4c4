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

/** \brief Read and parse a file. \throw ScenarioError if it cannot be read or parsed. */
IniDocument ReadIniFile(const std::string& path);

/**
 * \brief Apply one "--set SECTION.KEY=VALUE" (or "KEY=VALUE" for a global key)
 * as if it were written in the file.
 * \param index 1-based position among the overrides, used as its line in errors
 * \throw ScenarioError if it is not of that form or names no existing section
 */
void ApplyOverride(IniDocument& doc, const std::string& assignment, int index);

} // namespace nslab

#endif
