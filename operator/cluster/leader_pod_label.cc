#include "operator/cluster/leader_pod_label.h"

#include <random>

#include "common/util/logging.h"
#include "common/util/thread_name.h"

namespace zroute::cluster {

LeaderPodLabel::LeaderPodLabel(kube::KubeClient& client, LeaderPodLabelOptions options)
    : client_(client), options_(std::move(options)) {}

LeaderPodLabel::~LeaderPodLabel() { Stop(); }

Status LeaderPodLabel::Apply(bool leader) {
  kube::ResourceRef ref{{"", "v1", "pods"}, options_.ns, options_.pod_name};
  kube::Json value = leader ? kube::Json(kControlPlaneLeader) : kube::Json(nullptr);
  kube::Json patch = {{"metadata", {{"labels", {{kControlPlaneLabel, value}}}}}};
  auto result = client_.Patch(ref, kube::PatchType::kMerge, patch);
  if (!result.ok()) return result.status();
  std::lock_guard<std::mutex> lock(mu_);
  applied_ = leader ? State::kPresent : State::kAbsent;
  return Status::OK();
}

void LeaderPodLabel::Start() {
  if (options_.pod_name.empty()) {
    ZR_LOG(kInfo, "operator", "no pod name: the control-plane leader label is not managed (outside a cluster?)");
    return;
  }
  Status s = Apply(false);
  if (!s.ok()) {
    ZR_LOG(kWarn, "operator", "cannot clear the leader label on this pod; retrying",
           {{"pod", options_.ns + "/" + options_.pod_name}, {"error", s.ToString()}});
  }
  std::lock_guard<std::mutex> lock(mu_);
  started_ = true;
  thread_ = std::thread([this] {
    SetCurrentThreadName("zr-leader-label");
    Loop();
  });
}

void LeaderPodLabel::SetLeader(bool leader) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    want_leader_ = leader;
  }
  cv_.notify_all();
}

int LeaderPodLabel::applied() const {
  std::lock_guard<std::mutex> lock(mu_);
  return applied_ == State::kUnknown ? -1 : applied_ == State::kPresent ? 1 : 0;
}

void LeaderPodLabel::Loop() {
  std::mt19937 rng(std::random_device{}());
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  int retry = 0;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    auto in_sync = [this] { return applied_ == (want_leader_ ? State::kPresent : State::kAbsent); };
    cv_.wait(lock, [&] { return stop_ || !in_sync(); });
    if (stop_) break;
    const bool want = want_leader_;
    lock.unlock();
    Status s = Apply(want);
    lock.lock();
    if (s.ok()) {
      if (retry > 0 || want) {
        ZR_LOG(kInfo, "operator", want ? "labelled this pod as the control-plane leader" : "removed the leader label",
               {{"pod", options_.ns + "/" + options_.pod_name}});
      }
      retry = 0;
      continue;
    }
    ++retry;
    auto delay = BackoffDelay(options_.backoff, retry, [&] { return unit(rng); });
    ZR_LOG(kWarn, "operator", "cannot update the leader label on this pod; retrying",
           {{"pod", options_.ns + "/" + options_.pod_name},
            {"leader", want},
            {"error", s.ToString()},
            {"retryInMs", static_cast<int64_t>(delay.count())}});
    // A new wanted state does not cut the backoff short: only Stop() does.
    cv_.wait_for(lock, delay, [this] { return stop_; });
  }
}

void LeaderPodLabel::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!started_) return;
    started_ = false;
    stop_ = true;
    want_leader_ = false;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  bool absent;
  {
    std::lock_guard<std::mutex> lock(mu_);
    absent = applied_ == State::kAbsent;
  }
  if (!absent) {
    Status s = Apply(false);  // best effort: a restart clears it anyway
    if (!s.ok()) {
      ZR_LOG(kWarn, "operator", "cannot remove the leader label on shutdown",
             {{"pod", options_.ns + "/" + options_.pod_name}, {"error", s.ToString()}});
    }
  }
}

}  // namespace zroute::cluster
