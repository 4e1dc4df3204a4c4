#ifndef NSLAB_KEYS_H
#define NSLAB_KEYS_H

#include <optional>
#include <string>
#include <vector>

namespace nslab
{

/**
 * One key of a scenario file, declared once: the loader takes the keys a
 * section allows (and its did-you-mean candidates) from here, and the key
 * tables of docs/scenario-format.md are rendered from here.
 *
 * A key whose meaning differs by section kind (ping's `count` and a
 * client's) has one row per meaning.
 */
struct KeyDef
{
    std::string name;
    /** Section kinds: "global", "node", "ethernet", "p2p", "wifi", "direction", or an app type. */
    std::vector<std::string> kinds;
    std::string unit;
    std::string range;
    std::string defaultText;
    std::string help;
    /** For a plain whole number: the loader refuses values outside min..max with rangeError. */
    std::optional<double> min{};
    std::optional<double> max{};
    /** The message of a value outside min..max; "{value}" stands for the value. */
    std::string rangeError{};
};

/** Every key, in the order the error messages list them. */
const std::vector<KeyDef>& ScenarioKeys();

/** The kinds of sections: "global", "node", the link types, "direction", the app types. */
const std::vector<std::string>& SectionKinds();

/** \return the keys a kind of section takes, in the table's order (each name once). */
std::vector<std::string> KeysOf(const std::string& kind);

/** \return the row of key in a section of that kind, or nullptr. */
const KeyDef* FindKey(const std::string& name, const std::string& kind);

/** The tables of docs/scenario-format.md, by name. */
const std::vector<std::string>& KeyTableSections();

/**
 * \return the markdown table of a section: "global", "node", "link-types",
 * "link", "app-types", "app". Throws std::invalid_argument for another name.
 */
std::string KeyTableMarkdown(const std::string& section);

/**
 * \return doc with the text between each "<!-- keys:SECTION begin -->" and
 * "<!-- keys:SECTION end -->" line replaced by KeyTableMarkdown(SECTION).
 * Throws std::invalid_argument for an unknown section or a begin without end.
 */
std::string UpdateKeyTables(const std::string& doc);

} // namespace nslab

#endif
