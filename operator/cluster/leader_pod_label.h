// LeaderPodLabel: keeps the label `zroute.io/control-plane: leader` on this replica's own Pod
// exactly while it runs the control plane, so that the control-plane Service (whose selector
// includes the label) routes sidecars to the leader only, while every replica stays Ready and
// serves the webhook (docs/kubernetes.md, "High availability").
//
// Contract:
// - The wanted state starts as "absent": Start() makes one attempt to remove the label (merge
//   patch {"metadata":{"labels":{KEY:null}}} on /api/v1/namespaces/{ns}/pods/{name}) before it
//   returns — pod labels survive container restarts, so a restarted ex-leader must clear its own.
// - SetLeader(true/false) changes the wanted state; an owned thread applies it (merge patch with
//   "leader", or with null). A failed patch is logged and retried with exponential backoff
//   (options.backoff); it is never fatal. A newer wanted state replaces a pending one.
// - Stop() makes one last best-effort attempt to remove the label (unless it is known to be
//   absent), then stops the thread. Call it before the Lease is released, so that the old label
//   is gone before a successor adds its own.
// - With an empty pod name (outside a cluster) nothing is patched: Start() logs that once at info.
//
// Threads: SetLeader/applied from any thread; Start/Stop from the owner. `mu_` guards the state.
// Lifetime: `client` must outlive the object.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "common/util/backoff.h"
#include "operator/kube/kube_client.h"

namespace zroute::cluster {

inline constexpr char kControlPlaneLabel[] = "zroute.io/control-plane";
inline constexpr char kControlPlaneLeader[] = "leader";

struct LeaderPodLabelOptions {
  std::string ns;        // the operator's namespace
  std::string pod_name;  // this replica's Pod; empty: labelling is skipped
  BackoffSpec backoff{BackoffKind::kExponential, std::chrono::milliseconds(500), std::chrono::milliseconds(30000)};
};

class LeaderPodLabel {
 public:
  LeaderPodLabel(kube::KubeClient& client, LeaderPodLabelOptions options);
  ~LeaderPodLabel();
  LeaderPodLabel(const LeaderPodLabel&) = delete;
  LeaderPodLabel& operator=(const LeaderPodLabel&) = delete;

  void Start();
  void SetLeader(bool leader);
  void Stop();
  // The state last written successfully: 1 labelled, 0 not labelled, -1 unknown (not yet written).
  int applied() const;

 private:
  enum class State { kUnknown, kAbsent, kPresent };
  Status Apply(bool leader);
  void Loop();

  kube::KubeClient& client_;
  const LeaderPodLabelOptions options_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool want_leader_ = false;
  State applied_ = State::kUnknown;
  bool stop_ = false;
  bool started_ = false;
  std::thread thread_;
};

}  // namespace zroute::cluster
