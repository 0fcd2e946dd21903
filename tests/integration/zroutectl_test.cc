// zroutectl, run as a program against a running standalone system: what it prints (tables and
// -o json), what it changes (publish, rewind), what it reads (tail, tail-dlq), and how it fails
// (bad usage exits 2, an unreachable or refusing server exits 1, both with a message on stderr).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "common/util/subprocess.h"
#include "tests/integration/observed_system.h"
#include "tests/support/run_process.h"

namespace zroute::testing {
namespace {

const std::string kCtl = std::string(ZROUTE_BINARY_DIR) + "/operator/ctl/zroutectl";

RunResult Ctl(std::vector<std::string> args) {
  args.insert(args.begin(), kCtl);
  auto run = RunProcess(args, "", std::chrono::seconds(30));
  EXPECT_TRUE(run.ok()) << run.status().ToString();
  return run.ok() ? *run : RunResult{};
}

nlohmann::json Json(const RunResult& r) {
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_FALSE(j.is_discarded()) << "not JSON:\n" << r.out << r.err;
  return j;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

// The line of a table that contains `needle`, or "".
std::string LineWith(const std::string& text, const std::string& needle) {
  for (const auto& l : Lines(text)) {
    if (l.find(needle) != std::string::npos) return l;
  }
  return "";
}

double Sample(const std::string& text, const std::string& prefix) {
  const std::string line = LineWith(text, prefix + " ");
  return line.empty() ? -1 : std::stod(line.substr(line.rfind(' ') + 1));
}

class ZroutectlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    system_ = std::make_unique<ObservedSystem>(work_.path());
    ASSERT_TRUE(system_->ok()) << system_->error();
    op_ = "http://127.0.0.1:" + std::to_string(system_->operator_port());
    shop_ = "http://127.0.0.1:" + std::to_string(system_->shop().sidecar_port);
    billing_ = "http://127.0.0.1:" + std::to_string(system_->billing().sidecar_port);
  }
  void TearDown() override { system_.reset(); }

