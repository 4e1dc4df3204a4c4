// Helpers of the loader's tests: a scenario from text, and the error it gives.
#ifndef NSLAB_LOADER_UTIL_H
#define NSLAB_LOADER_UTIL_H

#include "ini.h"
#include "scenario.h"

#include <sstream>
#include <string>
#include <vector>

namespace nslab::test
{

/** \return TEXT parsed as the file FILE. */
inline IniDocument
Doc(const std::string& text, const std::string& file = "t.ini")
{
    std::istringstream in(text);
    return ParseIni(in, file);
}

/** \return the loader's message for TEXT with the --set OVERRIDES (numbered from 1), or "no error". */
inline std::string
ErrorOf(const std::string& text, const std::vector<std::string>& overrides = {}, const std::string& file = "t.ini")
{
    try
    {
        IniDocument doc = Doc(text, file);
        for (size_t i = 0; i < overrides.size(); ++i)
        {
            ApplyOverride(doc, overrides[i], static_cast<int>(i + 1));
        }
        LoadScenario(doc);
    }
    catch (const ScenarioError& e)
    {
        return e.what();
    }
    return "no error";
}

} // namespace nslab::test

#endif
