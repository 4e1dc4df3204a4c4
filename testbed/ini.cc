#include "ini.h"

#include "units.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nslab
{

namespace
{

std::string
Trim(const std::string& s)
{
    size_t begin = s.find_first_not_of(" \t\r");
    if (begin == std::string::npos)
    {
        return "";
    }
    size_t end = s.find_last_not_of(" \t\r");
    return s.substr(begin, end - begin + 1);
}

/** Cut a trailing comment: '#' or ';' after whitespace, outside "double quotes". */
std::string
StripComment(const std::string& value)
{
    bool quoted = value[0] == '"';
    for (size_t i = 1; i < value.size(); ++i)
    {
        quoted ^= value[i] == '"';
        if (!quoted && (value[i] == '#' || value[i] == ';') && (value[i - 1] == ' ' || value[i - 1] == '\t'))
        {
            return Trim(value.substr(0, i));
        }
    }
    return value;
}

bool
IsKey(const std::string& key)
{
    return !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
    });
}

void
RefuseBinary(const Location& where, const std::string& what)
{
    throw ScenarioError(where, "not a text file: " + what + "; a scenario is an INI text file");
}

/** Scenario files are UTF-8 text: a control byte or broken UTF-8 means binary data. */
void
CheckText(const std::string& line, const Location& where)
{
    char hex[8];
    for (size_t i = 0; i < line.size(); ++i)
    {
        auto c = static_cast<unsigned char>(line[i]);
        std::snprintf(hex, sizeof hex, "0x%02x", c);
        if (c == 0 || (c < 0x20 && c != '\t' && c != '\r') || c == 0x7f)
        {
            RefuseBinary(where, std::string("control byte ") + hex);
        }
        int follow = c < 0x80 ? 0 : (c >> 5) == 0x6 ? 1 : (c >> 4) == 0xe ? 2 : (c >> 3) == 0x1e ? 3 : -1;
        for (int k = 1; k <= follow; ++k)
        {
            if (i + k >= line.size() || (static_cast<unsigned char>(line[i + k]) >> 6) != 0x2)
            {
                follow = -1;
            }
        }
        if (follow < 0)
        {
            RefuseBinary(where, std::string("byte ") + hex + " is not UTF-8");
        }
        i += static_cast<size_t>(follow);
    }
}

/**
 * std::getline with limits: a binary file need not have a line end (reading
 * /dev/zero would never stop), so a NUL byte ends the reading at once and a
 * line may hold at most 16 MiB.
 */
bool
ReadLine(std::istream& in, std::string& line, const Location& where)
{
    const size_t maxLine = 16u << 20;
    line.clear();
    std::streambuf* buffer = in.rdbuf();
    for (auto c = buffer->sbumpc(); c != std::char_traits<char>::eof(); c = buffer->sbumpc())
    {
        if (c == '\n')
        {
            return true;
        }
        if (c == 0)
        {
            CheckText(line, where); // an earlier bad byte is the one to name
            RefuseBinary(where, "control byte 0x00");
        }
        if (line.size() == maxLine)
        {
            RefuseBinary(where, "a line longer than 16 MiB");
        }
        line.push_back(static_cast<char>(c));
    }
    return !line.empty();
}

void
AddSection(IniDocument& doc, const std::string& line, const Location& where)
{
    std::string name = Trim(line.substr(1, line.size() - 2));
    if (line.back() != ']' || name.empty() || name.find_first_of("[]") != std::string::npos)
    {
        throw ScenarioError(where,
                            "broken section header '" + line + "': expected '[kind.name]', e.g. '[link.lan]'");
    }
    for (const auto& section : doc.sections)
    {
        if (section.name == name)
        {
            throw ScenarioError(where, "duplicate section [" + name + "] (first at line " +
                                           std::to_string(section.where.line) + ")");
        }
    }
    doc.sections.push_back({name, where, {}});
}

