// Tests of the fake Kubernetes API server itself, over raw HTTP, so the client tests can trust it.
#include "tests/support/fake_kube/fake_kube_server.h"

#include <gtest/gtest.h>

namespace zroute::testing {
namespace {

using nlohmann::json;

constexpr char kLeases[] = "/apis/coordination.k8s.io/v1/namespaces/ns1/leases";
constexpr char kWidgets[] = "/apis/example.zroute.io/v1/namespaces/ns1/widgets";

class FakeKubeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
    client_->set_tcp_nodelay(true);
    client_->set_read_timeout(10, 0);
  }

  struct Answer {
    int code;
    json body;
  };
  Answer Call(const std::string& method, const std::string& path, const json& body = json(),
              const std::string& content_type = "application/json") {
    httplib::Result r = method == "GET"    ? client_->Get(path.c_str())
                        : method == "POST" ? client_->Post(path.c_str(), body.dump(), content_type.c_str())
                        : method == "PUT"  ? client_->Put(path.c_str(), body.dump(), content_type.c_str())
                        : method == "PATCH" ? client_->Patch(path.c_str(), body.dump(), content_type.c_str())
                                            : client_->Delete(path.c_str());
    if (!r) return {-1, json()};
    json parsed = json::parse(r->body, nullptr, false);
    return {r->status, parsed};
  }
  json Widget(const std::string& name, json labels = json::object()) {
    return {{"apiVersion", "example.zroute.io/v1"},
            {"kind", "Widget"},
            {"metadata", {{"name", name}, {"labels", labels}}},
            {"spec", {{"size", 1}}}};
  }
  // Reads a watch until `max_events` arrived or the stream ended; returns the status and events.
  std::pair<int, std::vector<json>> ReadWatch(const std::string& query, size_t max_events) {
    std::vector<json> events;
    std::string buffer;
    int code = 0;
    httplib::Client c("127.0.0.1", server_.port());
    c.set_read_timeout(10, 0);
    std::string path = std::string(kWidgets) + "?watch=1&" + query;
    c.Get(
        path.c_str(), [&](const httplib::Response& r) { code = r.status; return true; },
        [&](const char* data, size_t len) {
          buffer.append(data, len);
          for (size_t nl; (nl = buffer.find('\n')) != std::string::npos;) {
            events.push_back(json::parse(buffer.substr(0, nl)));
            buffer.erase(0, nl + 1);
          }
          return events.size() < max_events;
        });
    return {code, events};
  }
  std::string Rv(const json& obj) { return obj["metadata"]["resourceVersion"].get<std::string>(); }

