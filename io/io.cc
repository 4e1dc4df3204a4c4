#include "io.h"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <csignal>
#include <cstring>

#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
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

/** Write all of TEXT to FD; \return 0 or the errno of the failure. */
int
WriteAll(int fd, std::string_view text)
{
    for (size_t done = 0; done < text.size();)
    {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n <= 0)
        {
            return n < 0 ? errno : EIO;
        }
        done += static_cast<size_t>(n);
    }
    return 0;
}

/** The reason an O_EXCL|O_NOFOLLOW open of PATH failed with ERROR, said as for a plain open. */
std::string
Reason(const std::string& path, int error)
{
    struct stat st {};
    if (error == EEXIST && ::lstat(path.c_str(), &st) == 0)
    {
        if (S_ISDIR(st.st_mode))
        {
            return std::strerror(EISDIR);
        }
        if (S_ISLNK(st.st_mode))
        {
            return "a symbolic link is in the way (nslab does not write through links)";
        }
    }
    return std::strerror(error);
}

/**
 * Read the program's output until it closes it, keeping at most LIMIT bytes;
 * past TIMEOUT seconds the program is killed (a hung helper is no reason for
 * nslab to hang) and the output says so.
 */
void
ReadUntil(int fd, pid_t pid, int timeoutSeconds, size_t limit, ProgramResult& result)
{
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeoutSeconds);
    char buffer[4096];
    for (;;)
    {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        struct pollfd p{fd, POLLIN, 0};
        int ready = left.count() > 0 ? ::poll(&p, 1, static_cast<int>(left.count())) : 0;
        if (ready == 0)
        {
            ::kill(pid, SIGKILL);
            result.output += "\n(stopped after " + std::to_string(timeoutSeconds) + " s)";
            return;
        }
        ssize_t n = ready < 0 ? -1 : ::read(fd, buffer, sizeof buffer);
        if (n == 0 || (n < 0 && errno != EINTR))
        {
            return;
        }
        if (n > 0)
        {
            size_t room = limit - std::min(limit, result.output.size());
            result.output.append(buffer, std::min(static_cast<size_t>(n), room));
        }
    }
}

} // namespace

int
CreateExclusive(const std::string& path)
{
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
    {
        throw PathError("cannot create " + path + ": " + Reason(path, errno));
    }
    return fd;
}

void
WriteFileAtomically(const std::string& path, const std::string& text)
{
    WriteFileAtomically(path, std::vector<std::string_view>{text});
}

void
WriteFileAtomically(const std::string& path, const std::vector<std::string_view>& pieces)
{
    // Beside PATH, so that rename() replaces it in one step on the same file
    // system. unlink() removes a link of that name, never what it points to.
    std::string tmp = path + ".tmp";
    ::unlink(tmp.c_str());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
    {
        throw WriteError("cannot write " + tmp + ": " + Reason(tmp, errno));
    }
    int error = 0;
    for (size_t i = 0; i < pieces.size() && error == 0; ++i)
    {
        error = WriteAll(fd, pieces[i]);
    }
    if (::close(fd) != 0 && error == 0)
    {
        error = errno;
    }
    if (error)
    {
        Fail(tmp, tmp, error);
    }
    // rename() replaces a link at PATH by the file; it does not follow it.
    if (std::rename(tmp.c_str(), path.c_str()) != 0)
    {
        Fail(tmp, path, errno);
    }
}

std::string
CsvCell(const std::string& text)
{
    if (text.find_first_of(",\"\n\r") == std::string::npos)
    {
        return text;
    }
    std::string out = "\"";
    for (char c : text)
    {
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    }
    return out + "\"";
}

std::vector<std::string>
CsvCells(const std::string& line)
{
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (size_t i = 0; i <= line.size(); ++i)
    {
        char c = i < line.size() ? line[i] : ',';
        if (c == '"' && (quoted || cell.empty()))
        {
            if (quoted && i + 1 < line.size() && line[i + 1] == '"')
            {
                cell += '"';
                ++i;
                continue;
            }
            quoted = !quoted;
        }
        else if (c == ',' && !quoted)
        {
            cells.push_back(std::move(cell));
            cell.clear();
        }
        else
        {
            cell += c;
        }
    }
    return cells;
}

