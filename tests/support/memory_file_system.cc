#include "tests/support/memory_file_system.h"

#include <algorithm>
#include <cstring>

namespace zroute::testing {
namespace {

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

class MemoryWritableFile final : public WritableFile {
 public:
  explicit MemoryWritableFile(std::shared_ptr<MemoryFileSystem::Node> node)
      : node_(std::move(node)) {}

  Status Append(std::string_view data) override {
    if (!node_) return Status::FailedPrecondition("file closed");
    std::lock_guard<std::mutex> lock(node_->mu);
    node_->data.append(data);
    return Status::OK();
  }
  Status WriteAt(uint64_t offset, std::string_view data) override {
    if (!node_) return Status::FailedPrecondition("file closed");
    std::lock_guard<std::mutex> lock(node_->mu);
    if (node_->data.size() < offset + data.size()) node_->data.resize(offset + data.size(), '\0');
    node_->data.replace(offset, data.size(), data);
    return Status::OK();
  }
  Status Sync() override {
    if (!node_) return Status::FailedPrecondition("file closed");
    std::lock_guard<std::mutex> lock(node_->mu);
    node_->durable = node_->data;
    return Status::OK();
  }
  Status Close() override {
    node_.reset();
    return Status::OK();
  }

 private:
  std::shared_ptr<MemoryFileSystem::Node> node_;
};

class MemoryRandomAccessFile final : public RandomAccessFile {
 public:
  explicit MemoryRandomAccessFile(std::shared_ptr<MemoryFileSystem::Node> node)
      : node_(std::move(node)) {}

  StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    std::lock_guard<std::mutex> lock(node_->mu);
    if (offset >= node_->data.size()) return size_t{0};
    size_t count = std::min<size_t>(n, node_->data.size() - offset);
    std::memcpy(scratch, node_->data.data() + offset, count);
    return count;
  }

 private:
  std::shared_ptr<MemoryFileSystem::Node> node_;
};

}  // namespace

bool MemoryFileSystem::ParentExists(const std::string& path) const {
  std::string parent = ParentOf(path);
  return parent.empty() || parent == "/" || dirs_.count(parent) > 0;
}

std::shared_ptr<MemoryFileSystem::Node> MemoryFileSystem::Find(const std::string& path) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  return it == files_.end() ? nullptr : it->second;
}

StatusOr<std::unique_ptr<WritableFile>> MemoryFileSystem::OpenWritable(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ParentExists(path)) return Status::NotFound("no directory for " + path);
  auto& node = files_[path];
  if (!node) node = std::make_shared<Node>();
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(node));
}

StatusOr<std::unique_ptr<WritableFile>> MemoryFileSystem::CreateTruncated(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ParentExists(path)) return Status::NotFound("no directory for " + path);
  auto node = std::make_shared<Node>();
  files_[path] = node;
  return std::unique_ptr<WritableFile>(new MemoryWritableFile(node));
}

StatusOr<std::unique_ptr<RandomAccessFile>> MemoryFileSystem::OpenRandomAccess(
    const std::string& path) {
  auto node = Find(path);
  if (!node) return Status::NotFound("no file " + path);
  return std::unique_ptr<RandomAccessFile>(new MemoryRandomAccessFile(node));
}

StatusOr<uint64_t> MemoryFileSystem::FileSize(const std::string& path) {
  auto node = Find(path);
  if (!node) return Status::NotFound("no file " + path);
  std::lock_guard<std::mutex> lock(node->mu);
  return static_cast<uint64_t>(node->data.size());
}

bool MemoryFileSystem::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return files_.count(path) > 0 || dirs_.count(path) > 0;
}

StatusOr<std::vector<std::string>> MemoryFileSystem::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (dirs_.count(path) == 0) return Status::NotFound("no directory " + path);
  std::vector<std::string> names;
  const std::string prefix = path + "/";
  auto add = [&](const std::string& entry) {
    if (entry.compare(0, prefix.size(), prefix) != 0) return;
    std::string rest = entry.substr(prefix.size());
    if (!rest.empty() && rest.find('/') == std::string::npos) names.push_back(rest);
  };
  for (const auto& [name, node] : files_) add(name);
  for (const auto& dir : dirs_) add(dir);
  return names;
}

Status MemoryFileSystem::CreateDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!ParentExists(path)) return Status::NotFound("no parent directory for " + path);
  dirs_.insert(path);
  return Status::OK();
}

Status MemoryFileSystem::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (files_.erase(path) == 0) return Status::NotFound("no file " + path);
  return Status::OK();
}

Status MemoryFileSystem::RenameFile(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(from);
  if (it == files_.end()) return Status::NotFound("no file " + from);
  auto node = it->second;
  files_.erase(it);
  files_[to] = std::move(node);
  return Status::OK();
}

Status MemoryFileSystem::Truncate(const std::string& path, uint64_t size) {
  auto node = Find(path);
  if (!node) return Status::NotFound("no file " + path);
  std::lock_guard<std::mutex> lock(node->mu);
  node->data.resize(std::min<uint64_t>(size, node->data.size()));
  node->durable = node->data;
  return Status::OK();
}

Status MemoryFileSystem::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (dirs_.count(path) == 0) return Status::NotFound("no directory " + path);
  return Status::OK();
}

std::unique_ptr<MemoryFileSystem> MemoryFileSystem::CrashCopy() const {
  auto copy = std::make_unique<MemoryFileSystem>();
  std::lock_guard<std::mutex> lock(mu_);
  copy->dirs_ = dirs_;
  for (const auto& [name, node] : files_) {
    auto fresh = std::make_shared<Node>();
    std::lock_guard<std::mutex> node_lock(node->mu);
    fresh->data = node->durable;
    fresh->durable = node->durable;
    copy->files_[name] = std::move(fresh);
  }
  return copy;
}

std::string MemoryFileSystem::GetContent(const std::string& path) const {
  auto node = Find(path);
  if (!node) return "";
  std::lock_guard<std::mutex> lock(node->mu);
  return node->data;
}

void MemoryFileSystem::SetContent(const std::string& path, std::string content) {
  std::lock_guard<std::mutex> lock(mu_);
  auto node = std::make_shared<Node>();
  node->data = content;
  node->durable = std::move(content);
  files_[path] = std::move(node);
}

}  // namespace zroute::testing
