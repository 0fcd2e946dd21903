// FakeKubeStore: the object store behind FakeKubeServer, a TEST DOUBLE of the Kubernetes API
// server. It is not a Kubernetes implementation; it reproduces the behaviours zroute's operator
// relies on (see /work/shared/KUBE-API-NOTES.md and docs/kubernetes.md):
//   - one global, monotonically increasing resourceVersion (decimal string), bumped by every
//     write that changes something; a write that changes nothing keeps the RV and emits no event;
//   - list snapshots with limit/continue (one RV across pages; tokens can be expired → 410);
//   - a bounded watch history (too-old RV → 410), label-selector transitions on watch;
//   - /status and /scale subresources, metadata.generation, finalizers + deletionTimestamp,
//     optimistic concurrency (409 Conflict / AlreadyExists), merge and JSON patches.
// Every resource path gets the same generic semantics; all resources have a status subresource.
//
// Thread-safety: every method is thread-safe; `mu_` guards all state and `changed_` is notified on
// each new event and on Wake().
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/fake_kube/label_selector.h"

namespace zroute::testing {

// What the HTTP layer sends back: a code and a JSON body (an object, a list or a Status).
struct FakeReply {
  int code = 200;
  nlohmann::json body;
};

// A Kubernetes `Status` failure object.
nlohmann::json KubeStatus(int code, const std::string& reason, const std::string& message);

// Identifies a resource type: "group/version/resource" ("" group for the core API).
struct FakeGvr {
  std::string group;
  std::string version;
  std::string resource;
  std::string Key() const { return group + "/" + version + "/" + resource; }
  // Built-in groups accept strategic merge patches (approximated as merge patches); custom
  // resources answer 415 like a real server.
  bool IsBuiltin() const;
};

// The resource types the operator's tests use.
namespace gvr {
inline const FakeGvr kPods{"", "v1", "pods"};
inline const FakeGvr kEvents{"", "v1", "events"};
inline const FakeGvr kSecrets{"", "v1", "secrets"};
inline const FakeGvr kDeployments{"apps", "v1", "deployments"};
inline const FakeGvr kStatefulSets{"apps", "v1", "statefulsets"};
inline const FakeGvr kConfigs{"admissionregistration.k8s.io", "v1", "mutatingwebhookconfigurations"};
inline const FakeGvr kTopics{"zroute.io", "v1alpha1", "topics"};
inline const FakeGvr kSubscriptions{"zroute.io", "v1alpha1", "subscriptions"};
inline const FakeGvr kPolicies{"zroute.io", "v1alpha1", "scalingpolicies"};
}  // namespace gvr

class FakeKubeStore {
 public:
  // One watch's position in the history; owned by the HTTP thread serving that watch.
  struct WatchState {
    FakeGvr gvr;
    std::string ns;  // empty: all namespaces
    LabelSelector selector;
    uint64_t cursor = 0;  // last RV delivered
  };
  enum class WaitResult { kEvents, kDeadline, kWoken, kExpired };

  explicit FakeKubeStore(size_t history_limit = 100000);

  FakeReply Get(const FakeGvr& gvr, const std::string& ns, const std::string& name, const std::string& sub);
  FakeReply List(const FakeGvr& gvr, const std::string& ns, const std::string& label_selector, int64_t limit,
                 const std::string& continue_token, const std::string& resource_version);
  FakeReply Create(const FakeGvr& gvr, const std::string& ns, nlohmann::json body);
  // sub: "" (main resource: .status ignored), "status" (only .status taken), "scale".
  FakeReply Update(const FakeGvr& gvr, const std::string& ns, const std::string& name, const std::string& sub,
                   nlohmann::json body);
  FakeReply Patch(const FakeGvr& gvr, const std::string& ns, const std::string& name, const std::string& sub,
                  const std::string& content_type, const std::string& body);
  FakeReply Delete(const FakeGvr& gvr, const std::string& ns, const std::string& name);

  // Starts a watch from `resource_version`. Unset/"0": `initial` receives synthetic ADDED events for
  // the current state. Returns 410 (code) when the RV is older than the retained history, 400 when
  // it is not a number.
  FakeReply StartWatch(const std::string& resource_version, WatchState& state, std::vector<nlohmann::json>& initial);
  // Blocks until events after state.cursor exist (appended to `out` as watch event objects),
  // `deadline` passes, Wake() is called, or history was compacted past the cursor (kExpired).
  WaitResult WaitForEvents(WatchState& state, std::chrono::steady_clock::time_point deadline,
                           std::vector<nlohmann::json>& out);
  void Wake();

  // Test hooks.
  void CompactHistory();          // forget all history: any older RV now gets 410
  void ExpireContinueTokens();    // every outstanding continue token now gets 410
  std::string CurrentResourceVersion() const;
  size_t ObjectCount() const;

 private:
  using Key = std::tuple<std::string, std::string, std::string>;  // gvr key, namespace, name
  struct Event {
    uint64_t rv;
    std::string type;  // ADDED, MODIFIED, DELETED
    std::string gvr;
    std::string ns;
    nlohmann::json object;
    nlohmann::json old;  // previous state for MODIFIED, else null
  };
  struct Snapshot {
    uint64_t rv;
    std::vector<nlohmann::json> items;
  };

  // All *Locked methods REQUIRE mu_ held.
  FakeReply WriteLocked(const FakeGvr& gvr, const Key& key, nlohmann::json desired, const std::string& sub);
  void RecordLocked(const std::string& type, const Key& key, const nlohmann::json& object, const nlohmann::json& old);
  uint64_t NextRvLocked() { return ++rv_; }
  void CollectLocked(WatchState& state, std::vector<nlohmann::json>& out);
  std::string NewUidLocked() { return "fake-uid-" + std::to_string(++uid_counter_); }

  const size_t history_limit_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  uint64_t rv_ = 1000;
  uint64_t uid_counter_ = 0;
  uint64_t wake_generation_ = 0;
  uint64_t compacted_rv_ = 1000;  // history holds every event with rv > compacted_rv_
  std::map<Key, nlohmann::json> objects_;
  std::deque<Event> history_;
  std::map<uint64_t, Snapshot> snapshots_;
  uint64_t next_snapshot_ = 1;
};

}  // namespace zroute::testing
