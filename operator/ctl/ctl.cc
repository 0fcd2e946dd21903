#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "operator/ctl/commands.h"

namespace zroute::ctl {

std::string CtlUsage() {
  return R"(zroutectl: inspect and operate a zroute installation.

Usage: zroutectl COMMAND [ARGS] [FLAGS]

Commands:
  publish TOPIC DATA          publish one event through a sidecar (--sidecar)
                              [--type T] [--source S] [--key K] [--id ID] [--content-type CT]
  topics                      topics with their subscriptions and lag (--operator)
  subscriptions               subscriptions: app, ready replicas, lag, status (--operator)
  routing-table               the operator's current routing table (--operator)
  rewind SUBSCRIPTION         replay a subscription from --offset N or --time RFC3339 (--sidecar:
                              the publishing sidecar whose outbox holds the topic)
  tail TOPIC                  recent events of a topic in a sidecar's outbox (--sidecar)
                              [--limit N] [--from OFFSET] [-f|--follow [--interval MS] [--count N]]
  tail-dlq SUBSCRIPTION       the same for the subscription's dead-letter topic, found through
                              --operator; --sidecar is a sidecar of the consuming app

Names are NAME (namespace "default") or NAMESPACE/NAME.

Global flags:
  --operator URL    operator HTTP API (default $ZROUTE_OPERATOR or http://127.0.0.1:8080)
  --sidecar URL     sidecar HTTP API (default $ZROUTE_SIDECAR)
  -o, --output F    table (default) or json
  --timeout S       seconds to wait for a server (default 10)
  -h, --help        this text

Exit status: 0 done, 1 the server could not be reached or refused, 2 bad usage.
)";
}

int RunCtl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  static const std::map<std::string, std::function<Status(const CtlArgs&, std::ostream&)>> kCommands = {
      {"publish", RunPublish},     {"topics", RunTopics}, {"subscriptions", RunSubscriptions},
      {"routing-table", RunRoutingTable}, {"rewind", RunRewind}, {"tail", RunTail},
      {"tail-dlq", RunTailDlq}};
  StatusOr<CtlArgs> args = CtlArgs::Parse(argv);
  if (!args.ok()) {
    err << "zroutectl: " << args.status().message() << "\n";
    return 2;
  }
  if (args->help || args->command == "help") {
    out << CtlUsage();
    return 0;
  }
  if (args->command.empty()) {
    err << "zroutectl: no command given\n\n" << CtlUsage();
    return 2;
  }
  auto it = kCommands.find(args->command);
  if (it == kCommands.end()) {
    err << "zroutectl: unknown command '" << args->command << "' (see zroutectl --help)\n";
    return 2;
  }
  Status s;
  try {
    s = it->second(*args, out);
  } catch (const nlohmann::json::exception& e) {
    // A server answered JSON of an unexpected shape somewhere a field was read without a check.
    s = Status::Internal(std::string("unexpected answer from the server: ") + e.what());
  }
  out.flush();
  if (s.ok()) return 0;
  err << "zroutectl: " << s.message() << "\n";
  return s.code() == StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace zroute::ctl
