#include "common/util/file_system.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace zroute {
namespace {

Status ErrnoStatus(const std::string& what, const std::string& path, int err) {
  std::string msg = what + " " + path + ": " + std::strerror(err);
  if (err == ENOENT) return Status::NotFound(std::move(msg));
  if (err == ENOSPC || err == EDQUOT) return Status::ResourceExhausted(std::move(msg));
  return Status::IOError(std::move(msg));
}

// Writes with pwrite() at tracked positions (never O_APPEND, under which Linux would put a
// positional write at the end).
class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t end) : path_(std::move(path)), fd_(fd), end_(end) {}
  ~PosixWritableFile() override { (void)Close(); }

  Status Append(std::string_view data) override { return WriteAt(end_, data); }

  Status WriteAt(uint64_t offset, std::string_view data) override {
    uint64_t at = offset;
    while (!data.empty()) {
      ssize_t n = ::pwrite(fd_, data.data(), data.size(), static_cast<off_t>(at));
      if (n < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("write", path_, errno);
      }
      data.remove_prefix(static_cast<size_t>(n));
      at += static_cast<uint64_t>(n);
    }
    end_ = std::max(end_, at);
    return Status::OK();
  }

  Status Sync() override {
    if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync", path_, errno);
    return Status::OK();
  }

  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return ErrnoStatus("close", path_, errno);
    return Status::OK();
  }

 private:
  std::string path_;
  int fd_;
  uint64_t end_;  // where Append writes
};

class PosixRandomAccessFile final : public RandomAccessFile {
 public:
  PosixRandomAccessFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  ~PosixRandomAccessFile() override { ::close(fd_); }

  StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, scratch + done, n - done, static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("pread", path_, errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    return done;
  }

 private:
  std::string path_;
  int fd_;
};

StatusOr<std::unique_ptr<WritableFile>> OpenWithFlags(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    const int err = errno;
    ::close(fd);
    return ErrnoStatus("fstat", path, err);
  }
  return std::unique_ptr<WritableFile>(new PosixWritableFile(path, fd, static_cast<uint64_t>(st.st_size)));
}

}  // namespace

StatusOr<std::unique_ptr<WritableFile>> PosixFileSystem::OpenWritable(const std::string& path) {
  return OpenWithFlags(path, 0);
}

StatusOr<std::unique_ptr<WritableFile>> PosixFileSystem::CreateTruncated(const std::string& path) {
  return OpenWithFlags(path, O_TRUNC);
}

StatusOr<std::unique_ptr<RandomAccessFile>> PosixFileSystem::OpenRandomAccess(
    const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  return std::unique_ptr<RandomAccessFile>(new PosixRandomAccessFile(path, fd));
}

StatusOr<uint64_t> PosixFileSystem::FileSize(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return ErrnoStatus("stat", path, errno);
  return static_cast<uint64_t>(st.st_size);
}

bool PosixFileSystem::Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

StatusOr<std::vector<std::string>> PosixFileSystem::ListDir(const std::string& path) {
  DIR* dir = ::opendir(path.c_str());
  if (dir == nullptr) return ErrnoStatus("opendir", path, errno);
  std::vector<std::string> names;
  while (struct dirent* entry = ::readdir(dir)) {
    std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(dir);
  return names;
}

Status PosixFileSystem::CreateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus("mkdir", path, errno);
  return Status::OK();
}

Status PosixFileSystem::RemoveFile(const std::string& path) {
  if (::unlink(path.c_str()) != 0) return ErrnoStatus("unlink", path, errno);
  return Status::OK();
}

Status PosixFileSystem::RenameFile(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus("rename", from, errno);
  return Status::OK();
}

Status PosixFileSystem::Truncate(const std::string& path, uint64_t size) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  Status status;
  if (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    status = ErrnoStatus("ftruncate", path, errno);
  } else if (::fsync(fd) != 0) {
    status = ErrnoStatus("fsync", path, errno);
  }
  ::close(fd);
  return status;
}

Status PosixFileSystem::SyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("open", path, errno);
  Status status;
  if (::fsync(fd) != 0) status = ErrnoStatus("fsync", path, errno);
  ::close(fd);
  return status;
}

FileSystem& DefaultFileSystem() {
  static PosixFileSystem* fs = new PosixFileSystem();
  return *fs;
}

StatusOr<std::string> ReadFileToString(FileSystem& fs, const std::string& path) {
  ZR_ASSIGN_OR_RETURN(uint64_t size, fs.FileSize(path));
  ZR_ASSIGN_OR_RETURN(auto file, fs.OpenRandomAccess(path));
  std::string content(size, '\0');
  ZR_ASSIGN_OR_RETURN(size_t n, file->Read(0, content.size(), content.data()));
  content.resize(n);
  return content;
}

Status WriteFileAtomically(FileSystem& fs, const std::string& dir, const std::string& path,
                           std::string_view content) {
  const std::string tmp = path + ".tmp";
  ZR_ASSIGN_OR_RETURN(auto file, fs.CreateTruncated(tmp));
  ZR_RETURN_IF_ERROR(file->Append(content));
  ZR_RETURN_IF_ERROR(file->Sync());
  ZR_RETURN_IF_ERROR(file->Close());
  ZR_RETURN_IF_ERROR(fs.RenameFile(tmp, path));
  return fs.SyncDir(dir);
}

}  // namespace zroute
