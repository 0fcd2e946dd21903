// zroute-example-subscriber: a sample consuming app. Its sidecar POSTs each event here as a
// binary-mode CloudEvent, or several as one application/cloudevents-batch+json request (a
// subscription with delivery.batch.maxEvents > 1); the app records what it got and shows it on GET /stats, GET /ids and
// GET /events.
//
// It also checks the guarantees as a user would see them: an event id seen twice counts as a
// duplicate; an event whose per-key sequence (the `seq` extension, set by the example publisher)
// is lower than one already seen for the same topic, source and key counts as out of order (order
// is per publisher: two publishers' events of one key have no order between them).
//
// Knobs for demos and fault tests:
//   --work-ms M        simulated processing time, to build a backlog the scaling hints react to;
//   --fail-every N     answer --fail-status (503 by default, with Retry-After: 0) to every Nth request;
//   --reject-type T    answer 400 to events of type T, and to a batch holding one (they should end
//                      up in a dead-letter topic);
//   --journal FILE     append every event recorded to FILE and reload it at start, so a killed and
//                      restarted app still knows what it received;
//   --keep-attributes  keep each event's ce-* headers for GET /events.
// GET /events lists first arrivals with key, seq and arrival time (CLOCK_MONOTONIC), so a test can
// merge the records of several replicas and check per-key order across them.
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <cstdlib>

#include "common/cloudevents/json_format.h"
#include "common/http/bounded_http_server.h"
#include "common/http/listen_thread.h"
#include "common/security/bearer_token.h"
#include "common/util/binary_main.h"
#include "common/util/flags.h"

namespace {

constexpr size_t kMaxBatchEvents = 10000;

struct Received {
  std::string topic;
  std::string id;
  std::string key;  // "<source> <partitionkey>", empty when the event has no key
  int64_t seq = -1;
  int64_t received_ns = 0;    // CLOCK_MONOTONIC: comparable across the processes of one machine
  nlohmann::json attributes;  // ce-* headers, when kept
};

// What the app has received. Guarded by mu_ (handlers run on the server's thread pool).
class ReceivedLog {
 public:
  explicit ReceivedLog(std::string journal) : journal_path_(std::move(journal)) {}

  // Replays the journal; a torn last line (the app was killed mid-write) is skipped.
  void Load() {
    if (journal_path_.empty()) return;
    std::ifstream in(journal_path_);
    std::string line;
    while (std::getline(in, line)) {
      auto j = nlohmann::json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) continue;
      Received r{j.value("topic", ""), j.value("id", ""), j.value("key", ""), j.value("seq", int64_t{-1}),
                 j.value("t", int64_t{0}), j.value("attributes", nlohmann::json())};
      Apply(r);
    }
    journal_ = std::fopen(journal_path_.c_str(), "a");
  }

