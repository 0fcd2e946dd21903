// ScalingEventForwarder: the scaling controller's ScalingEventRecorder on top of the operator's
// generic EventRecorder. An event for policy_key "namespace/name" becomes an event on the
// involved object {apiVersion zroute.io/v1alpha1, kind ScalingPolicy, namespace, name, uid};
// the uid comes from SetPolicyUids (empty when unknown: `kubectl describe` then still lists the
// event by name and kind, but it is not tied to one incarnation of the policy).
//
// Threads: thread-safe; mu_ guards uids_. Record() returns as quickly as the target does.
// Lifetime: `target` must outlive the forwarder.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "operator/controller/event_recorder.h"
#include "operator/scaling/scaling_sink.h"

namespace zroute::scaling {

class ScalingEventForwarder final : public ScalingEventRecorder {
 public:
  explicit ScalingEventForwarder(EventRecorder& target) : target_(target) {}

  void Record(const ScalingEvent& event) override;
  // The uids of the current policies, by "namespace/name" (replaces the previous map).
  void SetPolicyUids(std::map<std::string, std::string> uids);

 private:
  EventRecorder& target_;
  mutable std::mutex mu_;  // guards uids_
  std::map<std::string, std::string> uids_;
};

}  // namespace zroute::scaling
