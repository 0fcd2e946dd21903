// CursorStore: the cursors of one topic's subscriptions, in memory and in the topic's cursor file
// (format in sidecar/outbox/outbox_format.h).
//
// Commit only changes memory and marks the store dirty; Persist writes the whole file atomically
// (temp file, fdatasync, rename, fsync of the directory). So after a crash a cursor is at least the
// value of the last successful Persist and at most the last committed one.
// Thread-safety: all methods are safe from any thread. mu_ guards the map and the versions;
// persist_mu_ serialises Persist so that an older snapshot never overwrites a newer one.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "common/util/file_system.h"
#include "common/util/status.h"

namespace zroute {

class CursorStore {
 public:
  CursorStore(FileSystem& fs, std::string dir);

  // Reads the cursor file; a missing file is an empty store, a corrupt one is kCorruption.
  Status Load();

  void Commit(const std::string& subscription, uint64_t offset);
  // Forgets a subscription and persists at once (a dropped cursor must not hold back retention
  // after a restart).
  Status Drop(const std::string& subscription);
  uint64_t Get(const std::string& subscription) const;  // 0 when unknown
  // The lowest cursor; UINT64_MAX when there is none.
  uint64_t Lowest() const;

  // Lowers every cursor above `end` to it and, when one moved, persists before returning. Returns
  // the subscriptions lowered. For recovery: a log that lost its unsynced tail in a crash.
  StatusOr<std::vector<std::string>> LowerTo(uint64_t end);

  bool dirty() const;
  // Writes the current cursors when they changed since the last successful Persist.
  Status Persist();

  // The file content for `cursors` (exposed for tests and tools).
  static std::string Encode(const std::map<std::string, uint64_t>& cursors);
  static StatusOr<std::map<std::string, uint64_t>> Decode(std::string_view content);

 private:
  FileSystem& fs_;
  const std::string dir_;
  const std::string path_;
  std::mutex persist_mu_;
  mutable std::mutex mu_;
  std::map<std::string, uint64_t> cursors_;  // guarded by mu_
  uint64_t version_ = 0;                     // guarded by mu_; bumped by every change
  uint64_t persisted_version_ = 0;           // guarded by mu_
};

}  // namespace zroute