  // The events of one request, in order.
  void Record(const std::vector<Received>& events) {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_;
    std::string lines;
    for (const Received& r : events) {
      if (Apply(r) && journal_) lines += ToJson(r).dump() + "\n";
    }
    if (!lines.empty()) {
      std::fwrite(lines.data(), 1, lines.size(), journal_);
      std::fflush(journal_);  // into the page cache: survives the process being killed
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

  // Ids (or whole records) of one topic in arrival order, from position `from` on.
  nlohmann::json List(const std::string& topic, size_t from, bool records) {
    std::lock_guard<std::mutex> lock(mu_);
    nlohmann::json out = nlohmann::json::array();
    auto it = topics_.find(topic);
    if (it == topics_.end()) return out;
    const TopicLog& t = it->second;
    for (size_t i = from; i < t.order.size(); ++i) {
      out.push_back(records ? ToJson(t.order[i]) : nlohmann::json(t.order[i].id));
    }
    return out;
  }

  static nlohmann::json ToJson(const Received& r) {
    nlohmann::json j{{"topic", r.topic}, {"id", r.id}, {"key", r.key}, {"seq", r.seq}, {"t", r.received_ns}};
    if (!r.attributes.is_null()) j["attributes"] = r.attributes;
    return j;
  }

 private:
  struct TopicLog {
    std::set<std::string> ids;
    std::vector<Received> order;  // first arrivals
    std::map<std::string, int64_t> last_seq;
    uint64_t duplicates = 0;
    uint64_t out_of_order = 0;
  };

  // Returns whether the event is new.
  bool Apply(const Received& r) {
    TopicLog& t = topics_[r.topic];
    if (!t.ids.insert(r.id).second) {
      ++t.duplicates;
      return false;
    }
    t.order.push_back(r);
    if (!r.key.empty() && r.seq >= 0) {
      auto [it, inserted] = t.last_seq.emplace(r.key, r.seq);
      if (!inserted) {
        if (r.seq < it->second) {
          ++t.out_of_order;
        } else {
          it->second = r.seq;
        }
      }
    }
    return true;
  }

  std::mutex mu_;
  std::map<std::string, TopicLog> topics_;
  uint64_t requests_ = 0;
  std::string journal_path_;
  FILE* journal_ = nullptr;
};

int64_t ParseCount(const std::string& text) {
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
  std::string name = "subscriber", host = "127.0.0.1", port_file, reject_type, journal;
  int port = 0, fail_every = 0, fail_status = 503, work_ms = 0, threads = 64;
  bool keep_attributes = false;
  zroute::Flags flags("zroute-example-subscriber", "A sample app that receives events from its zroute sidecar.");
  flags.String("name", &name, "name shown in /stats (e.g. the replica)");
  flags.String("host", &host, "address to listen on");
  flags.Int("port", &port, "port to listen on (0 = any free port)");
  flags.String("port-file", &port_file, "write {\"http\":port} here once listening");
  flags.Int("fail-every", &fail_every, "answer --fail-status to every Nth delivery (0 = never)");
  flags.Int("fail-status", &fail_status, "status for --fail-every (503 comes with Retry-After: 0)");
  flags.String("reject-type", &reject_type, "answer 400 to events of this ce-type");
  flags.Int("work-ms", &work_ms, "milliseconds of simulated work per event");
  flags.Int("threads", &threads, "HTTP worker threads (must exceed the sidecar's --max-deliveries)");
  flags.String("journal", &journal, "append received events here and reload them at start");
  flags.Bool("keep-attributes", &keep_attributes, "keep every event's ce-* headers for GET /events");
  std::string token_file;
  flags.String("token-file", &token_file,
               "answer 401 to deliveries without 'Authorization: Bearer <the token in this file>' (the sidecar's "
               "--delivery-token-file; env ZROUTE_DELIVERY_TOKEN)");
  zroute::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << parsed.ToString() << "\n" << flags.Usage();
    return 2;
  }

  std::string token;
  if (!token_file.empty()) {
    auto t = zroute::security::ReadTokenFile(token_file);
    if (!t.ok()) {
      std::cerr << t.status().ToString() << "\n";
      return 2;
    }
    token = *t;
  } else if (const char* env = std::getenv("ZROUTE_DELIVERY_TOKEN"); env && *env) {
    token = env;
  }
  std::atomic<uint64_t> unauthorized{0};

  ReceivedLog log(journal);
  log.Load();
  std::atomic<uint64_t> deliveries{0};
  // zroute's server: httplib's own connection loop wakes every idle kept-alive connection's thread
  // every 11 ms (about 4,400 wake-ups a second for the sidecars' 32 idle delivery connections);
  // this one sleeps in poll until a request comes, and bounds the header block as a bonus.
  zroute::BoundedHttpServer server;
  server.set_tcp_nodelay(true);
  // The sidecar keeps one keep-alive connection per delivery thread (16 by default); each holds a
  // server thread while open, so the pool must be larger or deliveries queue behind idle ones.
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.set_keep_alive_max_count(100000);
  // One request: a binary-mode event, or a batch (application/cloudevents-batch+json), which is
  // accepted or refused as a whole.
  server.Post(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    if (!token.empty() && !zroute::security::BearerTokenMatches(req.get_header_value("Authorization"), token)) {
      ++unauthorized;
      res.status = 401;
      res.set_content("not from my sidecar", "text/plain");
      return;
    }
    const std::string topic = req.get_header_value("zroute-topic");
    std::vector<Received> events;
    std::vector<std::string> types;
    if (req.get_header_value("Content-Type").rfind("application/cloudevents-batch+json", 0) == 0) {
      auto batch = zroute::ParseEventBatch(req.body, kMaxBatchEvents);
      if (!batch.ok() || batch->empty()) {
        res.status = 400;
        res.set_content(batch.ok() ? "empty batch" : batch.status().ToString(), "text/plain");
        return;
      }
      for (const auto& e : *batch) {
        Received r;
        r.topic = topic;
        r.id = e.id;
        auto key = e.Attribute("partitionkey");
        if (key && !key->empty()) r.key = e.source + " " + *key;
        r.seq = ParseCount(e.Attribute("seq").value_or(""));
        if (keep_attributes) {
          r.attributes = nlohmann::json::object();
          for (const char* name : {"id", "source", "type", "subject", "time", "datacontenttype"}) {
            if (auto v = e.Attribute(name); v && !v->empty()) r.attributes[name] = *v;
          }
          for (const auto& [name, value] : e.extensions) r.attributes[name] = value;
        }
        events.push_back(std::move(r));
        types.push_back(e.type);
      }
    } else {
      Received r;
      r.topic = topic;
      r.id = req.get_header_value("ce-id");
      if (r.id.empty()) {
        res.status = 400;
        res.set_content("missing ce-id", "text/plain");
        return;
      }
      r.key = req.get_header_value("ce-partitionkey");
      if (!r.key.empty()) r.key = req.get_header_value("ce-source") + " " + r.key;
      r.seq = ParseCount(req.get_header_value("ce-seq"));
      if (keep_attributes) {
        r.attributes = nlohmann::json::object();
        for (const auto& [header, value] : req.headers) {
          if (header.size() > 3 && (header.rfind("ce-", 0) == 0 || header.rfind("Ce-", 0) == 0)) {
            r.attributes[header.substr(3)] = value;
          }
        }
      }
      events.push_back(std::move(r));
      types.push_back(req.get_header_value("ce-type"));
    }
    if (!reject_type.empty() && std::find(types.begin(), types.end(), reject_type) != types.end()) {
      res.status = 400;
      res.set_content("this app does not take events of type " + reject_type, "text/plain");
      return;
    }
    uint64_t n = ++deliveries;
    if (fail_every > 0 && n % static_cast<uint64_t>(fail_every) == 0) {
      res.status = fail_status;
      if (fail_status == 503) res.set_header("Retry-After", "0");
      return;
    }
    if (work_ms > 0) {  // simulated work
      std::this_thread::sleep_for(std::chrono::milliseconds(work_ms) * static_cast<int64_t>(events.size()));
    }
    const int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
    for (Received& r : events) r.received_ns = now_ns;
    log.Record(events);
    res.status = 200;
  });
  server.Get("/stats", [&](const httplib::Request&, httplib::Response& res) {
    nlohmann::json stats = log.Stats(name);
    stats["unauthorized"] = unauthorized.load();
    res.set_content(stats.dump(), "application/json");
  });
  auto list = [&](bool with_attributes) {
    return [&, with_attributes](const httplib::Request& req, httplib::Response& res) {
      int64_t from = req.has_param("from") ? ParseCount(req.get_param_value("from")) : 0;
      if (from < 0) {
        res.status = 400;
        res.set_content("from must be a non-negative integer", "text/plain");
        return;
      }
      res.set_content(log.List(req.get_param_value("topic"), static_cast<size_t>(from), with_attributes).dump(),
                      "application/json");
    };
  };
  server.Get("/ids", list(false));
  server.Get("/events", list(true));
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
  auto listener = zroute::StartListenThread(server, "accept");  // widens the listen backlog too
  if (!listener.ok()) {
    std::cerr << listener.status().ToString() << "\n";
    return 1;
  }
  if (!port_file.empty()) {
    zroute::WritePortFile(port_file, nlohmann::json{{"http", bound}}.dump());
  }
  int sig = 0;
  sigwait(&set, &sig);
  server.stop();
  listener->join();
  return 0;
}
