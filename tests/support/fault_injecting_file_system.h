// FaultInjectingFileSystem: wraps another FileSystem, counts file syncs (fdatasync) and directory
// syncs, and fails syncs or writes on demand, to test what durable code does when the disk fails.
// Thread-safe; the wrapped file system must outlive it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

#include "common/util/file_system.h"

namespace zroute::testing {

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem& base) : base_(base) {}

  // After `n` more successful file syncs, every file sync fails with IOError (n = 0: the next).
  void FailSyncsAfter(int64_t n) { syncs_before_failure_.store(n); }
  // Every write (Append or WriteAt) to a writable file fails while set.
  void FailWrites(bool fail) { fail_writes_.store(fail); }
  // Runs `hook` at the start of every file sync, on the syncing thread, before the sync is counted
  // as failing or not (e.g. to hold a sync until the test releases it). Empty: none.
  void SetSyncHook(std::function<void()> hook) {
    std::lock_guard<std::mutex> lock(hook_mu_);
    sync_hook_ = std::move(hook);
  }
  // Stops injecting faults.
  void Heal() {
    syncs_before_failure_.store(-1);
    fail_writes_.store(false);
  }

  int64_t file_syncs() const { return file_syncs_.load(); }
  int64_t dir_syncs() const { return dir_syncs_.load(); }
  int64_t writes() const { return writes_.load(); }

  StatusOr<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path) override;
  StatusOr<std::unique_ptr<WritableFile>> CreateTruncated(const std::string& path) override;
  StatusOr<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) override {
    return base_.OpenRandomAccess(path);
  }
  StatusOr<uint64_t> FileSize(const std::string& path) override { return base_.FileSize(path); }
  bool Exists(const std::string& path) override { return base_.Exists(path); }
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override {
    return base_.ListDir(path);
  }
  Status CreateDir(const std::string& path) override { return base_.CreateDir(path); }
  Status RemoveFile(const std::string& path) override { return base_.RemoveFile(path); }
  Status RenameFile(const std::string& from, const std::string& to) override {
    return base_.RenameFile(from, to);
  }
  Status Truncate(const std::string& path, uint64_t size) override {
    return base_.Truncate(path, size);
  }
  Status SyncDir(const std::string& path) override {
    dir_syncs_.fetch_add(1);
    return base_.SyncDir(path);
  }

  // Called by the wrapped files.
  Status BeforeSync();
  Status BeforeWrite();

 private:
  FileSystem& base_;
  std::atomic<int64_t> syncs_before_failure_{-1};  // -1: never fail
  std::atomic<bool> fail_writes_{false};
  std::atomic<int64_t> file_syncs_{0};
  std::atomic<int64_t> dir_syncs_{0};
  std::atomic<int64_t> writes_{0};
  std::mutex hook_mu_;
  std::function<void()> sync_hook_;  // guarded by hook_mu_; run outside it
};

}  // namespace zroute::testing
