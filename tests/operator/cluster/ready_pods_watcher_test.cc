// ReadyPodsWatcher: which pods count as ready sidecar pods, what identity (IPs, app-id) each one
// reports, from hand-made and real (fully populated) Pod objects, and the watch against the fake
// Kubernetes API server. Every wait is on a condition with a bound.
#include "operator/cluster/ready_pods_watcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <functional>
#include <mutex>
#include <sstream>
#include <thread>

#include "operator/kube/http_kube_client.h"
#include "tests/support/fake_kube/fake_kube_server.h"
#include "tests/support/wait_for.h"

namespace zroute {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

using namespace zroute::testing::gvr;  // NOLINT(build/namespaces) kPods

using zroute::testing::WaitFor;

// A Pod as the API server serialises it, every field populated (kubernetes/api testdata).
json RealPod() {
  std::ifstream in(std::string(ZROUTE_WEBHOOK_TESTDATA) + "/core.v1.Pod.json");
  EXPECT_TRUE(in.good()) << "missing fixture core.v1.Pod.json";
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str(), nullptr, /*allow_exceptions=*/false);
}

// The real Pod, turned into a ready pod injected for `app_id` with the given IPs.
json InjectedRealPod(const std::string& app_id, const std::vector<std::string>& ips) {
  json pod = RealPod();
  pod["metadata"]["annotations"]["zroute.io/injected"] = "true";
  pod["metadata"]["annotations"]["zroute.io/app-id"] = app_id;
  pod["status"]["conditions"] = json::array({{{"type", "Ready"}, {"status", "True"}}});
  pod["status"]["podIPs"] = json::array();
  for (const auto& ip : ips) pod["status"]["podIPs"].push_back({{"ip", ip}});
  pod["status"]["podIP"] = ips.empty() ? "" : ips[0];
  return pod;
}

TEST(ReadyPodsTest, OnlyReadyPodsWithTheSidecarCount) {
  json pod = {{"metadata", {{"name", "p"}, {"namespace", "shop"}}},
              {"spec", {{"containers", json::array({{{"name", "app"}}, {{"name", "zroute-sidecar"}}})}}},
              {"status", {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})}}}};
  EXPECT_TRUE(cluster::IsReadySidecarPod(pod));
  json not_ready = pod;
  not_ready["status"]["conditions"][0]["status"] = "False";
  EXPECT_FALSE(cluster::IsReadySidecarPod(not_ready));
  json no_sidecar = pod;
  no_sidecar["spec"]["containers"] = json::array({{{"name", "app"}}});
  EXPECT_FALSE(cluster::IsReadySidecarPod(no_sidecar));
  no_sidecar["metadata"]["annotations"] = {{"zroute.io/injected", "true"}};
  EXPECT_TRUE(cluster::IsReadySidecarPod(no_sidecar));
  json native = no_sidecar;
  native["metadata"].erase("annotations");
  native["spec"]["initContainers"] = json::array({{{"name", "zroute-sidecar"}, {"restartPolicy", "Always"}}});
  EXPECT_TRUE(cluster::IsReadySidecarPod(native));
  // Hostile shapes never throw.
  for (const json& bad : {json(), json::array(), json("pod"), json{{"spec", 3}, {"status", "x"}},
                          json{{"spec", {{"containers", {1, 2}}}}, {"status", {{"conditions", {1}}}}}}) {
    EXPECT_FALSE(cluster::IsReadySidecarPod(bad)) << bad.dump();
  }
}

TEST(PodIdentityTest, RealPodGivesItsIpsAndInjectedAppId) {
  json pod = InjectedRealPod("billing", {"10.244.1.7", "fd00:10:244:1::7"});
  ASSERT_TRUE(cluster::IsReadySidecarPod(pod));
  PodIdentity id = cluster::PodIdentityOf(pod);
  EXPECT_THAT(id.ips, ElementsAre("10.244.1.7", "fd00:10:244:1::7"));
  EXPECT_EQ(id.app_id, "billing");
}

TEST(PodIdentityTest, RealPodAsServedHasNoUsableIpsOrAppId) {
  // The fixture's placeholders ("ipValue", "podIPValue") are not addresses; it has no app-id.
  PodIdentity id = cluster::PodIdentityOf(RealPod());
  EXPECT_THAT(id.ips, IsEmpty());
  EXPECT_EQ(id.app_id, std::nullopt);
}

TEST(PodIdentityTest, PodIpIsTheFallbackForPodIps) {
  json pod = InjectedRealPod("billing", {});
  pod["status"].erase("podIPs");
  pod["status"]["podIP"] = "10.244.1.8";
  EXPECT_THAT(cluster::PodIdentityOf(pod).ips, ElementsAre("10.244.1.8"));
  pod["status"]["podIPs"] = json::array({{{"ip", "ipValue"}}, {{"ip", 7}}, "10.0.0.1", {{"noip", "10.0.0.2"}}});
  EXPECT_THAT(cluster::PodIdentityOf(pod).ips, ElementsAre("10.244.1.8")) << "no usable entry in podIPs";
  pod["status"]["podIPs"] = json::array({{{"ip", "10.244.1.9"}}});
  EXPECT_THAT(cluster::PodIdentityOf(pod).ips, ElementsAre("10.244.1.9")) << "podIPs wins when it has one";
}

