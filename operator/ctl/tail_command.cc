// zroutectl tail TOPIC / tail-dlq SUBSCRIPTION: the recent events of a topic's log in one
// sidecar's outbox (GET /v1/admin/topics/{ns}/{name}/events, sidecar/api/topic_events.h).
// --follow polls from the offset the last answer gave, every --interval ms, until --count events
// were printed (0 = until interrupted). Dead letters are published by the consuming sidecar into
// its own outbox, so tail-dlq reads the consuming app's sidecar.
#include <chrono>
#include <ostream>
#include <thread>

#include "operator/ctl/commands.h"
#include "operator/ctl/ctl_http.h"
#include "operator/ctl/resources_view.h"
#include "operator/ctl/table_printer.h"

namespace zroute::ctl {
namespace {

const std::set<std::string> kTailFlags = {"limit", "from", "follow", "interval", "count"};

std::string Attribute(const nlohmann::json& event, const char* name) {
  auto it = event.find(name);
  if (it == event.end()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

Status Tail(const CtlArgs& args, const std::string& ns, const std::string& name, std::ostream& out) {
  std::string limit = "20";
  if (auto l = args.Flag("limit")) {
    ZR_ASSIGN_OR_RETURN(uint64_t n, ParseUnsigned(*l, "--limit"));
    if (n < 1 || n > 1000) return Status::InvalidArgument("--limit must be 1 to 1000");
    limit = std::to_string(n);
  }
  std::optional<uint64_t> from;
  if (auto f = args.Flag("from")) {
    ZR_ASSIGN_OR_RETURN(from, ParseUnsigned(*f, "--from"));
  }
  const bool follow = args.Has("follow");
  uint64_t interval_ms = 1000, count = 0;
  if (auto i = args.Flag("interval")) {
    ZR_ASSIGN_OR_RETURN(interval_ms, ParseUnsigned(*i, "--interval"));
    if (interval_ms < 10 || interval_ms > 600000) return Status::InvalidArgument("--interval must be 10 to 600000 ms");
  }
  if (auto c = args.Flag("count")) {
    ZR_ASSIGN_OR_RETURN(count, ParseUnsigned(*c, "--count"));
  }
  if (!follow && (args.Has("interval") || args.Has("count"))) {
    return Status::InvalidArgument("--interval and --count go with --follow");
  }

  ZR_ASSIGN_OR_RETURN(std::string url, args.SidecarUrl());
  ZR_ASSIGN_OR_RETURN(auto sidecar, Connect("sidecar", url, args.timeout_seconds));
  const std::string path = "/v1/admin/topics/" + UrlEncode(ns) + "/" + UrlEncode(name) + "/events?limit=" + limit;
  const bool json = args.output == OutputFormat::kJson;
  TablePrinter table({"OFFSET", "TIME", "ID", "TYPE", "KEY", "DATA"});
  nlohmann::json all = nlohmann::json::array();
  uint64_t printed = 0;
  for (;;) {
    ZR_ASSIGN_OR_RETURN(nlohmann::json page, sidecar->Get(path + (from ? "&from=" + std::to_string(*from) : "")));
    if (!page.is_object() || !page.contains("events") || !page["events"].is_array() || !page.contains("next") ||
        !page["next"].is_number_unsigned()) {
      return Status::Internal("the sidecar's answer is not a topic events page");
    }
    for (const auto& e : page["events"]) {
      if (follow && count > 0 && printed >= count) break;
      ++printed;
      if (json) {
        if (follow) {
          out << e.dump() << "\n";  // one event per line while following
        } else {
          all.push_back(e);
        }
        continue;
      }
      const nlohmann::json event = e.value("event", nlohmann::json::object());
      std::string data = e.contains("error") ? "<undecodable: " + e.value("error", "") + ">"
                                             : (event.contains("data") ? Attribute(event, "data")
                                                                       : Attribute(event, "data_base64"));
      table.Add({e.contains("offset") ? e["offset"].dump() : "?", e.value("time", ""), Attribute(event, "id"),
                 Attribute(event, "type"), e.value("key", ""), Truncate(data, 60)});
    }
    from = page["next"].get<uint64_t>();
    if (!follow) break;
    if (!json) table.PrintNew(out);
    out.flush();
    if (count > 0 && printed >= count) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(interval_ms));  // polling period of --follow
  }
  if (json && !follow) out << all.dump(2) << "\n";
  if (!json && !follow) table.Print(out);
  return Status::OK();
}

}  // namespace

Status RunTail(const CtlArgs& args, std::ostream& out) {
  ZR_RETURN_IF_ERROR(args.Expect(kTailFlags, 1, 1,
                                 "tail TOPIC --sidecar URL [--limit N] [--from OFFSET] [-f [--interval MS] [--count N]]"));
  ZR_ASSIGN_OR_RETURN(auto key, ParseResourceKey(args.positional[0], "TOPIC"));
  return Tail(args, key.first, key.second, out);
}

Status RunTailDlq(const CtlArgs& args, std::ostream& out) {
  ZR_RETURN_IF_ERROR(args.Expect(kTailFlags, 1, 1,
                                 "tail-dlq SUBSCRIPTION --operator URL --sidecar URL [--limit N] [-f [--count N]]"));
  ZR_ASSIGN_OR_RETURN(auto key, ParseResourceKey(args.positional[0], "SUBSCRIPTION"));
  ZR_ASSIGN_OR_RETURN(std::string op_url, args.OperatorUrl());
  ZR_ASSIGN_OR_RETURN(auto op, Connect("operator", op_url, args.timeout_seconds));
  ZR_ASSIGN_OR_RETURN(nlohmann::json table, op->Get("/v1/routing-table"));
  auto view = BuildResourcesView(table, nlohmann::json::array());
  if (!view.ok()) return Status::Internal("the operator's routing table is not understood: " + view.status().message());
  for (const SubscriptionRow& s : view->subscriptions) {
    if (s.namespace_ != key.first || s.name != key.second) continue;
    if (s.dead_letter_topic.empty()) {
      return Status::FailedPrecondition("subscription " + key.first + "/" + key.second +
                                        " has no dead-letter topic (neither its own nor its topic's)");
    }
    return Tail(args, s.namespace_, s.dead_letter_topic, out);
  }
  return Status::NotFound("the operator's routing table has no subscription " + key.first + "/" + key.second);
}

}  // namespace zroute::ctl
