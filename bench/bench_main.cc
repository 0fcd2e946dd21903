// zroute-bench: the benchmark suite behind `make bench` (issue 8). Every figure is measured beside
// a baseline taken in the same run on the same machine:
//   throughput  load generator → publisher sidecar → subscriber sidecar → subscriber app (durable
//               outboxes), single events and batches of 100, vs. the same load POSTed straight to
//               the subscriber app with the same concurrency; and the floors: the same load
//               through zroute-bench-relay (two HTTP hops, nothing else) and batched straight
//               into the app;
//   latency     end-to-end at fixed rates (ce-sent stamped by the load generator, arrival recorded
//               by the app), vs. the same rate POSTed straight to the app;
//   cost        sidecar CPU per 1,000 events and resident memory idle / peak, vs. the app's;
//   recovery    reopening an outbox of 1,000,000 events, vs. reading its files;
//   propagation a Subscription change reaching 100 (fake) sidecars, vs. the operator's poll period.
// Prints a table (figure | zroute | baseline | ratio | target) and writes it as JSON.
// --smoke: tiny sizes, no targets checked; for CTest.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "bench/bench_runner.h"
#include "common/util/flags.h"

int main(int argc, char** argv) {
  zroute::bench::BenchOptions o;
  zroute::Flags flags("zroute-bench", "Runs the zroute benchmark suite on loopback and prints a table.");
  flags.String("bin-dir", &o.bin_dir, "the build folder (holds operator/, sidecar/, examples/, bench/)", true);
  flags.String("work-dir", &o.work_dir, "scratch folder (default: a new one under $TMPDIR, removed after)");
  flags.String("results", &o.results_file, "write the results as JSON here");
  flags.Bool("smoke", &o.smoke, "tiny sizes, no targets: checks that the harness runs");
  flags.Uint64("events", &o.events, "events per throughput run (single and batched)");
  flags.Int("threads", &o.threads, "load generator threads (concurrency) for throughput");
  flags.Uint64("recovery-events", &o.recovery_events, "events in the outbox recovery figure");
  flags.Int("latency-seconds", &o.latency_seconds, "seconds per fixed-rate latency run");
  flags.Int("latency-batch", &o.latency_batch,
            "events per request in the latency runs (0: single events, or 10 per request at a rate single events "
            "cannot sustain)");
  flags.Int("fake-sidecars", &o.fake_sidecars, "sidecars in the propagation figure");
  flags.String("only", &o.only, "comma-separated subset: throughput,latency,recovery,propagation");
  std::string latency_rates;
  flags.String("latency-rates", &latency_rates, "comma-separated events/s of the latency runs (default: 1000,10000)");
  std::string sidecar_flags;
  flags.String("sidecar-flags", &sidecar_flags, "space-separated extra flags for every sidecar");
  zroute::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << parsed.ToString() << "\n" << flags.Usage();
    return 2;
  }
  if (o.latency_batch < 0 || o.latency_batch > 1000) {
    std::cerr << "--latency-batch must be between 0 and 1000\n";
    return 2;
  }
  if (o.smoke) o.ApplySmokeSizes();
  if (!latency_rates.empty()) {
    o.latency_rates.clear();
    std::istringstream rates(latency_rates);
    for (std::string r; std::getline(rates, r, ',');) {
      char* end = nullptr;
      const unsigned long long rate = std::strtoull(r.c_str(), &end, 10);
      if (r.empty() || *end != '\0' || rate == 0 || rate > 1000000) {
        std::cerr << "--latency-rates: '" << r << "' is not a rate between 1 and 1000000 events/s\n";
        return 2;
      }
      o.latency_rates.push_back(rate);
    }
  }
  std::istringstream words(sidecar_flags);
  for (std::string w; words >> w;) o.sidecar_flags.push_back(w);
  bool own_work_dir = o.work_dir.empty();
  if (own_work_dir) {
    std::string pattern = (std::filesystem::temp_directory_path() / "zroute-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      return 1;
    }
    o.work_dir = pattern;
  }
  std::filesystem::create_directories(o.work_dir);
  zroute::bench::BenchRunner runner(o);
  zroute::Status s = runner.Run();
  std::cout << runner.Table() << std::flush;
  if (!o.results_file.empty()) {
    std::ofstream(o.results_file) << runner.Json().dump(2) << "\n";
    std::cout << "results: " << o.results_file << "\n";
  }
  if (!s.ok()) {
    std::cerr << "zroute-bench: " << s.ToString() << " (logs in " << o.work_dir << ")\n";
    return 1;
  }
  if (own_work_dir) std::filesystem::remove_all(o.work_dir);
  return 0;
}
