#include "bench/load_run.h"

#include <algorithm>
#include <cstdlib>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/proc_stats.h"
#include "common/util/subprocess.h"
#include "examples/demo/local_system.h"

namespace zroute::bench {
namespace {

using Clock = std::chrono::steady_clock;

StatusOr<uint64_t> Received(int app_port, const std::string& topic) {
  ZR_ASSIGN_OR_RETURN(nlohmann::json stats, LocalSystem::GetJson(app_port, "/stats"));
  const auto& topics = stats["topics"];
  if (!topics.is_object() || !topics.contains(topic)) return uint64_t{0};
  return topics[topic].value("received", uint64_t{0});
}

// (busy, total) jiffies of all CPUs.
std::pair<uint64_t, uint64_t> MachineJiffies() {
  std::ifstream in("/proc/stat");
  std::string cpu;
  in >> cpu;
  uint64_t v = 0, total = 0, idle = 0;
  for (int i = 0; i < 8 && in >> v; ++i) {
    total += v;
    if (i == 3 || i == 4) idle += v;  // idle, iowait
  }
  return {total - idle, total};
}

StatusOr<nlohmann::json> LastJsonLine(const std::string& file) {
  std::ifstream in(file);
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty() && line.front() == '{') last = line;
  }
  auto j = nlohmann::json::parse(last, nullptr, false);
  if (j.is_discarded()) return Status::Internal("no JSON report in " + file);
  return j;
}

}  // namespace

StatusOr<LoadResult> RunLoad(const LoadSpec& spec) {
  LoadResult result;
  ZR_ASSIGN_OR_RETURN(result.first_index, Received(spec.app_port, spec.topic));
  const uint64_t want = result.first_index + spec.events;
  std::vector<std::string> argv{spec.load_binary, "--port", std::to_string(spec.target_port),
                                "--path", spec.path, "--threads", std::to_string(spec.threads),
                                "--events", std::to_string(spec.events), "--rate", std::to_string(spec.rate),
                                "--batch", std::to_string(spec.batch), "--id-prefix", spec.id_prefix};
  if (!spec.header.empty()) {
    argv.push_back("--header");
    argv.push_back(spec.header);
  }
  std::vector<double> cpu_before;
  std::vector<uint64_t> switches_before;
  for (pid_t pid : spec.watch) {
    ZR_ASSIGN_OR_RETURN(double cpu, ProcessCpuSeconds(pid));
    cpu_before.push_back(cpu);
    ZR_ASSIGN_OR_RETURN(uint64_t switches, ProcessContextSwitches(pid));
    switches_before.push_back(switches);
  }
  const auto jiffies_before = MachineJiffies();
  const auto start = Clock::now();
  ZR_ASSIGN_OR_RETURN(Subprocess load, Subprocess::Start({argv, spec.log_file}));
  // Bound: far beyond any sane run (100 events/s), so a stuck pipeline fails instead of hanging.
  const auto deadline = start + std::chrono::seconds(60) + std::chrono::milliseconds(10 * spec.events);
  bool load_done = false;
  // A pipeline that stops moving (an outbox at its quota answering 429 for good, a lost link)
  // fails the run after kStall instead of holding the suite until the deadline.
  constexpr auto kStall = std::chrono::seconds(30);
  uint64_t last_received = result.first_index;
  auto last_progress = start;
  while (true) {
    ZR_ASSIGN_OR_RETURN(uint64_t received, Received(spec.app_port, spec.topic));
    if (received >= want) break;
    if (received != last_received) {
      last_received = received;
      last_progress = Clock::now();
    } else if (Clock::now() - last_progress > kStall) {
      return Status::DeadlineExceeded("the app got no event for 30 s, " + std::to_string(received - result.first_index) +
                                      " of " + std::to_string(spec.events) + " (" + spec.id_prefix + "); see " +
                                      spec.log_file);
    }
    if (!load_done && !load.running()) {
      load_done = true;
      auto report = LastJsonLine(spec.log_file);
      if (!report.ok() || report->value("errors", uint64_t{0}) > 0) {
        return Status::Internal("load generator failed; see " + spec.log_file);
      }
    }
    if (Clock::now() > deadline) {
      return Status::DeadlineExceeded("the app got " + std::to_string(received - result.first_index) + " of " +
                                      std::to_string(spec.events) + " events (" + spec.id_prefix + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));  // polling the app's /stats
  }
  const auto end = Clock::now();
  const auto jiffies_after = MachineJiffies();
  for (size_t i = 0; i < spec.watch.size(); ++i) {
    ZR_ASSIGN_OR_RETURN(double cpu, ProcessCpuSeconds(spec.watch[i]));
    result.cpu_seconds.push_back(cpu - cpu_before[i]);
    ZR_ASSIGN_OR_RETURN(uint64_t switches, ProcessContextSwitches(spec.watch[i]));
    result.context_switches.push_back(static_cast<double>(switches) - static_cast<double>(switches_before[i]));
  }
  ZR_ASSIGN_OR_RETURN(int wait_status, load.Wait(std::chrono::seconds(30)));
  (void)wait_status;
  ZR_ASSIGN_OR_RETURN(result.load_report, LastJsonLine(spec.log_file));
  result.seconds = std::chrono::duration<double>(end - start).count();
  result.events_per_second = static_cast<double>(spec.events) / result.seconds;
  const double total = static_cast<double>(jiffies_after.second - jiffies_before.second);
  result.machine_busy = total > 0 ? static_cast<double>(jiffies_after.first - jiffies_before.first) / total : 0;
  return result;
}

StatusOr<std::vector<double>> EndToEndLatencies(int app_port, const std::string& topic, uint64_t first_index) {
  ZR_ASSIGN_OR_RETURN(nlohmann::json events,
                      LocalSystem::GetJson(app_port, "/events?topic=" + topic + "&from=" + std::to_string(first_index)));
  std::vector<double> out;
  for (const auto& e : events) {
    const auto& attributes = e["attributes"];
    if (!attributes.is_object()) continue;
    std::string sent;
    for (const char* name : {"sent", "Sent"}) {
      if (attributes.contains(name) && attributes[name].is_string()) sent = attributes[name].get<std::string>();
    }
    if (sent.empty()) continue;
    const int64_t arrival = e.value("t", int64_t{0});
    out.push_back(static_cast<double>(arrival - std::strtoll(sent.c_str(), nullptr, 10)) / 1000.0);
  }
  if (out.empty()) return Status::Internal("no event of " + topic + " carries ce-sent");
  std::sort(out.begin(), out.end());
  return out;
}

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

}  // namespace zroute::bench
