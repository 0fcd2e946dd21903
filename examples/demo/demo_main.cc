// zroute-demo (`make demo`): the whole system on loopback, no cluster needed.
//
// Starts the operator in standalone mode on examples/manifests, a publishing app ("shop") with its
// sidecar, and two subscribing services with their sidecars: billing (two replicas, consumes
// orders) and audit (one replica, consumes orders and payments). The shop publishes a steady
// stream, with a burst every 45 seconds so the backlog and the scaling hints move. Each second it
// prints what the apps received: fan-out (each service gets every event of its topics), load
// sharing (billing's two replicas split its events), the backlog and the operator's scaling hints.
// Runs until Ctrl-C or --duration seconds, then stops every process it started.
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>

#include "common/util/flags.h"
#include "examples/demo/local_system.h"

namespace zroute {
namespace {

struct DemoOptions {
  std::string manifests = "examples/manifests";
  std::string bin_dir;
  int duration = 0;
  int rate = 200;
  int burst_rate = 400;
  int burst_every = 45;
  int burst_seconds = 15;
  int billing_work_ms = 100;
  bool keep = false;
};

uint64_t Count(const nlohmann::json& j, const std::string& topic) {
  if (!j.contains("topics") || !j["topics"].contains(topic)) return 0;
  return j["topics"][topic].value("received", uint64_t{0});
}

class Demo {
 public:
  Demo(DemoOptions options, LocalSystemOptions system) : options_(std::move(options)), system_(std::move(system)) {}

  Status Start() {
    ZR_RETURN_IF_ERROR(system_.StartOperator());
    ZR_ASSIGN_OR_RETURN(shop_, system_.StartPublisherSidecar("shop", "shop-1"));
    std::vector<std::string> billing_args{"--work-ms", std::to_string(options_.billing_work_ms)};
    ZR_ASSIGN_OR_RETURN(billing1_, system_.StartSubscriber("billing", "billing-1", billing_args));
    ZR_ASSIGN_OR_RETURN(billing2_, system_.StartSubscriber("billing", "billing-2", billing_args));
    ZR_ASSIGN_OR_RETURN(audit_, system_.StartSubscriber("audit", "audit-1"));
    ZR_RETURN_IF_ERROR(system_.WaitForConvergence(std::chrono::seconds(20)));
    ZR_ASSIGN_OR_RETURN(steady_, system_.StartPublisherApp(*shop_, "shop-app",
                                                            {"--topics", "orders,payments", "--rate",
                                                             std::to_string(options_.rate), "--keys", "32",
                                                             "--type", "com.example.shop.event"},
                                                            &steady_port_));
    std::printf("zroute demo: operator http://127.0.0.1:%d (/metrics /v1/routing-table /v1/sidecars /v1/scaling)\n",
                system_.operator_port());
    for (const auto& r : system_.replicas()) {
      std::printf("  %-10s sidecar http://127.0.0.1:%d/metrics%s\n", r->name.c_str(), r->sidecar_port,
                  r->app_port ? ("  app http://127.0.0.1:" + std::to_string(r->app_port) + "/stats").c_str() : "");
    }
    std::printf("publishing %d events/s to orders+payments, a burst of %d/s for %ds every %ds; logs in %s\n\n",
                options_.rate, options_.burst_rate, options_.burst_seconds, options_.burst_every,
                system_.LogPath("*").c_str());
    return Status::OK();
  }

  // One second of the demo: maybe start or end a burst, then print a line.
  void Tick(int second) {
    int phase = options_.burst_every > 0 ? second % options_.burst_every : -1;
    if (phase == options_.burst_every - options_.burst_seconds && !burst_) {
      // Each burst is a new publisher instance: its own name keeps event ids (source + id) unique.
      auto p = system_.StartPublisherApp(*shop_, "shop-burst-" + std::to_string(++bursts_),
                                         {"--topics", "orders", "--rate", std::to_string(options_.burst_rate),
                                          "--keys", "32", "--type", "com.example.shop.burst"},
                                         &burst_port_);
      if (p.ok()) {
        burst_.emplace(std::move(p).value());
        std::printf("--- burst: +%d orders/s\n", options_.burst_rate);
      }
    } else if (phase == 0 && burst_) {
      burst_accepted_ += Published(burst_port_);
      burst_->Stop();
      burst_.reset();
      std::printf("--- burst over\n");
    }
    if (second % 10 == 1) {
      std::printf("%5s %9s | %-24s | %-17s | %6s %4s %4s | %s\n", "time", "published", "billing (replica split)",
                  "audit (ord, pay)", "lag", "dup", "ooo", "scaling hint");
    }
    nlohmann::json b1 = Stats(billing1_), b2 = Stats(billing2_), a = Stats(audit_);
    uint64_t published = Published(steady_port_) + burst_accepted_ + (burst_ ? Published(burst_port_) : 0);
    uint64_t bo1 = Count(b1, "default/orders"), bo2 = Count(b2, "default/orders");
    uint64_t dup = b1.value("duplicates", 0ull) + b2.value("duplicates", 0ull) + a.value("duplicates", 0ull);
    uint64_t ooo = b1.value("outOfOrder", 0ull) + b2.value("outOfOrder", 0ull);
    char billing[64], audit[64];
    std::snprintf(billing, sizeof billing, "%lu = %lu + %lu", static_cast<unsigned long>(bo1 + bo2),
                  static_cast<unsigned long>(bo1), static_cast<unsigned long>(bo2));
    std::snprintf(audit, sizeof audit, "%lu, %lu", static_cast<unsigned long>(Count(a, "default/orders")),
                  static_cast<unsigned long>(Count(a, "default/payments")));
    std::printf("%4ds %9lu | %-24s | %-17s | %6lu %4lu %4lu | %s\n", second, static_cast<unsigned long>(published),
                billing, audit, static_cast<unsigned long>(Lag()), static_cast<unsigned long>(dup),
                static_cast<unsigned long>(ooo), Hints().c_str());
    std::fflush(stdout);
  }

