#include "io.h"

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

std::string
ReadText(const std::string& file, std::string& error)
{
    // Not ifstream: reading a directory throws from inside its streambuf.
    error.clear();
    std::FILE* in = std::fopen(file.c_str(), "rb");
    if (!in)
    {
        error = std::strerror(errno);
        return "";
    }
    std::string text;
    char buffer[65536];
    for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, in)) > 0;)
    {
        text.append(buffer, n);
    }
    if (std::ferror(in))
    {
        error = std::strerror(errno);
        text.clear();
    }
    std::fclose(in);
    return text;
}

} // namespace nslab
