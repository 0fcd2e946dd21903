// LoadRun: one run of zroute-bench-load against an endpoint, timed until a sample subscriber app
// has received every event (so a run through zroute ends when the last event reached the app, not
// when the publisher sidecar accepted it).
// Not thread-safe: one owner thread; the load generator process is stopped before Run returns.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"

namespace zroute::bench {

struct LoadSpec {
  std::string load_binary;  // zroute-bench-load
  std::string log_file;     // its output (the JSON report is the last line)
  int target_port = 0;      // where the load goes: a sidecar or the app itself
  std::string path;         // /v1/publish/<topic> or the app's route
  std::string header;       // extra header ("zroute-topic: default/orders" for direct POSTs)
  int threads = 16;
  uint64_t events = 0;
  uint64_t rate = 0;        // 0 = as fast as possible
  int batch = 1;
  std::string id_prefix;    // unique per run: the app and the sidecars drop duplicate ids
  int app_port = 0;         // the subscriber app that must receive every event
  std::string topic;        // as the app records it, e.g. "default/orders"
  std::vector<pid_t> watch;  // processes whose CPU seconds the run reports
};

struct LoadResult {
  double seconds = 0;           // load generator started → app has every event
  double events_per_second = 0;
  nlohmann::json load_report;   // the load generator's JSON
  std::vector<double> cpu_seconds;  // per LoadSpec::watch entry, during the run
  std::vector<double> context_switches;  // per LoadSpec::watch entry, during the run
  double machine_busy = 0;      // fraction of all CPUs busy during the run (/proc/stat)
  uint64_t first_index = 0;     // position of the run's first event in the app's /events list
};

StatusOr<LoadResult> RunLoad(const LoadSpec& spec);

// End-to-end latencies (arrival − ce-sent), microseconds, sorted, of the app's events from
// `first_index` on (the app must run with --keep-attributes).
StatusOr<std::vector<double>> EndToEndLatencies(int app_port, const std::string& topic, uint64_t first_index);

// p in [0, 100] of sorted values; 0 when empty.
double Percentile(const std::vector<double>& sorted, double p);

}  // namespace zroute::bench