  void Stop() {
    std::printf("\nstopping: publishers, then sidecars (they drain), apps and the operator\n");
    if (burst_) burst_->Stop();
    steady_.Stop();
    system_.StopAll();
  }

 private:
  static nlohmann::json Stats(const LocalReplica* r) {
    auto s = LocalSystem::GetJson(r->app_port, "/stats");
    return s.ok() ? *s : nlohmann::json::object();
  }
  static uint64_t Published(int port) {
    auto s = LocalSystem::GetJson(port, "/stats");
    return s.ok() ? s->value("accepted", uint64_t{0}) : 0;
  }
  // Events the shop's outbox holds that billing has not acknowledged yet.
  uint64_t Lag() {
    auto subs = LocalSystem::GetJson(shop_->sidecar_port, "/v1/admin/subscriptions");
    if (!subs.ok()) return 0;
    for (const auto& s : *subs) {
      if (s.value("subscription", "") == "default/billing-orders") return s.value("lag", uint64_t{0});
    }
    return 0;
  }
  // The operator's recommendation per ScalingPolicy (GET /v1/scaling), e.g. "billing 2 -> 5":
  // two replicas report, five are recommended.
  std::string Hints() {
    auto hints = LocalSystem::GetJson(system_.operator_port(), "/v1/scaling");
    if (!hints.ok() || !hints->is_array() || hints->empty()) return "-";
    std::string out;
    for (const auto& h : *hints) {
      if (!h.is_object()) continue;
      if (!out.empty()) out += ", ";
      out += h.value("appId", "?") + " ";
      if (h.contains("recommendedReplicas")) {
        int reporting = h.contains("inputs") ? h["inputs"].value("consumerReplicas", 0) : 0;
        out += std::to_string(reporting) + " -> " + std::to_string(h.value("recommendedReplicas", 0));
      } else {
        out += "(no data yet)";
      }
    }
    return out;
  }

  DemoOptions options_;
  LocalSystem system_;
  LocalReplica* shop_ = nullptr;
  LocalReplica* billing1_ = nullptr;
  LocalReplica* billing2_ = nullptr;
  LocalReplica* audit_ = nullptr;
  Subprocess steady_;
  int steady_port_ = 0;
  std::optional<Subprocess> burst_;
  int burst_port_ = 0;
  uint64_t burst_accepted_ = 0;
  int bursts_ = 0;
};

}  // namespace
}  // namespace zroute

int main(int argc, char** argv) {
  zroute::DemoOptions o;
  std::string self = std::filesystem::canonical("/proc/self/exe").parent_path().parent_path().string();
  o.bin_dir = self;
  zroute::Flags flags("zroute-demo", "Runs the operator, sidecars and sample apps on loopback and shows events flowing.");
  flags.String("manifests", &o.manifests, "Topic / Subscription / ScalingPolicy YAML folder");
  flags.String("bin-dir", &o.bin_dir, "build folder holding the zroute binaries");
  flags.Int("duration", &o.duration, "seconds to run (0 = until Ctrl-C)");
  flags.Int("rate", &o.rate, "steady events per second");
  flags.Int("burst-rate", &o.burst_rate, "extra orders per second during a burst");
  flags.Int("burst-every", &o.burst_every, "seconds between burst starts (0 = no bursts)");
  flags.Int("burst-seconds", &o.burst_seconds, "length of a burst");
  flags.Int("billing-work-ms", &o.billing_work_ms, "simulated work per event in the billing app");
  flags.Bool("keep", &o.keep, "keep the work folder (logs, outboxes) after stopping");
  zroute::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << parsed.ToString() << "\n" << flags.Usage();
    return 2;
  }
  // Signals are taken synchronously (sigtimedwait doubles as the one-second tick).
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);

  std::string tmpl = (std::filesystem::temp_directory_path() / "zroute-demo.XXXXXX").string();
  zroute::LocalSystemOptions system;
  system.bin_dir = o.bin_dir;
  system.manifests_dir = std::filesystem::absolute(o.manifests).string();
  system.work_dir = mkdtemp(tmpl.data());
  system.log_level = "info";
  int rc = 0;
  {
    zroute::Demo demo(o, system);
    zroute::Status started = demo.Start();
    if (!started.ok()) {
      std::cerr << "demo failed to start: " << started.ToString() << "\n";
      rc = 1;
    } else {
      timespec one_second{1, 0};
      for (int second = 1; o.duration == 0 || second <= o.duration; ++second) {
        if (sigtimedwait(&set, nullptr, &one_second) > 0) break;
        demo.Tick(second);
      }
    }
    demo.Stop();
  }
  if (o.keep || rc != 0) {
    std::cout << "logs kept in " << system.work_dir << "\n";
  } else {
    std::filesystem::remove_all(system.work_dir);
  }
  return rc;
}
