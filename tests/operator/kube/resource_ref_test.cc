#include "operator/kube/resource_ref.h"

#include <gtest/gtest.h>

#include "operator/kube/object_cache.h"

namespace zroute::kube {
namespace {

TEST(ResourceRefTest, CorePathsUseApiV1) {
  ResourceRef pod{{"", "v1", "pods"}, "ns1", "p"};
  EXPECT_EQ(pod.Path(), "/api/v1/namespaces/ns1/pods/p");
  EXPECT_EQ(pod.Path("status"), "/api/v1/namespaces/ns1/pods/p/status");
  EXPECT_EQ(pod.gvr.CollectionPath(""), "/api/v1/pods");
  EXPECT_EQ(pod.Key(), "ns1/p");
}

TEST(ResourceRefTest, GroupPathsUseApis) {
  ResourceRef sub{{"zroute.io", "v1alpha1", "subscriptions"}, "team", "orders"};
  EXPECT_EQ(sub.Path("status"), "/apis/zroute.io/v1alpha1/namespaces/team/subscriptions/orders/status");
  ResourceRef cluster{{"apiextensions.k8s.io", "v1", "customresourcedefinitions"}, "", "topics.zroute.io"};
  EXPECT_EQ(cluster.Path(), "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/topics.zroute.io");
  EXPECT_EQ(cluster.Key(), "topics.zroute.io");
}

TEST(ResourceRefTest, UrlEncodeEscapesSelectorCharacters) {
  EXPECT_EQ(UrlEncode("app in (a,b)"), "app%20in%20%28a%2Cb%29");
  EXPECT_EQ(UrlEncode("a=b&c"), "a%3Db%26c");
  EXPECT_EQ(UrlEncode("plain-1.2_~"), "plain-1.2_~");
}

TEST(ObjectCacheTest, KeysAndReplaceReportPreviousContents) {
  ObjectCache cache;
  nlohmann::json a = {{"metadata", {{"name", "a"}, {"namespace", "n"}, {"resourceVersion", "3"}}}};
  EXPECT_EQ(ObjectKey(a), "n/a");
  EXPECT_EQ(ResourceVersionOf(a), "3");
  EXPECT_EQ(ObjectKey(nlohmann::json::array()), "");
  EXPECT_EQ(ObjectKey({{"metadata", {{"name", 5}}}}), "");
  EXPECT_FALSE(cache.Upsert("n/a", a).has_value());
  EXPECT_TRUE(cache.Upsert("n/a", a).has_value());
  auto old = cache.Replace({{"n/b", a}});
  EXPECT_EQ(old.size(), 1u);
  EXPECT_TRUE(old.count("n/a"));
  EXPECT_EQ(cache.Keys(), std::vector<std::string>{"n/b"});
  EXPECT_TRUE(cache.Remove("n/b").has_value());
  EXPECT_FALSE(cache.Remove("n/b").has_value());
  EXPECT_EQ(cache.Size(), 0u);
}

}  // namespace
}  // namespace zroute::kube
