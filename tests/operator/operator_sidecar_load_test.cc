// The load report end to end: real sidecars (in-process) report to a real operator, and the
// operator's scaling hint reflects the backlog of a consumer app that is stuck, then its drain.
// This checks that what LinkLoop::LoadReport sends is what DecodeLoadReport reads. Real time
// (sidecar heartbeats every 50 ms); every wait is on a condition with a bound.
#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <functional>
#include <mutex>
#include <thread>

#include "operator/operator.h"
#include "sidecar/sidecar.h"

namespace zroute {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

constexpr const char* kManifests = R"(apiVersion: zroute.io/v1alpha1
kind: Topic
metadata:
  name: orders
  namespace: default
spec: {}
---
apiVersion: zroute.io/v1alpha1
kind: Subscription
metadata:
  name: billing-orders
  namespace: default
spec:
  topic: orders
  appId: billing
  route: /events
  delivery:
    maxAttempts: 3
    attemptTimeout: 60s
    maxInFlight: 2
    ordered: false
---
apiVersion: zroute.io/v1alpha1
kind: ScalingPolicy
metadata:
  name: billing
  namespace: default
spec:
  scaleTargetRef:
    name: billing
  appId: billing
  targetLagPerReplica: 10
  minReplicas: 1
  maxReplicas: 20
  scaleDown:
    stabilizationWindow: 0s
)";

// The billing app: holds every delivery until released.
class GatedApp {
 public:
  GatedApp() {
    server_.set_tcp_nodelay(true);
    server_.new_task_queue = [] { return new httplib::ThreadPool(8); };
    server_.Post("/events", [this](const httplib::Request&, httplib::Response& res) {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return open_; });
      res.status = 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 500 && !server_.is_running(); ++i) std::this_thread::sleep_for(milliseconds(2));
  }
  ~GatedApp() {
    Open();
    server_.stop();
    thread_.join();
  }
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  int port() const { return port_; }

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;  // guards open_
  std::condition_variable cv_;
  bool open_ = false;
};

SidecarConfig SidecarFor(const std::string& app, int app_port, const std::string& operator_endpoint) {
  SidecarConfig c;
  c.app_id = app;
  c.pod = app + "-0";
  c.sidecar_id = c.pod + "-" + std::to_string(::getpid());
  c.app_port = app_port;
  c.http_port = 0;
  c.data_port = 0;
  c.operator_endpoint = operator_endpoint;
  c.heartbeat_interval = milliseconds(50);
  c.max_deliveries = 4;
  c.link_window = 3;  // so that most of the backlog waits in the publisher's outbox
  c.drain_timeout = milliseconds(500);
  return c;
}

class OperatorSidecarLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("zroute-sidecar-load-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "manifests.yaml") << kManifests;
    OperatorConfig config;
    config.manifests_dir = dir_.string();
    config.control_bind = "tcp://127.0.0.1:*";
    config.http_port = 0;
    config.scaling_interval = milliseconds(20);
    operator_ = std::make_unique<Operator>(config, RealClock());
    ASSERT_TRUE(operator_->Start().ok());
    http_ = std::make_unique<httplib::Client>("127.0.0.1", operator_->http_port());

    billing_ = std::make_unique<Sidecar>(SidecarFor("billing", app_.port(), operator_->control_endpoint()), RealClock());
    Status started = billing_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    orders_ = std::make_unique<Sidecar>(SidecarFor("orders", 0, operator_->control_endpoint()), RealClock());
    started = orders_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
  }

  void TearDown() override {
    app_.Open();
    if (orders_) orders_->Stop();
    if (billing_) billing_->Stop();
    if (operator_) operator_->Stop();
    std::filesystem::remove_all(dir_);
  }

  json WaitForHint(const std::function<bool(const json&)>& done) {
    json hint;
    for (int i = 0; i < 1000; ++i) {
      auto res = http_->Get("/v1/scaling");
      json all = res ? json::parse(res->body, nullptr, false) : json();
      if (all.is_array() && !all.empty() && all[0].contains("inputs")) {
        hint = all[0];
        if (done(hint)) return hint;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
    ADD_FAILURE() << "condition not reached; last hint: " << hint.dump();
    return hint;
  }

  GatedApp app_;
  std::filesystem::path dir_;
  std::unique_ptr<Operator> operator_;
  std::unique_ptr<httplib::Client> http_;
  std::unique_ptr<Sidecar> billing_;
  std::unique_ptr<Sidecar> orders_;
};

TEST_F(OperatorSidecarLoadTest, StuckConsumerBacklogRaisesTheHintAndItsDrainLowersIt) {
  // An idle consumer already reports: it is the one running replica.
  json hint = WaitForHint([](const json& h) { return h["inputs"]["consumerReplicas"] == 1; });
  EXPECT_EQ(hint["recommendedReplicas"], 1);

  // Wait until the publisher has the subscription in its table, then publish 60 events.
  httplib::Client pub("127.0.0.1", orders_->http_port());
  int accepted = 0;
  for (int i = 0; i < 60; ++i) {
    httplib::Headers headers = {{"ce-specversion", "1.0"}, {"ce-id", "order-" + std::to_string(i)},
                                {"ce-source", "/orders"}, {"ce-type", "order.created"}};
    for (int attempt = 0; attempt < 250; ++attempt) {
      auto res = pub.Post("/v1/publish/orders", headers, "{}", "application/json");
      if (res && res->status / 100 == 2) {
        ++accepted;
        break;
      }
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  ASSERT_EQ(accepted, 60);

  // 60 events wait or are in flight to the stuck app: at 10 per replica, 6 replicas. Once the
  // link is up, some are in flight (counted by the consumer), the rest wait (the publisher).
  hint = WaitForHint([](const json& h) {
    return h["inputs"]["lag"].get<int64_t>() + h["inputs"]["inFlight"].get<int64_t>() == 60 &&
           h["inputs"]["inFlight"].get<int64_t>() > 0;
  });
  EXPECT_EQ(hint["recommendedReplicas"], 6);
  EXPECT_GT(hint["inputs"]["lag"].get<int64_t>(), 0);       // the publisher's part
  EXPECT_GT(hint["inputs"]["inFlight"].get<int64_t>(), 0);  // the consumer's part
  EXPECT_EQ(hint["inputs"]["backlogSources"], 1);
  EXPECT_GT(hint["inputs"]["arrivalRate"].get<double>(), 0);

  // The app recovers: everything is delivered, the hint falls back, and completions were seen.
  app_.Open();
  hint = WaitForHint([](const json& h) {
    return h["inputs"]["lag"] == 0 && h["inputs"]["inFlight"] == 0 && h["recommendedReplicas"] == 1;
  });
  EXPECT_GT(hint["inputs"]["completionRate"].get<double>(), 0);
  EXPECT_GT(hint["inputs"]["latencyP99Seconds"].get<double>(), 0);
}

}  // namespace
}  // namespace zroute
