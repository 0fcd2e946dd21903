// The operator in standalone mode, in-process: a ScalingPolicy from a manifest folder, load reports
// from fake sidecars over a real ZeroMQ DEALER, hints read back from /v1/scaling and /metrics.
// Time that the recommendation depends on (windows, staleness, heartbeat timeout) is simulated;
// only the operator's own loops run on real time, and the test waits for them with a bound.
#include "operator/operator.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <zmq.hpp>

#include "common/util/ids.h"
#include "common/wire/control_messages.h"
#include "tests/operator/scaling/metric_text.h"
#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using nlohmann::json;
using scaling::testing::SampleValue;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kPolicyYaml = R"(apiVersion: zroute.io/v1alpha1
kind: ScalingPolicy
metadata:
  name: billing-scaler
  namespace: default
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: billing
  appId: billing
  targetLagPerReplica: 100
  minReplicas: 1
  maxReplicas: 10
  scaleUp:
    stabilizationWindow: 0s
  scaleDown:
    stabilizationWindow: 30s
  tolerance: 0.1
  mode: hint
)";

const std::map<std::string, std::string> kBillingLabels = {
    {"namespace", "default"}, {"app_id", "billing"}, {"policy", "billing-scaler"}};

// A sidecar as the operator sees it: a DEALER whose identity is its sidecar id.
class FakeSidecar {
 public:
  FakeSidecar(zmq::context_t& context, const std::string& endpoint, std::string id, std::string app)
      : socket_(context, zmq::socket_type::dealer) {
    info_.sidecar_id = std::move(id);
    info_.app_id = std::move(app);
    info_.namespace_ = "default";
    info_.pod = info_.sidecar_id;
    info_.data_endpoint = "tcp://127.0.0.1:1";
    socket_.set(zmq::sockopt::routing_id, info_.sidecar_id);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.connect(endpoint);
    Send(wire::ControlCommand::kRegister, wire::SidecarInfoToJson(info_));
  }

  void Heartbeat(const json& load) {
    Send(wire::ControlCommand::kHeartbeat,
         {{"sidecarId", info_.sidecar_id}, {"version", 0}, {"load", load}});
  }
  void SendRaw(wire::ControlCommand command, const json& body) { Send(command, body); }

 private:
  void Send(wire::ControlCommand command, const json& body) {
    socket_.send(zmq::buffer(wire::EncodeControlMessage({command, body})), zmq::send_flags::none);
  }
  wire::SidecarInfo info_;
  zmq::socket_t socket_;
};

json PublisherLoad(int64_t lag) {
  return {{"subscriptions", json::array({{{"subscription", "default/billing-orders"},
                                          {"topic", "default/orders"},
                                          {"appId", "billing"},
                                          {"lag", lag},
                                          {"inFlight", 0}}})}};
}

// `rate` doubles as a marker: the policy has no rate target, so it changes no recommendation, but
// its sum over the replicas in /v1/scaling shows which reports the operator has taken in.
json ConsumerLoad(int64_t in_flight, double rate) {
  return {{"subscriptions", json::array()},
          {"consumer",
           {{"inFlight", in_flight},
            {"arrivalRate", rate},
            {"completionRate", rate},
            {"latencyP50Seconds", 0.01},
            {"latencyP99Seconds", 0.05}}}};
}

class OperatorScalingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("zroute-operator-scaling-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "scaling.yaml") << kPolicyYaml;

    OperatorConfig config;
    config.manifests_dir = dir_.string();
    config.manifests_poll = milliseconds(20);
    config.control_bind = "tcp://127.0.0.1:*";
    config.http_port = 0;
    config.heartbeat_timeout = seconds(10);
    config.scaling_interval = milliseconds(10);
    operator_ = std::make_unique<Operator>(config, clock_);
    ASSERT_TRUE(operator_->Start().ok());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", operator_->http_port());
    http_->set_tcp_nodelay(true);
    publisher_ = std::make_unique<FakeSidecar>(context_, operator_->control_endpoint(), "orders-0", "orders");
    ScaleConsumersTo(1);
  }

  void TearDown() override {
    publisher_.reset();
    consumers_.clear();
    if (operator_) operator_->Stop();
    std::filesystem::remove_all(dir_);
  }

  // What acting on the hint looks like from here: more replicas of billing start reporting.
  void ScaleConsumersTo(size_t n) {
    while (consumers_.size() < n) {
      consumers_.push_back(std::make_unique<FakeSidecar>(
          context_, operator_->control_endpoint(), "billing-" + std::to_string(consumers_.size()), "billing"));
    }
  }

  // Every fake sidecar reports once; the first consumer carries the in-flight events.
  void Report(int64_t lag, int64_t in_flight = 0) {
    ++round_;
    publisher_->Heartbeat(PublisherLoad(lag));
    for (size_t i = 0; i < consumers_.size(); ++i) {
      consumers_[i]->Heartbeat(ConsumerLoad(i == 0 ? in_flight : 0, round_));
    }
  }

  std::string Get(const std::string& path) {
    auto res = http_->Get(path.c_str());
    if (!res || res->status != 200) return "";
    return res->body;
  }

  // The /v1/scaling entry of the billing policy, or null.
  json Hint() {
    json all = json::parse(Get("/v1/scaling"), nullptr, false);
    if (!all.is_array()) return nullptr;
    for (const auto& e : all) {
      if (e.value("policy", "") == "default/billing-scaler") return e;
    }
    return nullptr;
  }

  // Waits (bounded, real time) until `done` holds for the billing hint; returns the last one seen.
  json WaitForHint(const std::function<bool(const json&)>& done) {
    json hint;
    for (int i = 0; i < 500; ++i) {
      hint = Hint();
      if (!hint.is_null() && done(hint)) return hint;
      std::this_thread::sleep_for(milliseconds(10));
    }
    ADD_FAILURE() << "condition not reached; last hint: " << hint.dump();
    return hint;
  }

  // A hint computed at the current simulated time from every consumer's latest report, with
  // this lag. Waiting for it also keeps simulated time from running ahead of the heartbeats the
  // operator has taken in (it would expire the sidecars).
  json WaitForFreshHint(int64_t lag) {
    const std::string now = FormatRfc3339(clock_.WallNow());
    const double rates = static_cast<double>(round_ * consumers_.size());
    return WaitForHint([&](const json& h) {
      return h.value("updatedAt", "") == now && h.contains("inputs") && h["inputs"]["lag"] == lag &&
             h["inputs"]["consumerReplicas"] == consumers_.size() && h["inputs"]["arrivalRate"] == rates;
    });
  }

  // Moves simulated time forward in heartbeat-sized steps, every sidecar reporting each step as
  // real ones would (so none expires or goes stale).
  json AdvanceReporting(seconds total, int64_t lag) {
    json hint;
    for (seconds done{0}; done < total; done += seconds(2)) {
      clock_.Advance(seconds(2));
      Report(lag);
      hint = WaitForFreshHint(lag);
    }
    return hint;
  }

  std::optional<double> Metric(const std::string& name) {
    return SampleValue(Get("/metrics"), name, kBillingLabels);
  }

  testing::SimulatedClock clock_;
  std::filesystem::path dir_;
  zmq::context_t context_{1};
  std::unique_ptr<Operator> operator_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<FakeSidecar> publisher_;
  std::vector<std::unique_ptr<FakeSidecar>> consumers_;
  int round_ = 0;  // reports sent by each consumer so far
};

TEST_F(OperatorScalingTest, BacklogRiseRaisesTheHintAndDrainLowersItAfterTheWindow) {
  Report(0);
  json hint = WaitForFreshHint(0);
  EXPECT_EQ(hint["recommendedReplicas"], 1);
  EXPECT_EQ(hint["currentReplicas"], 1);
  EXPECT_EQ(hint["inputs"]["consumerReplicas"], 1);
  EXPECT_EQ(hint["mode"], "hint");

  // A backlog builds: 730 waiting + 20 in flight at 100 per replica asks for 8 at once.
  clock_.Advance(seconds(2));
  Report(730, 20);
  hint = WaitForFreshHint(730);
  EXPECT_EQ(hint["recommendedReplicas"], 8);
  // The first tick that sees the backlog scales up; a later tick with the same load (the loop may
  // tick again before the test reads) keeps the hint it already gave (steady, or within tolerance).
  EXPECT_TRUE(hint["reason"] == "ScaleUp" || hint["reason"] == "Steady" || hint["reason"] == "WithinTolerance")
      << hint.dump();
  EXPECT_EQ(hint["inputs"]["inFlight"], 20);
  EXPECT_EQ(Metric("zroute_scaling_recommended_replicas"), 8);
  EXPECT_EQ(Metric("zroute_scaling_lag"), 730);
  EXPECT_EQ(Metric("zroute_scaling_in_flight"), 20);
  EXPECT_EQ(Metric("zroute_scaling_arrival_rate"), round_);
  EXPECT_EQ(hint["inputs"]["consumerReplicas"], 1);

  // Someone acts on the hint: eight replicas run. The backlog is still there: the hint stays.
  clock_.Advance(seconds(2));
  ScaleConsumersTo(8);
  Report(730, 20);
  hint = WaitForFreshHint(730);
  EXPECT_EQ(hint["recommendedReplicas"], 8);
  EXPECT_EQ(hint["currentReplicas"], 8);
  EXPECT_EQ(hint["inputs"]["consumerReplicas"], 8);

  // The backlog drains. Within the 30 s scale-down window the hint holds.
  hint = AdvanceReporting(seconds(22), 0);
  EXPECT_EQ(hint["recommendedReplicas"], 8);
  EXPECT_EQ(hint["reason"], "ScaleDownLimitedByWindow");
  EXPECT_EQ(Metric("zroute_scaling_recommended_replicas"), 8);
  EXPECT_EQ(Metric("zroute_scaling_lag"), 0);

  // Once the whole window has seen no load, it falls to the minimum.
  hint = AdvanceReporting(seconds(12), 0);
  EXPECT_EQ(hint["recommendedReplicas"], 1);
  EXPECT_EQ(Metric("zroute_scaling_recommended_replicas"), 1);
}

