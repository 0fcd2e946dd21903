#include "operator/cluster/kube_resource_source.h"

#include <algorithm>

#include "common/util/logging.h"
#include "common/util/thread_name.h"

namespace zroute::cluster {

KubeResourceSource::KubeResourceSource(kube::KubeClient& client, KubeResourceSourceOptions options)
    : client_(client), options_(std::move(options)) {}

KubeResourceSource::~KubeResourceSource() { Stop(); }

void KubeResourceSource::MarkDirty() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

Status KubeResourceSource::Start(ChangeFn on_change) {
  on_change_ = std::move(on_change);
  kube::ReflectorHandlers handlers{
      .on_add = [this](const kube::Json&) { MarkDirty(); },
      .on_update = [this](const kube::Json&, const kube::Json&) { MarkDirty(); },
      .on_delete = [this](const kube::Json&) { MarkDirty(); },
  };
  topics_.reflector = std::make_unique<kube::Reflector>(client_, kTopicsGvr, "", topics_.cache, handlers, options_.reflector);
  subscriptions_.reflector =
      std::make_unique<kube::Reflector>(client_, kSubscriptionsGvr, "", subscriptions_.cache, handlers, options_.reflector);
  policies_.reflector =
      std::make_unique<kube::Reflector>(client_, kScalingPoliciesGvr, "", policies_.cache, handlers, options_.reflector);
  for (Watched* w : {&topics_, &subscriptions_, &policies_}) w->reflector->Start();

  auto deadline = std::chrono::steady_clock::now() + options_.sync_timeout;
  for (Watched* w : {&topics_, &subscriptions_, &policies_}) {
    auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    if (!w->reflector->WaitForSync(std::max(left, Duration::zero()))) {
      Stop();
      return Status::DeadlineExceeded("initial list of zroute resources did not complete in time");
    }
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = false;  // the snapshot below covers everything seen so far
  }
  on_change_(Snapshot());
  publisher_ = std::thread([this] {
    SetCurrentThreadName("zr-kube-source");
    PublishLoop();
  });
  return Status::OK();
}

void KubeResourceSource::PublishLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return dirty_ || stop_; });
    if (stop_) return;
    // Coalesce: let the burst finish (a relist, a kubectl apply of many objects) first.
    cv_.wait_for(lock, options_.coalesce, [this] { return stop_; });
    if (stop_) return;
    dirty_ = false;
    lock.unlock();
    on_change_(Snapshot());
    lock.lock();
  }
}

ResourceSet KubeResourceSource::Snapshot() {
  ResourceSet set;
  auto convert = [&set](const kube::ObjectCache& cache, auto parse, auto& out) {
    for (const kube::Json& object : cache.List()) {
      auto parsed = parse(object);
      if (parsed.ok()) {
        out.push_back(std::move(parsed).value());
      } else {
        set.errors.push_back(Status(parsed.status().code(), kube::ObjectKey(object) + ": " + parsed.status().message()));
      }
    }
  };
  convert(topics_.cache, [](const kube::Json& o) { return TopicFromJson(o); }, set.topics);
  convert(subscriptions_.cache, [](const kube::Json& o) { return SubscriptionFromJson(o); }, set.subscriptions);
  convert(policies_.cache, [](const kube::Json& o) { return ScalingPolicyFromJson(o); }, set.scaling_policies);

  // Each rebuild sees every invalid object again: log an error only when it is new.
  std::set<std::string> now;
  for (const Status& e : set.errors) now.insert(e.message());
  std::lock_guard<std::mutex> lock(log_mu_);
  for (const std::string& e : now) {
    if (!logged_errors_.count(e)) ZR_LOG(kError, "kube", "invalid resource left out", {{"error", e}});
  }
  logged_errors_ = std::move(now);
  return set;
}

void KubeResourceSource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  for (Watched* w : {&topics_, &subscriptions_, &policies_}) {
    if (w->reflector) w->reflector->Stop();
  }
}

}  // namespace zroute::cluster
