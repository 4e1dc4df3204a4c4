#include "ini.h"

#include "io.h"
#include "units.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
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
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '>';
    });
}

void
RefuseBinary(const Location& where, const std::string& what)
{
    throw ScenarioError(where, "not a text file: " + what + "; a scenario is an INI text file");
}

/**
 * Scenario files are text: a control byte means binary data. A CR may end a
 * line (CRLF files); inside one it would hide the rest of the line.
 */
void
CheckText(const std::string& line, const Location& where)
{
    char hex[8];
    for (size_t i = 0; i < line.size(); ++i)
    {
        auto c = static_cast<unsigned char>(line[i]);
        bool lineEnd = c == '\r' && i + 1 == line.size();
        if ((c < 0x20 && c != '\t' && !lineEnd) || c == 0x7f)
        {
            std::snprintf(hex, sizeof hex, "0x%02x", c);
            RefuseBinary(where, std::string("control byte ") + hex);
        }
    }
}

/** \return why TEXT is not UTF-8 ("byte 0x89 is not UTF-8", ...), or "" if it is (io's strict IsValidUtf8). */
std::string
Utf8Problem(const std::string& text)
{
    if (IsValidUtf8(text))
    {
        return "";
    }
    for (size_t i = 0; i < text.size();)
    {
        auto c = static_cast<unsigned char>(text[i]);
        size_t length = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 1;
        length = std::min(length, text.size() - i);
        std::string sequence = text.substr(i, length);
        if (IsValidUtf8(sequence))
        {
            i += length;
            continue;
        }
        auto next = length > 1 ? static_cast<unsigned char>(text[i + 1]) : 0;
        const char* why = c == 0xc0 || c == 0xc1 || (c == 0xe0 && next < 0xa0) || (c == 0xf0 && next < 0x90)
                              ? " (an overlong form)"
                          : c == 0xed && next >= 0xa0 ? " (a UTF-16 surrogate)"
                          : (c == 0xf4 && next >= 0x90) || c >= 0xf5 ? " (above U+10FFFF)"
                                                                    : "";
        std::string bytes;
        char hex[8];
        for (unsigned char b : sequence)
        {
            std::snprintf(hex, sizeof hex, "0x%02x", b);
            bytes += (bytes.empty() ? "" : " ") + std::string(hex);
        }
        return (length > 1 && *why ? "bytes " + bytes + " are" : "byte " + bytes.substr(0, 4) + " is") +
               " not UTF-8" + why;
    }
    return "not UTF-8";
}

/** Refuse text that is not UTF-8: as binary data, or as a bad value of KEY when one is named. */
void
CheckUtf8(const std::string& text, const Location& where, const std::string& key, const char* what = "values")
{
    std::string problem = Utf8Problem(text);
    if (problem.empty())
    {
        return;
    }
    if (key.empty())
    {
        RefuseBinary(where, problem);
    }
    throw ScenarioError(where, key + ": " + problem + "; " + what + " are UTF-8 text");
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
    doc.sections.push_back({name, where, {}, ""});
}

void
AddEntry(IniSection& section, const std::string& line, const Location& where)
{
    size_t eq = line.find('=');
    std::string key = Trim(line.substr(0, eq));
    if (eq == std::string::npos || !IsKey(key))
    {
        CheckUtf8(line, where, ""); // before quoting the line in a message
    }
    if (eq == std::string::npos)
    {
        throw ScenarioError(where, "expected 'key = value' or '[section]', got '" + line + "'");
    }
    std::string value = StripComment(Trim(line.substr(eq + 1)));
    CheckUtf8(line.substr(eq + 1), where, (section.name.empty() ? "" : "[" + section.name + "] ") + key);
    if (!IsKey(key))
    {
        throw ScenarioError(where, "bad key '" + key + "': keys are letters, digits, '_', '-', '.' (and '->' in an event's direction keys)");
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
    IniDocument doc{file, {IniSection{"", {file, 0}, {}, ""}}};
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
            CheckUtf8(line, where, "");
            continue;
        }
        if (line[0] == '[')
        {
            CheckUtf8(line, where, "section header", "section names");
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
    if (!Utf8Problem(path).empty() || HasControlCharacter(path))
    {
        throw ScenarioError({"scenario path", 0}, "'" + EscapeText(path) +
                                                      "' is not UTF-8 text without control characters: "
                                                      "results name it, so rename the file");
    }
    std::string error;
    std::string text = ReadText(path, error, kMaxScenarioBytes);
    if (!error.empty())
    {
        bool directory = error == std::strerror(EISDIR);
        throw ScenarioError({path, 0}, "cannot open the scenario: " + (directory ? "it is a directory" : error));
    }
    std::istringstream in(text);
    return ParseIni(in, path);
}

std::string
EscapeText(const std::string& text)
{
    std::string out;
    char hex[8];
    for (unsigned char c : text)
    {
        bool plain = c >= 0x20 && c < 0x7f && c != '\\';
        std::snprintf(hex, sizeof hex, "\\x%02x", c);
        out += plain ? std::string(1, static_cast<char>(c)) : std::string(hex);
    }
    return out;
}

void
ApplyOverride(IniDocument& doc, const std::string& assignment, int index)
{
    Location where{"--set", index};
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0)
    {
        bool text = Utf8Problem(assignment).empty() && !HasControlCharacter(assignment);
        throw ScenarioError(where, "expected SECTION.KEY=VALUE, e.g. 'link.lan.loss=5%', got '" +
                                       (text ? assignment : EscapeText(assignment)) + "'");
    }
    std::string path = assignment.substr(0, eq);
    if (!Utf8Problem(path).empty() || HasControlCharacter(path))
    {
        throw ScenarioError(where, "expected SECTION.KEY=VALUE, got '" + EscapeText(assignment) +
                                       "': the key is not UTF-8 text without control characters");
    }
    size_t dot = path.rfind('.');
    std::string sectionName = dot == std::string::npos ? "" : path.substr(0, dot);
    std::string key = path.substr(dot == std::string::npos ? 0 : dot + 1);
    std::string label = (sectionName.empty() ? "" : "[" + sectionName + "] ") + key;
    std::string raw = assignment.substr(eq + 1);
    CheckUtf8(raw, where, label);
    raw.erase(std::remove(raw.begin(), raw.end(), '\t'), raw.end());
    if (HasControlCharacter(raw))
    {
        throw ScenarioError(where, label + ": a control character in the value (a value is one line of text)");
    }
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
