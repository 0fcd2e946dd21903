// zroute-example-subscriber: a sample consuming app. Its sidecar POSTs each event here as a
// binary-mode CloudEvent; the app records what it got and shows it on GET /stats and GET /ids.
//
// It also checks the guarantees as a user would see them: an event id seen twice counts as a
// duplicate; an event whose per-key sequence (the `seq` extension, set by the example publisher)
// is lower than one already seen for the same topic, source and key counts as out of order (order
// is per publisher: two publishers' events of one key have no order between them).
// --fail-every N answers 503 (Retry-After: 0) to every Nth request, to exercise retries;
// --work-ms simulates processing time, to build a backlog the scaling hints react to.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/util/flags.h"

namespace {

// What the app has received. Guarded by mu (handlers run on the server's thread pool).
class ReceivedLog {
 public:
  void Record(const std::string& topic, const std::string& id, const std::string& key, int64_t seq) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
    TopicLog& t = topics_[topic];
    if (!t.ids.insert(id).second) {
      ++t.duplicates;
      return;
    }
    t.order.push_back(id);
    if (!key.empty() && seq >= 0) {
      auto [it, inserted] = t.last_seq.emplace(key, seq);
      if (!inserted) {
        if (seq < it->second) ++t.out_of_order;
        else it->second = seq;
      }
    }
  }

  nlohmann::json Stats(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu_);
    nlohmann::json topics = nlohmann::json::object();
    uint64_t received = 0, duplicates = 0, out_of_order = 0;
    for (auto& [topic, t] : topics_) {
      topics[topic] = {{"received", t.order.size()}, {"duplicates", t.duplicates}, {"outOfOrder", t.out_of_order}};
      received += t.order.size();
      duplicates += t.duplicates;
      out_of_order += t.out_of_order;
    }
    return {{"name", name},           {"received", received},     {"duplicates", duplicates},
            {"outOfOrder", out_of_order}, {"requests", requests_}, {"topics", topics}};
  }

  // Ids of one topic in arrival order, from position `from` on.
  nlohmann::json Ids(const std::string& topic, size_t from) {
    std::lock_guard<std::mutex> lock(mu_);
    nlohmann::json out = nlohmann::json::array();
    auto it = topics_.find(topic);
    if (it == topics_.end()) return out;
    for (size_t i = from; i < it->second.order.size(); ++i) out.push_back(it->second.order[i]);
    return out;
  }

 private:
  struct TopicLog {
    std::set<std::string> ids;
    std::vector<std::string> order;
    std::map<std::string, int64_t> last_seq;
    uint64_t duplicates = 0;
    uint64_t out_of_order = 0;
  };
  std::mutex mu_;
  std::map<std::string, TopicLog> topics_;
  uint64_t requests_ = 0;
};

int64_t ParseSeq(const std::string& text) {
  if (text.empty() || text.size() > 18) return -1;
  int64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return -1;
    v = v * 10 + (c - '0');
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "subscriber", host = "127.0.0.1", port_file;
  int port = 0, fail_every = 0, work_ms = 0, threads = 64;
  zroute::Flags flags("zroute-example-subscriber", "A sample app that receives events from its zroute sidecar.");
  flags.String("name", &name, "name shown in /stats (e.g. the replica)");
  flags.String("host", &host, "address to listen on");
  flags.Int("port", &port, "port to listen on (0 = any free port)");
  flags.String("port-file", &port_file, "write {\"http\":port} here once listening");
  flags.Int("fail-every", &fail_every, "answer 503 to every Nth delivery (0 = never)");
  flags.Int("work-ms", &work_ms, "milliseconds of simulated work per event");
  flags.Int("threads", &threads, "HTTP worker threads (must exceed the sidecar's --delivery-threads)");
  zroute::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << parsed.ToString() << "\n" << flags.Usage();
    return 2;
  }

  ReceivedLog log;
  std::atomic<uint64_t> deliveries{0};
  httplib::Server server;
  server.set_tcp_nodelay(true);
  // The sidecar keeps one keep-alive connection per delivery thread (16 by default); each holds a
  // server thread while open, so the pool must be larger or deliveries queue behind idle ones.
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_keep_alive_max_count(100000);
  server.Post(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    uint64_t n = ++deliveries;
    if (fail_every > 0 && n % static_cast<uint64_t>(fail_every) == 0) {
      res.status = 503;
      res.set_header("Retry-After", "0");
      return;
    }
    std::string id = req.get_header_value("ce-id");
    if (id.empty()) {
      res.status = 400;
      res.set_content("missing ce-id", "text/plain");
      return;
    }
    if (work_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(work_ms));  // simulated work
    std::string key = req.get_header_value("ce-partitionkey");
    if (!key.empty()) key = req.get_header_value("ce-source") + " " + key;
    log.Record(req.get_header_value("zroute-topic"), id, key, ParseSeq(req.get_header_value("ce-seq")));
    res.status = 200;
  });
  server.Get("/stats", [&](const httplib::Request&, httplib::Response& res) {
    res.set_content(log.Stats(name).dump(), "application/json");
  });
  server.Get("/ids", [&](const httplib::Request& req, httplib::Response& res) {
    int64_t from = req.has_param("from") ? ParseSeq(req.get_param_value("from")) : 0;
    if (from < 0) {
      res.status = 400;
      res.set_content("from must be a non-negative integer", "text/plain");
      return;
    }
    res.set_content(log.Ids(req.get_param_value("topic"), static_cast<size_t>(from)).dump(), "application/json");
  });
  server.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok", "text/plain"); });

  int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    std::cerr << "cannot listen on " << host << ":" << port << "\n";
    return 1;
  }
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread listener([&] { server.listen_after_bind(); });
  if (!port_file.empty()) {
    { std::ofstream(port_file + ".tmp") << nlohmann::json{{"http", bound}}.dump() << "\n"; }
    std::rename((port_file + ".tmp").c_str(), port_file.c_str());
  }
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  listener.join();
  return 0;
}