TEST_F(OperatorScalingTest, WithNobodyActingOnTheHintTheWindowHoldsTheHintItself) {
  // Standalone, after the first tick, "current" is the last hint (docs/autoscaling.md): one replica
  // keeps running, yet the hint holds through the scale-down window as applied replicas would.
  Report(500);
  json hint = WaitForFreshHint(500);
  EXPECT_EQ(hint["recommendedReplicas"], 5);
  hint = AdvanceReporting(seconds(2), 0);
  EXPECT_EQ(hint["recommendedReplicas"], 5);
  EXPECT_EQ(hint["reason"], "ScaleDownLimitedByWindow");
  EXPECT_EQ(hint["currentReplicasSource"], "lastRecommendation");
  EXPECT_EQ(hint["inputs"]["consumerReplicas"], 1);
  hint = AdvanceReporting(seconds(32), 0);
  EXPECT_EQ(hint["recommendedReplicas"], 1);
}

TEST_F(OperatorScalingTest, SilentPublisherStopsCountingAfterTheHeartbeatTimeout) {
  Report(500);
  json hint = WaitForFreshHint(500);
  EXPECT_EQ(hint["recommendedReplicas"], 5);
  // Only the consumer keeps reporting; the publisher's backlog must not count forever.
  for (int i = 0; i < 6; ++i) {
    clock_.Advance(seconds(2));
    consumers_[0]->Heartbeat(ConsumerLoad(0, ++round_));
    hint = WaitForHint([&](const json& h) { return h["inputs"]["arrivalRate"] == round_; });
  }
  hint = WaitForFreshHint(0);
  EXPECT_EQ(hint["inputs"]["backlogSources"], 0);
}

TEST_F(OperatorScalingTest, HostileHeartbeatsAreCountedAndChangeNothing) {
  Report(300);
  WaitForFreshHint(300);

  json bad = PublisherLoad(5000);
  bad["subscriptions"][0]["lag"] = "5000";
  publisher_->Heartbeat(bad);
  publisher_->Heartbeat(json::array({1, 2, 3}));
  json huge = PublisherLoad(1);
  huge["subscriptions"][0]["subscription"] = "default/" + std::string(100000, 'x');
  publisher_->Heartbeat(huge);
  // A version of the wrong type once took the control loop down.
  publisher_->SendRaw(wire::ControlCommand::kHeartbeat,
                      {{"sidecarId", "orders-0"}, {"version", "seven"}, {"load", PublisherLoad(300)}});
  // A sidecar that never registered is not heard.
  zmq::socket_t stranger(context_, zmq::socket_type::dealer);
  stranger.set(zmq::sockopt::routing_id, "stranger");
  stranger.set(zmq::sockopt::linger, 0);
  stranger.connect(operator_->control_endpoint());
  stranger.send(zmq::buffer(wire::EncodeControlMessage(
                    {wire::ControlCommand::kHeartbeat, {{"sidecarId", "stranger"}, {"load", PublisherLoad(9999)}}})),
                zmq::send_flags::none);

  auto rejected = [&] {
    return SampleValue(Get("/metrics"), "zroute_operator_control_rejected_total",
                       {{"reason", "bad_load_report"}})
        .value_or(0);
  };
  // The string lag and the oversize name; a load that is not an object is not a report at all.
  for (int i = 0; i < 500 && rejected() < 2; ++i) std::this_thread::sleep_for(milliseconds(10));
  EXPECT_EQ(rejected(), 2);

  // The valid heartbeat with the odd version still got through, and the operator is alive.
  clock_.Advance(seconds(1));
  Report(300);
  json hint = WaitForFreshHint(300);
  EXPECT_EQ(hint["recommendedReplicas"], 3);
}

TEST_F(OperatorScalingTest, DeletingThePolicyRemovesItsHintAndSeries) {
  Report(300);
  EXPECT_EQ(WaitForFreshHint(300)["recommendedReplicas"], 3);
  ASSERT_EQ(Metric("zroute_scaling_recommended_replicas"), 3);

  std::filesystem::remove(dir_ / "scaling.yaml");
  bool gone = false;
  for (int i = 0; i < 500 && !gone; ++i) {
    gone = json::parse(Get("/v1/scaling"), nullptr, false) == json::array();
    if (!gone) std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_TRUE(gone);
  EXPECT_FALSE(Metric("zroute_scaling_recommended_replicas").has_value());
  EXPECT_FALSE(Metric("zroute_scaling_lag").has_value());
}

}  // namespace
}  // namespace zroute
