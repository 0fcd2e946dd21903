// zroutectl rewind SUBSCRIPTION --offset N | --time RFC3339: moves a subscription's cursor in one
// publishing sidecar's outbox (POST /v1/admin/subscriptions/{ns}/{name}/rewind); the retained
// events from there on are delivered again, to that subscription only.
#include <ostream>

#include "operator/ctl/commands.h"
#include "operator/ctl/ctl_http.h"
#include "operator/ctl/table_printer.h"

namespace zroute::ctl {

Status RunRewind(const CtlArgs& args, std::ostream& out) {
  const std::string usage = "rewind SUBSCRIPTION --sidecar URL (--offset N | --time 2026-11-27T18:00:00Z)";
  ZR_RETURN_IF_ERROR(args.Expect({"offset", "time"}, 1, 1, usage));
  ZR_ASSIGN_OR_RETURN(auto key, ParseResourceKey(args.positional[0], "SUBSCRIPTION"));
  std::string query;
  if (args.Has("offset") == args.Has("time")) {
    return Status::InvalidArgument("give exactly one of --offset and --time (usage: zroutectl " + usage + ")");
  }
  if (auto offset = args.Flag("offset")) {
    ZR_ASSIGN_OR_RETURN(uint64_t n, ParseUnsigned(*offset, "--offset"));
    query = "offset=" + std::to_string(n);
  } else {
    query = "time=" + UrlEncode(*args.Flag("time"));
  }
  ZR_ASSIGN_OR_RETURN(std::string url, args.SidecarUrl());
  ZR_ASSIGN_OR_RETURN(auto sidecar, Connect("sidecar", url, args.timeout_seconds));
  ZR_ASSIGN_OR_RETURN(nlohmann::json answer,
                      sidecar->Post("/v1/admin/subscriptions/" + UrlEncode(key.first) + "/" + UrlEncode(key.second) +
                                        "/rewind?" + query,
                                    {}, "", "application/json"));
  if (args.output == OutputFormat::kJson) {
    out << answer.dump(2) << "\n";
    return Status::OK();
  }
  TablePrinter table({"SUBSCRIPTION", "OFFSET"});
  table.Add({answer.value("subscription", key.first + "/" + key.second),
             answer.contains("offset") ? answer["offset"].dump() : "?"});
  table.Print(out);
  return Status::OK();
}

}  // namespace zroute::ctl
