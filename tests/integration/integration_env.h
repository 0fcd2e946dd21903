// Shared set-up for the multi-process tests: a temporary work folder, a manifest folder written
// by the test, and publishing helpers that talk to a sidecar like an app would.
#pragma once

#include <httplib.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "examples/demo/local_system.h"

namespace zroute::testing {

// A fresh folder under the system temp dir, removed at the end unless the test failed (then its
// logs are kept and the path printed).
class TempWorkDir {
 public:
  TempWorkDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "zroute-it.XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempWorkDir() {
    if (::testing::Test::HasFailure()) {
      std::cerr << "logs kept in " << path_ << "\n";
    } else {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void WriteFile(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path) << text;
}

inline std::string TopicYaml(const std::string& name) {
  return "apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  partitionKeyAttribute: partitionkey\n";
}

inline std::string SubscriptionYaml(const std::string& name, const std::string& topic, const std::string& app_id,
                                    bool ordered, const std::string& extra_delivery = "") {
  return "apiVersion: zroute.io/v1alpha1\nkind: Subscription\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  topic: " + topic + "\n  appId: " + app_id +
         "\n  route: /events\n  delivery:\n    ordered: " + (ordered ? "true" : "false") +
         "\n    initialDelay: 10ms\n    maxDelay: 200ms\n" + extra_delivery;
}

// Waits up to `timeout` for `done` to hold, polling (the processes under test offer no push
// notification). Returns whether it held.
inline bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

// One event as the test publishes it: id, topic, key and per-key sequence number.
struct TestEvent {
  std::string id;
  std::string topic;
  std::string key;
  uint64_t seq = 0;
};

// Publishes like an app: binary mode one by one, or structured batches. Returns the ids the
// sidecar answered 202 for (and fails the test on anything else).
class TestPublisher {
 public:
  explicit TestPublisher(int sidecar_port) : client_("127.0.0.1", sidecar_port) {
    client_.set_keep_alive(true);
    client_.set_tcp_nodelay(true);  // else every request waits out the peer's delayed ACK
    client_.set_read_timeout(std::chrono::seconds(30));
  }

  bool PublishBinary(const TestEvent& e) {
    httplib::Headers headers{{"ce-specversion", "1.0"}, {"ce-id", e.id},          {"ce-source", "/it/publisher"},
                             {"ce-type", "it.event"},   {"ce-partitionkey", e.key}, {"ce-seq", std::to_string(e.seq)}};
    auto res = client_.Post("/v1/publish/" + e.topic, headers, nlohmann::json{{"id", e.id}}.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 202) << (res ? res->status : 0) << " " << (res ? res->body : "");
    return res && res->status == 202;
  }

  // `types` (optional) gives each event's ce-type; default "it.event". A request that gets no
  // answer (the sidecar is restarting) is sent again, as an app would: the ids stay the same.
  bool PublishBatch(const std::string& topic, const std::vector<TestEvent>& events,
                    const std::vector<std::string>& types = {}) {
    nlohmann::json batch = nlohmann::json::array();
    for (size_t i = 0; i < events.size(); ++i) {
      const TestEvent& e = events[i];
      batch.push_back({{"specversion", "1.0"}, {"id", e.id}, {"source", "/it/publisher"},
                       {"type", i < types.size() ? types[i] : "it.event"}, {"partitionkey", e.key},
                       {"seq", std::to_string(e.seq)}, {"data", {{"id", e.id}}}});
    }
    std::string body = batch.dump();
    for (int attempt = 0; attempt < 100; ++attempt) {
      auto res = client_.Post("/v1/publish/" + topic, body, "application/cloudevents-batch+json");
      if (res && res->status == 202) return true;
      if (res && res->status != 503 && res->status != 429) {
        ADD_FAILURE() << res->status << " " << res->body;
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // back off as told, then retry
    }
    ADD_FAILURE() << "the sidecar never took the batch";
    return false;
  }

 private:
  httplib::Client client_;
};

// The set of event ids a subscriber app received on `topic` ("default/orders").
inline std::vector<std::string> ReceivedIds(const LocalReplica& r, const std::string& topic) {
  auto ids = LocalSystem::GetJson(r.app_port, "/ids?topic=" + topic);
  EXPECT_TRUE(ids.ok()) << ids.status().ToString();
  return ids.ok() ? ids->get<std::vector<std::string>>() : std::vector<std::string>{};
}

inline nlohmann::json Stats(const LocalReplica& r) {
  auto s = LocalSystem::GetJson(r.app_port, "/stats");
  return s.ok() ? *s : nlohmann::json::object();
}

// True when every running sidecar's outbox has every subscription fully acknowledged.
inline bool AllDrained(LocalSystem& system) {
  for (const auto& r : system.replicas()) {
    if (!r->sidecar.running()) continue;
    auto subs = LocalSystem::GetJson(r->sidecar_port, "/v1/admin/subscriptions");
    if (!subs.ok()) return false;
    for (const auto& s : *subs) {
      if (s.value("lag", 1) != 0 || s.value("inFlight", 1) != 0) return false;
    }
  }
  return true;
}

struct Record {
  std::string id;
  std::string key;
  int64_t seq = -1;
  int64_t t = 0;
  nlohmann::json attributes;
};

inline std::vector<Record> Records(const LocalReplica& r, const std::string& topic) {
  std::vector<Record> out;
  auto events = LocalSystem::GetJson(r.app_port, "/events?topic=" + topic);
  EXPECT_TRUE(events.ok()) << r.name << ": " << events.status().ToString();
  if (!events.ok()) return out;
  for (const auto& e : *events) {
    out.push_back({e.value("id", ""), e.value("key", ""), e.value("seq", int64_t{-1}), e.value("t", int64_t{0}),
                   e.value("attributes", nlohmann::json())});
  }
  return out;
}

// Merges the first arrivals of one service's replicas by arrival time and counts, per key, events
// that arrived after a later event of the same key (a redelivered old event is a duplicate, not an
// order violation).
inline int OrderViolations(std::vector<Record> records, std::string* example) {
  std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) { return a.t < b.t; });
  std::set<std::string> seen;
  std::map<std::string, int64_t> last;
  int violations = 0;
  for (const auto& r : records) {
    if (!seen.insert(r.id).second) continue;
    auto [it, inserted] = last.emplace(r.key, r.seq);
    if (inserted) continue;
    if (r.seq < it->second) {
      if (violations++ == 0) *example = r.key + ": seq " + std::to_string(r.seq) + " after " + std::to_string(it->second);
    } else {
      it->second = r.seq;
    }
  }
  return violations;
}

inline LocalSystemOptions IntegrationOptions(const std::string& work, const std::string& manifests) {
  LocalSystemOptions o;
  o.bin_dir = ZROUTE_BINARY_DIR;
  o.manifests_dir = manifests;
  o.work_dir = work;
  o.log_level = "info";
  return o;
}

}  // namespace zroute::testing
