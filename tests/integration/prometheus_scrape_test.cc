// A real Prometheus (Debian's /usr/bin/prometheus) scrapes a running standalone system — both
// sidecars and the operator — every second, with the chart's alerting rules loaded, and answers
// PromQL about it: the delivery rate is positive after events flow, and the lag gauges are there.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "common/util/subprocess.h"
#include "tests/integration/observed_system.h"
#include "tests/support/run_process.h"

namespace zroute::testing {
namespace {

constexpr char kPrometheus[] = "/usr/bin/prometheus";

// A loopback port nothing listens on right now (Prometheus cannot report the port it bound).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

std::string Target(int port) { return "'127.0.0.1:" + std::to_string(port) + "'"; }

class PrometheusClient {
 public:
  explicit PrometheusClient(int port) : client_("127.0.0.1", port) {
    client_.set_connection_timeout(std::chrono::seconds(2));
    client_.set_read_timeout(std::chrono::seconds(10));
  }
  bool Ready() {
    auto res = client_.Get("/-/ready");
    return res && res->status == 200;
  }
  // The instant vector of `query` as (labels, value) pairs; empty on any error.
  std::vector<std::pair<nlohmann::json, double>> Query(const std::string& query) {
    std::vector<std::pair<nlohmann::json, double>> out;
    auto res = client_.Get("/api/v1/query", httplib::Params{{"query", query}}, httplib::Headers{});
    if (!res || res->status != 200) return out;
    auto body = nlohmann::json::parse(res->body, nullptr, false);
    if (body.is_discarded() || body.value("status", "") != "success") return out;
    for (const auto& r : body["data"]["result"]) out.emplace_back(r["metric"], std::stod(r["value"][1].get<std::string>()));
    return out;
  }
  nlohmann::json Get(const std::string& path) {
    auto res = client_.Get(path);
    return res && res->status == 200 ? nlohmann::json::parse(res->body, nullptr, false) : nlohmann::json();
  }

 private:
  httplib::Client client_;
};

TEST(PrometheusScrapeTest, PrometheusSeesTheDeliveryRateAndTheLagOfARunningSystem) {
  if (!IsExecutable(kPrometheus)) GTEST_SKIP() << kPrometheus << " is missing (make deps installs Debian's prometheus)";
  TempWorkDir work;
  ObservedSystem system(work.path());
  ASSERT_TRUE(system.ok()) << system.error();

  const std::string config = work.path() + "/prometheus.yml";
  WriteFile(config, "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                    "rule_files:\n  - '" + std::string(ZROUTE_SOURCE_DIR) + "/charts/zroute/files/prometheus-rules.yaml'\n"
                    "scrape_configs:\n"
                    "  - job_name: zroute-sidecar\n    static_configs:\n      - targets: [" +
                    Target(system.shop().sidecar_port) + ", " + Target(system.billing().sidecar_port) + "]\n" +
                    "  - job_name: zroute-operator\n    static_configs:\n      - targets: [" +
                    Target(system.operator_port()) + "]\n");
  const int port = FreePort();
  ASSERT_GT(port, 0);
  SubprocessOptions options;
  options.argv = {kPrometheus, "--config.file=" + config, "--storage.tsdb.path=" + work.path() + "/tsdb",
                  "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"};
  options.log_file = work.path() + "/prometheus.log";
  options.stop_grace = std::chrono::seconds(5);
  auto prometheus = Subprocess::Start(options);
  ASSERT_TRUE(prometheus.ok()) << prometheus.status().ToString();
  PrometheusClient client(port);
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(30), [&] { return prometheus->running() && client.Ready(); }))
      << "prometheus did not become ready; see " << options.log_file;

  // Every target scraped successfully at least once, and the chart's rules loaded.
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(20), [&] {
    auto up = client.Query("sum(up)");
    return !up.empty() && up[0].second == 3;
  })) << "not every target is up";
  const nlohmann::json rules = client.Get("/api/v1/rules");
  ASSERT_TRUE(rules.is_object());
  EXPECT_EQ(rules["data"]["groups"].size(), 2u) << rules.dump();

  // Events flow; Prometheus computes a positive delivery rate from the counters it scraped.
  ASSERT_TRUE(system.PublishAndSettle(60, 2, "prom-"));
  const std::string rate =
      "sum(rate(zroute_events_delivered_total{subscription=\"default/billing-orders\"}[30s]))";
  double delivered_rate = 0;
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(20), [&] {
    auto r = client.Query(rate);
    delivered_rate = r.empty() ? 0 : r[0].second;
    return delivered_rate > 0;
  })) << rate << " stayed 0";

  // The lag gauges: per subscription in the publisher's outbox, and summed by the operator.
  std::vector<std::pair<nlohmann::json, double>> outbox_lag, operator_lag;
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(10), [&] {
    outbox_lag = client.Query("zroute_outbox_lag_events{subscription=\"default/billing-orders\",job=\"zroute-sidecar\"}");
    operator_lag = client.Query("zroute_subscription_lag_events{subscription=\"default/billing-orders\"}");
    return !outbox_lag.empty() && !operator_lag.empty();
  }));
  for (const auto& [labels, value] : outbox_lag) EXPECT_GE(value, 0) << labels.dump();
  ASSERT_EQ(operator_lag.size(), 1u);
  EXPECT_EQ(operator_lag[0].first.value("job", ""), "zroute-operator");
  // Everything was delivered: the lag falls back to 0 in Prometheus too.
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(20), [&] {
    auto r = client.Query("max(zroute_subscription_lag_events{subscription=\"default/billing-orders\"})");
    return !r.empty() && r[0].second == 0;
  }));

  EXPECT_EQ(prometheus->Stop(), 0) << "prometheus did not exit cleanly on SIGTERM";
}

}  // namespace
}  // namespace zroute::testing
