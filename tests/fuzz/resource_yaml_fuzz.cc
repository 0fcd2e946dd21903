// Fuzz target: bytes as a manifest file, through the YAML reader and the resource parser that
// standalone mode runs on every file of its manifest folder.
//
// Beyond "never crashes" (yaml-cpp exceptions, alias bombs, deep nesting), it checks:
//   - every accepted Topic / Subscription / ScalingPolicy passes validation again on its own;
//   - every rejected document comes with an error message (nothing is dropped silently);
//   - no more resources come out than YAML documents went in.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "common/resources/resource_parser.h"
#include "common/resources/yaml_to_json.h"

namespace {

void Require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const zroute::ResourceSet set = zroute::ParseYamlDocuments(text, "fuzz.yaml");

  for (const auto& t : set.topics) Require(zroute::ValidateTopic(t).ok());
  for (const auto& s : set.subscriptions) Require(zroute::ValidateSubscription(s).ok());
  for (const auto& p : set.scaling_policies) Require(zroute::ValidateScalingPolicy(p).ok());
  for (const auto& e : set.errors) Require(!e.ok() && !e.message().empty());

  const zroute::YamlDocuments docs = zroute::YamlToJson(text);
  const size_t produced = set.topics.size() + set.subscriptions.size() + set.scaling_policies.size();
  Require(produced <= docs.documents.size());
  return 0;
}
