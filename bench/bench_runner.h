// BenchRunner: runs the zroute benchmark figures (see bench_main.cc for the list) with the real
// binaries on loopback and collects them as rows: figure | zroute | baseline | ratio | target.
// Not thread-safe: one owner thread. Processes it starts are stopped before Run() returns.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "common/util/subprocess.h"

namespace zroute::bench {

struct BenchOptions {
  std::string bin_dir;
  std::string work_dir;
  std::string results_file;
  std::string only;  // empty = every figure
  // Flags for every sidecar. The HTTP API serves one keep-alive connection per thread, so it needs
  // at least as many threads as the load generator has connections (the default 8 starves the rest).
  std::vector<std::string> sidecar_flags;
  bool smoke = false;
  uint64_t events = 100000;
  int threads = 16;
  uint64_t recovery_events = 1000000;
  int latency_seconds = 10;
  int fake_sidecars = 100;
  std::vector<uint64_t> latency_rates = {1000, 10000};
  // Events per request in the latency runs; 0: single events, or batches of 10 at a rate single
  // events cannot sustain (known when the throughput runs came first).
  int latency_batch = 0;

  void ApplySmokeSizes() {
    events = 2000;
    threads = 4;
    recovery_events = 20000;
    latency_seconds = 1;
    fake_sidecars = 5;
    latency_rates = {200};
  }
};

struct BenchRow {
  std::string figure;
  std::string unit;
  double zroute = 0;
  std::optional<double> baseline;
  std::string baseline_label;  // what the baseline is
  std::string target;          // "≥ 0.5 × baseline", "≤ 0.5 ms added", ... (empty: none)
  std::optional<bool> met;     // unset in smoke mode or without a target
  std::string note;
  bool measured = true;  // false: a row that says why the figure was skipped
};

class BenchRunner {
 public:
  explicit BenchRunner(BenchOptions options) : options_(std::move(options)) {}

  // Runs the selected figures; stops at the first failure (the rows so far are kept).
  Status Run();
  std::string Table() const;
  nlohmann::json Json() const;

 private:
  bool Selected(const std::string& figure) const;
  Status RunDataPath();  // throughput, latency and cost share one running system
  // Starts zroute-bench-relay in front of the app on `app_port`; it writes work_dir/relay.port.
  StatusOr<Subprocess> StartRelay(int app_port) const;
  Status RunRecovery();
  Status RunPropagation();
  void Add(BenchRow row);

  BenchOptions options_;
  std::vector<BenchRow> rows_;
  double single_throughput_ = 0;  // events/s through zroute, when measured: bounds the latency rates
  // Batched publishes delivered one event per POST, when measured: bounds the rates measured with
  // batched publishes (the latency subscription delivers one event per POST).
  double batched_unbatched_throughput_ = 0;
};

}  // namespace zroute::bench
