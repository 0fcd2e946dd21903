// zroutectl publish TOPIC DATA: one event in binary mode through a sidecar's publish API, as an
// app would send it. Answers once the sidecar has made it durable (202).
#include <ostream>

#include "common/util/ids.h"
#include "operator/ctl/commands.h"
#include "operator/ctl/ctl_http.h"
#include "operator/ctl/table_printer.h"

namespace zroute::ctl {

Status RunPublish(const CtlArgs& args, std::ostream& out) {
  ZR_RETURN_IF_ERROR(args.Expect({"type", "source", "key", "id", "content-type"}, 2, 2,
                                 "publish TOPIC DATA --sidecar URL [--type T] [--source S] [--key K] [--id ID]"));
  const std::string& topic = args.positional[0];
  if (topic.empty() || topic.size() > 253 || topic.find_first_of("/?#% ") != std::string::npos) {
    return Status::InvalidArgument("TOPIC must be a topic name in the sidecar's namespace, not '" + topic + "'");
  }
  ZR_ASSIGN_OR_RETURN(std::string url, args.SidecarUrl());
  ZR_ASSIGN_OR_RETURN(auto sidecar, Connect("sidecar", url, args.timeout_seconds));

  const std::string id = args.Flag("id").value_or(NewUuid());
  const std::string type = args.Flag("type").value_or("zroutectl.event");
  const std::string source = args.Flag("source").value_or("/zroutectl");
  std::vector<std::pair<std::string, std::string>> headers = {
      {"ce-specversion", "1.0"}, {"ce-id", id}, {"ce-type", type}, {"ce-source", source}};
  if (auto key = args.Flag("key")) headers.emplace_back("ce-partitionkey", *key);
  ZR_ASSIGN_OR_RETURN(nlohmann::json answer,
                      sidecar->Post("/v1/publish/" + topic, headers, args.positional[1],
                                    args.Flag("content-type").value_or("application/json")));
  if (args.output == OutputFormat::kJson) {
    out << nlohmann::json{{"topic", topic}, {"ids", answer.value("ids", nlohmann::json::array())}}.dump(2) << "\n";
    return Status::OK();
  }
  TablePrinter table({"TOPIC", "ID", "STATUS"});
  for (const auto& published : answer.value("ids", nlohmann::json::array())) {
    table.Add({topic, published.is_string() ? published.get<std::string>() : published.dump(), "accepted"});
  }
  table.Print(out);
  return Status::OK();
}

}  // namespace zroute::ctl
