#ifndef NSLAB_COMMAND_H
#define NSLAB_COMMAND_H

#include <functional>
#include <string>
#include <vector>

namespace nslab
{

/**
 * \return the words of a command line as a POSIX shell splits them, with no
 * shell: blanks separate words; '...' keeps everything literally; "..."
 * keeps blanks and lets \ escape only \ " $ `; \ outside quotes escapes the
 * next character. Nothing is expanded ($HOME, *, ~ stay as written).
 * \throw ValueError for an unterminated quote, a trailing \, a control character
 */
std::vector<std::string> SplitCommand(const std::string& text);

/**
 * \return the word with every {NAME} or {NAME.IFACE} replaced by resolve(NAME
 * or NAME.IFACE); "{{" and "}}" stand for a literal brace.
 * \throw ValueError for an unclosed or empty brace; resolve throws ValueError for an unknown name
 */
std::string ExpandPlaceholders(const std::string& word, const std::function<std::string(const std::string&)>& resolve);

/**
 * \return the NAME=VALUE assignments of an env key, split as SplitCommand does.
 * \throw ValueError for a word without '=' or a NAME that is not [A-Za-z_][A-Za-z0-9_]*
 */
std::vector<std::string> SplitEnvironment(const std::string& text);

/** \return the word as a shell (and SplitCommand) reads it back: as is if plain, else in single quotes. */
std::string QuoteWord(const std::string& word);

} // namespace nslab

#endif
