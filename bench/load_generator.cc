// zroute-bench-load: a multi-threaded HTTP load generator for CloudEvents.
//
// Each thread owns one keep-alive cpp-httplib client (TCP_NODELAY) and POSTs its share of the
// events to --host:--port --path, either as fast as the server answers (--rate 0) or on a fixed
// schedule (--rate R events/s over all threads; a thread that falls behind sends at once and does
// not skip). Events are binary-mode CloudEvents (ce-specversion/ce-id/ce-source/ce-type headers,
// --size bytes of body); with --batch B > 1 each request carries B structured events as
// application/cloudevents-batch+json. Every event carries `ce-sent`: CLOCK_MONOTONIC ns at the
// moment its request was sent, so a receiver on the same machine can compute end-to-end latency.
// 429 and 503 answers (backpressure) are retried after 1 ms, transport errors up to 3 times on a
// new connection; both count as retries; other failures count as errors. The result is one JSON
// object on stdout: events, requests, seconds, eventsPerSecond, errors, retries and the POST
// latency percentiles in microseconds (from the actual send, so a run that falls behind its
// schedule shows it in eventsPerSecond rather than in the latencies).
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/cloudevents/json_format.h"
#include "common/util/flags.h"

namespace {

using Clock = std::chrono::steady_clock;  // CLOCK_MONOTONIC on Linux, as the sample subscriber

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

struct Options {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string path = "/";
  int threads = 8;
  uint64_t events = 10000;
  uint64_t rate = 0;  // events/s over all threads; 0 = closed loop, as fast as possible
  int batch = 1;
  int size = 1024;
  std::string id_prefix = "bench";
  std::string source = "/bench/load";
  std::string type = "bench.event";
  std::string extra_header;  // "name: value", e.g. the topic header for a direct POST
};

struct ThreadResult {
  uint64_t events = 0, requests = 0, errors = 0, retries = 0;
  std::vector<int64_t> latency_ns;  // one per request that succeeded
};

// Body of one event: printable bytes so that the same payload fits a JSON batch unescaped.
std::string Payload(int size) {
  std::string s(static_cast<size_t>(size), 'x');
  for (size_t i = 0; i < s.size(); ++i) s[i] = static_cast<char>('a' + i % 26);
  return s;
}

void Run(const Options& o, int index, uint64_t first, uint64_t count, Clock::time_point start,
         std::atomic<bool>& failed, ThreadResult& out) {
  httplib::Client client(o.host, o.port);
  client.set_keep_alive(true);
  client.set_tcp_nodelay(true);
  client.set_connection_timeout(std::chrono::seconds(5));
  client.set_read_timeout(std::chrono::seconds(30));
  client.set_write_timeout(std::chrono::seconds(30));
  const std::string payload = Payload(o.size);
  std::string extra_name, extra_value;
  if (auto colon = o.extra_header.find(':'); colon != std::string::npos) {
    extra_name = o.extra_header.substr(0, colon);
    extra_value = o.extra_header.substr(colon + 1);
    while (!extra_value.empty() && extra_value.front() == ' ') extra_value.erase(0, 1);
  }
  // Per-thread schedule: request k of this thread is due at start + k * interval (rate mode).
  const double per_thread_rate = o.rate > 0 ? static_cast<double>(o.rate) / o.threads : 0;
  const auto interval = per_thread_rate > 0
                            ? std::chrono::nanoseconds(static_cast<int64_t>(1e9 * o.batch / per_thread_rate))
                            : std::chrono::nanoseconds(0);
  // Stagger the threads inside one interval so that a fixed rate is not sent in bursts.
  const auto offset = interval * index / std::max(1, o.threads);
  out.latency_ns.reserve(count / static_cast<uint64_t>(o.batch) + 1);
  std::vector<zroute::CloudEvent> batch;  // --batch > 1: the events of one request
  uint64_t k = 0;
  for (uint64_t done = 0; done < count && !failed.load(std::memory_order_relaxed); ++k) {
    const uint64_t n = std::min<uint64_t>(static_cast<uint64_t>(o.batch), count - done);
    if (interval.count() > 0) std::this_thread::sleep_until(start + offset + interval * k);
    int transport_failures = 0;
    while (true) {
      const int64_t sent = NowNs();
      httplib::Headers headers;
      if (!extra_name.empty()) headers.emplace(extra_name, extra_value);
      auto post = [&]() -> httplib::Result {
        if (o.batch <= 1) {
          headers.emplace("ce-specversion", "1.0");
          headers.emplace("ce-id", o.id_prefix + "-" + std::to_string(first + done));
          headers.emplace("ce-source", o.source);
          headers.emplace("ce-type", o.type);
          headers.emplace("ce-sent", std::to_string(sent));
          return client.Post(o.path.c_str(), headers, payload, "application/octet-stream");
        }
        // The events are built once per thread and only their ids and send times change: the
        // generator's own CPU is taken from the system it measures on these 2 cores.
        batch.resize(n);
        for (uint64_t i = 0; i < n; ++i) {
          zroute::CloudEvent& e = batch[i];
          if (e.data.empty()) {
            e.source = o.source;
            e.type = o.type;
            e.datacontenttype = "text/plain";
            e.data = payload;
          }
          e.id = o.id_prefix + "-" + std::to_string(first + done + i);
          e.extensions["sent"] = std::to_string(sent);
        }
        return client.Post(o.path.c_str(), headers, zroute::SerializeEventBatch(batch),
                           "application/cloudevents-batch+json");
      };
      httplib::Result res = post();
      const int64_t took = NowNs() - sent;
      ++out.requests;
      if (res && res->status >= 200 && res->status < 300) {
        out.latency_ns.push_back(took);
        break;
      }
      if (res && (res->status == 429 || res->status == 503)) {
        ++out.retries;
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
        continue;
      }
      // A transport error (the server closed a keep-alive connection under load) is retried on a
      // new connection, as a real publisher would; receivers drop the duplicate ids this may make.
      if (!res && ++transport_failures <= 3) {
        ++out.retries;
        continue;
      }
      ++out.errors;
      if (out.errors == 1) {
        std::cerr << "zroute-bench-load: POST " << o.path << ": "
                  << (res ? "status " + std::to_string(res->status) + " " + res->body
                          : httplib::to_string(res.error()))
                  << "\n";
      }
      if (out.errors > 100) failed = true;  // the target is gone; stop rather than spin
      break;
    }
    done += n;
    out.events += n;
  }
}

double Percentile(const std::vector<int64_t>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size() - 1) + 0.5);
  return static_cast<double>(sorted[std::min(i, sorted.size() - 1)]) / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  zroute::Flags flags("zroute-bench-load", "POSTs 1 KiB CloudEvents to an HTTP endpoint and reports JSON.");
  flags.String("host", &o.host, "server address");
  flags.Int("port", &o.port, "server port");
  flags.String("path", &o.path, "URL path, e.g. /v1/publish/orders");
  flags.Int("threads", &o.threads, "client threads, one keep-alive connection each");
  flags.Uint64("events", &o.events, "events to send in total");
  flags.Uint64("rate", &o.rate, "events per second over all threads (0 = as fast as possible)");
  flags.Int("batch", &o.batch, "events per request (> 1: application/cloudevents-batch+json)");
  flags.Int("size", &o.size, "bytes of data per event");
  flags.String("id-prefix", &o.id_prefix, "event ids are <prefix>-<n>; use a new prefix per run");
  flags.String("header", &o.extra_header, "one extra request header, \"name: value\"");
  zroute::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok() || o.port <= 0 || o.threads <= 0 || o.batch <= 0 || o.size < 0) {
    std::cerr << (parsed.ok() ? "--port, --threads and --batch must be positive" : parsed.ToString()) << "\n"
              << flags.Usage();
    return 2;
  }
  std::vector<ThreadResult> results(static_cast<size_t>(o.threads));
  std::vector<std::thread> threads;
  std::atomic<bool> failed{false};
  const auto start = Clock::now() + std::chrono::milliseconds(20);  // all threads start together
  uint64_t next = 0;
  for (int t = 0; t < o.threads; ++t) {
    uint64_t share = o.events / o.threads + (static_cast<uint64_t>(t) < o.events % o.threads ? 1 : 0);
    threads.emplace_back([&, t, next, share] {
      std::this_thread::sleep_until(start);
      Run(o, t, next, share, start, failed, results[static_cast<size_t>(t)]);
    });
    next += share;
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  ThreadResult total;
  for (auto& r : results) {
    total.events += r.events;
    total.requests += r.requests;
    total.errors += r.errors;
    total.retries += r.retries;
    total.latency_ns.insert(total.latency_ns.end(), r.latency_ns.begin(), r.latency_ns.end());
  }
  std::sort(total.latency_ns.begin(), total.latency_ns.end());
  nlohmann::json report{{"events", total.events},
                        {"requests", total.requests},
                        {"errors", total.errors},
                        {"retries", total.retries},
                        {"seconds", seconds},
                        {"eventsPerSecond", seconds > 0 ? total.events / seconds : 0},
                        {"latencyUs",
                         {{"p50", Percentile(total.latency_ns, 50)},
                          {"p90", Percentile(total.latency_ns, 90)},
                          {"p99", Percentile(total.latency_ns, 99)},
                          {"p999", Percentile(total.latency_ns, 99.9)},
                          {"max", total.latency_ns.empty() ? 0 : total.latency_ns.back() / 1000.0}}}};
  std::cout << report.dump() << std::endl;
  return total.errors > 0 ? 1 : 0;
}