  TempWorkDir work_;
  std::unique_ptr<ObservedSystem> system_;
  std::string op_, shop_, billing_;
};

TEST_F(ZroutectlTest, PublishesAndListsTopicsSubscriptionsAndTheRoutingTable) {
  RunResult pub = Ctl({"publish", "orders", R"({"n":1})", "--sidecar", shop_, "--id", "ctl-1", "--key", "k1"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  EXPECT_EQ(Lines(pub.out).at(0), "TOPIC   ID     STATUS");
  EXPECT_EQ(Lines(pub.out).at(1), "orders  ctl-1  accepted");
  RunResult pub_json = Ctl({"publish", "orders", R"({"n":2})", "--sidecar", shop_, "--id", "ctl-2", "-o", "json"});
  ASSERT_EQ(pub_json.exit_code, 0) << pub_json.err;
  EXPECT_EQ(Json(pub_json)["ids"], nlohmann::json::array({"ctl-2"}));
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(20), [&] { return ReceivedIds(system_->billing(), "default/orders").size() >= 2; }));
  std::vector<std::string> received = ReceivedIds(system_->billing(), "default/orders");
  std::sort(received.begin(), received.end());
  EXPECT_EQ(received, (std::vector<std::string>{"ctl-1", "ctl-2"}));

  RunResult subs = Ctl({"subscriptions", "--operator", op_});
  ASSERT_EQ(subs.exit_code, 0) << subs.err;
  const std::string header = Lines(subs.out).at(0);
  const std::string row = LineWith(subs.out, "billing-orders");
  ASSERT_FALSE(row.empty()) << subs.out;
  EXPECT_EQ(header.find("TOPIC"), row.find(" orders ") + 1) << "columns are not aligned:\n" << subs.out;
  EXPECT_EQ(header.find("APP"), row.find("billing ")) << subs.out;
  EXPECT_EQ(header.find("DEAD-LETTER"), row.find("orders-dlq")) << subs.out;
  EXPECT_NE(row.find("Ready"), std::string::npos) << row;

  RunResult subs_json = Ctl({"subscriptions", "--operator", op_, "-o", "json"});
  ASSERT_EQ(subs_json.exit_code, 0) << subs_json.err;
  const nlohmann::json s = Json(subs_json);
  ASSERT_EQ(s.size(), 1u) << s.dump();
  EXPECT_EQ(s[0]["name"], "billing-orders");
  EXPECT_EQ(s[0]["topic"], "orders");
  EXPECT_EQ(s[0]["appId"], "billing");
  EXPECT_EQ(s[0]["readyReplicas"], 1);
  EXPECT_EQ(s[0]["status"], "Ready");
  EXPECT_EQ(s[0]["deadLetterTopic"], "orders-dlq");
  EXPECT_TRUE(s[0]["lag"].is_number_unsigned());

  RunResult topics = Ctl({"topics", "--operator", op_, "-o", "json"});
  ASSERT_EQ(topics.exit_code, 0) << topics.err;
  std::map<std::string, int> subscriptions_by_topic;
  for (const auto& t : Json(topics)) subscriptions_by_topic[t["name"].get<std::string>()] = t["subscriptions"].get<int>();
  EXPECT_EQ(subscriptions_by_topic, (std::map<std::string, int>{{"orders", 1}, {"orders-dlq", 0}}));
  RunResult topics_table = Ctl({"topics", "--operator", op_});
  ASSERT_EQ(topics_table.exit_code, 0);
  EXPECT_EQ(Lines(topics_table.out).size(), 3u) << topics_table.out;  // header + two topics

  auto live = LocalSystem::GetJson(system_->operator_port(), "/v1/routing-table");
  ASSERT_TRUE(live.ok());
  RunResult table_json = Ctl({"routing-table", "--operator", op_, "-o", "json"});
  ASSERT_EQ(table_json.exit_code, 0) << table_json.err;
  const nlohmann::json table = Json(table_json);
  EXPECT_GE(table["version"], (*live)["version"]);
  EXPECT_TRUE(table["entries"].contains("subscription/default/billing-orders")) << table.dump();
  RunResult table_text = Ctl({"routing-table", "--operator", op_});
  ASSERT_EQ(table_text.exit_code, 0) << table_text.err;
  EXPECT_EQ(Lines(table_text.out).at(0).rfind("version ", 0), 0u) << table_text.out;
  EXPECT_NE(LineWith(table_text.out, "Subscription").find("billing-orders"), std::string::npos) << table_text.out;
  EXPECT_NE(LineWith(table_text.out, "Endpoint").find(system_->billing().sidecar_id), std::string::npos)
      << table_text.out;
}

TEST_F(ZroutectlTest, RewindReplaysTheSubscriptionFromAnOffset) {
  ASSERT_TRUE(system_->PublishAndSettle(8, 0, "rw-"));
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(20), [&] { return AllDrained(system_->system()); }));
  const std::string acked = "zroute_events_acked_total{subscription=\"default/billing-orders\"}";
  const double before = Sample(ObservedSystem::Metrics(system_->shop().sidecar_port), acked);
  ASSERT_GE(before, 8);

  RunResult rewind = Ctl({"rewind", "default/billing-orders", "--offset", "0", "--sidecar", shop_, "-o", "json"});
  ASSERT_EQ(rewind.exit_code, 0) << rewind.err;
  EXPECT_EQ(Json(rewind), (nlohmann::json{{"subscription", "default/billing-orders"}, {"offset", 0}}));
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(20), [&] {
    return Sample(ObservedSystem::Metrics(system_->shop().sidecar_port), acked) >= before + 8;
  })) << "the rewound events were not delivered again";

  RunResult unknown = Ctl({"rewind", "nosuch", "--offset", "0", "--sidecar", shop_});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("unknown subscription 'default/nosuch'"), std::string::npos) << unknown.err;
  EXPECT_EQ(Ctl({"rewind", "billing-orders", "--offset", "1", "--time", "2026-01-01T00:00:00Z", "--sidecar", shop_})
                .exit_code, 2);
  EXPECT_EQ(Ctl({"rewind", "billing-orders", "--offset", "abc", "--sidecar", shop_}).exit_code, 2);
  EXPECT_EQ(Ctl({"rewind", "billing-orders", "--sidecar", shop_}).exit_code, 2);
  RunResult bad_time = Ctl({"rewind", "billing-orders", "--time", "yesterday", "--sidecar", shop_});
  EXPECT_EQ(bad_time.exit_code, 1);  // the sidecar refuses it
  EXPECT_NE(bad_time.err.find("RFC 3339"), std::string::npos) << bad_time.err;
}

