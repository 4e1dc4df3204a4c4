#include "plot.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include <unistd.h>

namespace nslab
{

namespace
{

[[noreturn]] void
Fail(const std::string& tmp, const std::string& file, int error)
{
    ::unlink(tmp.c_str()); // not remove(): a directory in the way is not ours to delete
    throw WriteError("cannot write " + file + (error ? std::string(": ") + std::strerror(error) : ""));
}

} // namespace

void
WriteFileAtomically(const std::string& path, const std::string& text)
{
    // Beside PATH, so that rename() replaces it in one step on the same file system.
    std::string tmp = path + ".tmp";
    errno = 0;
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    out.close();
    if (!out)
    {
        Fail(tmp, tmp, errno);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
    {
        Fail(tmp, path, errno);
    }
}

} // namespace nslab
