#include "operator/standalone/manifest_folder_source.h"

#include <algorithm>
#include <filesystem>
#include <vector>

#include "common/util/logging.h"
#include "common/util/thread_name.h"

namespace zroute {

namespace fs = std::filesystem;

ManifestFolderSource::ManifestFolderSource(std::string dir, std::chrono::milliseconds poll_interval)
    : dir_(std::move(dir)), poll_interval_(poll_interval) {}

ManifestFolderSource::~ManifestFolderSource() { Stop(); }

std::string ManifestFolderSource::Fingerprint(const std::string& dir) {
  std::vector<std::string> parts;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    auto ext = entry.path().extension().string();
    if (ext != ".yaml" && ext != ".yml") continue;
    std::error_code e2;
    auto size = entry.file_size(e2);
    auto mtime = entry.last_write_time(e2).time_since_epoch().count();
    parts.push_back(entry.path().filename().string() + ":" + std::to_string(size) + ":" + std::to_string(mtime));
  }
  if (ec) return "error:" + ec.message();
  std::sort(parts.begin(), parts.end());
  std::string out;
  for (const auto& p : parts) out += p + "\n";
  return out;
}

Status ManifestFolderSource::Start(ChangeFn on_change) {
  std::error_code ec;
  if (!fs::is_directory(dir_, ec)) return Status::NotFound("manifest folder '" + dir_ + "' does not exist");
  on_change_ = std::move(on_change);
  fingerprint_ = Fingerprint(dir_);
  Load();
  thread_ = std::thread([this] {
    SetCurrentThreadName("zr-manifests");
    Loop();
  });
  return Status::OK();
}

void ManifestFolderSource::Load() {
  auto set = LoadManifestFolder(dir_);
  if (!set.ok()) {
    ZR_LOG(kError, "manifests", "cannot read manifest folder", {{"dir", dir_}, {"error", set.status().ToString()}});
    return;
  }
  for (const auto& e : set->errors) ZR_LOG(kError, "manifests", "invalid resource left out", {{"error", e.message()}});
  ZR_LOG(kInfo, "manifests", "loaded",
         {{"dir", dir_}, {"topics", set->topics.size()}, {"subscriptions", set->subscriptions.size()},
          {"scalingPolicies", set->scaling_policies.size()}, {"invalid", set->errors.size()}});
  on_change_(*set);
}

void ManifestFolderSource::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, poll_interval_, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    std::string now = Fingerprint(dir_);
    if (now != fingerprint_) {
      fingerprint_ = now;
      Load();
    }
    lock.lock();
  }
}

void ManifestFolderSource::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace zroute
