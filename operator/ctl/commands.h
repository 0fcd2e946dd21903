// zroutectl's commands, one file per group:
//   publish_command.cc    publish TOPIC DATA            (sidecar: POST /v1/publish/{topic})
//   resources_command.cc  topics, subscriptions, routing-table   (operator admin API)
//   rewind_command.cc     rewind SUBSCRIPTION --offset N | --time T   (sidecar admin API)
//   tail_command.cc       tail TOPIC, tail-dlq SUBSCRIPTION   (sidecar: GET /v1/admin/topics/.../events)
// Each writes its result to `out` (a table, or JSON with -o json) and returns an error Status for
// the caller to print: InvalidArgument is a usage error (exit 2), anything else a failure (exit 1).
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "common/util/status.h"
#include "operator/ctl/ctl_args.h"

namespace zroute::ctl {

Status RunPublish(const CtlArgs& args, std::ostream& out);
Status RunTopics(const CtlArgs& args, std::ostream& out);
Status RunSubscriptions(const CtlArgs& args, std::ostream& out);
Status RunRoutingTable(const CtlArgs& args, std::ostream& out);
Status RunRewind(const CtlArgs& args, std::ostream& out);
Status RunTail(const CtlArgs& args, std::ostream& out);
Status RunTailDlq(const CtlArgs& args, std::ostream& out);

// The whole program: parses argv, runs the command, prints errors to `err` prefixed "zroutectl: ".
// Returns the exit code: 0 done, 1 failed (server unreachable or refused), 2 usage error.
int RunCtl(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);
std::string CtlUsage();

}  // namespace zroute::ctl
