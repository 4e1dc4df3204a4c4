// libFuzzer target for scenario text: any bytes, as a scenario file, through
// what `nslab check` and `nslab run` do with one before ns-3 sees it. The
// text either is refused with a ScenarioError, or loads, and then its
// resolved form (ToIni) must load again to the same scenario: the same
// resolved text. Any other exception, a refused or different reload, or a
// sanitizer finding is a crash.
#include "ini.h"
#include "scenario.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>

namespace
{

std::string
Resolve(const std::string& text)
{
    std::istringstream in(text);
    return nslab::ToIni(nslab::LoadScenario(nslab::ParseIni(in, "fuzz.ini")));
}

} // namespace

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    std::string first;
    try
    {
        first = Resolve(std::string(reinterpret_cast<const char*>(data), size));
    }
    catch (const nslab::ScenarioError&)
    {
        return 0; // refused with a message: what bad input gets
    }
    std::string second;
    try
    {
        second = Resolve(first);
    }
    catch (const nslab::ScenarioError& e)
    {
        std::fprintf(stderr, "the resolved scenario is refused on reload: %s\n--- resolved:\n%s", e.what(),
                     first.c_str());
        std::abort();
    }
    if (second != first)
    {
        std::fprintf(stderr, "the resolved scenario reloads differently\n--- first:\n%s--- second:\n%s",
                     first.c_str(), second.c_str());
        std::abort();
    }
    return 0;
}
