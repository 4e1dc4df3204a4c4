#include "wifi-cells.h"

#include <dlfcn.h>

#include <filesystem>
#include <stdexcept>
#include <system_error>

namespace nslab
{

namespace
{

constexpr const char* kPluginName = "libnslab-wifi.so";
constexpr const char* kEntryPoint = "nslab_wifi_cells";

WifiCells* g_loaded = nullptr;

/** \return where the plugin may be, in order: beside the running program, then where the build wrote it. */
std::vector<std::string>
PluginPaths()
{
    std::vector<std::string> paths;
    std::error_code ec;
    auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec)
    {
        paths.push_back((self.parent_path() / kPluginName).string());
    }
    paths.push_back(NSLAB_WIFI_PLUGIN);
    return paths;
}

} // namespace

WifiCells&
LoadWifiCells()
{
    if (g_loaded)
    {
        return *g_loaded;
    }
    std::string errors;
    for (const auto& path : PluginPaths())
    {
        if (!std::filesystem::exists(path))
        {
            continue;
        }
        // RTLD_NODELETE: ns-3's TypeIds and the cells' objects live until exit.
        void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
        if (!handle)
        {
            errors += std::string("; ") + dlerror();
            continue;
        }
        auto entry = reinterpret_cast<WifiCells* (*)()>(dlsym(handle, kEntryPoint));
        if (!entry)
        {
            errors += "; " + path + " has no " + kEntryPoint;
            continue;
        }
        g_loaded = entry();
        return *g_loaded;
    }
    throw std::runtime_error(std::string("cannot load nslab's WiFi stack (") + kPluginName + ", beside nslab or " +
                             NSLAB_WIFI_PLUGIN + ")" + errors);
}

WifiCells*
LoadedWifiCells()
{
    return g_loaded;
}

const std::vector<std::string>&
WifiStandards()
{
    // The plugin maps each name to ns-3's WifiStandard.
    static const std::vector<std::string> names{"802.11a", "802.11ac", "802.11ax", "802.11b", "802.11g", "802.11n"};
    return names;
}

const std::vector<std::string>&
WifiRateControls()
{
    static const std::vector<std::string> names{"ideal", "minstrel", "constant"};
    return names;
}

std::vector<std::string>
WifiModes(const std::string& standard)
{
    auto numbered = [](const std::string& prefix, int last) {
        std::vector<std::string> modes;
        for (int i = 0; i <= last; ++i)
        {
            modes.push_back(prefix + std::to_string(i));
        }
        return modes;
    };
    auto ofdm = [](const std::string& prefix) {
        std::vector<std::string> modes;
        for (const char* rate : {"6", "9", "12", "18", "24", "36", "48", "54"})
        {
            modes.push_back(prefix + rate + "Mbps");
        }
        return modes;
    };
    std::vector<std::string> dsss{"DsssRate1Mbps", "DsssRate2Mbps", "DsssRate5_5Mbps", "DsssRate11Mbps"};
    if (standard == "802.11a")
    {
        return ofdm("OfdmRate");
    }
    if (standard == "802.11b")
    {
        return dsss;
    }
    if (standard == "802.11g")
    {
        auto modes = ofdm("ErpOfdmRate");
        modes.insert(modes.end(), dsss.begin(), dsss.end());
        return modes;
    }
    // One spatial stream (ns-3's default antenna); VHT MCS 9 is not allowed at 20 MHz.
    return standard == "802.11n"    ? numbered("HtMcs", 7)
           : standard == "802.11ac" ? numbered("VhtMcs", 8)
           : standard == "802.11ax" ? numbered("HeMcs", 11)
                                    : std::vector<std::string>{};
}

} // namespace nslab
