#include "operator/ctl/table_printer.h"

#include <gtest/gtest.h>

#include <sstream>

namespace zroute::ctl {
namespace {

TEST(TablePrinter, AlignsColumnsToTheWidestCell) {
  TablePrinter t({"NAME", "LAG"});
  t.Add({"billing-orders", "12"});
  t.Add({"a", "3456"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(), "NAME            LAG\nbilling-orders  12\na               3456\n");
}

TEST(TablePrinter, ControlCharactersCannotBreakARow) {
  TablePrinter t({"DATA"});
  t.Add({"line1\nline2\t\x1b[31m"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(), "DATA\nline1?line2??[31m\n");
}

TEST(TablePrinter, PrintNewWritesTheHeaderOnceThenOnlyNewRows) {
  TablePrinter t({"OFFSET", "ID"});
  std::ostringstream out;
  t.Add({"0", "a"});
  t.PrintNew(out);
  t.PrintNew(out);
  t.Add({"1", "b"});
  t.PrintNew(out);
  EXPECT_EQ(out.str(), "OFFSET  ID\n0       a\n1       b\n");
}

TEST(TablePrinter, TruncateMarksTheCut) {
  EXPECT_EQ(Truncate("short", 10), "short");
  EXPECT_EQ(Truncate("0123456789abc", 10), "0123456...");
}

}  // namespace
}  // namespace zroute::ctl
