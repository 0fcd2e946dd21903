#include "sidecar/outbox/cursor_store.h"

#include <algorithm>

#include "sidecar/outbox/crc32c.h"
#include "sidecar/outbox/outbox_format.h"

namespace zroute {
namespace {

void PutLE(std::string* dst, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

bool GetLE(std::string_view* in, int bytes, uint64_t* v) {
  if (in->size() < static_cast<size_t>(bytes)) return false;
  *v = 0;
  for (int i = bytes - 1; i >= 0; --i) *v = (*v << 8) | static_cast<unsigned char>((*in)[i]);
  in->remove_prefix(bytes);
  return true;
}

}  // namespace

CursorStore::CursorStore(FileSystem& fs, std::string dir)
    : fs_(fs), dir_(std::move(dir)), path_(dir_ + "/" + outbox_format::kCursorFileName) {}

std::string CursorStore::Encode(const std::map<std::string, uint64_t>& cursors) {
  std::string out;
  PutLE(&out, outbox_format::kCursorMagic, 4);
  PutLE(&out, cursors.size(), 4);
  for (const auto& [name, offset] : cursors) {
    PutLE(&out, name.size(), 2);
    out.append(name);
    PutLE(&out, offset, 8);
  }
  PutLE(&out, crc32c::Value(out), 4);
  return out;
}

StatusOr<std::map<std::string, uint64_t>> CursorStore::Decode(std::string_view content) {
  if (content.size() < 12) return Status::Corruption("cursor file too short");
  std::string_view crc_part = content.substr(content.size() - 4);
  uint64_t stored_crc = 0;
  GetLE(&crc_part, 4, &stored_crc);
  std::string_view in = content.substr(0, content.size() - 4);
  if (crc32c::Value(in) != stored_crc) return Status::Corruption("cursor file CRC mismatch");
  uint64_t magic = 0, count = 0;
  GetLE(&in, 4, &magic);
  GetLE(&in, 4, &count);
  if (magic != outbox_format::kCursorMagic) return Status::Corruption("cursor file bad magic");
  std::map<std::string, uint64_t> cursors;
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t name_length = 0, offset = 0;
    if (!GetLE(&in, 2, &name_length) || name_length > in.size()) {
      return Status::Corruption("cursor file truncated entry");
    }
    std::string name(in.substr(0, name_length));
    in.remove_prefix(name_length);
    if (!GetLE(&in, 8, &offset)) return Status::Corruption("cursor file truncated entry");
    cursors[std::move(name)] = offset;
  }
  if (!in.empty()) return Status::Corruption("cursor file trailing bytes");
  return cursors;
}

Status CursorStore::Load() {
  if (!fs_.Exists(path_)) return Status::OK();
  ZR_ASSIGN_OR_RETURN(std::string content, ReadFileToString(fs_, path_));
  ZR_ASSIGN_OR_RETURN(auto cursors, Decode(content));
  std::lock_guard<std::mutex> lock(mu_);
  cursors_ = std::move(cursors);
  return Status::OK();
}

void CursorStore::Commit(const std::string& subscription, uint64_t offset) {
  std::lock_guard<std::mutex> lock(mu_);
  auto [it, inserted] = cursors_.try_emplace(subscription, offset);
  if (!inserted && it->second == offset) return;
  it->second = offset;
  ++version_;
}

Status CursorStore::Drop(const std::string& subscription) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cursors_.erase(subscription) == 0) return Status::OK();
    ++version_;
  }
  return Persist();
}

uint64_t CursorStore::Get(const std::string& subscription) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cursors_.find(subscription);
  return it == cursors_.end() ? 0 : it->second;
}

uint64_t CursorStore::Lowest() const {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t lowest = UINT64_MAX;
  for (const auto& [name, offset] : cursors_) lowest = std::min(lowest, offset);
  return lowest;
}

StatusOr<std::vector<std::string>> CursorStore::LowerTo(uint64_t end) {
  std::vector<std::string> lowered;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [name, offset] : cursors_) {
      if (offset <= end) continue;
      offset = end;
      lowered.push_back(name);
    }
    if (lowered.empty()) return lowered;
    ++version_;
  }
  ZR_RETURN_IF_ERROR(Persist());
  return lowered;
}

bool CursorStore::dirty() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_ != persisted_version_;
}

Status CursorStore::Persist() {
  std::lock_guard<std::mutex> persist_lock(persist_mu_);
  std::string content;
  uint64_t version = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (version_ == persisted_version_) return Status::OK();
    content = Encode(cursors_);
    version = version_;
  }
  ZR_RETURN_IF_ERROR(WriteFileAtomically(fs_, dir_, path_, content));
  std::lock_guard<std::mutex> lock(mu_);
  persisted_version_ = version;
  return Status::OK();
}

}  // namespace zroute