  FakeKubeServer server_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(FakeKubeTest, CreateGetAndAlreadyExists) {
  auto created = Call("POST", kWidgets, Widget("a"));
  ASSERT_EQ(created.code, 201);
  EXPECT_EQ(created.body["metadata"]["generation"], 1);
  EXPECT_EQ(created.body["metadata"]["namespace"], "ns1");
  auto got = Call("GET", std::string(kWidgets) + "/a");
  EXPECT_EQ(got.code, 200);
  EXPECT_EQ(Rv(got.body), Rv(created.body));
  auto again = Call("POST", kWidgets, Widget("a"));
  EXPECT_EQ(again.code, 409);
  EXPECT_EQ(again.body["reason"], "AlreadyExists");
  EXPECT_EQ(again.body["kind"], "Status");
  EXPECT_EQ(Call("GET", std::string(kWidgets) + "/missing").body["reason"], "NotFound");
}

TEST_F(FakeKubeTest, ResourceVersionIncreasesGloballyAndListCarriesIt) {
  auto a = Call("POST", kWidgets, Widget("a"));
  auto lease = Call("POST", kLeases, {{"metadata", {{"name", "l"}}}, {"spec", {{"holderIdentity", "x"}}}});
  EXPECT_GT(std::stoull(Rv(lease.body)), std::stoull(Rv(a.body)));
  auto list = Call("GET", kWidgets);
  ASSERT_EQ(list.code, 200);
  EXPECT_EQ(list.body["metadata"]["resourceVersion"], Rv(lease.body));
  EXPECT_EQ(list.body["items"].size(), 1u);
}

TEST_F(FakeKubeTest, StaleUpdateConflictsAndNoOpWriteKeepsVersion) {
  auto a = Call("POST", kWidgets, Widget("a")).body;
  json changed = a;
  changed["spec"]["size"] = 2;
  auto updated = Call("PUT", std::string(kWidgets) + "/a", changed);
  ASSERT_EQ(updated.code, 200);
  EXPECT_EQ(updated.body["metadata"]["generation"], 2);
  auto stale = Call("PUT", std::string(kWidgets) + "/a", changed);  // carries the old RV
  EXPECT_EQ(stale.code, 409);
  EXPECT_EQ(stale.body["reason"], "Conflict");
  auto same = Call("PUT", std::string(kWidgets) + "/a", updated.body);
  EXPECT_EQ(same.code, 200);
  EXPECT_EQ(Rv(same.body), Rv(updated.body));
  EXPECT_EQ(server_.store().CurrentResourceVersion(), Rv(updated.body));
}

TEST_F(FakeKubeTest, StatusSubresourceChangesOnlyStatus) {
  auto a = Call("POST", kWidgets, Widget("a")).body;
  json with_status = a;
  with_status["status"] = {{"ready", true}};
  with_status["spec"]["size"] = 9;
  auto s = Call("PUT", std::string(kWidgets) + "/a/status", with_status);
  ASSERT_EQ(s.code, 200);
  EXPECT_EQ(s.body["status"]["ready"], true);
  EXPECT_EQ(s.body["spec"]["size"], 1);
  EXPECT_EQ(s.body["metadata"]["generation"], 1);
  json main = s.body;
  main["status"] = {{"ready", false}};
  auto m = Call("PUT", std::string(kWidgets) + "/a", main);
  EXPECT_EQ(m.code, 200);
  EXPECT_EQ(m.body["status"]["ready"], true);
  EXPECT_EQ(Rv(m.body), Rv(s.body));  // only .status differed: nothing changed
}

TEST_F(FakeKubeTest, MetadataChangesDoNotBumpGeneration) {
  auto a = Call("POST", kWidgets, Widget("a")).body;
  auto p = Call("PATCH", std::string(kWidgets) + "/a", {{"metadata", {{"labels", {{"x", "y"}}}}}},
                "application/merge-patch+json");
  ASSERT_EQ(p.code, 200);
  EXPECT_EQ(p.body["metadata"]["generation"], 1);
  EXPECT_NE(Rv(p.body), Rv(a));
}

TEST_F(FakeKubeTest, MergeAndJsonPatchApplyAndStrategicIsRefusedForCustomResources) {
  Call("POST", kWidgets, Widget("a"));
  auto merge = Call("PATCH", std::string(kWidgets) + "/a", {{"spec", {{"size", 3}}}}, "application/merge-patch+json");
  EXPECT_EQ(merge.body["spec"]["size"], 3);
  auto jp = Call("PATCH", std::string(kWidgets) + "/a", json::array({{{"op", "replace"}, {"path", "/spec/size"}, {"value", 4}}}),
                 "application/json-patch+json");
  EXPECT_EQ(jp.body["spec"]["size"], 4);
  auto failing_test = Call("PATCH", std::string(kWidgets) + "/a",
                           json::array({{{"op", "test"}, {"path", "/spec/size"}, {"value", 99}}}),
                           "application/json-patch+json");
  EXPECT_EQ(failing_test.code, 422);
  auto smp = Call("PATCH", std::string(kWidgets) + "/a", {{"spec", {{"size", 5}}}},
                  "application/strategic-merge-patch+json");
  EXPECT_EQ(smp.code, 415);
  auto status_patch = Call("PATCH", std::string(kWidgets) + "/a/status", {{"status", {{"n", 1}}}, {"spec", {{"size", 7}}}},
                           "application/merge-patch+json");
  EXPECT_EQ(status_patch.body["status"]["n"], 1);
  EXPECT_EQ(status_patch.body["spec"]["size"], 4);
}

TEST_F(FakeKubeTest, FinalizersDelayDeletionAndCannotBeAddedAfterwards) {
  json w = Widget("a");
  w["metadata"]["finalizers"] = {"zroute.io/cleanup"};
  Call("POST", kWidgets, w);
  auto del = Call("DELETE", std::string(kWidgets) + "/a");
  ASSERT_EQ(del.code, 200);
  EXPECT_TRUE(del.body["metadata"].contains("deletionTimestamp"));
  EXPECT_EQ(del.body["metadata"]["generation"], 2);
  json more = del.body;
  more["metadata"]["finalizers"].push_back("other");
  EXPECT_EQ(Call("PUT", std::string(kWidgets) + "/a", more).code, 422);
  json none = del.body;
  none["metadata"]["finalizers"] = json::array();
  EXPECT_EQ(Call("PUT", std::string(kWidgets) + "/a", none).code, 200);
  EXPECT_EQ(Call("GET", std::string(kWidgets) + "/a").code, 404);
}

TEST_F(FakeKubeTest, PagingKeepsOneSnapshotAndExpiredTokenIs410) {
  for (int i = 0; i < 5; ++i) Call("POST", kWidgets, Widget("w" + std::to_string(i)));
  auto p1 = Call("GET", std::string(kWidgets) + "?limit=2");
  ASSERT_EQ(p1.body["items"].size(), 2u);
  std::string token = p1.body["metadata"]["continue"];
  Call("POST", kWidgets, Widget("late"));
  auto p2 = Call("GET", std::string(kWidgets) + "?limit=10&continue=" + token);
  EXPECT_EQ(p2.body["items"].size(), 3u);  // "late" is not in the snapshot
  EXPECT_EQ(p2.body["metadata"]["resourceVersion"], p1.body["metadata"]["resourceVersion"]);
  EXPECT_FALSE(p2.body["metadata"].contains("continue"));
  auto p3 = Call("GET", std::string(kWidgets) + "?limit=2");
  server_.store().ExpireContinueTokens();
  auto expired = Call("GET", std::string(kWidgets) + "?limit=2&continue=" + p3.body["metadata"]["continue"].get<std::string>());
  EXPECT_EQ(expired.code, 410);
  EXPECT_EQ(Call("GET", std::string(kWidgets) + "?limit=2&continue=garbage").code, 400);
  EXPECT_EQ(Call("GET", std::string(kWidgets) + "?limit=2&resourceVersion=5&continue=" +
                 p3.body["metadata"]["continue"].get<std::string>()).code, 400);
}

TEST_F(FakeKubeTest, WatchStreamsChangesAfterResourceVersion) {
  std::string rv = Call("POST", kWidgets, Widget("a")).body["metadata"]["resourceVersion"];
  json b = Call("POST", kWidgets, Widget("b")).body;
  b["spec"]["size"] = 2;
  Call("PUT", std::string(kWidgets) + "/b", b);
  Call("DELETE", std::string(kWidgets) + "/a");
  auto [code, events] = ReadWatch("resourceVersion=" + rv, 3);
  ASSERT_EQ(code, 200);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "MODIFIED");
  EXPECT_EQ(events[2]["type"], "DELETED");
  EXPECT_EQ(events[2]["object"]["metadata"]["name"], "a");
}