TEST(PodIdentityTest, WithoutTheAnnotationTheSidecarsAppIdArgumentCounts) {
  json pod = {{"spec",
               {{"containers",
                 json::array({{{"name", "app"}, {"args", {"--app-id", "decoy"}}},
                              {{"name", "zroute-sidecar"}, {"args", {"--app-port", "8080", "--app-id", "billing"}}}})}}}};
  EXPECT_EQ(cluster::PodIdentityOf(pod).app_id, "billing");
  pod["spec"]["containers"][1]["args"] = {"--app-id=shipping"};
  EXPECT_EQ(cluster::PodIdentityOf(pod).app_id, "shipping");
  json native = {{"spec", {{"initContainers", json::array({{{"name", "zroute-sidecar"}, {"args", {"--app-id", "audit"}}}})}}}};
  EXPECT_EQ(cluster::PodIdentityOf(native).app_id, "audit");
  // The annotation the injector was given comes first.
  pod["metadata"]["annotations"]["zroute.io/app-id"] = "billing";
  EXPECT_EQ(cluster::PodIdentityOf(pod).app_id, "billing");
}

TEST(PodIdentityTest, MalformedFieldsGiveNoIdentityNeverAnError) {
  for (const json& bad :
       {json(), json::array(), json("pod"), json{{"status", "x"}, {"metadata", 3}, {"spec", {1}}},
        json{{"status", {{"podIPs", "10.0.0.1"}, {"podIP", 10}}}},
        json{{"status", {{"podIPs", {nullptr, 1, json::array()}}, {"podIP", {{"ip", "10.0.0.1"}}}}}},
        json{{"metadata", {{"annotations", "zroute.io/app-id=billing"}}}},
        json{{"spec", {{"containers", {{{"name", "zroute-sidecar"}, {"args", "--app-id billing"}}}}}}},
        json{{"spec", {{"containers", {{{"name", "zroute-sidecar"}, {"args", {1, nullptr, "--app-id"}}}}}}}}}) {
    PodIdentity id = cluster::PodIdentityOf(bad);
    EXPECT_THAT(id.ips, IsEmpty()) << bad.dump();
    EXPECT_TRUE(!id.app_id || id.app_id->empty()) << bad.dump();
  }
  // A non-string annotation names an app-id, one no registration can match.
  json pod = {{"metadata", {{"annotations", {{"zroute.io/app-id", 42}}}}}};
  EXPECT_EQ(cluster::PodIdentityOf(pod).app_id, "");
  // A huge or hostile address is skipped.
  pod["status"]["podIPs"] = json::array({{{"ip", std::string(100000, '1')}}, {{"ip", "10.0.0.1/24"}}});
  EXPECT_THAT(cluster::PodIdentityOf(pod).ips, IsEmpty());
}

TEST(ReadyPodsWatcherTest, ReportsReadySidecarPodsWithTheirIdentity) {
  testing::FakeKubeServer server;
  ASSERT_TRUE(server.Start().ok());
  kube::KubeConfig kc;
  kc.server = server.url();
  auto client = kube::HttpKubeClient::Create(kc, RealClock());
  ASSERT_TRUE(client.ok()) << client.status();
  std::mutex mu;
  ReadyPods seen;
  cluster::ReadyPodsWatcherOptions options;
  options.coalesce = milliseconds(10);
  cluster::ReadyPodsWatcher watcher(**client, options);
  ASSERT_TRUE(watcher.Start([&](ReadyPods ready) {
    std::lock_guard<std::mutex> lock(mu);
    seen = std::move(ready);
  }).ok());
  json pod = {{"apiVersion", "v1"},
              {"kind", "Pod"},
              {"metadata",
               {{"name", "billing-0"},
                {"namespace", "shop"},
                {"annotations", {{"zroute.io/injected", "true"}, {"zroute.io/app-id", "billing"}}}}},
              {"spec", {{"containers", json::array({{{"name", "app"}}})}}}};
  auto reply = server.store().Create(kPods, "shop", pod);
  ASSERT_LT(reply.code, 300) << reply.body.dump();
  // Like the API server, the fake ignores .status on create: the kubelet reports it separately.
  auto created = server.store().Get(kPods, "shop", "billing-0", "");
  ASSERT_EQ(created.code, 200);
  json with_status = created.body;
  with_status["status"] = {{"conditions", json::array({{{"type", "Ready"}, {"status", "True"}}})},
                           {"podIP", "10.244.1.7"},
                           {"podIPs", json::array({{{"ip", "10.244.1.7"}}})}};
  ASSERT_EQ(server.store().Update(kPods, "shop", "billing-0", "status", with_status).code, 200);
  const PodIdentity want{{"10.244.1.7"}, "billing"};
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    auto it = seen.find("shop/billing-0");
    return it != seen.end() && it->second == want;
  }));
  ASSERT_EQ(server.store().Delete(kPods, "shop", "billing-0").code, 200);
  EXPECT_TRUE(WaitFor([&] {
    std::lock_guard<std::mutex> lock(mu);
    return seen.empty();
  }));
  watcher.Stop();
  server.Stop();
}

}  // namespace
}  // namespace zroute
