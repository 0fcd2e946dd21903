#include "operator/ctl/ctl_args.h"

#include <cstdlib>

namespace zroute::ctl {
namespace {

const std::set<std::string> kValueFlags = {"operator", "sidecar", "output",  "timeout", "type",     "source",
                                           "key",      "id",      "content-type", "offset", "time", "from",
                                           "limit",    "interval", "count"};
const std::set<std::string> kBoolFlags = {"follow", "help"};
const std::set<std::string> kGlobalFlags = {"operator", "sidecar", "output", "timeout", "help"};

std::string LongName(const std::string& name) {
  if (name == "o") return "output";
  if (name == "f") return "follow";
  if (name == "h") return "help";
  return name;
}

}  // namespace

StatusOr<uint64_t> ParseUnsigned(const std::string& text, const std::string& what) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    return Status::InvalidArgument(what + " must be a non-negative integer, not '" + text + "'");
  }
  return static_cast<uint64_t>(std::stoull(text));
}

StatusOr<std::pair<std::string, std::string>> ParseResourceKey(const std::string& text, const std::string& what) {
  const size_t slash = text.find('/');
  std::string ns = slash == std::string::npos ? "default" : text.substr(0, slash);
  std::string name = slash == std::string::npos ? text : text.substr(slash + 1);
  if (ns.empty() || name.empty() || name.find('/') != std::string::npos || text.size() > 253) {
    return Status::InvalidArgument(what + " must be NAME or NAMESPACE/NAME, not '" + text + "'");
  }
  return std::make_pair(ns, name);
}

StatusOr<CtlArgs> CtlArgs::Parse(const std::vector<std::string>& argv) {
  CtlArgs args;
  for (size_t i = 1; i < argv.size(); ++i) {
    const std::string& arg = argv[i];
    if (arg.size() < 2 || arg[0] != '-' || arg == "--") {
      if (args.command.empty()) {
        args.command = arg;
      } else {
        args.positional.push_back(arg);
      }
      continue;
    }
    std::string body = arg.substr(arg[1] == '-' ? 2 : 1);
    std::optional<std::string> value;
    if (size_t eq = body.find('='); eq != std::string::npos) {
      value = body.substr(eq + 1);
      body = body.substr(0, eq);
    }
    const std::string name = LongName(body);
    if (kBoolFlags.count(name)) {
      if (value && *value != "true" && *value != "false") {
        return Status::InvalidArgument("--" + name + " takes no value (or =true / =false)");
      }
      if (!value || *value == "true") args.flags[name] = "true";
      continue;
    }
    if (!kValueFlags.count(name)) return Status::InvalidArgument("unknown flag '" + arg + "' (see zroutectl --help)");
    if (!value) {
      if (i + 1 >= argv.size()) return Status::InvalidArgument("--" + name + " needs a value");
      value = argv[++i];
    }
    if (!args.flags.emplace(name, *value).second) return Status::InvalidArgument("--" + name + " given twice");
  }
  args.help = args.Has("help");
  if (auto o = args.Flag("output")) {
    if (*o == "json") {
      args.output = OutputFormat::kJson;
    } else if (*o != "table") {
      return Status::InvalidArgument("-o/--output must be 'table' or 'json', not '" + *o + "'");
    }
  }
  if (auto t = args.Flag("timeout")) {
    auto n = ParseUnsigned(*t, "--timeout");
    if (!n.ok()) return n.status();
    if (*n < 1 || *n > 3600) return Status::InvalidArgument("--timeout must be 1 to 3600 seconds");
    args.timeout_seconds = static_cast<int>(*n);
  }
  return args;
}

Status CtlArgs::Expect(const std::set<std::string>& allowed, size_t min_positional, size_t max_positional,
                       const std::string& usage) const {
  for (const auto& [name, value] : flags) {
    if (!allowed.count(name) && !kGlobalFlags.count(name)) {
      return Status::InvalidArgument("'" + command + "' takes no --" + name + " (usage: zroutectl " + usage + ")");
    }
  }
  if (positional.size() < min_positional) {
    return Status::InvalidArgument("missing arguments (usage: zroutectl " + usage + ")");
  }
  if (positional.size() > max_positional) {
    return Status::InvalidArgument("unexpected argument '" + positional[max_positional] + "' (usage: zroutectl " +
                                   usage + ")");
  }
  return Status::OK();
}

std::optional<std::string> CtlArgs::Flag(const std::string& name) const {
  auto it = flags.find(name);
  if (it == flags.end()) return std::nullopt;
  return it->second;
}

StatusOr<std::string> CtlArgs::OperatorUrl() const {
  if (auto f = Flag("operator")) return *f;
  if (const char* env = std::getenv("ZROUTE_OPERATOR"); env && *env) return std::string(env);
  return std::string("http://127.0.0.1:8080");
}

StatusOr<std::string> CtlArgs::SidecarUrl() const {
  if (auto f = Flag("sidecar")) return *f;
  if (const char* env = std::getenv("ZROUTE_SIDECAR"); env && *env) return std::string(env);
  return Status::InvalidArgument("'" + command + "' needs --sidecar URL (or $ZROUTE_SIDECAR), e.g. http://127.0.0.1:3500");
}

}  // namespace zroute::ctl
