// Runs the jobs of a sweep as child processes, N at a time.

#include "sweep.h"

#include "io.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sstream>
#include <sys/stat.h>
#include <algorithm>
#include <map>
#include <csignal>
#include <sys/prctl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>


namespace nslab::sweep
{

namespace
{

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

volatile sig_atomic_t g_signal = 0; //!< SIGINT or SIGTERM received while running jobs

// The runs going on, for the signal handler: a signal that lands between the
// loop's check and its waitpid must still stop them.
constexpr sig_atomic_t kMaxChildren = 4096;
pid_t g_children[kMaxChildren];
volatile sig_atomic_t g_childCount = 0;

void
OnSignal(int signal)
{
    g_signal = signal;
    for (sig_atomic_t i = 0; i < g_childCount; ++i)
    {
        kill(g_children[i], SIGTERM); // async-signal-safe
    }
}

/** Publishes the running children to OnSignal, with the signals held off meanwhile. */
void
PublishChildren(const std::map<pid_t, const Job*>& running)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigprocmask(SIG_BLOCK, &block, &old);
    g_childCount = 0;
    for (auto it = running.begin(); it != running.end() && g_childCount < kMaxChildren; ++it)
    {
        g_children[g_childCount] = it->first;
        g_childCount = g_childCount + 1;
    }
    sigprocmask(SIG_SETMASK, &old, nullptr);
}

/** Catches SIGINT and SIGTERM (interrupting waitpid) while it lives. */
class SignalGuard
{
  public:
    SignalGuard()
    {
        g_signal = 0;
        struct sigaction action = {};
        action.sa_handler = OnSignal;
        sigemptyset(&action.sa_mask);
        sigaction(SIGINT, &action, &m_int);
        sigaction(SIGTERM, &action, &m_term);
    }
    ~SignalGuard()
    {
        sigaction(SIGINT, &m_int, nullptr);
        sigaction(SIGTERM, &m_term, nullptr);
    }

  private:
    struct sigaction m_int = {};
    struct sigaction m_term = {};
};

/** \return the last non-empty line in the last 64 KiB of a regular file ("" if none). */
std::string
LastLine(const fs::path& file)
{
    int fd = open(file.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
    struct stat st;
    std::string tail(65536, '\0');
    ssize_t n = 0;
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
    {
        off_t from = std::max<off_t>(0, st.st_size - static_cast<off_t>(tail.size()));
        n = pread(fd, tail.data(), tail.size(), from);
    }
    if (fd >= 0)
    {
        close(fd);
    }
    tail.resize(std::max<ssize_t>(n, 0));
    std::istringstream in(tail);
    std::string last;
    for (std::string line; std::getline(in, line);)
    {
        if (!line.empty())
        {
            last = line;
        }
    }
    return last;
}

/** \return a new file for a run's output: what an earlier attempt left there is removed, no link is followed. */
int
CreateOutput(const std::string& path)
{
    ::unlink(path.c_str()); // a link is removed, not followed; a directory stays and fails below
    return CreateExclusive(path);
}

/** \return the pid of a started `nslab run`, stdout and stderr into its folder. */
pid_t
Start(const Job& job, const std::string& program)
{
    // runs/<combination>/run-N below the sweep folder, which exists and is locked.
    fs::path dir(job.dir);
    CreateFoldersBelow(dir.parent_path().parent_path().parent_path().string(),
                       (fs::path("runs") / dir.parent_path().filename() / dir.filename()).string());
    int out = CreateOutput(job.dir + "/stdout.txt");
    int err = -1;
    try
    {
        err = CreateOutput(job.dir + "/stderr.txt");
    }
    catch (...)
    {
        close(out);
        throw;
    }
    std::vector<char*> argv{const_cast<char*>(program.c_str())};
    for (const auto& arg : job.args)
    {
        argv.push_back(const_cast<char*>(arg.c_str()));
    }
    argv.push_back(nullptr);
    // fork + exec rather than posix_spawn: the run must die with the sweep
    // (PR_SET_PDEATHSIG). A run left behind by a sweep killed with -9 would
    // hold its folder's lock, and the resumed sweep's run of it would fail.
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0)
    {
        int in = open("/dev/null", O_RDONLY);
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent || in < 0 || dup2(in, STDIN_FILENO) < 0 ||
            dup2(out, STDOUT_FILENO) < 0 || dup2(err, STDERR_FILENO) < 0)
        {
            _exit(127);
        }
        execv(program.c_str(), argv.data());
        _exit(127);
    }
    int error = errno;
    close(out);
    close(err);
    if (pid < 0)
    {
        throw std::runtime_error("cannot start " + program + ": " + std::strerror(error));
    }
    return pid;
}

