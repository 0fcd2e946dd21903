// Scaling hints from real sidecars: a slow consumer builds a backlog, the operator's
// recommendation rises; when the backlog drains it falls, but only after the scale-down window.
#include <gtest/gtest.h>

#include "tests/integration/integration_env.h"

namespace zroute::testing {
namespace {

struct Hint {
  int recommended = -1;  // after the stabilization windows
  int desired = -1;      // the raw figure from this tick's load
};

Hint ReadHint(LocalSystem& system) {
  auto hints = LocalSystem::GetJson(system.operator_port(), "/v1/scaling");
  if (!hints.ok() || !hints->is_array()) return {};
  for (const auto& h : *hints) {
    if (h.is_object() && h.value("appId", "") == "billing") {
      return {h.value("recommendedReplicas", -1), h.value("desiredReplicas", -1)};
    }
  }
  return {};
}

int Recommended(LocalSystem& system) { return ReadHint(system).recommended; }

TEST(ScalingTest, BacklogRaisesTheHintAndItFallsOnlyAfterTheScaleDownWindow) {
  TempWorkDir work;
  std::string manifests = work.path() + "/manifests";
  WriteFile(manifests + "/topics.yaml", TopicYaml("orders"));
  WriteFile(manifests + "/subscriptions.yaml",
            SubscriptionYaml("billing-orders", "orders", "billing", false, "    maxInFlight: 4\n"));
  WriteFile(manifests + "/scaling.yaml", R"(apiVersion: zroute.io/v1alpha1
kind: ScalingPolicy
metadata:
  name: billing
  namespace: default
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: billing}
  appId: billing
  targetLagPerReplica: 20
  minReplicas: 1
  maxReplicas: 10
  scaleUp: {stabilizationWindow: 0s}
  scaleDown: {stabilizationWindow: 3s}
  mode: hint
)");
  LocalSystemOptions options = IntegrationOptions(work.path(), manifests);
  options.operator_args = {"--scaling-interval", "200ms"};
  LocalSystem system(options);
  ASSERT_TRUE(system.StartOperator().ok());
  auto shop = system.StartPublisherSidecar("shop", "shop-1");
  auto b1 = system.StartSubscriber("billing", "billing-1", {"--work-ms", "20"});
  auto b2 = system.StartSubscriber("billing", "billing-2", {"--work-ms", "20"});
  ASSERT_TRUE(shop.ok() && b1.ok() && b2.ok());
  ASSERT_TRUE(system.WaitForConvergence(std::chrono::seconds(20)).ok());
  // Idle: two replicas report, no backlog, the hint sits at the minimum.
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(20), [&] { return Recommended(system) == 1; }))
      << "idle hint " << Recommended(system);

  // 2,000 events at once: two replicas with 4 slots each at 20 ms need about 5 s.
  TestPublisher publisher((*shop)->sidecar_port);
  for (int b = 0; b < 20; ++b) {
    std::vector<TestEvent> batch;
    for (int i = b * 100; i < (b + 1) * 100; ++i) batch.push_back({"sc-" + std::to_string(i), "orders", "", 0});
    ASSERT_TRUE(publisher.PublishBatch("orders", batch));
  }
  // Watch the hint until the backlog has drained and the hint is back down.
  struct Sample {
    std::chrono::steady_clock::time_point at;
    Hint hint;
  };
  std::vector<Sample> samples;
  bool drained = false;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (std::chrono::steady_clock::now() < deadline) {
    samples.push_back({std::chrono::steady_clock::now(), ReadHint(system)});
    drained = drained || AllDrained(system);
    if (drained && samples.back().hint.recommended >= 1 && samples.back().hint.recommended <= 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // sampling period
  }
  ASSERT_TRUE(drained) << "the backlog never drained";
  ASSERT_LE(samples.back().hint.recommended, 2) << "the hint never came back down";

  // It rose with the backlog.
  int peak = 0;
  for (const auto& s : samples) peak = std::max(peak, s.hint.recommended);
  EXPECT_GE(peak, 5);
  // It never fell faster than the 3 s scale-down window allows: each reading is at least every raw
  // figure seen in the 1.8 s before it. The slack covers how old a figure already is when read
  // (it is computed at a tick from heartbeat reports) and the sampling period.
  for (size_t i = 0; i < samples.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (samples[i].at - samples[j].at > std::chrono::milliseconds(1800)) continue;
      int bounded = std::clamp(samples[j].hint.desired, 1, 10);  // minReplicas..maxReplicas
      EXPECT_GE(samples[i].hint.recommended, bounded)
          << "fell from " << bounded << " to " << samples[i].hint.recommended << " within "
          << std::chrono::duration_cast<std::chrono::milliseconds>(samples[i].at - samples[j].at).count() << " ms";
    }
  }
}

}  // namespace
}  // namespace zroute::testing
