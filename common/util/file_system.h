// FileSystem: the seam between durable storage code (the outbox) and the operating system, so that
// tests can run on memory, count fdatasyncs and inject failures.
//
// Implementations: PosixFileSystem (here), MemoryFileSystem and FaultInjectingFileSystem
// (tests/support/). Paths are plain strings joined with '/'.
//
// Thread-safety: a FileSystem is safe to use from any thread. A WritableFile is used by one thread
// at a time. A RandomAccessFile may be read from many threads at once (positional reads), also
// while a WritableFile of the same path appends to it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/util/status.h"

namespace zroute {

class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Writes all of `data` at the end of the file (one write() unless the kernel writes short).
  virtual Status Append(std::string_view data) = 0;
  // Writes all of `data` at byte `offset`, over what is there or past the end (a gap reads as
  // zeros). The end of the file, where Append writes, moves past it when it ends beyond.
  virtual Status WriteAt(uint64_t offset, std::string_view data) = 0;
  // Makes everything written so far durable (fdatasync).
  virtual Status Sync() = 0;
  // Releases the file. Does not sync. Idempotent.
  virtual Status Close() = 0;
};

class RandomAccessFile {
 public:
  virtual ~RandomAccessFile() = default;
  // Reads up to n bytes at `offset` into scratch; returns how many were read (fewer than n only at
  // the end of the file).
  virtual StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens `path` for writing (Append at its end, WriteAt anywhere), creating it (empty) when missing.
  virtual StatusOr<std::unique_ptr<WritableFile>> OpenWritable(const std::string& path) = 0;
  // Creates `path` empty, replacing any existing file.
  virtual StatusOr<std::unique_ptr<WritableFile>> CreateTruncated(const std::string& path) = 0;
  virtual StatusOr<std::unique_ptr<RandomAccessFile>> OpenRandomAccess(const std::string& path) = 0;

  virtual StatusOr<uint64_t> FileSize(const std::string& path) = 0;
  virtual bool Exists(const std::string& path) = 0;
  // Names (not paths) of the entries of a directory, without "." and "..", in no order.
  virtual StatusOr<std::vector<std::string>> ListDir(const std::string& path) = 0;
  // Creates a directory; OK when it already exists. Parents must exist.
  virtual Status CreateDir(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;
  // Atomically replaces `to` with `from`.
  virtual Status RenameFile(const std::string& from, const std::string& to) = 0;
  // Cuts a file to `size` bytes and makes the new size durable.
  virtual Status Truncate(const std::string& path, uint64_t size) = 0;
  // Makes the directory's entries (creates, renames, removes) durable (fsync of the directory).
  virtual Status SyncDir(const std::string& path) = 0;
};

// The operating system's file system. Thread-safe.
class PosixFileSystem final : public FileSystem {
 public:
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
};

// A process-wide PosixFileSystem.
FileSystem& DefaultFileSystem();

// Reads a whole (small) file.
StatusOr<std::string> ReadFileToString(FileSystem& fs, const std::string& path);

// Writes a whole file atomically and durably: write `path`.tmp, fdatasync, rename over `path`,
// fsync the directory `dir`. After a crash either the old or the new content is there.
Status WriteFileAtomically(FileSystem& fs, const std::string& dir, const std::string& path,
                           std::string_view content);

}  // namespace zroute
