#include "operator/kube/reflector.h"

#include <algorithm>
#include <random>

namespace zroute::kube {

Reflector::Reflector(KubeClient& client, GroupVersionResource gvr, std::string ns, ObjectCache& cache,
                     ReflectorHandlers handlers, ReflectorOptions options)
    : client_(client),
      gvr_(std::move(gvr)),
      ns_(std::move(ns)),
      cache_(cache),
      handlers_(std::move(handlers)),
      options_(std::move(options)) {
  if (!options_.random) {
    auto rng = std::make_shared<std::mt19937>(std::random_device{}());
    options_.random = [rng](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(*rng); };
  }
}

Reflector::~Reflector() { Stop(); }

void Reflector::Start() {
  thread_ = std::jthread([this](std::stop_token stop) { Run(stop); });
}

void Reflector::Stop() {
  if (!thread_.joinable()) return;
  thread_.request_stop();  // fires the watch's stop callback and wakes WaitBackoff
  thread_.join();
}

bool Reflector::HasSynced() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return synced_;
}

bool Reflector::WaitForSync(Duration timeout) const {
  std::unique_lock<std::mutex> lock(state_mu_);
  return state_cv_.wait_for(lock, timeout, [this] { return synced_; });
}

std::string Reflector::LastResourceVersion() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return resource_version_;
}

ReflectorStats Reflector::Stats() const {
  std::lock_guard<std::mutex> lock(state_mu_);
  return stats_;
}

Status Reflector::ListAndReplace() {
  ZR_ASSIGN_OR_RETURN(ListResult list, ListAll(client_, gvr_, ns_, options_.label_selector, options_.page_size));
  std::map<std::string, Json> fresh;
  for (Json& item : list.items) {
    std::string key = ObjectKey(item);
    if (!key.empty()) fresh[key] = std::move(item);
  }
  std::map<std::string, Json> old = cache_.Replace(fresh);
  for (const auto& [key, obj] : fresh) {
    auto it = old.find(key);
    if (it == old.end()) {
      if (handlers_.on_add) handlers_.on_add(obj);
    } else if (ResourceVersionOf(it->second) != ResourceVersionOf(obj)) {
      if (handlers_.on_update) handlers_.on_update(it->second, obj);
    }
  }
  for (const auto& [key, obj] : old) {
    if (!fresh.count(key) && handlers_.on_delete) handlers_.on_delete(obj);
  }
  {
    std::lock_guard<std::mutex> lock(state_mu_);
    resource_version_ = list.resource_version;
    ++stats_.lists;
    synced_ = true;
  }
  state_cv_.notify_all();
  return Status::OK();
}

bool Reflector::HandleEvent(const WatchEvent& event) {
  std::string rv = ResourceVersionOf(event.object);
  if (event.type != WatchEventType::kBookmark) {
    std::string key = ObjectKey(event.object);
    if (key.empty()) return true;  // nothing to index; still a valid stream
    if (event.type == WatchEventType::kDeleted) {
      cache_.Remove(key);
      if (handlers_.on_delete) handlers_.on_delete(event.object);
    } else {
      auto old = cache_.Upsert(key, event.object);
      if (old) {
        if (handlers_.on_update) handlers_.on_update(*old, event.object);
      } else if (handlers_.on_add) {
        handlers_.on_add(event.object);
      }
    }
  }
  if (!rv.empty()) {
    std::lock_guard<std::mutex> lock(state_mu_);
    resource_version_ = rv;
  }
  return true;
}

bool Reflector::WaitBackoff(std::stop_token& stop, Duration& backoff) {
  {
    std::unique_lock<std::mutex> lock(state_mu_);
    state_cv_.wait_for(lock, stop, backoff, [] { return false; });
  }
  backoff = std::min(backoff * 2, options_.max_backoff);
  return !stop.stop_requested();
}

void Reflector::Run(std::stop_token stop) {
  Duration backoff = options_.initial_backoff;
  bool need_list = true;
  while (!stop.stop_requested()) {
    if (need_list) {
      Status listed = ListAndReplace();
      if (!listed.ok()) {
        {
          std::lock_guard<std::mutex> lock(state_mu_);
          ++stats_.errors;
        }
        if (!WaitBackoff(stop, backoff)) return;
        continue;
      }
      need_list = false;
    }
    WatchOptions watch;
    watch.resource_version = LastResourceVersion();
    watch.label_selector = options_.label_selector;
    watch.allow_bookmarks = true;
    watch.timeout_seconds = options_.random(options_.min_watch_timeout_seconds, options_.max_watch_timeout_seconds);
    {
      std::lock_guard<std::mutex> lock(state_mu_);
      ++stats_.watches;
    }
    auto end = client_.Watch(gvr_, ns_, watch, [this](const WatchEvent& e) { return HandleEvent(e); }, stop);
    if (!end.ok()) {
      {
        std::lock_guard<std::mutex> lock(state_mu_);
        ++stats_.errors;
      }
      // A refused resourceVersion cannot be resumed: start over from a list.
      if (end.status().code() == StatusCode::kInvalidArgument) need_list = true;
      if (!WaitBackoff(stop, backoff)) return;
      continue;
    }
    switch (*end) {
      case WatchEnd::kClosed:
        backoff = options_.initial_backoff;
        break;
      case WatchEnd::kExpired: {
        std::lock_guard<std::mutex> lock(state_mu_);
        ++stats_.expired;
        need_list = true;
        backoff = options_.initial_backoff;
        break;
      }
      case WatchEnd::kCancelled:
        return;
    }
  }
}

}  // namespace zroute::kube
