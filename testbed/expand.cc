#include "expand.h"

#include "command.h"
#include "units.h"

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <regex>
#include <sys/stat.h>

namespace nslab
{

namespace
{

/** \return the folder of a path, with its trailing slash ("" for a bare name). */
std::string
FolderOf(const std::string& path)
{
    size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

/** \brief Later keys replace earlier ones; new sections and keys are added in order. */
void
Merge(IniDocument& base, const IniDocument& top)
{
    for (const auto& section : top.sections)
    {
        IniSection* into = base.Find(section.name);
        if (!into)
        {
            base.sections.push_back(section);
            continue;
        }
        for (const auto& entry : section.entries)
        {
            auto same = std::find_if(into->entries.begin(), into->entries.end(),
                                     [&](const IniEntry& e) { return e.key == entry.key; });
            if (same == into->entries.end())
            {
                into->entries.push_back(entry);
            }
            else
            {
                *same = entry;
            }
        }
    }
}

/** Reads a file and, first, the files it includes, refusing cycles. */
class IncludeReader
{
  public:
    IniDocument Read(const std::string& path, const Location& from)
    {
        char* real = realpath(path.c_str(), nullptr);
        std::string canonical = real ? real : path;
        std::free(real);
        if (std::find(m_chain.begin(), m_chain.end(), canonical) != m_chain.end())
        {
            std::string chain;
            for (const auto& file : m_files)
            {
                chain += file + " -> ";
            }
            throw ScenarioError(from, "include: a cycle: " + chain + path);
        }
        if (m_chain.size() >= kMaxIncludeDepth)
        {
            throw ScenarioError(from, "include: more than " + std::to_string(kMaxIncludeDepth) +
                                          " files deep; includes nest that far at most");
        }
        IniDocument doc = ReadIniFile(path); // bounded, each file
        struct stat st;
        m_bytes += stat(path.c_str(), &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
        if (m_bytes > kMaxScenarioBytes)
        {
            throw ScenarioError(from, "include: the scenario and its includes exceed " +
                                          std::to_string(kMaxScenarioBytes >> 20) + " MiB");
        }
        m_chain.push_back(canonical);
        m_files.push_back(path);
        IniDocument merged{path, std::vector<IniSection>(1)}; // the keys before the first section
        merged.sections[0].where = {path, 0};
        auto& global = doc.sections[0].entries;
        auto include = std::find_if(global.begin(), global.end(), [](const IniEntry& e) { return e.key == "include"; });
        if (include != global.end())
        {
            std::vector<std::string> files;
            try
            {
                files = SplitCommand(include->value);
            }
            catch (const ValueError& e)
            {
                throw ScenarioError(include->where, std::string("include: ") + e.what());
            }
            for (const auto& file : files)
            {
                Merge(merged, Read(file[0] == '/' ? file : FolderOf(path) + file, include->where));
            }
            global.erase(include);
        }
        Merge(merged, doc);
        m_chain.pop_back();
        m_files.pop_back();
        return merged;
    }

  private:
    std::vector<std::string> m_chain; //!< canonical paths of the files being read, outermost first
    std::vector<std::string> m_files; //!< the same, as written
    size_t m_bytes = 0;
};

/** Matches NAME[FIRST..LAST]REST. */
const std::regex kRange(R"(^([^\[\]]*)\[([0-9]+)\.\.([0-9]+)\](.*)$)");

/** \return true if the text holds a range (an IPv6 address in brackets does not). */
bool
HasRange(const std::string& text)
{
    return std::regex_match(text, kRange);
}

/** \return the node a peer names: the text before its '.' or ':' ("" for an address). */
std::string
PeerNode(const std::string& peer)
{
    return peer.substr(0, peer.find_first_of(".:"));
}

} // namespace

IniDocument
ReadScenarioDocument(const std::string& path)
{
    return IncludeReader().Read(path, {path, 0});
}

std::vector<std::string>
ExpandNames(const std::string& words)
{
    std::vector<std::string> names;
    for (const auto& word : SplitWords(words))
    {
        std::smatch m;
        if (word.find('[') == std::string::npos || !std::regex_match(word, m, kRange))
        {
            if (word.find_first_of("[]") != std::string::npos && word.find("..") != std::string::npos)
            {
                throw ValueError("'" + word + "' is not a range such as h[1..50]");
            }
            names.push_back(word);
            continue;
        }
        if (m[2].length() > 9 || m[3].length() > 9)
        {
            throw ValueError("'" + word + "': a range has at most " + std::to_string(kMaxRange) + " names");
        }
        long first = std::stol(m[2]);
        long last = std::stol(m[3]);
        if (last < first)
        {
            throw ValueError("'" + word + "' counts down: write the smaller bound first");
        }
        if (names.size() + static_cast<size_t>(last - first + 1) > kMaxRange)
        {
            throw ValueError("'" + words + "' names more than " + std::to_string(kMaxRange) + " nodes");
        }
        size_t width = m[2].length() > 1 && m[2].str()[0] == '0' ? m[2].length() : 0;
        for (long i = first; i <= last; ++i)
        {
            std::string number = std::to_string(i);
            number.insert(0, width > number.size() ? width - number.size() : 0, '0');
            names.push_back(m[1].str() + number + m[4].str());
        }
    }
    return names;
}

void
ExpandAppRanges(IniDocument& doc)
{
    std::vector<IniSection> sections;
    for (auto& section : doc.sections)
    {
        const IniEntry* node = section.Find("node");
        const IniEntry* peer = section.Find("peer");
        bool ranged = section.name.rfind("app.", 0) == 0 && node &&
                      (HasRange(node->value) || SplitWords(node->value).size() > 1 || (peer && HasRange(peer->value)));
        if (!ranged)
        {
            sections.push_back(std::move(section));
            continue;
        }
        std::string label = "[" + section.name + "] ";
        auto expand = [&](const IniEntry& entry) {
            try
            {
                return ExpandNames(entry.value);
            }
            catch (const ValueError& e)
            {
                throw ScenarioError(entry.where, label + entry.key + ": " + e.what());
            }
        };
        std::vector<std::string> nodes = expand(*node);
        std::vector<std::string> peers = peer ? expand(*peer) : std::vector<std::string>{};
        if (peers.size() > 1 && nodes.size() > 1 && peers.size() != nodes.size())
        {
            throw ScenarioError(peer->where, label + "peer: " + std::to_string(peers.size()) + " peers for " +
                                                 std::to_string(nodes.size()) +
                                                 " nodes: a range of peers pairs up with a range of nodes of "
                                                 "the same length, or fans out from one node");
        }
        size_t count = std::max(nodes.size(), peers.size());
        for (size_t i = 0; i < count; ++i)
        {
            IniSection app = section;
            const std::string& own = nodes[nodes.size() > 1 ? i : 0];
            std::string suffix = nodes.size() > 1 ? own : PeerNode(peers[i]);
            app.name = section.name + "-" + suffix;
            app.group = section.name.substr(4);
            for (auto& entry : app.entries)
            {
                entry.value = entry.key == "node" ? own : entry.key == "peer" ? peers[peers.size() > 1 ? i : 0] : entry.value;
            }
            sections.push_back(std::move(app));
        }
    }
    doc.sections = std::move(sections);
    std::vector<std::string> seen;
    for (const auto& section : doc.sections)
    {
        seen.push_back(section.name);
    }
    std::sort(seen.begin(), seen.end());
    auto twice = std::adjacent_find(seen.begin(), seen.end());
    if (twice != seen.end())
    {
        const IniSection* clash = doc.Find(*twice);
        throw ScenarioError(clash->where, "[" + *twice + "]: two apps have this name (a range makes its apps' names "
                                                         "from the app's name and each node's)");
    }
}

} // namespace nslab
