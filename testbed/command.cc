#include "command.h"

#include "units.h"

#include <cctype>

namespace nslab
{

namespace
{

bool
IsBlank(char c)
{
    return c == ' ' || c == '\t';
}

} // namespace

std::vector<std::string>
SplitCommand(const std::string& text)
{
    std::vector<std::string> words;
    std::string word;
    bool inWord = false; // a word has begun, even an empty one ('' is a word)
    for (size_t i = 0; i < text.size(); ++i)
    {
        char c = text[i];
        if (std::iscntrl(static_cast<unsigned char>(c)) && c != '\t')
        {
            throw ValueError("a control character (words are one line of text)");
        }
        if (IsBlank(c))
        {
            if (inWord)
            {
                words.push_back(word);
                word.clear();
                inWord = false;
            }
            continue;
        }
        inWord = true;
        if (c == '\\')
        {
            if (++i == text.size())
            {
                throw ValueError("ends with a lone \\ (write \\\\ for a backslash)");
            }
            word += text[i];
        }
        else if (c == '\'')
        {
            size_t end = text.find('\'', i + 1);
            if (end == std::string::npos)
            {
                throw ValueError("unterminated '");
            }
            word += text.substr(i + 1, end - i - 1);
            i = end;
        }
        else if (c == '"')
        {
            for (++i;; ++i)
            {
                if (i == text.size())
                {
                    throw ValueError("unterminated \"");
                }
                if (text[i] == '"')
                {
                    break;
                }
                if (text[i] == '\\' && i + 1 < text.size() && std::string("\\\"$`").find(text[i + 1]) != std::string::npos)
                {
                    ++i;
                }
                word += text[i];
            }
        }
        else
        {
            word += c;
        }
    }
    if (inWord)
    {
        words.push_back(word);
    }
    return words;
}

std::string
ExpandPlaceholders(const std::string& word, const std::function<std::string(const std::string&)>& resolve)
{
    std::string out;
    for (size_t i = 0; i < word.size(); ++i)
    {
        if (word.compare(i, 2, "{{") == 0 || word.compare(i, 2, "}}") == 0)
        {
            out += word[i++];
            continue;
        }
        if (word[i] == '}')
        {
            throw ValueError("a lone '}' in '" + word + "' (write }} for a brace)");
        }
        if (word[i] != '{')
        {
            out += word[i];
            continue;
        }
        size_t end = word.find('}', i);
        if (end == std::string::npos)
        {
            throw ValueError("unclosed '{' in '" + word + "' (write {{ for a brace)");
        }
        std::string name = word.substr(i + 1, end - i - 1);
        if (name.empty())
        {
            throw ValueError("empty {} in '" + word + "': write {NODE} or {NODE.IFACE}");
        }
        out += resolve(name);
        i = end;
    }
    return out;
}

std::vector<std::string>
SplitEnvironment(const std::string& text)
{
    std::vector<std::string> assignments = SplitCommand(text);
    for (const auto& a : assignments)
    {
        size_t eq = a.find('=');
        std::string name = a.substr(0, eq);
        bool valid = eq != std::string::npos && !name.empty() && !std::isdigit(static_cast<unsigned char>(name[0]));
        for (char c : name)
        {
            valid = valid && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
        }
        if (!valid)
        {
            throw ValueError("'" + a + "' is not NAME=VALUE (a name has letters, digits and '_', not first a digit)");
        }
    }
    return assignments;
}

std::string
QuoteWord(const std::string& word)
{
    bool plain = !word.empty() && word.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                         "0123456789_-+=.,:/@%{}") == std::string::npos;
    if (plain)
    {
        return word;
    }
    // Single quotes, except for ' # and ; which go outside them escaped: an
    // INI value ends at " #" or " ;" (a comment), never at "\#".
    std::string quoted;
    bool open = false;
    for (char c : word)
    {
        bool apart = c == '\'' || c == '#' || c == ';';
        if (apart == open)
        {
            quoted += '\'';
            open = !open;
        }
        quoted += apart ? std::string("\\") + c : std::string(1, c);
    }
    return word.empty() ? "''" : quoted + (open ? "'" : "");
}

} // namespace nslab
