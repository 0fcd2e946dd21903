// outbox_bench: measurements behind docs/outbox_format.md (not a test; nothing is asserted).
//   outbox_bench recovery [records]    time to reopen a log of small (~200 byte) records
//   outbox_bench append [seconds]      appends/s, 1 KiB records, 1 and 16 threads, both policies
// Runs in a fresh directory under $TMPDIR (default /tmp) and removes it.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "common/util/file_system.h"
#include "sidecar/outbox/outbox.h"
#include "tests/support/fault_injecting_file_system.h"

namespace zroute {
namespace {

using Seconds = std::chrono::duration<double>;

std::string MakeTempDir() {
  std::string pattern = (std::filesystem::temp_directory_path() / "outbox_bench_XXXXXX").string();
  return ::mkdtemp(pattern.data());
}

int Recovery(uint64_t count) {
  const std::string dir = MakeTempDir();
  OutboxOptions options;
  options.dir = dir;
  options.sync_policy = SyncPolicy::kInterval;
  options.disk_quota_bytes = 8ull << 30;
  {
    auto outbox = OpenOutbox(options, RealClock());
    if (!outbox.ok()) return std::fprintf(stderr, "%s\n", outbox.status().ToString().c_str()), 1;
    const std::string payload(200 - 28 - 8, 'p');  // 200 bytes encoded with an 8-byte key
    for (uint64_t i = 0; i < count; i += 1000) {
      std::vector<OutboxRecord> batch(1000);
      for (auto& r : batch) {
        r.publish_time = RealClock().WallNow();
        r.key = "key-0001";
        r.payload = payload;
      }
      if (!(*outbox)->Append("bench", std::move(batch)).ok()) return 1;
    }
    if (!(*outbox)->Close().ok()) return 1;
  }
  for (int round = 0; round < 3; ++round) {
    const auto start = std::chrono::steady_clock::now();
    const std::clock_t cpu_start = std::clock();
    auto outbox = OpenOutbox(options, RealClock());
    const Seconds took = std::chrono::steady_clock::now() - start;
    const double cpu = static_cast<double>(std::clock() - cpu_start) / CLOCKS_PER_SEC;
    if (!outbox.ok()) return 1;
    std::printf(
        "recovery: %llu records, %.1f MiB, opened in %.3f s wall, %.3f s CPU (page cache warm)\n",
        static_cast<unsigned long long>((*outbox)->EndOffset("bench")),
        (*outbox)->DiskBytes() / 1048576.0, took.count(), cpu);
  }
  std::filesystem::remove_all(dir);
  return 0;
}

void Append(SyncPolicy policy, int threads, double seconds) {
  const std::string dir = MakeTempDir();
  testing::FaultInjectingFileSystem fs(DefaultFileSystem());
  OutboxOptions options;
  options.dir = dir;
  options.sync_policy = policy;
  options.disk_quota_bytes = 8ull << 30;
  auto outbox = OpenOutbox(options, RealClock(), fs);
  if (!outbox.ok()) return;
  const int64_t syncs_before = fs.file_syncs();
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> appended{0};
  std::vector<std::thread> workers;
  const auto start = std::chrono::steady_clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      const std::string payload(1024, 'e');
      while (!stop.load(std::memory_order_relaxed)) {
        std::vector<OutboxRecord> one(1);
        one[0].payload = payload;
        if (!(*outbox)->Append("bench", std::move(one)).ok()) return;
        appended.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(Seconds(seconds));
  stop = true;
  for (auto& w : workers) w.join();
  const Seconds took = std::chrono::steady_clock::now() - start;
  const int64_t syncs = fs.file_syncs() - syncs_before;
  std::printf("%-10s %2d threads: %8.0f appends/s, %6.0f fdatasync/s, %.1f appends per sync\n",
              policy == SyncPolicy::kEveryBatch ? "every-batch" : "interval", threads,
              appended / took.count(), syncs / took.count(),
              syncs > 0 ? static_cast<double>(appended) / syncs : 0.0);
  (void)(*outbox)->Close();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace zroute

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "recovery")
    return zroute::Recovery(argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000);
  if (mode == "append") {
    const double seconds = argc > 2 ? std::atof(argv[2]) : 3.0;
    for (auto policy : {zroute::SyncPolicy::kEveryBatch, zroute::SyncPolicy::kInterval}) {
      for (int threads : {1, 16}) zroute::Append(policy, threads, seconds);
    }
    return 0;
  }
  std::fprintf(stderr, "usage: outbox_bench recovery [records] | append [seconds]\n");
  return 2;
}
