#include "operator/kube/http_kube_client.h"

#include <fstream>

#include "tests/operator/kube/kube_test_env.h"

namespace zroute::kube::testing {
namespace {

class HttpKubeClientTest : public KubeTestEnv {};

TEST_F(HttpKubeClientTest, CreateGetUpdateDeleteRoundTrip) {
  auto created = client_->Create(kWidgets, "ns1", Widget("a"));
  ASSERT_TRUE(created.ok()) << created.status();
  ResourceRef ref{kWidgets, "ns1", "a"};
  auto got = client_->Get(ref);
  ASSERT_TRUE(got.ok());
  EXPECT_EQ((*got)["spec"]["size"], 1);
  Json changed = *got;
  changed["spec"]["size"] = 2;
  auto updated = client_->Update(ref, changed);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ((*updated)["metadata"]["generation"], 2);
  EXPECT_TRUE(client_->Delete(ref).ok());
  EXPECT_EQ(client_->Get(ref).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(client_->Delete(ref).code(), StatusCode::kNotFound);
}

TEST_F(HttpKubeClientTest, ConflictsAreDistinguished) {
  auto a = client_->Create(kWidgets, "ns1", Widget("a"));
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(client_->Create(kWidgets, "ns1", Widget("a")).status().code(), StatusCode::kAlreadyExists);
  ResourceRef ref{kWidgets, "ns1", "a"};
  Json v1 = *a;
  v1["spec"]["size"] = 5;
  ASSERT_TRUE(client_->Update(ref, v1).ok());
  auto stale = client_->Update(ref, v1);
  EXPECT_EQ(stale.status().code(), StatusCode::kConflict);
  EXPECT_NE(stale.status().message().find("Conflict"), std::string::npos);
}

TEST_F(HttpKubeClientTest, StatusAndPatchesGoToTheRightSubresource) {
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a")).ok());
  ResourceRef ref{kWidgets, "ns1", "a"};
  auto status = client_->Patch(ref, PatchType::kMerge, {{"status", {{"observedGeneration", 1}}}}, "status");
  ASSERT_TRUE(status.ok()) << status.status();
  EXPECT_EQ((*status)["status"]["observedGeneration"], 1);
  EXPECT_EQ(server_.RequestCount("patch", kWidgets.CollectionPath("ns1") + "/a/status"), 1);
  auto json_patch = client_->Patch(ref, PatchType::kJson,
                                   Json::array({{{"op", "replace"}, {"path", "/spec/size"}, {"value", 3}}}));
  ASSERT_TRUE(json_patch.ok());
  EXPECT_EQ((*json_patch)["spec"]["size"], 3);
  Json st = *json_patch;
  st["status"]["observedGeneration"] = 2;
  auto put_status = client_->UpdateStatus(ref, st);
  ASSERT_TRUE(put_status.ok());
  EXPECT_EQ((*put_status)["status"]["observedGeneration"], 2);
}

TEST_F(HttpKubeClientTest, ScaleSubresourceOfDeployment) {
  GroupVersionResource deployments{"apps", "v1", "deployments"};
  ASSERT_TRUE(client_->Create(deployments, "ns1", {{"metadata", {{"name", "d"}}}, {"spec", {{"replicas", 1}}}}).ok());
  auto scaled = client_->Patch({deployments, "ns1", "d"}, PatchType::kMerge, {{"spec", {{"replicas", 4}}}}, "scale");
  ASSERT_TRUE(scaled.ok()) << scaled.status();
  EXPECT_EQ((*scaled)["kind"], "Scale");
  EXPECT_EQ((*client_->Get({deployments, "ns1", "d"}))["spec"]["replicas"], 4);
}

TEST_F(HttpKubeClientTest, ErrorsMapToStatusCodes) {
  server_.InjectFaults("/apis/example.zroute.io", 429, 1);
  EXPECT_EQ(client_->Get({kWidgets, "ns1", "x"}).status().code(), StatusCode::kResourceExhausted);
  server_.InjectFaults("/apis/example.zroute.io", 500, 1);
  EXPECT_EQ(client_->Get({kWidgets, "ns1", "x"}).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(client_->Patch({kWidgets, "ns1", "x"}, PatchType::kMerge, Json::object()).status().code(),
            StatusCode::kNotFound);
  EXPECT_TRUE(IsExpired(StatusFromHttp(410, R"({"kind":"Status","code":410,"reason":"Expired"})")));
  EXPECT_EQ(StatusFromHttp(415, "garbage").code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpKubeClientTest, UnreachableServerIsUnavailable) {
  KubeConfig config;
  config.server = "http://127.0.0.1:1";
  auto c = HttpKubeClient::Create(config, clock_);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ((*c)->Get({kWidgets, "ns1", "a"}).status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpKubeClientTest, BadConfigsAreRejected) {
  for (const char* server : {"ftp://x", "http://", "http://h:99999", "https://[::1", "http://h:12ab"}) {
    KubeConfig config;
    config.server = server;
    EXPECT_FALSE(HttpKubeClient::Create(config, clock_).ok()) << server;
  }
  KubeConfig no_ca;
  no_ca.server = "https://10.0.0.1:443";
  EXPECT_EQ(HttpKubeClient::Create(no_ca, clock_).status().code(), StatusCode::kInvalidArgument);
  no_ca.ca_pem = "not a certificate";
  EXPECT_EQ(HttpKubeClient::Create(no_ca, clock_).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(HttpKubeClientTest, TokenRotationIsInvisibleToCallers) {
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a")).ok());
  // The kubelet rotates the file and the server stops accepting the old token at once.
  WriteToken("token-2");
  server_.SetValidToken("token-2");
  auto got = client_->Get({kWidgets, "ns1", "a"});
  EXPECT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(server_.ResponseCount(401), 1);  // one refused attempt, retried with the new token
  EXPECT_TRUE(client_->Get({kWidgets, "ns1", "a"}).ok());
  EXPECT_EQ(server_.ResponseCount(401), 1);
}

TEST_F(HttpKubeClientTest, TokenFileIsReReadAfterAMinute) {
  ASSERT_TRUE(client_->Get({kWidgets, "ns1", "a"}).status().code() == StatusCode::kNotFound);
  WriteToken("token-2");
  clock_.Advance(std::chrono::seconds(61));
  server_.SetValidToken("token-2");
  EXPECT_EQ(client_->Get({kWidgets, "ns1", "a"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(server_.ResponseCount(401), 0);  // refreshed proactively, never refused
}

TEST_F(HttpKubeClientTest, WrongTokenFailsAfterOneRetry) {
  server_.SetValidToken("other");
  EXPECT_EQ(client_->Get({kWidgets, "ns1", "a"}).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(server_.ResponseCount(401), 2);
}

TEST_F(HttpKubeClientTest, ListAllFollowsPagesWithOneResourceVersion) {
  for (int i = 0; i < 7; ++i) ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("w" + std::to_string(i))).ok());
  auto all = ListAll(*client_, kWidgets, "ns1", "", 3);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->items.size(), 7u);
  EXPECT_EQ(all->resource_version, server_.store().CurrentResourceVersion());
  EXPECT_EQ(server_.RequestCount("list"), 3);
}

TEST_F(HttpKubeClientTest, ExpiredContinueTokenIsReportedAsExpired) {
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("w" + std::to_string(i))).ok());
  ListOptions options;
  options.limit = 2;
  auto first = client_->List(kWidgets, "ns1", options);
  ASSERT_TRUE(first.ok());
  server_.store().ExpireContinueTokens();
  options.continue_token = first->continue_token;
  EXPECT_TRUE(IsExpired(client_->List(kWidgets, "ns1", options).status()));
}

TEST_F(HttpKubeClientTest, WatchDeliversEventsAndEndsCleanlyAtTimeout) {
  std::string rv = server_.store().CurrentResourceVersion();
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a")).ok());
  std::vector<WatchEvent> events;
  WatchOptions options;
  options.resource_version = rv;
  options.timeout_seconds = 1;
  auto end = client_->Watch(kWidgets, "ns1", options, [&](const WatchEvent& e) {
    events.push_back(e);
    return true;
  }, {});
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, WatchEnd::kClosed);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].type, WatchEventType::kAdded);
  EXPECT_EQ(events[1].type, WatchEventType::kBookmark);
}

TEST_F(HttpKubeClientTest, WatchReportsBothExpiryForms) {
  std::string rv = server_.store().CurrentResourceVersion();
  ASSERT_TRUE(client_->Create(kWidgets, "ns1", Widget("a")).ok());
  server_.store().CompactHistory();
  WatchOptions options;
  options.resource_version = rv;
  auto noop = [](const WatchEvent&) { return true; };
  auto http410 = client_->Watch(kWidgets, "ns1", options, noop, {});
  ASSERT_TRUE(http410.ok());
  EXPECT_EQ(*http410, WatchEnd::kExpired);
  server_.SetExpiredWatchMode(zroute::testing::FakeKubeServer::ExpiredWatchMode::kErrorEvent);
  auto event410 = client_->Watch(kWidgets, "ns1", options, noop, {});
  ASSERT_TRUE(event410.ok());
  EXPECT_EQ(*event410, WatchEnd::kExpired);
}

TEST_F(HttpKubeClientTest, StopTokenCancelsAnIdleWatchPromptly) {
  std::stop_source stop;
  StatusOr<WatchEnd> end = Status::Internal("not run");
  std::thread watcher([&] {
    end = client_->Watch(kWidgets, "ns1", {}, [](const WatchEvent&) { return true; }, stop.get_token());
  });
  ASSERT_TRUE(WaitFor([&] { return server_.ActiveWatches() == 1; }));
  stop.request_stop();
  watcher.join();
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, WatchEnd::kCancelled);
}

TEST_F(HttpKubeClientTest, CutStreamIsAnError) {
  StatusOr<WatchEnd> end = Status::Internal("not run");
  std::thread watcher([&] {
    end = client_->Watch(kWidgets, "ns1", {}, [](const WatchEvent&) { return true; }, {});
  });
  ASSERT_TRUE(WaitFor([&] { return server_.ActiveWatches() == 1; }));
  server_.CutWatches();
  watcher.join();
  EXPECT_EQ(end.status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpKubeClientTest, WatchRetriesOnceAfterTokenRotation) {
  WriteToken("token-2");
  server_.SetValidToken("token-2");
  WatchOptions options;
  options.timeout_seconds = 1;
  auto end = client_->Watch(kWidgets, "ns1", options, [](const WatchEvent&) { return true; }, {});
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, WatchEnd::kClosed);
}

TEST_F(HttpKubeClientTest, RealFixtureRoundTripsThroughTheFake) {
  std::ifstream in("/work/shared/k8s-testdata/coordination.k8s.io.v1.Lease.json");
  if (!in) GTEST_SKIP() << "fixtures not present";
  Json lease = Json::parse(in);
  lease["metadata"]["namespace"] = "ns1";
  lease["metadata"].erase("deletionTimestamp");
  auto created = client_->Create({"coordination.k8s.io", "v1", "leases"}, "ns1", lease);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ((*created)["spec"], lease["spec"]);
  EXPECT_EQ((*created)["metadata"]["ownerReferences"], lease["metadata"]["ownerReferences"]);
}

}  // namespace
}  // namespace zroute::kube::testing