TEST_F(FakeKubeTest, WatchFromZeroSendsSyntheticAdded) {
  Call("POST", kWidgets, Widget("a"));
  Call("POST", kWidgets, Widget("b"));
  auto [code, events] = ReadWatch("resourceVersion=0", 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["object"]["metadata"]["name"], "b");
}

TEST_F(FakeKubeTest, TimeoutClosesCleanlyWithBookmark) {
  Call("POST", kWidgets, Widget("a"));
  std::string rv = server_.store().CurrentResourceVersion();
  auto [code, events] = ReadWatch("resourceVersion=" + rv + "&timeoutSeconds=1&allowWatchBookmarks=true", 100);
  EXPECT_EQ(code, 200);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["type"], "BOOKMARK");
  EXPECT_EQ(events[0]["object"]["metadata"]["resourceVersion"], rv);
}

TEST_F(FakeKubeTest, TooOldResourceVersionIs410InBothForms) {
  std::string rv = Call("POST", kWidgets, Widget("a")).body["metadata"]["resourceVersion"];
  Call("POST", kWidgets, Widget("b"));
  server_.store().CompactHistory();
  auto [code, events] = ReadWatch("resourceVersion=" + rv, 10);
  EXPECT_EQ(code, 410);
  server_.SetExpiredWatchMode(FakeKubeServer::ExpiredWatchMode::kErrorEvent);
  auto [code2, events2] = ReadWatch("resourceVersion=" + rv, 10);
  EXPECT_EQ(code2, 200);
  ASSERT_EQ(events2.size(), 1u);
  EXPECT_EQ(events2[0]["type"], "ERROR");
  EXPECT_EQ(events2[0]["object"]["code"], 410);
}

