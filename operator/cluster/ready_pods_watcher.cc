#include "operator/cluster/ready_pods_watcher.h"

namespace zroute::cluster {
namespace {

bool HasSidecarContainer(const kube::Json& spec, const char* field) {
  auto it = spec.find(field);
  if (it == spec.end() || !it->is_array()) return false;
  for (const auto& c : *it) {
    if (c.is_object() && c.value("name", kube::Json()) == "zroute-sidecar") return true;
  }
  return false;
}

}  // namespace

bool IsReadySidecarPod(const kube::Json& pod) {
  if (!pod.is_object()) return false;
  bool sidecar = false;
  auto meta = pod.find("metadata");
  if (meta != pod.end() && meta->is_object()) {
    auto ann = meta->find("annotations");
    if (ann != meta->end() && ann->is_object() && ann->value("zroute.io/injected", kube::Json()) == "true") sidecar = true;
  }
  auto spec = pod.find("spec");
  if (!sidecar && spec != pod.end() && spec->is_object()) {
    sidecar = HasSidecarContainer(*spec, "containers") || HasSidecarContainer(*spec, "initContainers");
  }
  if (!sidecar) return false;
  auto status = pod.find("status");
  if (status == pod.end() || !status->is_object()) return false;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return false;
  for (const auto& c : *conditions) {
    if (c.is_object() && c.value("type", kube::Json()) == "Ready") return c.value("status", kube::Json()) == "True";
  }
  return false;
}

ReadyPodsWatcher::ReadyPodsWatcher(kube::KubeClient& client, ReadyPodsWatcherOptions options)
    : client_(client), options_(std::move(options)) {}

ReadyPodsWatcher::~ReadyPodsWatcher() { Stop(); }

void ReadyPodsWatcher::MarkDirty() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = true;
  }
  cv_.notify_all();
}

Status ReadyPodsWatcher::Start(ChangeFn on_change) {
  on_change_ = std::move(on_change);
  kube::ReflectorOptions ro = options_.reflector;
  ro.label_selector = options_.label_selector;
  reflector_ = std::make_unique<kube::Reflector>(
      client_, kPodsGvr, "", cache_,
      kube::ReflectorHandlers{
          .on_add = [this](const kube::Json&) { MarkDirty(); },
          .on_update = [this](const kube::Json&, const kube::Json&) { MarkDirty(); },
          .on_delete = [this](const kube::Json&) { MarkDirty(); },
      },
      ro);
  reflector_->Start();
  if (!reflector_->WaitForSync(options_.sync_timeout)) {
    Stop();
    return Status::DeadlineExceeded("initial list of pods did not complete in time");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    dirty_ = false;
  }
  on_change_(Snapshot());
  publisher_ = std::thread([this] { PublishLoop(); });
  return Status::OK();
}

std::set<std::string> ReadyPodsWatcher::Snapshot() const {
  std::set<std::string> ready;
  for (const kube::Json& pod : cache_.List()) {
    if (IsReadySidecarPod(pod)) ready.insert(kube::ObjectKey(pod));
  }
  return ready;
}

void ReadyPodsWatcher::PublishLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    cv_.wait(lock, [this] { return dirty_ || stop_; });
    if (stop_) return;
    cv_.wait_for(lock, options_.coalesce, [this] { return stop_; });
    if (stop_) return;
    dirty_ = false;
    lock.unlock();
    on_change_(Snapshot());
    lock.lock();
  }
}

void ReadyPodsWatcher::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (publisher_.joinable()) publisher_.join();
  if (reflector_) reflector_->Stop();
}

}  // namespace zroute::cluster