void
AddEntry(IniSection& section, const std::string& line, const Location& where)
{
    size_t eq = line.find('=');
    if (eq == std::string::npos)
    {
        throw ScenarioError(where, "expected 'key = value' or '[section]', got '" + line + "'");
    }
    std::string key = Trim(line.substr(0, eq));
    std::string value = StripComment(Trim(line.substr(eq + 1)));
    if (!IsKey(key))
    {
        throw ScenarioError(where, "bad key '" + key + "': keys are letters, digits, '_', '-' and '.'");
    }
    if (value.empty())
    {
        throw ScenarioError(where, key + ": missing value after '='");
    }
    if (const IniEntry* first = section.Find(key))
    {
        throw ScenarioError(where, "duplicate key '" + key + "' (first at line " +
                                       std::to_string(first->where.line) + ")");
    }
    section.entries.push_back({key, value, where});
}

} // namespace

std::string
Location::Str() const
{
    return line > 0 ? file + ":" + std::to_string(line) : file;
}

ScenarioError::ScenarioError(const Location& where_, const std::string& message)
    : std::runtime_error(where_.Str() + ": " + message),
      where(where_)
{
}

const IniEntry*
IniSection::Find(const std::string& key) const
{
    for (const auto& entry : entries)
    {
        if (entry.key == key)
        {
            return &entry;
        }
    }
    return nullptr;
}

IniSection*
IniDocument::Find(const std::string& name)
{
    for (auto& section : sections)
    {
        if (section.name == name)
        {
            return &section;
        }
    }
    return nullptr;
}

const IniSection*
IniDocument::Find(const std::string& name) const
{
    return const_cast<IniDocument*>(this)->Find(name);
}

Location
IniDocument::Where(const std::string& section, const std::string& key) const
{
    const IniSection* s = Find(section);
    if (!s)
    {
        return {file, 0};
    }
    const IniEntry* entry = s->Find(key);
    return entry ? entry->where : s->where;
}

IniDocument
ParseIni(std::istream& in, const std::string& file)
{
    IniDocument doc{file, {IniSection{"", {file, 0}, {}}}};
    std::string raw;
    for (Location where{file, 1}; ReadLine(in, raw, where); ++where.line)
    {
        if (where.line == 1 && raw.rfind("\xEF\xBB\xBF", 0) == 0)
        {
            raw.erase(0, 3); // the UTF-8 byte order mark some editors write
        }
        CheckText(raw, where);
        std::string line = Trim(raw);
        if (line.empty() || line[0] == '#' || line[0] == ';')
        {
            continue;
        }
        if (line[0] == '[')
        {
            AddSection(doc, StripComment(line), where);
            continue;
        }
        AddEntry(doc.sections.back(), line, where);
    }
    return doc;
}

IniDocument
ReadIniFile(const std::string& path)
{
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
    {
        throw ScenarioError({path, 0}, "cannot open the scenario: it is a directory");
    }
    std::ifstream in(path, std::ios::binary);
    if (!in)
    {
        throw ScenarioError({path, 0}, std::string("cannot open the scenario: ") + std::strerror(errno));
    }
    return ParseIni(in, path);
}

void
ApplyOverride(IniDocument& doc, const std::string& assignment, int index)
{
    Location where{"--set", index};
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
    {
        throw ScenarioError(where, "expected SECTION.KEY=VALUE, e.g. 'link.lan.loss=5%', got '" +
                                       assignment + "'");
    }
    std::string path = assignment.substr(0, eq);
    size_t dot = path.rfind('.');
    std::string sectionName = dot == std::string::npos ? "" : path.substr(0, dot);
    std::string key = path.substr(dot == std::string::npos ? 0 : dot + 1);
    std::string value = Trim(assignment.substr(eq + 1));
    IniSection* section = doc.Find(sectionName);
    if (!section)
    {
        std::vector<std::string> names;
        for (const auto& s : doc.sections)
        {
            names.push_back(s.name);
        }
        std::string hint = DidYouMean(sectionName, names);
        throw ScenarioError(where, path + ": " + doc.file + " has no section [" + sectionName + "]" +
                                       (hint.empty() ? "" : " (did you mean [" + hint + "]?)"));
    }
    if (!IsKey(key) || value.empty())
    {
        throw ScenarioError(where, "expected SECTION.KEY=VALUE with a value, got '" + assignment + "'");
    }
    for (auto& entry : section->entries)
    {
        if (entry.key == key)
        {
            entry.value = value;
            entry.where = where;
            return;
        }
    }
    section->entries.push_back({key, value, where});
}

} // namespace nslab
