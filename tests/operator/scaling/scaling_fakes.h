// Test doubles for the scaling controller's seams: a scale target, a sink and an event recorder
// that remember every call.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "operator/scaling/scale_target.h"
#include "operator/scaling/scaling_sink.h"

namespace zroute::scaling::testing {

class FakeScaleTarget final : public ScaleTarget {
 public:
  struct SetCall {
    std::string namespace_;
    std::string name;
    int replicas;
    bool operator==(const SetCall&) const = default;
  };

  StatusOr<int> GetReplicas(const std::string& ns, const ScaleTargetRef& ref) override {
    ++get_calls;
    if (!get_error.ok()) return get_error;
    auto it = replicas.find(ns + "/" + ref.name);
    if (it == replicas.end()) return Status::NotFound("no workload " + ns + "/" + ref.name);
    return it->second;
  }

  Status SetReplicas(const std::string& ns, const ScaleTargetRef& ref, int n) override {
    set_calls.push_back(SetCall{ns, ref.name, n});
    if (!set_error.ok()) return set_error;
    replicas[ns + "/" + ref.name] = n;
    return Status::OK();
  }

  std::map<std::string, int> replicas;  // by "namespace/name"
  std::vector<SetCall> set_calls;
  int get_calls = 0;
  Status get_error;
  Status set_error;
};

class RecordingSink final : public ScalingSink {
 public:
  struct Removal {
    std::string policy_key, namespace_, app_id;
  };
  void OnOutcome(const ScalingOutcome& outcome) override { outcomes.push_back(outcome); }
  void OnPolicyRemoved(const std::string& key, const std::string& ns,
                       const std::string& app) override {
    removals.push_back(Removal{key, ns, app});
  }

  std::vector<ScalingOutcome> OutcomesFor(const std::string& key) const {
    std::vector<ScalingOutcome> out;
    for (const auto& o : outcomes) {
      if (o.policy_key == key) out.push_back(o);
    }
    return out;
  }

  std::vector<ScalingOutcome> outcomes;
  std::vector<Removal> removals;
};

class RecordingEvents final : public ScalingEventRecorder {
 public:
  void Record(const ScalingEvent& event) override { events.push_back(event); }
  int CountReason(const std::string& reason) const {
    int n = 0;
    for (const auto& e : events) n += e.reason == reason ? 1 : 0;
    return n;
  }
  std::vector<ScalingEvent> events;
};

}  // namespace zroute::scaling::testing
