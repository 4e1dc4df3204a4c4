#ifndef NSLAB_IO_H
#define NSLAB_IO_H

#include <stdexcept>
#include <string>

namespace nslab
{

/** \brief A result file could not be written (disk full, permissions): the command exits with status 1. */
class WriteError : public std::runtime_error
{
  public:
    using std::runtime_error::runtime_error;
};

/**
 * \brief Write a file whole: PATH.tmp first, checked, then renamed over PATH,
 * so that no reader ever sees half of it. A failed write leaves PATH as it
 * was and no PATH.tmp behind.
 * \throw WriteError naming the file and the system's reason
 */
void WriteFileAtomically(const std::string& path, const std::string& text);

/**
 * \brief Read a whole file.
 * \param error set to why it cannot be read ("Is a directory"), else cleared
 * \return its text ("" on error)
 */
std::string ReadText(const std::string& file, std::string& error);

} // namespace nslab

#endif
