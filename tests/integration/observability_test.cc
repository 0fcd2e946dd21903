// Metrics of a running standalone system, as Prometheus and operators see them:
//  - every /metrics page (both sidecars and the operator) passes `promtool check metrics`;
//  - the families docs/observability.md lists are exported, with HELP, and count what happened;
//  - every metric the chart's Grafana dashboard and alerting rules query is exported.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "tests/integration/observed_system.h"
#include "tests/support/run_process.h"

namespace zroute::testing {
namespace {

constexpr char kPromtool[] = "/usr/bin/promtool";

struct Family {
  std::string type;
  bool has_help = false;
};

// Families of a Prometheus text page, from its # TYPE and # HELP lines.
std::map<std::string, Family> Families(const std::string& text) {
  std::map<std::string, Family> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string hash, kind, name, rest;
    words >> hash >> kind >> name;
    if (hash != "#") continue;
    std::getline(words, rest);
    if (kind == "TYPE") out[name].type = rest.substr(rest.find_first_not_of(' '));
    if (kind == "HELP") out[name].has_help = rest.find_first_not_of(' ') != std::string::npos;
  }
  return out;
}

// The value of the first sample whose line starts with `prefix` (name plus labels), or -1.
double Sample(const std::string& text, const std::string& prefix) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.size() > prefix.size() && line.compare(0, prefix.size(), prefix) == 0 && line[prefix.size()] == ' ') {
      return std::stod(line.substr(line.rfind(' ') + 1));
    }
  }
  return -1;
}

std::string ReadSource(const std::string& relative) {
  std::ifstream in(std::string(ZROUTE_SOURCE_DIR) + "/" + relative);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every zroute_* name in a PromQL expression.
std::set<std::string> MetricNames(const std::string& expr) {
  std::set<std::string> out;
  static const std::regex kName("zroute_[a-zA-Z0-9_]+");
  for (auto it = std::sregex_iterator(expr.begin(), expr.end(), kName); it != std::sregex_iterator(); ++it) {
    out.insert(it->str());
  }
  return out;
}

// True when `name` is a series of an exported family: the family itself, or a histogram's
// _bucket / _sum / _count.
bool Exported(const std::string& name, const std::map<std::string, Family>& families) {
  if (families.count(name)) return true;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      auto it = families.find(name.substr(0, name.size() - s.size()));
      if (it != families.end() && it->second.type == "histogram") return true;
    }
  }
  return false;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    system_ = std::make_unique<ObservedSystem>(work_.path());
    ASSERT_TRUE(system_->ok()) << system_->error();
    ASSERT_TRUE(system_->PublishAndSettle(40, 3, "obs-")) << "events were not delivered / dead-lettered in time";
    // The operator's scaling metrics appear with its first recommendation; the outbox and link
    // gauges are refreshed once a second (the outbox count may be reached before the link is up).
    ASSERT_TRUE(WaitUntil(std::chrono::seconds(20), [&] {
      const std::string shop = ObservedSystem::Metrics(system_->shop().sidecar_port);
      return Families(ObservedSystem::Metrics(system_->operator_port())).count("zroute_scaling_recommended_replicas") &&
             Sample(shop, "zroute_outbox_events{topic=\"default/orders\"}") == 43 &&
             Sample(shop, "zroute_link_peers_connected") == 1 &&
             Sample(ObservedSystem::Metrics(system_->billing().sidecar_port),
                    "zroute_outbox_events{topic=\"default/orders-dlq\"}") == 3;
    }));
    pages_ = {{"shop sidecar", ObservedSystem::Metrics(system_->shop().sidecar_port)},
              {"billing sidecar", ObservedSystem::Metrics(system_->billing().sidecar_port)},
              {"operator", ObservedSystem::Metrics(system_->operator_port())}};
    for (const auto& [name, text] : pages_) ASSERT_FALSE(text.empty()) << name << " served no metrics";
  }
  void TearDown() override { system_.reset(); }

  std::map<std::string, Family> AllFamilies() const {
    std::map<std::string, Family> all;
    for (const auto& [name, text] : pages_) all.merge(Families(text));
    return all;
  }

  TempWorkDir work_;
  std::unique_ptr<ObservedSystem> system_;
  std::map<std::string, std::string> pages_;
};

TEST_F(ObservabilityTest, EveryMetricsPagePassesPromtoolCheckMetrics) {
  if (!IsExecutable(kPromtool)) GTEST_SKIP() << kPromtool << " is missing (make deps installs Debian's prometheus)";
  for (const auto& [name, text] : pages_) {
    auto run = RunProcess({kPromtool, "check", "metrics"}, text);
    ASSERT_TRUE(run.ok()) << run.status().ToString();
    EXPECT_EQ(run->exit_code, 0) << name << ":\n" << run->out << run->err;
    EXPECT_EQ(run->out + run->err, "") << name;
  }
  // The check can fail: a counter without _total and a family without HELP are findings.
  auto bad = RunProcess({kPromtool, "check", "metrics"}, "# TYPE zroute_bad_events counter\nzroute_bad_events 1\n");
  ASSERT_TRUE(bad.ok());
  EXPECT_NE(bad->exit_code, 0);
}

