#include "tests/support/fault_injecting_file_system.h"

namespace zroute::testing {
namespace {

class FaultInjectingWritableFile final : public WritableFile {
 public:
  FaultInjectingWritableFile(FaultInjectingFileSystem& fs, std::unique_ptr<WritableFile> base)
      : fs_(fs), base_(std::move(base)) {}

  Status Append(std::string_view data) override {
    ZR_RETURN_IF_ERROR(fs_.BeforeWrite());
    return base_->Append(data);
  }
  Status WriteAt(uint64_t offset, std::string_view data) override {
    ZR_RETURN_IF_ERROR(fs_.BeforeWrite());
    return base_->WriteAt(offset, data);
  }
  Status Sync() override {
    ZR_RETURN_IF_ERROR(fs_.BeforeSync());
    return base_->Sync();
  }
  Status Close() override { return base_->Close(); }

 private:
  FaultInjectingFileSystem& fs_;
  std::unique_ptr<WritableFile> base_;
};

}  // namespace

Status FaultInjectingFileSystem::BeforeSync() {
  std::function<void()> hook;
  {
    std::lock_guard<std::mutex> lock(hook_mu_);
    hook = sync_hook_;
  }
  if (hook) hook();
  file_syncs_.fetch_add(1);
  int64_t left = syncs_before_failure_.load();
  while (left >= 0) {
    if (left == 0) return Status::IOError("injected fdatasync failure");
    if (syncs_before_failure_.compare_exchange_weak(left, left - 1)) break;
  }
  return Status::OK();
}

Status FaultInjectingFileSystem::BeforeWrite() {
  writes_.fetch_add(1);
  if (fail_writes_.load()) return Status::IOError("injected write failure");
  return Status::OK();
}

StatusOr<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::OpenWritable(
    const std::string& path) {
  ZR_ASSIGN_OR_RETURN(auto file, base_.OpenWritable(path));
  return std::unique_ptr<WritableFile>(new FaultInjectingWritableFile(*this, std::move(file)));
}

StatusOr<std::unique_ptr<WritableFile>> FaultInjectingFileSystem::CreateTruncated(
    const std::string& path) {
  ZR_ASSIGN_OR_RETURN(auto file, base_.CreateTruncated(path));
  return std::unique_ptr<WritableFile>(new FaultInjectingWritableFile(*this, std::move(file)));
}

}  // namespace zroute::testing