TEST_F(FakeKubeTest, LabelSelectorWatchSeesStartAndStopMatching) {
  std::string rv = server_.store().CurrentResourceVersion();
  json a = Call("POST", kWidgets, Widget("a", {{"team", "x"}})).body;
  Call("POST", kWidgets, Widget("b", {{"team", "y"}}));
  a["metadata"]["labels"]["team"] = "y";
  Call("PUT", std::string(kWidgets) + "/a", a);
  auto [code, events] = ReadWatch("resourceVersion=" + rv + "&labelSelector=team%3Dx", 2);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0]["type"], "ADDED");
  EXPECT_EQ(events[1]["type"], "DELETED");  // stopped matching
  auto list = Call("GET", std::string(kWidgets) + "?labelSelector=team%20in%20(y)");
  EXPECT_EQ(list.body["items"].size(), 2u);
  EXPECT_EQ(Call("GET", std::string(kWidgets) + "?labelSelector=team%20in%20(").code, 400);
}

TEST_F(FakeKubeTest, AbruptCutEndsStreamWithoutTerminator) {
  std::string rv = server_.store().CurrentResourceVersion();
  std::thread cutter([&] {
    for (int i = 0; i < 500 && server_.ActiveWatches() == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    server_.CutWatches();
  });
  httplib::Client c("127.0.0.1", server_.port());
  auto res = c.Get((std::string(kWidgets) + "?watch=1&resourceVersion=" + rv).c_str(),
                   [](const char*, size_t) { return true; });
  cutter.join();
  EXPECT_FALSE(res);  // a read error, not a clean end
}

TEST_F(FakeKubeTest, BearerTokenIsRequiredWhenSet) {
  server_.SetValidToken("secret");
  auto denied = Call("GET", kWidgets);
  EXPECT_EQ(denied.code, 401);
  EXPECT_EQ(denied.body["reason"], "Unauthorized");
  client_->set_bearer_token_auth("secret");
  EXPECT_EQ(Call("GET", kWidgets).code, 200);
}

TEST_F(FakeKubeTest, InjectedFaultsAndCounters) {
  server_.InjectFaults(kWidgets, 429, 2);
  EXPECT_EQ(Call("GET", kWidgets).code, 429);
  EXPECT_EQ(Call("GET", kWidgets).code, 429);
  EXPECT_EQ(Call("GET", kWidgets).code, 200);
  EXPECT_EQ(server_.RequestCount("list", kWidgets), 3);
  EXPECT_EQ(server_.RequestCount("update"), 0);
  EXPECT_EQ(server_.ResponseCount(429), 2);
}

TEST_F(FakeKubeTest, ScaleSubresourceReadsAndWritesReplicas) {
  const std::string deployments = "/apis/apps/v1/namespaces/ns1/deployments";
  Call("POST", deployments, {{"metadata", {{"name", "d"}}}, {"spec", {{"replicas", 2}}}});
  auto scale = Call("GET", deployments + "/d/scale");
  ASSERT_EQ(scale.code, 200);
  EXPECT_EQ(scale.body["kind"], "Scale");
  EXPECT_EQ(scale.body["spec"]["replicas"], 2);
  auto patched = Call("PATCH", deployments + "/d/scale", {{"spec", {{"replicas", 5}}}}, "application/merge-patch+json");
  EXPECT_EQ(patched.body["spec"]["replicas"], 5);
  auto d = Call("GET", deployments + "/d");
  EXPECT_EQ(d.body["spec"]["replicas"], 5);
  EXPECT_EQ(d.body["metadata"]["generation"], 2);
  EXPECT_EQ(Call("PATCH", deployments + "/d/scale", {{"spec", {{"replicas", -1}}}}, "application/merge-patch+json").code, 422);
}

TEST_F(FakeKubeTest, ScaleOfDeploymentShowsStatusReplicasAndSpecSelector) {
  const std::string deployments = "/apis/apps/v1/namespaces/ns1/deployments";
  Call("POST", deployments,
       {{"metadata", {{"name", "d"}}},
        {"spec", {{"replicas", 3}, {"selector", {{"matchLabels", {{"app", "billing"}, {"tier", "web"}}}}}}}});
  auto status = Call("PUT", deployments + "/d/status",
                     {{"metadata", {{"name", "d"}}}, {"status", {{"replicas", 2}, {"readyReplicas", 2}}}});
  ASSERT_EQ(status.code, 200);
  auto scale = Call("GET", deployments + "/d/scale");
  ASSERT_EQ(scale.code, 200);
  EXPECT_EQ(scale.body["apiVersion"], "autoscaling/v1");
  EXPECT_EQ(scale.body["spec"]["replicas"], 3);
  EXPECT_EQ(scale.body["status"]["replicas"], 2);
  EXPECT_EQ(scale.body["status"]["selector"], "app=billing,tier=web");
  // A write to /scale changes spec.replicas only: status and selector stay.
  auto patched = Call("PATCH", deployments + "/d/scale", {{"spec", {{"replicas", 4}}}}, "application/merge-patch+json");
  ASSERT_EQ(patched.code, 200);
  auto d = Call("GET", deployments + "/d");
  EXPECT_EQ(d.body["spec"]["replicas"], 4);
  EXPECT_EQ(d.body["status"]["replicas"], 2);
  EXPECT_EQ(d.body["spec"]["selector"]["matchLabels"]["tier"], "web");
}

TEST_F(FakeKubeTest, ClusterWideListAndWatchSpanNamespaces) {
  const std::string all = "/apis/example.zroute.io/v1/widgets";
  std::string rv = server_.store().CurrentResourceVersion();
  Call("POST", kWidgets, Widget("a"));
  Call("POST", "/apis/example.zroute.io/v1/namespaces/ns2/widgets", Widget("b"));
  Call("POST", "/apis/other.zroute.io/v1/namespaces/ns1/widgets", Widget("other-group"));
  auto list = Call("GET", all);
  ASSERT_EQ(list.code, 200);
  EXPECT_EQ(list.body["items"].size(), 2u);
  httplib::Client c("127.0.0.1", server_.port());
  std::string buffer;
  auto res = c.Get((all + "?watch=1&timeoutSeconds=1&resourceVersion=" + rv).c_str(),
                   [&](const char* data, size_t len) { buffer.append(data, len); return true; });
  ASSERT_TRUE(res);
  EXPECT_EQ(std::count(buffer.begin(), buffer.end(), '\n'), 2);
  EXPECT_EQ(server_.RequestCount("watch", all), 1);
}

TEST_F(FakeKubeTest, HostileInputIsRefused) {
  EXPECT_EQ(Call("GET", "/nonsense").code, 404);
  EXPECT_EQ(Call("GET", "/api/v1/namespaces/a/b/c/d/e/f").code, 404);
  auto r = client_->Post(kWidgets, "{not json", "application/json");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_EQ(Call("POST", kWidgets, json::array()).code, 400);
  EXPECT_EQ(Call("POST", kWidgets, {{"metadata", {{"name", "x"}, {"namespace", "other"}}}}).code, 400);
  EXPECT_EQ(Call("POST", kWidgets, {{"metadata", json::object()}}).code, 422);
  auto big = client_->Post(kWidgets, std::string(4 * 1024 * 1024, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  EXPECT_EQ(ReadWatch("resourceVersion=abc", 1).first, 400);
  EXPECT_EQ(Call("PATCH", std::string(kWidgets) + "/a", {{"x", 1}}, "text/plain").code, 415);
}

TEST(LabelSelectorTest, EqualitySetAndExistenceRequirements) {
  json labels = {{"app", "orders"}, {"tier", "web"}};
  auto matches = [&](const std::string& text) {
    auto sel = LabelSelector::Parse(text);
    EXPECT_TRUE(sel.ok()) << text << ": " << sel.status();
    return sel.ok() && sel->Matches(labels);
  };
  EXPECT_TRUE(matches(""));
  EXPECT_TRUE(matches("app=orders"));
  EXPECT_TRUE(matches("app==orders,tier!=db"));
  EXPECT_TRUE(matches("tier in (web, api)"));
  EXPECT_TRUE(matches("tier notin (db)"));
  EXPECT_TRUE(matches("app,!missing"));
  EXPECT_FALSE(matches("app=payments"));
  EXPECT_FALSE(matches("missing"));
  EXPECT_FALSE(matches("!app"));
  EXPECT_FALSE(matches("tier in (db)"));
  EXPECT_TRUE(LabelSelector::Parse("missing!=x")->Matches(labels));
  EXPECT_FALSE(LabelSelector::Parse("a=b")->Matches(json()));
}

TEST(LabelSelectorTest, MalformedSelectorsAreRejected) {
  for (const char* text : {"a=b,", ",", "a in b", "a in ()", "a in (b", "a in (b))", "a foo (b)", "=b",
                           "a=b c", "a$=b", "a in (b$)", "((a))"}) {
    EXPECT_FALSE(LabelSelector::Parse(text).ok()) << text;
  }
  EXPECT_FALSE(LabelSelector::Parse(std::string(400, 'k') + "=v").ok());
}

}  // namespace
}  // namespace zroute::testing