TEST_F(ObservabilityTest, TheDocumentedFamiliesAreExportedWithHelpAndCountWhatHappened) {
  const std::map<std::string, std::vector<std::pair<std::string, std::string>>> expected = {
      {"shop sidecar",
       {{"zroute_events_published_total", "counter"}, {"zroute_events_dispatched_total", "counter"},
        {"zroute_events_acked_total", "counter"}, {"zroute_events_redelivered_total", "counter"},
        {"zroute_publish_latency_seconds", "histogram"}, {"zroute_outbox_fsync_duration_seconds", "histogram"},
        {"zroute_outbox_bytes", "gauge"}, {"zroute_outbox_events", "gauge"}, {"zroute_outbox_lag_events", "gauge"},
        {"zroute_in_flight_events", "gauge"}, {"zroute_link_credit", "gauge"}, {"zroute_link_peers", "gauge"},
        {"zroute_link_peers_connected", "gauge"}, {"zroute_control_connected", "gauge"},
        {"zroute_routing_table_version", "gauge"}}},
      {"billing sidecar",
       {{"zroute_events_delivered_total", "counter"}, {"zroute_delivery_retries_total", "counter"},
        {"zroute_delivery_failures_total", "counter"}, {"zroute_events_dead_lettered_total", "counter"},
        {"zroute_events_duplicate_total", "counter"}, {"zroute_delivery_latency_seconds", "histogram"}}},
      {"operator",
       {{"zroute_operator_leader", "gauge"}, {"zroute_operator_routing_table_version", "gauge"},
        {"zroute_operator_sidecars", "gauge"}, {"zroute_subscription_lag_events", "gauge"},
        {"zroute_scaling_recommended_replicas", "gauge"}, {"zroute_scaling_desired_replicas", "gauge"},
        {"zroute_scaling_current_replicas", "gauge"}, {"zroute_scaling_lag", "gauge"},
        {"zroute_scaling_arrival_rate", "gauge"}, {"zroute_scaling_completion_rate", "gauge"}}}};
  for (const auto& [page, families] : expected) {
    const auto found = Families(pages_.at(page));
    for (const auto& [name, type] : families) {
      auto it = found.find(name);
      ASSERT_NE(it, found.end()) << name << " missing on the " << page;
      EXPECT_EQ(it->second.type, type) << name;
      EXPECT_TRUE(it->second.has_help) << name << " has no HELP";
    }
    for (const auto& [name, family] : found) EXPECT_TRUE(family.has_help) << name << " on the " << page;
  }
  const std::string& shop = pages_.at("shop sidecar");
  const std::string& billing = pages_.at("billing sidecar");
  const std::string& op = pages_.at("operator");
  const std::string sub = "{subscription=\"default/billing-orders\"}";
  EXPECT_EQ(Sample(shop, "zroute_events_published_total{topic=\"default/orders\"}"), 43);
  EXPECT_GE(Sample(billing, "zroute_events_delivered_total" + sub), 40);
  EXPECT_GE(Sample(billing, "zroute_delivery_retries_total" + sub), 1);  // every 4th delivery answered 503
  EXPECT_EQ(Sample(billing, "zroute_events_dead_lettered_total" + sub), 3);
  EXPECT_GE(Sample(shop, "zroute_events_acked_total" + sub), 43);
  EXPECT_GE(Sample(shop, "zroute_outbox_fsync_duration_seconds_count"), 1);
  EXPECT_GT(Sample(shop, "zroute_outbox_bytes"), 0);
  EXPECT_EQ(Sample(shop, "zroute_outbox_events{topic=\"default/orders\"}"), 43);
  EXPECT_EQ(Sample(billing, "zroute_outbox_events{topic=\"default/orders-dlq\"}"), 3);
  EXPECT_EQ(Sample(shop, "zroute_link_peers_connected"), 1);
  EXPECT_EQ(Sample(shop, "zroute_control_connected"), 1);
  EXPECT_EQ(Sample(op, "zroute_operator_leader"), 1);
  EXPECT_EQ(Sample(op, "zroute_operator_sidecars"), 2);
  EXPECT_GE(Sample(op, "zroute_operator_routing_table_version"), 1);
}

TEST_F(ObservabilityTest, DashboardAndAlertsQueryOnlyExportedMetrics) {
  const auto families = AllFamilies();
  std::map<std::string, std::string> used;  // metric -> where
  const auto dashboard = nlohmann::json::parse(ReadSource("charts/zroute/files/dashboards/zroute.json"));
  size_t dashboard_queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel.value("targets", nlohmann::json::array())) {
      ++dashboard_queries;
      for (const auto& m : MetricNames(target["expr"].get<std::string>())) used[m] = "dashboard panel " + panel["title"].get<std::string>();
    }
  }
  EXPECT_GE(dashboard_queries, 10u);
  const YAML::Node rules = YAML::Load(ReadSource("charts/zroute/files/prometheus-rules.yaml"));
  size_t alerts = 0;
  for (const auto& group : rules["groups"]) {
    for (const auto& rule : group["rules"]) {
      ++alerts;
      for (const auto& m : MetricNames(rule["expr"].as<std::string>())) used[m] = "alert " + rule["alert"].as<std::string>();
    }
  }
  EXPECT_GE(alerts, 5u);
  ASSERT_FALSE(used.empty());
  for (const auto& [metric, where] : used) {
    EXPECT_TRUE(Exported(metric, families)) << metric << " (" << where << ") is not on any live /metrics page";
  }
  // The check can fail: a misspelt name is not exported.
  EXPECT_FALSE(Exported("zroute_events_delivered", families));
  EXPECT_FALSE(Exported("zroute_outbox_bytes_bucket", families));
}

}  // namespace
}  // namespace zroute::testing