std::string
ReadText(const std::string& file, std::string& error, size_t limit)
{
    error.clear();
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer for ever.
    int fd = ::open(file.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
    {
        error = std::strerror(errno);
        return "";
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
    {
        error = S_ISDIR(st.st_mode) ? std::strerror(EISDIR) : "not a regular file";
        ::close(fd);
        return "";
    }
    std::string text;
    char buffer[65536];
    for (;;)
    {
        ssize_t n = ::read(fd, buffer, sizeof buffer);
        if (n < 0 && errno == EINTR)
        {
            continue;
        }
        if (n < 0)
        {
            error = std::strerror(errno);
            break;
        }
        if (n == 0)
        {
            break;
        }
        if (text.size() + static_cast<size_t>(n) > limit)
        {
            error = "larger than " + std::to_string(limit) + " bytes";
            break;
        }
        text.append(buffer, static_cast<size_t>(n));
    }
    ::close(fd);
    if (!error.empty())
    {
        text.clear();
    }
    return text;
}

ProgramResult
RunProgram(const std::vector<std::string>& argv, size_t outputLimit, int timeoutSeconds)
{
    return RunProgramIn("", argv, outputLimit, timeoutSeconds);
}

FolderLock::FolderLock(const std::string& dir, const std::string& who)
{
    std::string path = dir + "/.lock";
    m_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (m_fd < 0)
    {
        throw PathError(who + ": cannot open " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(m_fd, &st) != 0 || !S_ISREG(st.st_mode))
    {
        ::close(m_fd);
        throw PathError(who + ": " + path + " is not a regular file");
    }
    if (::flock(m_fd, LOCK_EX | LOCK_NB) != 0)
    {
        ::close(m_fd);
        throw PathError(who + ": " + dir + ": another nslab process is using this folder");
    }
}

FolderLock::~FolderLock()
{
    ::close(m_fd); // and so unlock
}

bool
IsValidUtf8(const std::string& text)
{
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    size_t n = text.size();
    for (size_t i = 0; i < n;)
    {
        unsigned char c = s[i];
        size_t len;
        uint32_t cp;
        if (c < 0x80)
        {
            ++i;
            continue;
        }
        else if ((c & 0xE0) == 0xC0)
        {
            len = 2;
            cp = c & 0x1F;
        }
        else if ((c & 0xF0) == 0xE0)
        {
            len = 3;
            cp = c & 0x0F;
        }
        else if ((c & 0xF8) == 0xF0)
        {
            len = 4;
            cp = c & 0x07;
        }
        else
        {
            return false;
        }
        if (i + len > n)
        {
            return false;
        }
        for (size_t k = 1; k < len; ++k)
        {
            if ((s[i + k] & 0xC0) != 0x80)
            {
                return false;
            }
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        static const uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        {
            return false; // overlong, beyond Unicode, or a surrogate
        }
        i += len;
    }
    return true;
}

bool
HasControlCharacter(const std::string& text)
{
    for (unsigned char c : text)
    {
        if (c < 0x20 || c == 0x7F)
        {
            return true;
        }
    }
    return false;
}

ProgramResult
RunProgramIn(const std::string& dir, const std::vector<std::string>& argv, size_t outputLimit, int timeoutSeconds)
{
    ProgramResult result;
    int pipeFds[2];
    if (argv.empty() || ::pipe2(pipeFds, O_CLOEXEC) != 0)
    {
        result.output = argv.empty() ? "" : std::string("cannot create a pipe: ") + std::strerror(errno);
        return result;
    }
    // The folder is opened here and entered by its descriptor: a link or
    // another folder put in its place later is never entered.
    int dirFd = dir.empty() ? -1 : ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (!dir.empty() && dirFd < 0)
    {
        int error = errno;
        ::close(pipeFds[0]);
        ::close(pipeFds[1]);
        return {127, "cannot enter " + dir + ": " + std::strerror(error)};
    }
    std::vector<char*> args;
    for (const auto& arg : argv)
    {
        args.push_back(const_cast<char*>(arg.c_str()));
    }
    args.push_back(nullptr);
    // fork + exec, not posix_spawn: the program must die with nslab
    // (PR_SET_PDEATHSIG), or a killed `nslab plot` leaves gnuplot running.
    pid_t parent = ::getpid();
    pid_t pid = ::fork();
    if (pid == 0)
    {
        int in = ::open("/dev/null", O_RDONLY);
        if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent || in < 0 ||
            (dirFd >= 0 && ::fchdir(dirFd) != 0) || ::dup2(in, STDIN_FILENO) < 0 ||
            ::dup2(pipeFds[1], STDOUT_FILENO) < 0 || ::dup2(pipeFds[1], STDERR_FILENO) < 0)
        {
            ::_exit(127);
        }
        ::execvp(args[0], args.data());
        ::_exit(127); // not found: as a shell says
    }
    int error = errno;
    ::close(pipeFds[1]);
    if (dirFd >= 0)
    {
        ::close(dirFd);
    }
    if (pid < 0)
    {
        ::close(pipeFds[0]);
        return {127, "cannot run " + argv[0] + ": " + std::strerror(error)};
    }
    ReadUntil(pipeFds[0], pid, timeoutSeconds, outputLimit, result);
    ::close(pipeFds[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR)
    {
    }
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

CreatedFile::CreatedFile(const std::string& path)
    : m_fd(CreateExclusive(path))
{
}

CreatedFile::~CreatedFile()
{
    ::close(m_fd);
}

std::string
CreatedFile::ProcPath() const
{
    return "/proc/self/fd/" + std::to_string(m_fd);
}

void
CreateFoldersBelow(const std::string& base, const std::string& relative)
{
    std::string path = base;
    size_t begin = 0;
    while (begin < relative.size())
    {
        size_t end = relative.find('/', begin);
        end = end == std::string::npos ? relative.size() : end;
        path += "/" + relative.substr(begin, end - begin);
        begin = end + 1;
        struct stat st {};
        if ((::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) || ::lstat(path.c_str(), &st) != 0)
        {
            throw PathError("cannot create " + path + ": " + std::strerror(errno));
        }
        if (!S_ISDIR(st.st_mode))
        {
            throw PathError("cannot create " + path + ": " +
                            (S_ISLNK(st.st_mode) ? "a symbolic link is in the way (nslab does not write through links)"
                                                 : "a file is in the way"));
        }
    }
}

} // namespace nslab
