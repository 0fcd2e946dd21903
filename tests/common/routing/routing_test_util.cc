#include "tests/common/routing/routing_test_util.h"

#include <gtest/gtest.h>

#include "common/resources/resource_parser.h"

namespace zroute::testing {
namespace {

std::string Errors(const ResourceSet& set) {
  std::string out;
  for (const Status& s : set.errors) out += s.ToString() + "\n";
  return out;
}

}  // namespace

Topic MakeTopic(const std::string& ns, const std::string& name) {
  ResourceSet set = ParseYamlDocuments(
      "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata: {name: " + name + ", namespace: " + ns + "}\n",
      "topic.yaml");
  EXPECT_TRUE(set.errors.empty()) << Errors(set);
  EXPECT_EQ(set.topics.size(), 1u);
  return set.topics.empty() ? Topic{} : set.topics[0];
}

Subscription MakeSubscription(const std::string& ns, const std::string& name, const std::string& topic,
                              const std::string& app_id) {
  ResourceSet set =
      ParseYamlDocuments("apiVersion: zroute.io/v1alpha1\nkind: Subscription\nmetadata: {name: " + name +
                             ", namespace: " + ns + "}\nspec: {topic: " + topic + ", appId: " + app_id + "}\n",
                         "subscription.yaml");
  EXPECT_TRUE(set.errors.empty()) << Errors(set);
  EXPECT_EQ(set.subscriptions.size(), 1u);
  return set.subscriptions.empty() ? Subscription{} : set.subscriptions[0];
}

Endpoint MakeEndpoint(const std::string& ns, const std::string& app_id, const std::string& sidecar_id) {
  return Endpoint{sidecar_id, app_id, ns, sidecar_id + "-pod", "tcp://" + sidecar_id + ".pods:3600", ""};
}

}  // namespace zroute::testing
