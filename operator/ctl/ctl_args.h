// CtlArgs: zroutectl's command line — `zroutectl COMMAND [ARG...] [--flag value | --flag=value]...`
// with flags anywhere after the program name. Value flags and boolean flags are told apart by the
// table in ctl_args.cc; every command then states which flags it accepts (Expect), so a flag that
// means nothing to a command is an error rather than silently ignored.
// Global flags: --operator URL (default $ZROUTE_OPERATOR or http://127.0.0.1:8080),
// --sidecar URL (default $ZROUTE_SIDECAR), -o/--output table|json, --timeout SECONDS, -h/--help.
// Not thread-safe; one per run.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute::ctl {

enum class OutputFormat { kTable, kJson };

struct CtlArgs {
  std::string command;                        // empty when none was given
  std::vector<std::string> positional;        // after the command
  std::map<std::string, std::string> flags;   // by long name, without dashes; booleans hold "true"
  OutputFormat output = OutputFormat::kTable;
  int timeout_seconds = 10;
  bool help = false;

  // Parses argv[1..]. Errors are InvalidArgument with a message for the user.
  static StatusOr<CtlArgs> Parse(const std::vector<std::string>& argv);

  // Fails when a flag outside `allowed` (and the global ones) was given, or when the number of
  // positional arguments is outside [min_positional, max_positional]; `usage` names them.
  Status Expect(const std::set<std::string>& allowed, size_t min_positional, size_t max_positional,
                const std::string& usage) const;

  std::optional<std::string> Flag(const std::string& name) const;
  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  // --operator / --sidecar with their environment defaults; NotFound (with a hint) when unset.
  StatusOr<std::string> OperatorUrl() const;
  StatusOr<std::string> SidecarUrl() const;
};

// A non-negative decimal integer of at most 19 digits; InvalidArgument naming `what` otherwise.
StatusOr<uint64_t> ParseUnsigned(const std::string& text, const std::string& what);

// "ns/name", or "name" in namespace "default". InvalidArgument for empty parts or more slashes.
StatusOr<std::pair<std::string, std::string>> ParseResourceKey(const std::string& text, const std::string& what);

}  // namespace zroute::ctl
