// StatusWriter: keeps `.status` of every Topic, Subscription and ScalingPolicy current (cluster
// mode, leader only). Level-triggered, controller-runtime style:
//
// - EnqueueAll() puts every known object's key ("Kind/ns/name") in a de-duplicated, rate-limited
//   WorkQueue. The operator calls it on every change of the resources, of the ready pods, and on
//   its periodic tick (which also covers membership and lag).
// - The worker computes the desired status (ComputeStatus, operator/controller/resource_status.h)
//   from the object in the reflector cache and the control plane's current view, compares it with
//   the object's current `.status`, and only when they differ sends a merge patch to `/status`.
//   A steady system therefore writes nothing.
// - The cache lags behind our own writes until the watch event arrives. The writer remembers what
//   it wrote together with the resourceVersion it wrote over; while the cache still shows that
//   resourceVersion, the written status counts as current (no second, identical write).
// - While the routing table does not reflect a valid object's generation yet (TableReflects), the
//   key waits (AddAfter 100 ms) and nothing is computed: no status from a half-updated world.
// - 404 → the object is gone: forget it. Any other failure (409, 429, 5xx, transport) → retried
//   with backoff (AddRateLimited); counted as result="error".
// - After a successful write, transitions get an Event (TransitionEvents): Invalid,
//   TopicNotFound, Ready, NotReady.
//
// Metrics (OperatorMetrics): zroute_operator_reconcile_total{kind,result},
// zroute_operator_reconcile_duration_seconds{kind}, zroute_operator_status_writes_total{kind},
// zroute_operator_workqueue_{depth,adds_total,retries_total}{queue="status"}.
//
// RBAC: patch on topics/status, subscriptions/status, scalingpolicies/status (zroute.io).
//
// Threads: Start() spawns one worker thread that owns written_ and world_; EnqueueAll() and
// Stop() may be called from any thread. `client`, `clock`, `metrics` and `events` must outlive
// the writer; the input callbacks must be callable from the worker until Stop() returns.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/routing/routing_table.h"
#include "common/util/clock.h"
#include "operator/controller/event_recorder.h"
#include "operator/controller/resource_status.h"
#include "operator/controlplane/membership.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/work_queue.h"
#include "operator/operator_metrics.h"

namespace zroute::cluster {

// Where the writer reads the world from (all callable from the worker thread).
struct StatusWriterInputs {
  // Keys ("ns/name") of the objects of a kind, invalid ones included.
  std::function<std::vector<std::string>(ResourceKind)> keys;
  // The object as cached (metadata, spec, current status); nullopt when gone.
  std::function<std::optional<nlohmann::json>(ResourceKind, const std::string& key)> object;
  std::function<RoutingTablePtr()> table;
  std::function<std::vector<Member>()> members;
  // ScalingService::StatusJson(): an array of outcomes, each with "policy": "ns/name". May be empty.
  std::function<nlohmann::json()> scaling;
};

class StatusWriter {
 public:
  StatusWriter(kube::KubeClient& client, const Clock& clock, OperatorMetrics& metrics, EventRecorder& events,
               StatusWriterInputs inputs, std::unique_ptr<kube::RateLimiter> limiter = nullptr);
  ~StatusWriter();
  StatusWriter(const StatusWriter&) = delete;
  StatusWriter& operator=(const StatusWriter&) = delete;

  void Start();
  // Stops the worker; keys still queued are dropped (a new leader recomputes everything).
  void Stop();

  // Any thread: every object is looked at again, against a fresh view of the world.
  void EnqueueAll();

  // Queue key of an object: "Subscription/shop/audit".
  static std::string QueueKey(ResourceKind kind, const std::string& object_key);

 private:
  struct World {
    RoutingTablePtr table;
    std::vector<Member> members;
    std::map<std::string, double> lag;
    std::map<std::string, nlohmann::json> outcomes;  // by policy key
  };
  struct Written {
    std::string over_resource_version;  // the object's RV the patch was sent against
    nlohmann::json status;
  };

  enum class Outcome { kDone, kRetry, kWaitForTable };
  void Run();
  Outcome Process(const std::string& queue_key);
  void RefreshWorld();
  void ExportQueueMetrics();

  kube::KubeClient& client_;
  const Clock& clock_;
  OperatorMetrics& metrics_;
  EventRecorder& events_;
  const StatusWriterInputs inputs_;
  kube::WorkQueue queue_;
  std::atomic<uint64_t> epoch_{0};  // bumped by EnqueueAll: the worker refreshes world_
  std::atomic<bool> stopping_{false};
  std::thread worker_;

  // Worker thread only.
  uint64_t world_epoch_ = ~uint64_t{0};
  World world_;
  std::map<std::string, Written> written_;  // by queue key
  int64_t exported_adds_ = 0, exported_retries_ = 0;
};

}  // namespace zroute::cluster