std::string
Duration(double seconds)
{
    long s = static_cast<long>(seconds + 0.5);
    char text[32];
    if (s >= 3600)
    {
        std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s / 60 % 60);
    }
    else
    {
        std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
    }
    return text;
}

/** Progress bar and ETA (from the mean time per finished run so far), redrawn in place. */
void
ShowProgress(size_t done, size_t total, size_t failed, Clock::time_point begin)
{
    constexpr int kWidth = 30;
    double elapsed = std::chrono::duration<double>(Clock::now() - begin).count();
    int filled = total ? static_cast<int>(kWidth * done / total) : kWidth;
    std::string eta = done ? Duration(elapsed / done * (total - done)) : "?";
    std::fprintf(stderr, "\r[%s%s] %zu/%zu runs%s, %s elapsed, ETA %s ", std::string(filled, '#').c_str(),
                 std::string(kWidth - filled, '.').c_str(), done, total,
                 failed ? (", " + std::to_string(failed) + " failed").c_str() : "", Duration(elapsed).c_str(),
                 eta.c_str());
    std::fflush(stderr);
}

} // namespace

RunOutcome
RunJobs(const std::vector<Job>& jobs, const RunSettings& settings)
{
    RunOutcome outcome;
    std::vector<const Job*> todo;
    for (const auto& job : jobs)
    {
        if (Finished(job))
        {
            ++outcome.skipped;
        }
        else
        {
            todo.push_back(&job);
        }
    }
    SignalGuard guard;
    std::map<pid_t, const Job*> running;
    size_t next = 0;
    size_t done = 0;
    auto begin = Clock::now();
    while ((next < todo.size() && !g_signal) || !running.empty())
    {
        if (g_signal && !outcome.interrupted)
        {
            outcome.interrupted = g_signal;
            for (const auto& child : running)
            {
                kill(child.first, SIGTERM);
            }
        }
        while (!g_signal && next < todo.size() && static_cast<int>(running.size()) < std::max(1, settings.jobs))
        {
            const Job* job = todo[next++];
            ++outcome.started;
            try
            {
                running[Start(*job, settings.program)] = job;
            }
            catch (const std::exception& e)
            {
                // E.g. its folder cannot be made: that run fails, the others go on.
                outcome.failures.push_back({job->dir, 127, e.what()});
                ++done;
            }
        }
        PublishChildren(running);
        if (settings.progress)
        {
            ShowProgress(done, todo.size(), outcome.failures.size(), begin);
        }
        int status = 0;
        pid_t pid = waitpid(-1, &status, 0);
        auto it = running.find(pid);
        if (pid < 0 && errno == ECHILD)
        {
            break; // cannot happen while children run; never spin
        }
        if (pid < 0 || it == running.end())
        {
            continue; // EINTR, or a child this loop did not start
        }
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        if (code != 0 && !g_signal) // a run stopped by the signal was interrupted, not failed
        {
            outcome.failures.push_back({it->second->dir, code, LastLine(it->second->dir + "/stderr.txt")});
        }
        running.erase(it);
        PublishChildren(running);
        ++done;
    }
    if (settings.progress)
    {
        ShowProgress(done, todo.size(), outcome.failures.size(), begin);
        std::fputc('\n', stderr);
    }
    return outcome;
}


} // namespace nslab::sweep
