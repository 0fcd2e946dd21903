// TablePrinter: zroutectl's default output, columns aligned with two spaces between them and a
// header row in capitals (kubectl style). Cells are printed as given, except that control
// characters (from event data, say) become '?' so a row stays one line. Not thread-safe.
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace zroute::ctl {

class TablePrinter {
 public:
  explicit TablePrinter(std::vector<std::string> header) : header_(std::move(header)) {}

  // REQUIRES: cells.size() == header size.
  void Add(std::vector<std::string> cells);
  // Writes the header and every row added; an empty table prints its header only.
  void Print(std::ostream& out) const;
  // Writes rows added since the last call; the header (and column widths) come from the first
  // call. For output that follows a stream (zroutectl tail --follow).
  void PrintNew(std::ostream& out);

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<size_t> widths_;  // fixed by the first PrintNew
  size_t printed_ = 0;
};

// Shortens text to at most `max` characters, marking the cut with "...".
std::string Truncate(const std::string& text, size_t max);

}  // namespace zroute::ctl
