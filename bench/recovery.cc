#include "bench/recovery.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>

#include "common/util/clock.h"
#include "sidecar/outbox/outbox.h"

namespace zroute::bench {
namespace {

using Clock = std::chrono::steady_clock;

double ReadAll(const std::string& dir) {
  const auto start = Clock::now();
  std::vector<char> buffer(1 << 20);
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    int fd = ::open(entry.path().c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    while (::read(fd, buffer.data(), buffer.size()) > 0) {
    }
    ::close(fd);
  }
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

StatusOr<RecoveryResult> MeasureRecovery(const std::string& dir, uint64_t records, size_t payload_bytes, int rounds) {
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  OutboxOptions options;
  options.dir = dir;
  options.sync_policy = SyncPolicy::kInterval;
  options.disk_quota_bytes = 64ull << 30;
  RecoveryResult result;
  {
    ZR_ASSIGN_OR_RETURN(std::unique_ptr<Outbox> outbox, OpenOutbox(options, RealClock()));
    const std::string payload(payload_bytes, 'p');
    for (uint64_t i = 0; i < records; i += 1000) {
      std::vector<OutboxRecord> batch(static_cast<size_t>(std::min<uint64_t>(1000, records - i)));
      for (auto& r : batch) {
        r.publish_time = RealClock().WallNow();
        r.payload = payload;
      }
      ZR_RETURN_IF_ERROR(outbox->Append("default.orders", std::move(batch)).status());
    }
    ZR_RETURN_IF_ERROR(outbox->Close());
  }
  for (int round = 0; round < rounds; ++round) {
    result.read_seconds.push_back(ReadAll(dir));
    const auto start = Clock::now();
    ZR_ASSIGN_OR_RETURN(std::unique_ptr<Outbox> outbox, OpenOutbox(options, RealClock()));
    result.open_seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    result.records = outbox->EndOffset("default.orders");
    result.bytes = outbox->DiskBytes();
    if (result.records != records) {
      return Status::Internal("recovered " + std::to_string(result.records) + " of " + std::to_string(records));
    }
    (void)outbox->Close();
  }
  std::filesystem::remove_all(dir);
  return result;
}

}  // namespace zroute::bench
