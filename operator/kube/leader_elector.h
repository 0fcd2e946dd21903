// LeaderElector: one active operator replica at a time, through a coordination.k8s.io/v1 Lease.
//
// Rules (docs/kubernetes.md, "Leader election"):
// - Only the local clock is trusted: a lease held by someone else counts as expired when its
//   record (holder, times, transitions) has not changed for leaseDurationSeconds *as observed
//   here* — the renewTime written by another host is never compared with our clock.
// - Every write is guarded by the Lease's resourceVersion: of two candidates one wins, the other
//   gets 409 and loses that round.
// - A leader renews every retry period; if no renewal succeeds within the renew deadline, or the
//   Lease shows another holder, it stops leading (OnStoppedLeading) and the caller must stop
//   leader work at once.
// - Taking over from another holder (or from a released lease) increments leaseTransitions;
//   renewing keeps acquireTime and leaseTransitions.
// - Stop() on a clean shutdown releases the lease (holderIdentity cleared, duration 1 s) so a
//   standby acquires it on its next attempt instead of waiting out the lease.
//
// Threads: Tick() is the whole algorithm, one attempt; Start() runs it every retry period on an
// owned thread (waits are real time, interruptible by Stop()), tests may call Tick() directly
// with a SimulatedClock instead. Callbacks run on the thread calling Tick() with no lock held.
// `mu_` guards observed_*, last_renew_; `leader_` is atomic for IsLeader() from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/util/clock.h"
#include "operator/kube/kube_client.h"

namespace zroute::kube {

struct LeaderElectionConfig {
  std::string lease_namespace;
  std::string lease_name;
  std::string identity;  // unique per replica, e.g. the pod name
  Duration lease_duration = std::chrono::seconds(15);
  Duration renew_deadline = std::chrono::seconds(10);
  Duration retry_period = std::chrono::seconds(2);
};

struct LeaderCallbacks {
  std::function<void()> on_started_leading;
  std::function<void()> on_stopped_leading;
};

inline const GroupVersionResource kLeasesGvr{"coordination.k8s.io", "v1", "leases"};

class LeaderElector {
 public:
  // `client` and `clock` must outlive the elector.
  LeaderElector(KubeClient& client, const Clock& clock, LeaderElectionConfig config, LeaderCallbacks callbacks);
  ~LeaderElector();
  LeaderElector(const LeaderElector&) = delete;
  LeaderElector& operator=(const LeaderElector&) = delete;

  // One acquire-or-renew attempt, then the leadership transitions it implies.
  void Tick();
  void Start();
  // Stops the loop (if started) and releases the lease if held.
  void Stop();
  // Gives up the lease if held (holderIdentity cleared) and calls OnStoppedLeading.
  Status Release();

  bool IsLeader() const { return leader_.load(); }
  // The holder recorded in the last Lease read ("" if none or unknown).
  std::string ObservedHolder() const;

 private:
  enum class Attempt { kAcquired, kHeldByOther, kFailed };
  Attempt TryAcquireOrRenew();
  std::string MicroTimeNow() const;

  KubeClient& client_;
  const Clock& clock_;
  const LeaderElectionConfig config_;
  const LeaderCallbacks callbacks_;
  const ResourceRef lease_ref_;

  mutable std::mutex mu_;
  Json observed_spec_;       // the Lease spec as last read or written
  MonoTime observed_time_{};  // local time when observed_spec_ last changed
  MonoTime last_renew_{};     // local time of our last successful write
  std::atomic<bool> leader_{false};

  std::mutex loop_mu_;
  std::condition_variable_any loop_cv_;
  std::jthread thread_;
};

}  // namespace zroute::kube
