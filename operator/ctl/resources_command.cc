// zroutectl topics | subscriptions | routing-table: read from the operator's admin API
// (GET /v1/routing-table and GET /v1/sidecars; see resources_view.h for what is derived).
#include <ostream>
#include <set>

#include "operator/ctl/commands.h"
#include "operator/ctl/ctl_http.h"
#include "operator/ctl/resources_view.h"
#include "operator/ctl/table_printer.h"

namespace zroute::ctl {
namespace {

StatusOr<ResourcesView> FetchView(const CtlArgs& args) {
  ZR_ASSIGN_OR_RETURN(std::string url, args.OperatorUrl());
  ZR_ASSIGN_OR_RETURN(auto op, Connect("operator", url, args.timeout_seconds));
  ZR_ASSIGN_OR_RETURN(nlohmann::json table, op->Get("/v1/routing-table"));
  ZR_ASSIGN_OR_RETURN(nlohmann::json sidecars, op->Get("/v1/sidecars"));
  auto view = BuildResourcesView(table, sidecars);
  if (!view.ok()) return Status::Internal("the operator's answer is not understood: " + view.status().message());
  return view;
}

std::string Join(const std::vector<std::string>& items, const std::string& empty) {
  if (items.empty()) return empty;
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

std::string OrNone(const std::string& s) { return s.empty() ? "<none>" : s; }

}  // namespace

Status RunTopics(const CtlArgs& args, std::ostream& out) {
  ZR_RETURN_IF_ERROR(args.Expect({}, 0, 0, "topics [--operator URL] [-o json]"));
  ZR_ASSIGN_OR_RETURN(ResourcesView view, FetchView(args));
  if (args.output == OutputFormat::kJson) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& t : view.topics) items.push_back(ToJson(t));
    out << items.dump(2) << "\n";
    return Status::OK();
  }
  TablePrinter table({"NAMESPACE", "NAME", "SUBSCRIPTIONS", "LAG", "PARTITION-KEY", "PUBLISHERS", "DEAD-LETTER"});
  for (const auto& t : view.topics) {
    table.Add({t.namespace_, t.name, std::to_string(t.subscriptions), std::to_string(t.lag),
               t.partition_key_attribute, Join(t.allowed_publishers, "<any>"), OrNone(t.dead_letter_topic)});
  }
  table.Print(out);
  return Status::OK();
}

Status RunSubscriptions(const CtlArgs& args, std::ostream& out) {
  ZR_RETURN_IF_ERROR(args.Expect({}, 0, 0, "subscriptions [--operator URL] [-o json]"));
  ZR_ASSIGN_OR_RETURN(ResourcesView view, FetchView(args));
  if (args.output == OutputFormat::kJson) {
    nlohmann::json items = nlohmann::json::array();
    for (const auto& s : view.subscriptions) items.push_back(ToJson(s));
    out << items.dump(2) << "\n";
    return Status::OK();
  }
  TablePrinter table({"NAMESPACE", "NAME", "TOPIC", "APP", "READY", "LAG", "IN-FLIGHT", "DEAD-LETTER", "STATUS"});
  for (const auto& s : view.subscriptions) {
    std::string ready = std::to_string(s.ready_replicas);
    if (s.draining_replicas > 0) ready += " (+" + std::to_string(s.draining_replicas) + " draining)";
    table.Add({s.namespace_, s.name, s.topic, s.app_id, ready, std::to_string(s.lag), std::to_string(s.in_flight),
               OrNone(s.dead_letter_topic), s.status});
  }
  table.Print(out);
  return Status::OK();
}

Status RunRoutingTable(const CtlArgs& args, std::ostream& out) {
  ZR_RETURN_IF_ERROR(args.Expect({}, 0, 0, "routing-table [--operator URL] [-o json]"));
  ZR_ASSIGN_OR_RETURN(std::string url, args.OperatorUrl());
  ZR_ASSIGN_OR_RETURN(auto op, Connect("operator", url, args.timeout_seconds));
  ZR_ASSIGN_OR_RETURN(nlohmann::json json, op->Get("/v1/routing-table"));
  if (args.output == OutputFormat::kJson) {
    out << json.dump(2) << "\n";
    return Status::OK();
  }
  auto table = RoutingTable::FromJson(json);
  if (!table.ok()) return Status::Internal("the operator's routing table is not understood: " + table.status().message());
  out << "version " << table->version() << "\n";
  TablePrinter rows({"KIND", "NAMESPACE", "NAME", "DETAIL"});
  for (const auto& [key, t] : table->topics()) {
    rows.Add({"Topic", t.meta.namespace_, t.meta.name, "partitionKey=" + t.spec.partition_key_attribute});
  }
  for (const auto& [key, s] : table->subscriptions()) {
    rows.Add({"Subscription", s.meta.namespace_, s.meta.name, "topic=" + s.spec.topic + " app=" + s.spec.app_id +
                                                                  " route=" + s.spec.route});
  }
  // Every registered sidecar, publishers included, under its app: entries "endpoints/<ns>/<app>".
  const std::string prefix = EndpointsEntryKey("", "");
  const std::string endpoints_prefix = prefix.substr(0, prefix.size() - 1);  // without the "/" it adds
  for (const auto& [key, value] : table->entries()) {
    if (key.rfind(endpoints_prefix, 0) != 0) continue;
    const std::string app_key = key.substr(endpoints_prefix.size());
    const size_t slash = app_key.find('/');
    if (slash == std::string::npos) continue;
    const std::string ns = app_key.substr(0, slash), app = app_key.substr(slash + 1);
    for (const Endpoint& e : table->EndpointsOf(ns, app)) {
      rows.Add({"Endpoint", ns, app, e.sidecar_id + " " + e.data_endpoint + (e.draining ? " draining" : "")});
    }
  }
  rows.Print(out);
  return Status::OK();
}

}  // namespace zroute::ctl
