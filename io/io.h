#ifndef NSLAB_IO_H
#define NSLAB_IO_H

// The one place where nslab touches files and starts programs. Every result
// file is created without following links, every input file is read with a
// bound and only if it is a regular file, and every helper program is
// started with an argument vector, never through a shell.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace nslab
{

/** \brief A result file could not be written (disk full, permissions): the command exits with status 1. */
class WriteError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/** \brief Bad input on the file system (a path in the way, a FIFO, a file too big): the command exits with status 2. */
class PathError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/**
 * \brief Write a file whole: PATH.tmp first (created anew with
 * O_CREAT|O_EXCL|O_NOFOLLOW, a stale PATH.tmp or a link of that name removed
 * first), checked, then renamed over PATH, so that no reader ever sees half
 * of it and no link at PATH or PATH.tmp is followed. A failed write leaves
 * PATH as it was and no PATH.tmp behind.
 * \throw WriteError naming the file and the system's reason
 */
void WriteFileAtomically(const std::string& path, const std::string& text);

/** \brief The same, for a file made of pieces, written one after another (no copy into one string). */
void WriteFileAtomically(const std::string& path, const std::vector<std::string_view>& pieces);

/**
 * \brief Create a new file for writing: O_WRONLY|O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC,
 * mode 0644. Anything already at PATH (a file, a link, a directory) makes it fail:
 * the caller removes what an earlier run wrote first.
 * \return the open descriptor, owned by the caller
 * \throw PathError naming the path and the reason ("File exists", "Read-only file system"...)
 */
int CreateExclusive(const std::string& path);

/** \brief Default bound of ReadText: no file nslab reads is legitimately bigger. */
inline constexpr size_t kReadLimit = 64u << 20;

/**
 * \brief Read a whole regular file of at most LIMIT bytes. A FIFO, device,
 * directory or socket is refused without blocking (opened O_NONBLOCK, checked
 * with fstat before any read).
 * \param error set to why it cannot be read ("Is a directory", "not a regular file",
 *              "larger than 67108864 bytes"), else cleared
 * \return its text ("" on error)
 */
std::string ReadText(const std::string& file, std::string& error, size_t limit = kReadLimit);

/** \return a CSV cell: the text, quoted (quotes doubled) when it holds a comma, a quote or a line break. */
std::string CsvCell(const std::string& text);

/** \return the cells of one CSV line as CsvCell writes them: quotes taken off, doubled quotes made one. */
std::vector<std::string> CsvCells(const std::string& line);

/** \brief What a program started by RunProgram did. */
struct ProgramResult
{
    int status = -1;    //!< exit status; 128 + signal if killed; 127 if it could not be started
    std::string output; //!< its stdout and stderr, interleaved, at most the limit given
};

/**
 * \brief Run a program with an argument vector (fork and execvp: PATH is
 * searched, no shell ever sees the arguments), stdin from /dev/null, and wait
 * for it. It dies with this process (PR_SET_PDEATHSIG), and is killed after
 * TIMEOUTSECONDS (status 137, the output says so).
 * \param argv the program's name and its arguments
 * \param outputLimit bytes of output kept; the rest is read and dropped
 * \param timeoutSeconds how long it may run
 */
ProgramResult RunProgram(const std::vector<std::string>& argv, size_t outputLimit = 1u << 20,
                         int timeoutSeconds = 600);

/**
 * \brief Holds DIR/.lock (flock, exclusive) while it lives: one nslab process
 * per folder at a time. The kernel drops the lock when the process ends, even
 * by kill -9; programs it starts do not inherit it. The lock file is opened
 * without following a link.
 * \throw PathError when another process holds it ("WHO: DIR: another nslab ... is using this folder")
 */
class FolderLock
{
  public:
    /** \param who names the command in the message ("nslab sweep") */
    FolderLock(const std::string& dir, const std::string& who);
    ~FolderLock();
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

  private:
    int m_fd = -1;
};

/** \return true if TEXT is well-formed UTF-8 (no overlong forms, no surrogates, nothing above U+10FFFF). */
bool IsValidUtf8(const std::string& text);

/** \return true if TEXT holds an ASCII control character (below 0x20, or DEL). */
bool HasControlCharacter(const std::string& text);

/**
 * \brief RunProgram with the working directory DIR ("" for this process's): the program names its
 * files by fixed relative names, so a path from the user never reaches its
 * input (e.g. a gnuplot script).
 */
ProgramResult RunProgramIn(const std::string& dir, const std::vector<std::string>& argv,
                           size_t outputLimit = 1u << 20, int timeoutSeconds = 600);

/**
 * \brief A file created by CreateExclusive and held open while the object
 * lives, for a library that opens files only by name (ns-3's pcap writer):
 * give it ProcPath(), /proc/self/fd/N, which names exactly the file created
 * here, whatever later happens to its directory entry (a link put in its place
 * is never followed). Destroy the object once the library has opened the file.
 * \throw PathError as CreateExclusive
 */
class CreatedFile
{
  public:
    explicit CreatedFile(const std::string& path);
    ~CreatedFile();
    CreatedFile(const CreatedFile&) = delete;
    CreatedFile& operator=(const CreatedFile&) = delete;

    /** \return "/proc/self/fd/N" of the open file */
    std::string ProcPath() const;

  private:
    int m_fd = -1;
};

/**
 * \brief Create BASE/RELATIVE folder by folder (mode 0755), where BASE exists:
 * a component of RELATIVE that is already there must be a real folder, never
 * a link (one planted in a shared folder would send the files elsewhere).
 * \throw PathError naming the component
 */
void CreateFoldersBelow(const std::string& base, const std::string& relative);

} // namespace nslab

#endif