TEST_F(ZroutectlTest, TailAndTailDlqShowTheEventsAndFollowNewOnes) {
  ASSERT_TRUE(system_->PublishAndSettle(5, 2, "tail-"));
  RunResult dlq = Ctl({"tail-dlq", "billing-orders", "--operator", op_, "--sidecar", billing_, "-o", "json"});
  ASSERT_EQ(dlq.exit_code, 0) << dlq.err;
  const nlohmann::json dead = Json(dlq);
  ASSERT_EQ(dead.size(), 2u) << dead.dump();
  for (const auto& e : dead) {
    EXPECT_EQ(e["event"]["type"], kRejectType);
    EXPECT_EQ(e["event"]["deadletterstatus"], "400");
    EXPECT_EQ(e["event"]["deadlettersub"], "default/billing-orders");
  }
  RunResult dlq_table = Ctl({"tail-dlq", "billing-orders", "--operator", op_, "--sidecar", billing_});
  ASSERT_EQ(dlq_table.exit_code, 0) << dlq_table.err;
  ASSERT_EQ(Lines(dlq_table.out).size(), 3u) << dlq_table.out;
  EXPECT_EQ(Lines(dlq_table.out)[0].rfind("OFFSET  TIME", 0), 0u) << dlq_table.out;
  EXPECT_NE(dlq_table.out.find("tail-5"), std::string::npos) << dlq_table.out;

  RunResult last3 = Ctl({"tail", "orders", "--sidecar", shop_, "--limit", "3", "-o", "json"});
  ASSERT_EQ(last3.exit_code, 0) << last3.err;
  const nlohmann::json events = Json(last3);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0]["offset"], 4);
  EXPECT_EQ(events[2]["event"]["id"], "tail-6");

  // --follow prints what is there, then what arrives, and stops after --count events.
  SubprocessOptions follow;
  follow.argv = {kCtl, "tail-dlq", "billing-orders", "--operator", op_, "--sidecar", billing_,
                 "-f", "--count", "3", "--interval", "100", "-o", "json"};
  follow.log_file = work_.path() + "/follow.log";
  auto tail = Subprocess::Start(follow);
  ASSERT_TRUE(tail.ok()) << tail.status().ToString();
  ASSERT_TRUE(system_->PublishAndSettle(0, 1, "late-"));
  auto status = tail->Wait(std::chrono::seconds(20));
  ASSERT_TRUE(status.ok()) << "tail -f did not stop after --count events";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  std::ifstream log(follow.log_file);
  std::vector<std::string> ids;
  for (std::string line; std::getline(log, line);) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << line;
    ids.push_back(j["event"]["id"].get<std::string>());
  }
  // tail-5 and tail-6 were dead-lettered by concurrent deliveries: either may come first.
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ((std::set<std::string>{ids[0], ids[1]}), (std::set<std::string>{"tail-5", "tail-6"}));
  EXPECT_EQ(ids[2], "late-0");
}

TEST_F(ZroutectlTest, BadUsageAndUnreachableServersFailClearly) {
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{}, 2, "no command given"},
      {{"frobnicate"}, 2, "unknown command 'frobnicate'"},
      {{"publish", "orders"}, 2, "missing arguments"},
      {{"publish", "orders", "{}", "extra", "--sidecar", shop_}, 2, "unexpected argument 'extra'"},
      {{"publish", "orders", "{}", "--sidecar", "ftp://127.0.0.1:1"}, 2, "must start with http://"},
      {{"publish", "orders", "{}", "--sidecar", "http://127.0.0.1:99999"}, 2, "port is out of range"},
      {{"publish", "orders", "{}", "--sidecar"}, 2, "--sidecar needs a value"},
      {{"publish", "nosuch", "{}", "--sidecar", shop_}, 1, "answered 404"},
      {{"topics", "--operator", op_, "-o", "yaml"}, 2, "'table' or 'json'"},
      {{"topics", "--bogus"}, 2, "unknown flag '--bogus'"},
      {{"topics", "--offset", "3", "--operator", op_}, 2, "'topics' takes no --offset"},
      {{"subscriptions", "--operator", op_, "--operator", op_}, 2, "given twice"},
      {{"tail", "a/b/c", "--sidecar", shop_}, 2, "NAMESPACE/NAME"},
      {{"tail", "orders", "--sidecar", shop_, "--limit", "5000"}, 2, "--limit must be 1 to 1000"},
      {{"tail", "orders", "--sidecar", shop_, "--count", "2"}, 2, "go with --follow"},
      {{"tail", "nosuch", "--sidecar", shop_}, 1, "unknown topic 'default/nosuch'"},
      {{"tail-dlq", "nosuch", "--operator", op_, "--sidecar", billing_}, 1, "no subscription default/nosuch"},
      {{"topics", "--operator", "http://127.0.0.1:1", "--timeout", "2"}, 1, "cannot reach the operator at http://127.0.0.1:1"},
      {{"tail", "orders", "--sidecar", "http://127.0.0.1:1"}, 1, "cannot reach the sidecar"},
  };
  for (const Case& c : cases) {
    RunResult r = Ctl(c.args);
    std::string cmd;
    for (const auto& a : c.args) cmd += a + " ";
    EXPECT_EQ(r.exit_code, c.exit_code) << cmd << "\n" << r.out << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << cmd << "\nstderr: " << r.err;
    EXPECT_EQ(r.err.rfind("zroutectl: ", 0), 0u) << cmd << "\nstderr: " << r.err;
    if (c.exit_code != 0) {
      EXPECT_EQ(r.out.find("OFFSET"), std::string::npos) << "no partial table on failure";
    }
  }
  RunResult help = Ctl({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("Commands:"), std::string::npos);
  EXPECT_NE(help.out.find("tail-dlq"), std::string::npos);
}

}  // namespace
}  // namespace zroute::testing
