#include "operator/kube/leader_elector.h"

#include <ctime>

namespace zroute::kube {

LeaderElector::LeaderElector(KubeClient& client, const Clock& clock, LeaderElectionConfig config,
                             LeaderCallbacks callbacks)
    : client_(client),
      clock_(clock),
      config_(std::move(config)),
      callbacks_(std::move(callbacks)),
      lease_ref_{kLeasesGvr, config_.lease_namespace, config_.lease_name} {}

LeaderElector::~LeaderElector() { Stop(); }

std::string LeaderElector::MicroTimeNow() const {
  WallTime now = clock_.WallNow();
  auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
  char out[64];
  std::snprintf(out, sizeof(out), "%s.%06lldZ", buf, static_cast<long long>(micros));
  return out;
}

std::string LeaderElector::ObservedHolder() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (!observed_spec_.is_object()) return "";
  return observed_spec_.value("holderIdentity", "");
}

LeaderElector::Attempt LeaderElector::TryAcquireOrRenew() {
  const int lease_seconds = static_cast<int>(std::chrono::duration_cast<std::chrono::seconds>(config_.lease_duration).count());
  const std::string now_text = MicroTimeNow();
  auto got = client_.Get(lease_ref_);
  if (!got.ok() && got.status().code() == StatusCode::kNotFound) {
    Json spec = {{"holderIdentity", config_.identity},
                 {"leaseDurationSeconds", lease_seconds},
                 {"acquireTime", now_text},
                 {"renewTime", now_text},
                 {"leaseTransitions", 0}};
    Json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.lease_name}, {"namespace", config_.lease_namespace}}},
                  {"spec", spec}};
    if (!client_.Create(kLeasesGvr, config_.lease_namespace, lease).ok()) return Attempt::kFailed;
    std::lock_guard<std::mutex> lock(mu_);
    observed_spec_ = spec;
    observed_time_ = clock_.Now();
    return Attempt::kAcquired;
  }
  if (!got.ok()) return Attempt::kFailed;
  Json lease = std::move(got).value();
  Json spec = lease.contains("spec") && lease["spec"].is_object() ? lease["spec"] : Json::object();
  std::string holder = spec.value("holderIdentity", "");
  int record_seconds = spec.value("leaseDurationSeconds", lease_seconds);
  {
    std::lock_guard<std::mutex> lock(mu_);
    MonoTime now = clock_.Now();
    if (spec != observed_spec_) {
      observed_spec_ = spec;
      observed_time_ = now;
    }
    if (!holder.empty() && holder != config_.identity &&
        now < observed_time_ + std::chrono::seconds(record_seconds)) {
      return Attempt::kHeldByOther;
    }
  }
  Json next = spec;
  next["holderIdentity"] = config_.identity;
  next["leaseDurationSeconds"] = lease_seconds;
  next["renewTime"] = now_text;
  if (holder != config_.identity) {
    next["acquireTime"] = now_text;
    next["leaseTransitions"] = spec.value("leaseTransitions", 0) + 1;
  }
  lease["spec"] = next;
  // lease.metadata.resourceVersion is the one we read: a concurrent writer makes this a 409.
  if (!client_.Update(lease_ref_, lease).ok()) return Attempt::kFailed;
  std::lock_guard<std::mutex> lock(mu_);
  observed_spec_ = next;
  observed_time_ = clock_.Now();
  return Attempt::kAcquired;
}

void LeaderElector::Tick() {
  Attempt attempt = TryAcquireOrRenew();
  bool started = false;
  bool stopped = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    MonoTime now = clock_.Now();
    if (attempt == Attempt::kAcquired) {
      last_renew_ = now;
      started = !leader_.exchange(true);
    } else if (leader_ && (attempt == Attempt::kHeldByOther || now - last_renew_ >= config_.renew_deadline)) {
      leader_ = false;
      stopped = true;
    }
  }
  if (started && callbacks_.on_started_leading) callbacks_.on_started_leading();
  if (stopped && callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
}

void LeaderElector::Start() {
  thread_ = std::jthread([this](std::stop_token stop) {
    while (!stop.stop_requested()) {
      Tick();
      std::unique_lock<std::mutex> lock(loop_mu_);
      loop_cv_.wait_for(lock, stop, config_.retry_period, [] { return false; });
    }
  });
}

void LeaderElector::Stop() {
  if (thread_.joinable()) {
    thread_.request_stop();
    thread_.join();
  }
  if (leader_) (void)Release();
}

Status LeaderElector::Release() {
  if (!leader_) return Status::OK();
  Status result;
  auto got = client_.Get(lease_ref_);
  if (got.ok()) {
    Json lease = std::move(got).value();
    if (lease["spec"].value("holderIdentity", "") == config_.identity) {
      std::string now_text = MicroTimeNow();
      lease["spec"]["holderIdentity"] = "";
      lease["spec"]["leaseDurationSeconds"] = 1;
      lease["spec"]["renewTime"] = now_text;
      lease["spec"]["acquireTime"] = now_text;
      auto updated = client_.Update(lease_ref_, lease);
      if (!updated.ok()) result = updated.status();
    }
  } else {
    result = got.status();
  }
  // Leader work stops either way: holding on without being able to renew is unsafe.
  if (leader_.exchange(false) && callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  return result;
}

}  // namespace zroute::kube
