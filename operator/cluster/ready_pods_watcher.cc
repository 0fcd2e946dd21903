#include "operator/cluster/ready_pods_watcher.h"

#include <algorithm>

#include "common/util/thread_name.h"
#include "operator/webhook/injection_annotations.h"
#include "operator/webhook/sidecar_container.h"

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

const kube::Json* Field(const kube::Json& object, const char* name, kube::Json::value_t type) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it != object.end() && it->type() == type ? &*it : nullptr;
}

void AddIp(const kube::Json& value, std::vector<std::string>& ips) {
  if (!value.is_string()) return;
  std::optional<std::string> ip = CanonicalIpAddress(value.get_ref<const std::string&>());
  if (ip && std::find(ips.begin(), ips.end(), *ip) == ips.end()) ips.push_back(std::move(*ip));
}

// The value after --app-id (or of --app-id=) in the zroute-sidecar container's args.
std::optional<std::string> SidecarArgAppId(const kube::Json& spec) {
  for (const char* field : {"initContainers", "containers"}) {
    const kube::Json* containers = Field(spec, field, kube::Json::value_t::array);
    if (!containers) continue;
    for (const auto& c : *containers) {
      if (!c.is_object() || c.value("name", kube::Json()) != webhook::kSidecarContainerName) continue;
      const kube::Json* args = Field(c, "args", kube::Json::value_t::array);
      if (!args) return std::nullopt;
      for (size_t i = 0; i < args->size(); ++i) {
        if (!(*args)[i].is_string()) continue;
        const std::string& arg = (*args)[i].get_ref<const std::string&>();
        if (arg == "--app-id") {
          if (i + 1 < args->size() && (*args)[i + 1].is_string()) return (*args)[i + 1].get<std::string>();
          return "";
        }
        if (arg.rfind("--app-id=", 0) == 0) return arg.substr(9);
      }
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace

PodIdentity PodIdentityOf(const kube::Json& pod) {
  PodIdentity identity;
  if (const kube::Json* status = Field(pod, "status", kube::Json::value_t::object)) {
    if (const kube::Json* ips = Field(*status, "podIPs", kube::Json::value_t::array)) {
      for (const auto& entry : *ips) {
        if (entry.is_object() && entry.contains("ip")) AddIp(entry["ip"], identity.ips);
      }
    }
    if (identity.ips.empty() && status->contains("podIP")) AddIp((*status)["podIP"], identity.ips);
  }
  const kube::Json* meta = Field(pod, "metadata", kube::Json::value_t::object);
  const kube::Json* annotations = meta ? Field(*meta, "annotations", kube::Json::value_t::object) : nullptr;
  if (annotations && annotations->contains(webhook::kAnnotationAppId)) {
    const kube::Json& value = (*annotations)[webhook::kAnnotationAppId];
    identity.app_id = value.is_string() ? value.get<std::string>() : "";
  } else if (const kube::Json* spec = Field(pod, "spec", kube::Json::value_t::object)) {
    identity.app_id = SidecarArgAppId(*spec);
  }
  return identity;
}

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
  publisher_ = std::thread([this] {
    SetCurrentThreadName("zr-ready-pods");
    PublishLoop();
  });
  return Status::OK();
}

ReadyPods ReadyPodsWatcher::Snapshot() const {
  ReadyPods ready;
  for (const kube::Json& pod : cache_.List()) {
    if (IsReadySidecarPod(pod)) ready.emplace(kube::ObjectKey(pod), PodIdentityOf(pod));
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
