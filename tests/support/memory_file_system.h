// MemoryFileSystem: a FileSystem held in memory, for fast hermetic tests and for simulating a
// crash. Every file remembers the content it had at its last Sync (or Truncate); CrashCopy()
// returns a new file system holding only that durable content, as a machine would see it after a
// power loss. Directory entries (create, rename, remove) are treated as durable at once.
// Thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "common/util/file_system.h"

namespace zroute::testing {

class MemoryFileSystem final : public FileSystem {
 public:
  struct Node {
    std::mutex mu;        // guards data, durable
    std::string data;     // what reads see
    std::string durable;  // what survives a crash
  };

  StatusOr<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path) override;
  StatusOr<std::unique_ptr<WritableFile>> CreateTruncated(const std::string& path) override;
  StatusOr<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) override;
  StatusOr<uint64_t> FileSize(const std::string& path) override;
  bool Exists(const std::string& path) override;
  StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  Status CreateDir(const std::string& path) override;
  Status RemoveFile(const std::string& path) override;
  Status RenameFile(const std::string& from, const std::string& to) override;
  Status Truncate(const std::string& path, uint64_t size) override;
  Status SyncDir(const std::string& path) override;

  // A new file system with the durable content of every file (see above).
  std::unique_ptr<MemoryFileSystem> CrashCopy() const;

  // Test access to raw bytes. GetContent returns "" for a missing file.
  std::string GetContent(const std::string& path) const;
  void SetContent(const std::string& path, std::string content);  // also durable

 private:
  std::shared_ptr<Node> Find(const std::string& path) const;
  bool ParentExists(const std::string& path) const;  // REQUIRES: mu_ held

  mutable std::mutex mu_;  // guards files_, dirs_
  std::map<std::string, std::shared_ptr<Node>> files_;
  std::set<std::string> dirs_;
};

}  // namespace zroute::testing
