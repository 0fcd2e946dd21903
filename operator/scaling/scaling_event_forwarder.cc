#include "operator/scaling/scaling_event_forwarder.h"

#include <utility>

namespace zroute::scaling {

void ScalingEventForwarder::Record(const ScalingEvent& event) {
  InvolvedObject object;
  object.api_version = "zroute.io/v1alpha1";
  object.kind = "ScalingPolicy";
  const size_t slash = event.policy_key.find('/');
  if (slash == std::string::npos) {
    object.name = event.policy_key;
  } else {
    object.namespace_ = event.policy_key.substr(0, slash);
    object.name = event.policy_key.substr(slash + 1);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = uids_.find(event.policy_key);
    if (it != uids_.end()) object.uid = it->second;
  }
  target_.Record(object, event.type == kEventWarning ? EventType::kWarning : EventType::kNormal, event.reason,
                 event.message);
}

void ScalingEventForwarder::SetPolicyUids(std::map<std::string, std::string> uids) {
  std::lock_guard<std::mutex> lock(mu_);
  uids_ = std::move(uids);
}

}  // namespace zroute::scaling
