#include "bench/bench_runner.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "bench/disk_probe.h"
#include "bench/load_run.h"
#include "bench/proc_stats.h"
#include "bench/propagation.h"
#include "bench/recovery.h"
#include "bench/wake_probe.h"
#include "common/util/subprocess.h"
#include "examples/demo/local_system.h"

namespace zroute::bench {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;
// Events per request for the latency rates that single events cannot sustain here.
constexpr int kLatencyBatch = 10;

// The bench's topics, each keeping its events an hour, as one multi-document YAML file.
std::string Topics() {
  std::string yaml;
  for (const char* name : {"orders", "latency", "bulk", "refused", "refused-dlq"}) {
    if (!yaml.empty()) yaml += "---\n";
    yaml += std::string("apiVersion: zroute.io/v1alpha1\nkind: Topic\nmetadata:\n  name: ") + name +
            "\n  namespace: default\nspec:\n  retention:\n    maxAge: 1h\n";
  }
  return yaml;
}

// batch > 1: delivery.batch.maxEvents (and room in flight for a few such batches).
std::string Subscription(const std::string& name, const std::string& topic, const std::string& app_id,
                         const std::string& route, int batch = 1) {
  std::string delivery = batch > 1 ? "    maxInFlight: " + std::to_string(4 * batch) +
                                         "\n    ordered: false\n    batch:\n      maxEvents: " + std::to_string(batch) + "\n"
                                   : "    maxInFlight: 64\n    ordered: false\n";
  return "apiVersion: zroute.io/v1alpha1\nkind: Subscription\nmetadata:\n  name: " + name +
         "\n  namespace: default\nspec:\n  topic: " + topic + "\n  appId: " + app_id + "\n  route: " + route +
         "\n  delivery:\n" + delivery;
}

Status WriteFile(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";  // not *.yaml: the operator ignores it until the rename
  {
    std::ofstream out(tmp);
    out << text;
    if (!out) return Status::Internal("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::Internal("rename " + tmp + ": " + ec.message());
  return Status::OK();
}

double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string Format(double v) {
  char buf[32];
  if (v != 0 && (v >= 1e5 || v < 0.01)) {
    std::snprintf(buf, sizeof buf, "%.3g", v);
  } else {
    std::snprintf(buf, sizeof buf, v >= 100 ? "%.0f" : "%.3g", v);
  }
  return buf;
}

}  // namespace

bool BenchRunner::Selected(const std::string& figure) const {
  if (options_.only.empty()) return true;
  std::stringstream list(options_.only);
  std::string item;
  while (std::getline(list, item, ',')) {
    if (item == figure) return true;
  }
  return false;
}

void BenchRunner::Add(BenchRow row) {
  if (options_.smoke) row.met.reset();
  std::fprintf(stderr, "  %-44s %12s %s\n", row.figure.c_str(), row.measured ? Format(row.zroute).c_str() : "-",
               row.measured ? row.unit.c_str() : row.note.c_str());
  rows_.push_back(std::move(row));
}

Status BenchRunner::Run() {
  if (Selected("throughput") || Selected("latency")) ZR_RETURN_IF_ERROR(RunDataPath());
  if (Selected("recovery")) ZR_RETURN_IF_ERROR(RunRecovery());
  if (Selected("propagation")) ZR_RETURN_IF_ERROR(RunPropagation());
  return Status::OK();
}

StatusOr<Subprocess> BenchRunner::StartRelay(int app_port) const {
  SubprocessOptions o;
  o.argv = {options_.bin_dir + "/bench/zroute-bench-relay", "--target-port", std::to_string(app_port),
            "--port-file", options_.work_dir + "/relay.port"};
  o.log_file = options_.work_dir + "/relay.log";
  return Subprocess::Start(std::move(o));
}

Status BenchRunner::RunDataPath() {
  const std::string manifests = options_.work_dir + "/manifests";
  std::filesystem::create_directories(manifests);
  ZR_RETURN_IF_ERROR(WriteFile(manifests + "/topics.yaml", Topics()));
  ZR_RETURN_IF_ERROR(WriteFile(manifests + "/subscriptions.yaml",
                               Subscription("sink-orders", "orders", "sink", "/events") + "---\n" +
                                   Subscription("sink-bulk", "bulk", "sink", "/events", 100) + "---\n" +
                                   Subscription("lat-latency", "latency", "lat", "/events") + "---\n" +
                                   // Every event refused (the app answers 400) and dead-lettered;
                                   // a second service takes the dead letters.
                                   Subscription("refuse-refused", "refused", "refuse", "/events") +
                                   "  deadLetterTopic: refused-dlq\n---\n" +
                                   Subscription("dlq-refused-dlq", "refused-dlq", "dlq", "/events")));
  LocalSystemOptions lo;
  lo.bin_dir = options_.bin_dir;
  lo.manifests_dir = manifests;
  lo.work_dir = options_.work_dir;
  LocalSystem system(lo);
  std::fprintf(stderr, "starting operator, sidecars and apps in %s\n", options_.work_dir.c_str());
  ZR_RETURN_IF_ERROR(system.StartOperator());
  ZR_ASSIGN_OR_RETURN(LocalReplica * sink, system.StartSubscriber("sink", "sink-1", {}, options_.sidecar_flags));
  ZR_ASSIGN_OR_RETURN(LocalReplica * lat, system.StartSubscriber("lat", "lat-1", {"--keep-attributes"}, options_.sidecar_flags));
  ZR_ASSIGN_OR_RETURN(LocalReplica * refuse, system.StartSubscriber("refuse", "refuse-1", {"--reject-type", "bench.event"},
                                                                     options_.sidecar_flags));
  ZR_ASSIGN_OR_RETURN(LocalReplica * dlq, system.StartSubscriber("dlq", "dlq-1", {}, options_.sidecar_flags));
  ZR_ASSIGN_OR_RETURN(LocalReplica * pub, system.StartPublisherSidecar("bench-pub", "pub-1", options_.sidecar_flags));
  // A second publisher that answers 202 after the write to its outbox and fdatasyncs every
  // --outbox-sync-interval: set beside `pub`, it shows what the fdatasync before every 202 costs.
  std::vector<std::string> interval_flags = options_.sidecar_flags;
  interval_flags.push_back("--outbox-sync=interval");  // the last of a repeated flag wins
  ZR_ASSIGN_OR_RETURN(LocalReplica * pub_interval,
                      system.StartPublisherSidecar("bench-pub-interval", "pub-interval-1", interval_flags));
  ZR_RETURN_IF_ERROR(system.WaitForConvergence(std::chrono::seconds(30)));
  std::this_thread::sleep_for(std::chrono::seconds(1));  // let start-up allocations settle

  const pid_t pub_pid = pub->sidecar.pid(), sub_pid = sink->sidecar.pid(), app_pid = sink->app.pid();
  ZR_ASSIGN_OR_RETURN(uint64_t pub_idle, ProcessMemoryBytes(pub_pid, "VmRSS"));
  ZR_ASSIGN_OR_RETURN(uint64_t sub_idle, ProcessMemoryBytes(sub_pid, "VmRSS"));
  ZR_ASSIGN_OR_RETURN(uint64_t app_idle, ProcessMemoryBytes(app_pid, "VmRSS"));

  const std::string load_binary = options_.bin_dir + "/bench/zroute-bench-load";
  int run_counter = 0;
  auto spec = [&](int port, const std::string& path, const std::string& header, uint64_t events, int batch,
                  LocalReplica* app, const std::string& topic) {
    LoadSpec s;
    s.load_binary = load_binary;
    s.id_prefix = "run" + std::to_string(++run_counter);
    s.log_file = options_.work_dir + "/load-" + s.id_prefix + ".log";
    s.target_port = port;
    s.path = path;
    s.header = header;
    s.threads = options_.threads;
    s.events = events;
    s.batch = batch;
    s.app_port = app->app_port;
    s.topic = topic;
    s.watch = {pub_pid, sub_pid, app_pid};
    return s;
  };
  const std::string orders = "default/orders", direct_orders = "zroute-topic: default/orders";
  const std::string bulk = "default/bulk";

  if (Selected("throughput")) {
    std::fprintf(stderr, "throughput: %llu events, %d client threads\n",
                 static_cast<unsigned long long>(options_.events), options_.threads);
    // Warm-up: connections, page cache, allocator pools on both paths.
    const uint64_t warm = std::max<uint64_t>(options_.events / 20, 500);
    ZR_RETURN_IF_ERROR(RunLoad(spec(sink->app_port, "/events", direct_orders, warm, 1, sink, orders)).status());
    ZR_RETURN_IF_ERROR(RunLoad(spec(pub->sidecar_port, "/v1/publish/orders", "", warm, 1, sink, orders)).status());
    ZR_RETURN_IF_ERROR(RunLoad(spec(pub->sidecar_port, "/v1/publish/bulk", "", warm, 100, sink, bulk)).status());
    auto interval_spec = [&](uint64_t events) {
      LoadSpec s = spec(pub_interval->sidecar_port, "/v1/publish/orders", "", events, 1, sink, orders);
      s.watch[0] = pub_interval->sidecar.pid();  // its CPU in the publisher sidecar's place
      return s;
    };
    ZR_RETURN_IF_ERROR(RunLoad(interval_spec(warm)).status());

    // The floors (no zroute in them): the relay in place of the two sidecars (bench/http_relay.cc)
    // and the load generator batching straight into the app.
    ZR_ASSIGN_OR_RETURN(Subprocess relay, StartRelay(sink->app_port));
    const std::string relay_port_file = options_.work_dir + "/relay.port";
    ZR_ASSIGN_OR_RETURN(std::string relay_ports, WaitForFile(relay_port_file, std::chrono::seconds(30)));
    const int relay_port = nlohmann::json::parse(relay_ports, nullptr, false).value("http", 0);
    if (relay_port <= 0) return Status::Internal("relay: unreadable port file " + relay_port_file);
    auto relay_spec = [&](uint64_t events, int batch) {
      LoadSpec s = spec(relay_port, "/events", direct_orders, events, batch, sink, orders);
      s.watch[0] = relay.pid();  // the relay's CPU in the publisher sidecar's place
      return s;
    };
    ZR_RETURN_IF_ERROR(RunLoad(relay_spec(warm, 1)).status());

    ZR_ASSIGN_OR_RETURN(LoadResult direct,
                        RunLoad(spec(sink->app_port, "/events", direct_orders, options_.events, 1, sink, orders)));
    ZR_ASSIGN_OR_RETURN(LoadResult relayed, RunLoad(relay_spec(options_.events, 1)));
    ZR_ASSIGN_OR_RETURN(LoadResult direct_batched,
                        RunLoad(spec(sink->app_port, "/events", direct_orders, options_.events, 100, sink, orders)));
    ZR_ASSIGN_OR_RETURN(LoadResult relayed_batched, RunLoad(relay_spec(options_.events, 100)));
    relay.Stop();
    ZR_ASSIGN_OR_RETURN(LoadResult single,
                        RunLoad(spec(pub->sidecar_port, "/v1/publish/orders", "", options_.events, 1, sink, orders)));
    ZR_ASSIGN_OR_RETURN(LoadResult single_interval, RunLoad(interval_spec(options_.events)));
    ZR_ASSIGN_OR_RETURN(LoadResult batched,
                        RunLoad(spec(pub->sidecar_port, "/v1/publish/bulk", "", options_.events, 100, sink, bulk)));
    // The same batched publishes to a subscription delivering one event per POST: what batched
    // delivery adds.
    ZR_ASSIGN_OR_RETURN(LoadResult batched_unbatched,
                        RunLoad(spec(pub->sidecar_port, "/v1/publish/orders", "", options_.events, 100, sink, orders)));
    // Every event refused by the app and dead-lettered: the dead-letter publish (a durable append)
    // on the consuming sidecar's delivery path, then the dead letter's own trip to a second service.
    auto refused_spec = [&](uint64_t events) {
      LoadSpec s = spec(pub->sidecar_port, "/v1/publish/refused", "", events, 1, dlq, "default/refused-dlq");
      s.watch[1] = refuse->sidecar.pid();  // the refusing service's sidecar in the subscriber's place
      return s;
    };
    ZR_RETURN_IF_ERROR(RunLoad(refused_spec(warm)).status());
    ZR_ASSIGN_OR_RETURN(LoadResult refused, RunLoad(refused_spec(std::max<uint64_t>(options_.events / 10, 500))));
    char note[160];
    std::snprintf(note, sizeof note, "machine busy: direct %.0f%%, zroute %.0f%%", 100 * direct.machine_busy,
                  100 * single.machine_busy);
    single_throughput_ = single.events_per_second;
    batched_unbatched_throughput_ = batched_unbatched.events_per_second;
    const double ratio_single = single.events_per_second / direct.events_per_second;
    const double ratio_batched = batched.events_per_second / direct.events_per_second;
    Add({"throughput, single events", "events/s", single.events_per_second, direct.events_per_second,
         "direct POST to the app", ">= 0.5 x direct", ratio_single >= 0.5, note});
    std::snprintf(note, sizeof note, "202 after the write, fdatasync every 10 ms; machine busy %.0f%%",
                  100 * single_interval.machine_busy);
    Add({"throughput, single events, interval sync", "events/s", single_interval.events_per_second,
         direct.events_per_second, "direct POST to the app", "", std::nullopt, note});
    std::snprintf(note, sizeof note, "100 events per publish, up to 100 per delivery; machine busy %.0f%%",
                  100 * batched.machine_busy);
    Add({"throughput, batched publish", "events/s", batched.events_per_second, direct.events_per_second,
         "direct POST to the app", ">= 2 x direct", ratio_batched >= 2.0, note});
    std::snprintf(note, sizeof note, "100 events per publish, one per delivery; machine busy %.0f%%",
                  100 * batched_unbatched.machine_busy);
    Add({"throughput, batched publish, unbatched delivery", "events/s", batched_unbatched.events_per_second,
         direct.events_per_second, "direct POST to the app", "", std::nullopt, note});

    std::snprintf(note, sizeof note,
                  "the app answers 400; each event dead-lettered (a durable publish) and delivered from the "
                  "dead-letter topic to a second service; machine busy %.0f%%",
                  100 * refused.machine_busy);
    Add({"throughput, every event refused (dead-lettered)", "events/s", refused.events_per_second,
         direct.events_per_second, "direct POST to the app", "", std::nullopt, note});

    // What no sidecar built from these HTTP pieces could beat, measured in the same run.
    Add({"floor: HTTP relay, single events", "events/s", relayed.events_per_second, direct.events_per_second,
         "direct POST to the app", "", std::nullopt,
         "no zroute: one process forwarding each POST to the app, nothing else; bounds the single-event ratio"});
    Add({"floor: direct batched POSTs", "events/s", direct_batched.events_per_second, direct.events_per_second,
         "direct POST to the app", "", std::nullopt,
         "no zroute: 100 events per POST straight to the app; bounds the batched ratio"});
    Add({"floor: HTTP relay, batched", "events/s", relayed_batched.events_per_second, direct.events_per_second,
         "direct POST to the app", "", std::nullopt, "no zroute: the relay forwarding 100-event POSTs"});

    // Cost: CPU of each sidecar per 1,000 events in the single-event run, beside the app's CPU per
    // 1,000 events when it is POSTed to directly (the work of one HTTP hop plus recording).
    const double k = static_cast<double>(options_.events) / 1000.0;
    const double app_direct = direct.cpu_seconds[2] / k;
    Add({"CPU, publisher sidecar (single events)", "CPU-s/1000 ev", single.cpu_seconds[0] / k, app_direct,
         "app CPU, direct POSTs", "<= 0.05", single.cpu_seconds[0] / k <= 0.05, ""});
    Add({"CPU, subscriber sidecar (single events)", "CPU-s/1000 ev", single.cpu_seconds[1] / k, app_direct,
         "app CPU, direct POSTs", "<= 0.05", single.cpu_seconds[1] / k <= 0.05, ""});
    Add({"CPU, publisher sidecar (single events, interval sync)", "CPU-s/1000 ev", single_interval.cpu_seconds[0] / k,
         app_direct, "app CPU, direct POSTs", "", std::nullopt, ""});
    Add({"CPU, subscriber sidecar (single events, interval sync)", "CPU-s/1000 ev",
         single_interval.cpu_seconds[1] / k, app_direct, "app CPU, direct POSTs", "", std::nullopt, ""});
    Add({"CPU, publisher sidecar (batched)", "CPU-s/1000 ev", batched.cpu_seconds[0] / k, app_direct,
         "app CPU, direct POSTs", "<= 0.05", batched.cpu_seconds[0] / k <= 0.05, ""});
    Add({"CPU, subscriber sidecar (batched)", "CPU-s/1000 ev", batched.cpu_seconds[1] / k, app_direct,
         "app CPU, direct POSTs", "<= 0.05", batched.cpu_seconds[1] / k <= 0.05, ""});
    // What bounds the throughput ratios: with the machine saturated, events/s is about
    // (CPUs / CPU per event), so zroute's ratio to direct is about the inverse of these ratios.
    // Two HTTP hops and nothing else: a sidecar pair spends at least this much per event.
    Add({"floor: CPU, HTTP relay (single events)", "CPU-s/1000 ev", relayed.cpu_seconds[0] / k, app_direct,
         "app CPU, direct POSTs", "", std::nullopt, "no zroute: one server and one client hop per event"});
    Add({"CPU, app (single events via zroute)", "CPU-s/1000 ev", single.cpu_seconds[2] / k, app_direct,
         "app CPU, direct POSTs", "", std::nullopt, ""});
    Add({"CPU, app (batched delivery)", "CPU-s/1000 ev", batched.cpu_seconds[2] / k, app_direct,
         "app CPU, direct POSTs", "", std::nullopt, ""});
    // Where that CPU goes on this machine: thread hand-offs. Context switches per event of each
    // process (all its threads), beside the app's per event when it is POSTed to directly.
    const double n = static_cast<double>(options_.events);
    const double app_switches_direct = direct.context_switches[2] / n;
    const std::pair<const char*, size_t> processes[] = {{"publisher sidecar", 0}, {"subscriber sidecar", 1}, {"app", 2}};
    for (const auto& [run_label, run] : {std::pair<const char*, const LoadResult*>{"single events", &single},
                                         {"batched", &batched}}) {
      for (const auto& [who, i] : processes) {
        Add({"context switches, " + std::string(who) + " (" + run_label + ")", "per event",
             run->context_switches[i] / n, app_switches_direct, "app, direct POSTs", "", std::nullopt,
             "all threads; each is a wake-up or a block"});
      }
    }
    const double cpus = static_cast<double>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    auto machine = [&](const LoadResult& r) { return r.machine_busy * r.seconds * cpus / k; };
    Add({"CPU, whole machine (single events)", "CPU-s/1000 ev", machine(single), machine(direct),
         "whole machine, direct POSTs", "", std::nullopt, "load generator, sidecars, app and kernel"});
    Add({"CPU, whole machine (batched)", "CPU-s/1000 ev", machine(batched), machine(direct),
         "whole machine, direct POSTs", "", std::nullopt, "load generator, sidecars, app and kernel"});
    Add({"floor: CPU, whole machine (HTTP relay, single events)", "CPU-s/1000 ev", machine(relayed),
         machine(direct), "whole machine, direct POSTs", "", std::nullopt, "load generator, relay, app and kernel"});
    Add({"floor: CPU, whole machine (direct batched)", "CPU-s/1000 ev", machine(direct_batched), machine(direct),
         "whole machine, direct POSTs", "", std::nullopt, "load generator and app"});
  }

  if (Selected("latency")) {
    const std::string topic = "default/latency";
    // The floor under a durable publish on this disk (see bench/disk_probe.h), measured beside it
    // at 1,000 syncs/s, the rate of the latency target.
    ZR_ASSIGN_OR_RETURN(std::vector<double> sync_us,
                        FdatasyncLatenciesUs(options_.work_dir, options_.smoke ? 50 : 2000,
                                             std::chrono::microseconds(1000)));
    for (auto [label, p] : {std::pair{"p50", 50.0}, {"p99", 99.0}}) {
      Add({"disk: write 1 KiB + fdatasync " + std::string(label) + " @ 1000/s", "ms",
           Percentile(sync_us, p) / 1000.0, std::nullopt, "", "", std::nullopt,
           "no zroute: the wait under every durable publish (--outbox-sync batch)"});
    }
    // What one thread hand-off costs here (see bench/wake_probe.h), paced like the latency runs.
    ZR_ASSIGN_OR_RETURN(std::vector<double> wake_us,
                        WakeUpLatenciesUs(options_.smoke ? 50 : 2000, std::chrono::microseconds(1000)));
    for (auto [label, p] : {std::pair{"p50", 50.0}, {"p99", 99.0}}) {
      Add({"machine: thread wake-up " + std::string(label) + " @ 1000/s", "ms", Percentile(wake_us, p) / 1000.0,
           std::nullopt, "", "", std::nullopt,
           "no zroute: eventfd write -> poll returns in another thread; an event crosses 5 more than a direct POST"});
    }
    for (uint64_t rate : options_.latency_rates) {
      // A fixed rate above what zroute sustains measures an ever-growing queue, not latency. Where
      // single events cannot keep up, the rate is sent as publishes of kLatencyBatch events (on both
      // paths, as the batched throughput compares them), which is how an app publishing that fast
      // would send them; still one delivery per event.
      int batch = options_.latency_batch > 0 ? options_.latency_batch : 1;
      if (options_.latency_batch == 0 && single_throughput_ > 0 && static_cast<double>(rate) > 0.9 * single_throughput_) {
        batch = kLatencyBatch;
        if (static_cast<double>(rate) > 0.9 * batched_unbatched_throughput_) {
          char note[160];
          std::snprintf(note, sizeof note, "not measured: zroute sustains %.0f events/s here (%.0f in batches)",
                        single_throughput_, batched_unbatched_throughput_);
          BenchRow row{"end-to-end latency @ " + std::to_string(rate) + "/s", "ms", 0, std::nullopt, "", "",
                       std::nullopt, note};
          row.measured = false;
          Add(row);
          continue;
        }
      }
      const std::string how = batch > 1 ? ", " + std::to_string(batch) + " events per request" : "";
      const uint64_t events = rate * static_cast<uint64_t>(options_.latency_seconds);
      std::fprintf(stderr, "latency at %llu events/s for %d s, %d per request\n", static_cast<unsigned long long>(rate),
                   options_.latency_seconds, batch);
      LoadSpec d = spec(lat->app_port, "/events", "zroute-topic: " + topic, events, batch, lat, topic);
      LoadSpec z = spec(pub->sidecar_port, "/v1/publish/latency", "", events, batch, lat, topic);
      // Warm-up at the same rate: a publisher sidecar opens its link to a consumer on the first event
      // for it, and events wait for the link's first credit (up to a heartbeat interval, 1 s).
      for (LoadSpec warm : {spec(lat->app_port, "/events", "zroute-topic: " + topic, rate / 2 + 50, batch, lat, topic),
                            spec(pub->sidecar_port, "/v1/publish/latency", "", rate / 2 + 50, batch, lat, topic)}) {
        warm.rate = rate;
        warm.threads = 32;
        ZR_RETURN_IF_ERROR(RunLoad(warm).status());
      }
      d.rate = z.rate = rate;
      d.threads = z.threads = 32;  // enough senders that a slow answer does not delay the schedule
      ZR_ASSIGN_OR_RETURN(LoadResult direct, RunLoad(d));
      ZR_ASSIGN_OR_RETURN(std::vector<double> direct_us, EndToEndLatencies(lat->app_port, topic, direct.first_index));
      ZR_ASSIGN_OR_RETURN(LoadResult routed, RunLoad(z));
      ZR_ASSIGN_OR_RETURN(std::vector<double> routed_us, EndToEndLatencies(lat->app_port, topic, routed.first_index));
      // Sent: the load generator's rate. Delivered: every event over the time until the app had the
      // last one; below the rate, deliveries queued and the figures measure that queue.
      const double achieved = routed.load_report.value("eventsPerSecond", 0.0);
      const bool kept_up = achieved >= 0.9 * static_cast<double>(rate) &&
                           routed.events_per_second >= 0.9 * static_cast<double>(rate);
      for (auto [label, p] : {std::pair{"p50", 50.0}, {"p99", 99.0}, {"p99.9", 99.9}}) {
        const double zr = Percentile(routed_us, p) / 1000.0, base = Percentile(direct_us, p) / 1000.0;
        char single[96] = "";
        if (batch > 1 && single_throughput_ > 0) {
          std::snprintf(single, sizeof single, "; single events: zroute sustains %.0f/s", single_throughput_);
        }
        char note[256];
        std::snprintf(note, sizeof note, "added %.3f ms; sent %.0f/s%s; disk fdatasync %s @ 1000/s %.3f ms%s",
                      zr - base, achieved, kept_up ? "" : " (zroute fell behind: deliveries queued)", label,
                      Percentile(sync_us, p) / 1000.0, single);
        BenchRow row{"end-to-end latency " + std::string(label) + " @ " + std::to_string(rate) + "/s" + how,
                     "ms", zr, base, batch > 1 ? "direct POSTs of the same batches" : "direct POST to the app", "",
                     std::nullopt, note};
        if (rate == 1000 && std::string(label) == "p99") {
          row.target = "added <= 0.5 ms";
          row.met = zr - base <= 0.5;
        }
        Add(row);
      }
      // Where the time goes: the publish POST alone (HTTP + durable append) against a POST to the app.
      const auto& zl = routed.load_report["latencyUs"];
      const auto& dl = direct.load_report["latencyUs"];
      for (const char* p : {"p50", "p99"}) {
        Add({"publish POST latency " + std::string(p) + " @ " + std::to_string(rate) + "/s" + how, "ms",
             zl.value(p, 0.0) / 1000.0, dl.value(p, 0.0) / 1000.0, "POST to the app", "", std::nullopt,
             "answer to the publisher, before delivery"});
      }
    }
  }

  ZR_ASSIGN_OR_RETURN(uint64_t pub_peak, ProcessMemoryBytes(pub_pid, "VmHWM"));
  ZR_ASSIGN_OR_RETURN(uint64_t sub_peak, ProcessMemoryBytes(sub_pid, "VmHWM"));
  ZR_ASSIGN_OR_RETURN(uint64_t app_peak, ProcessMemoryBytes(app_pid, "VmHWM"));
  Add({"RSS idle, publisher sidecar", "MiB", pub_idle / kMiB, app_idle / kMiB, "app RSS idle", "<= 15 MB",
       pub_idle <= 15e6, ""});
  Add({"RSS idle, subscriber sidecar", "MiB", sub_idle / kMiB, app_idle / kMiB, "app RSS idle", "<= 15 MB",
       sub_idle <= 15e6, ""});
  Add({"RSS peak, publisher sidecar", "MiB", pub_peak / kMiB, app_peak / kMiB, "app RSS peak", "<= 40 MB",
       pub_peak <= 40e6, "VmHWM after all runs"});
  Add({"RSS peak, subscriber sidecar", "MiB", sub_peak / kMiB, app_peak / kMiB, "app RSS peak", "<= 40 MB",
       sub_peak <= 40e6, "VmHWM after all runs"});
  system.StopAll();
  return Status::OK();
}

Status BenchRunner::RunRecovery() {
  const size_t payload = 1024;
  std::fprintf(stderr, "recovery: writing %llu events of %zu bytes\n",
               static_cast<unsigned long long>(options_.recovery_events), payload);
  ZR_ASSIGN_OR_RETURN(RecoveryResult r,
                      MeasureRecovery(options_.work_dir + "/recovery", options_.recovery_events, payload, 3));
  char note[160];
  std::snprintf(note, sizeof note, "%llu events, %.0f MiB on disk, page cache warm, median of 3",
                static_cast<unsigned long long>(r.records), r.bytes / kMiB);
  const double open = Median(r.open_seconds);
  Add({"outbox recovery, " + std::to_string(options_.recovery_events) + " events", "s", open,
       Median(r.read_seconds), "read(2) of the segment files", "<= 2 s", open <= 2.0, note});
  return Status::OK();
}

Status BenchRunner::RunPropagation() {
  const std::string dir = options_.work_dir + "/propagation";
  const std::string manifests = dir + "/manifests";
  std::filesystem::create_directories(manifests);
  ZR_RETURN_IF_ERROR(WriteFile(manifests + "/topics.yaml", Topics()));
  const std::string sub_file = manifests + "/subscriptions.yaml";
  ZR_RETURN_IF_ERROR(WriteFile(sub_file, Subscription("prop-orders", "orders", "fake-0", "/start")));
  const auto poll = std::chrono::milliseconds(20);
  LocalSystemOptions lo;
  lo.bin_dir = options_.bin_dir;
  lo.manifests_dir = manifests;
  lo.work_dir = dir;
  lo.operator_args = {"--manifests-poll", std::to_string(poll.count()) + "ms"};
  LocalSystem system(lo);
  ZR_RETURN_IF_ERROR(system.StartOperator());
  std::fprintf(stderr, "propagation: %d fake sidecars\n", options_.fake_sidecars);
  PropagationOptions po;
  po.control_endpoint = system.control_endpoint();
  po.operator_public_key = system.operator_public_key();
  po.sidecars = options_.fake_sidecars;
  po.rounds = options_.smoke ? 2 : 10;
  po.write_subscription = [&](const std::string& route) {
    return WriteFile(sub_file, Subscription("prop-orders", "orders", "fake-0", route));
  };
  ZR_ASSIGN_OR_RETURN(PropagationResult r, MeasurePropagation(po));
  const double median = Median(r.seconds), worst = *std::max_element(r.seconds.begin(), r.seconds.end());
  char note[160];
  std::snprintf(note, sizeof note, "%zu rounds, max %.3f s", r.seconds.size(), worst);
  Add({"propagation to " + std::to_string(options_.fake_sidecars) + " sidecars (median)", "s", median,
       std::chrono::duration<double>(poll).count(), "operator's folder poll period", "<= 1 s", worst <= 1.0, note});
  system.StopAll();
  return Status::OK();
}

std::string BenchRunner::Table() const {
  std::ostringstream out;
  char line[512];
  std::snprintf(line, sizeof line, "\n| %-44s | %-14s | %10s | %10s | %7s | %-16s | %-4s | %s\n", "figure", "unit",
                "zroute", "baseline", "ratio", "target", "met", "notes / baseline");
  out << line;
  out << "|" << std::string(46, '-') << "|" << std::string(16, '-') << "|" << std::string(12, '-') << "|"
      << std::string(12, '-') << "|" << std::string(9, '-') << "|" << std::string(18, '-') << "|"
      << std::string(6, '-') << "|" << std::string(20, '-') << "|\n";
  for (const auto& r : rows_) {
    std::string base = r.baseline ? Format(*r.baseline) : "-";
    std::string ratio = r.baseline && *r.baseline != 0 ? Format(r.zroute / *r.baseline) : "-";
    std::string met = r.met ? (*r.met ? "yes" : "NO") : "-";
    std::string notes = r.baseline_label + (r.note.empty() || r.baseline_label.empty() ? "" : "; ") + r.note;
    std::snprintf(line, sizeof line, "| %-44s | %-14s | %10s | %10s | %7s | %-16s | %-4s | %s |\n", r.figure.c_str(),
                  r.unit.c_str(), r.measured ? Format(r.zroute).c_str() : "-", base.c_str(), ratio.c_str(),
                  r.target.empty() ? "-" : r.target.c_str(), met.c_str(), notes.c_str());
    out << line;
  }
  return out.str();
}

nlohmann::json BenchRunner::Json() const {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& r : rows_) {
    nlohmann::json j{{"figure", r.figure}, {"unit", r.unit}, {"zroute", r.zroute},
                     {"baselineLabel", r.baseline_label}, {"target", r.target}, {"note", r.note}};
    if (!r.measured) j["zroute"] = nullptr;
    j["baseline"] = r.baseline ? nlohmann::json(*r.baseline) : nlohmann::json();
    j["ratio"] = r.baseline && *r.baseline != 0 ? nlohmann::json(r.zroute / *r.baseline) : nlohmann::json();
    j["met"] = r.met ? nlohmann::json(*r.met) : nlohmann::json();
    rows.push_back(j);
  }
  return {{"smoke", options_.smoke},
          {"events", options_.events},
          {"threads", options_.threads},
          {"cpus", std::thread::hardware_concurrency()},
          {"time", std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count()},
          {"rows", rows}};
}

}  // namespace zroute::bench
