#ifndef NSLAB_EXPAND_H
#define NSLAB_EXPAND_H

#include "ini.h"

#include <string>
#include <vector>

namespace nslab
{

/** \brief At most this many nodes or apps come out of the ranges of one key. */
inline constexpr size_t kMaxRange = 100000;

/** \brief At most this deep do includes nest. */
inline constexpr size_t kMaxIncludeDepth = 16;

/**
 * \brief Read a scenario file with what its `include` key names merged in:
 * `include = FILE...` (global section; paths relative to the including
 * file) reads those files first, in order, each with its own includes; the
 * including file's sections and keys then add to theirs and replace keys of
 * the same name. Every entry keeps the file and line it came from.
 * \throw ScenarioError for an unreadable file, a cycle (the chain of files in
 * the message), nesting deeper than kMaxIncludeDepth, or more than
 * kMaxScenarioBytes read in all
 */
IniDocument ReadScenarioDocument(const std::string& path);

/**
 * \return the names that words stand for: each word as is, or a range such
 * as h[1..50] (h1 ... h50) or h[01..10] (h01 ... h10: the first bound's
 * digits set the width), with text after the bracket kept (r[1..3]-lan).
 * \throw ValueError for a malformed range, a reversed one, or more than kMaxRange names
 */
std::vector<std::string> ExpandNames(const std::string& words);

/**
 * \brief Turn every app section whose node (or peer's node) is a range or a
 * list into one section per app: [app.NAME] with node = h[1..3] becomes
 * [app.NAME-h1], [app.NAME-h2], [app.NAME-h3], each with one node; a peer
 * range of the same length pairs up with the nodes (the i-th node sends to
 * the i-th peer); a peer range with one node fans out, one app per peer,
 * named after the peer. Each new section remembers NAME as its group.
 * \throw ScenarioError naming the node or peer key for ranges that do not pair up
 */
void ExpandAppRanges(IniDocument& doc);

} // namespace nslab

#endif
