#include "operator/ctl/table_printer.h"

#include <algorithm>
#include <cassert>

namespace zroute::ctl {
namespace {

std::string Clean(std::string s) {
  for (char& c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return s;
}

void PrintRow(std::ostream& out, const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
  std::string line;
  for (size_t i = 0; i < cells.size(); ++i) {
    line += cells[i];
    if (i + 1 < cells.size()) line.append(widths[i] > cells[i].size() ? widths[i] - cells[i].size() + 2 : 2, ' ');
  }
  out << line << "\n";
}

}  // namespace

void TablePrinter::Add(std::vector<std::string> cells) {
  assert(cells.size() == header_.size());
  for (auto& c : cells) c = Clean(std::move(c));
  rows_.push_back(std::move(cells));
}

void TablePrinter::Print(std::ostream& out) const {
  std::vector<size_t> widths(header_.size());
  for (size_t i = 0; i < header_.size(); ++i) widths[i] = header_[i].size();
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  PrintRow(out, header_, widths);
  for (const auto& row : rows_) PrintRow(out, row, widths);
}

void TablePrinter::PrintNew(std::ostream& out) {
  if (widths_.empty()) {
    widths_.resize(header_.size());
    for (size_t i = 0; i < header_.size(); ++i) widths_[i] = header_[i].size();
    for (size_t r = printed_; r < rows_.size(); ++r) {
      for (size_t i = 0; i < rows_[r].size(); ++i) widths_[i] = std::max(widths_[i], rows_[r][i].size());
    }
    PrintRow(out, header_, widths_);
  }
  for (; printed_ < rows_.size(); ++printed_) PrintRow(out, rows_[printed_], widths_);
  out.flush();
}

std::string Truncate(const std::string& text, size_t max) {
  if (text.size() <= max) return text;
  return max <= 3 ? text.substr(0, max) : text.substr(0, max - 3) + "...";
}

}  // namespace zroute::ctl
