// zroute-example-publisher: a sample producing app. Publishes a stream of binary-mode
// CloudEvents to its sidecar, round-robin over topics, each with a partition key and a per-key
// sequence number (`seq` extension) so subscribers can check per-key order.
// GET /stats (when --port-file is given) shows how many were accepted, rejected and retried.
// Backpressure: a 429 or 503 from the sidecar is retried after its Retry-After.
#include <httplib.h>
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/util/binary_main.h"
#include "common/util/flags.h"

namespace {

std::atomic<bool> g_stop{false};
void OnSignal(int) { g_stop = true; }

std::vector<std::string> Split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    if (!part.empty()) out.push_back(part);
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  std::string name = "publisher", sidecar_host = "127.0.0.1", topics_flag = "orders", type = "com.example.event";
  std::string port_file;
  int sidecar_port = 3500, rate = 100, keys = 16;
  uint64_t count = 0;
  zroute::Flags flags("zroute-example-publisher", "A sample app that publishes events through its zroute sidecar.");
  flags.String("name", &name, "event source and id prefix");
  flags.String("sidecar-host", &sidecar_host, "the sidecar's HTTP address");
  flags.Int("sidecar-port", &sidecar_port, "the sidecar's HTTP port");
  flags.String("topics", &topics_flag, "comma-separated topics, published round-robin");
  flags.String("type", &type, "CloudEvents type");
  flags.Int("rate", &rate, "events per second (0 = as fast as the sidecar takes them)");
  flags.Int("keys", &keys, "distinct partition keys (0 = no key)");
  flags.Uint64("count", &count, "events to publish, then exit (0 = until SIGTERM)");
  flags.String("port-file", &port_file, "serve GET /stats on a free port and write {\"http\":port} here");
  zroute::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  std::vector<std::string> topics = Split(topics_flag);
  if (!parsed.ok() || topics.empty()) {
    std::cerr << (parsed.ok() ? "--topics is empty" : parsed.ToString()) << "\n" << flags.Usage();
    return 2;
  }
  signal(SIGTERM, OnSignal);
  signal(SIGINT, OnSignal);

  std::atomic<uint64_t> accepted{0}, rejected{0}, retried{0};
  httplib::Server stats;
  std::thread stats_thread;
  if (!port_file.empty()) {
    stats.Get("/stats", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content(nlohmann::json{{"name", name}, {"accepted", accepted.load()}, {"rejected", rejected.load()},
                                     {"retried", retried.load()}}
                          .dump(),
                      "application/json");
    });
    int port = stats.bind_to_any_port("127.0.0.1");
    stats_thread = std::thread([&] { stats.listen_after_bind(); });
    zroute::WritePortFile(port_file, nlohmann::json{{"http", port}}.dump());
  }

  httplib::Client client(sidecar_host, sidecar_port);
  // The sidecar's API token (its --api-token-file), when it has one.
  if (const char* token = std::getenv("ZROUTE_API_TOKEN"); token && *token) client.set_bearer_token_auth(token);
  client.set_tcp_nodelay(true);
  client.set_keep_alive(true);
  std::map<std::string, uint64_t> seq;  // next sequence number per topic/key
  auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; !g_stop && (count == 0 || i < count);) {
    if (rate > 0) {  // pace to the requested rate without drifting
      auto due = start + std::chrono::microseconds(i * 1000000 / static_cast<uint64_t>(rate));
      std::this_thread::sleep_until(due);
    }
    const std::string& topic = topics[i % topics.size()];
    std::string key = keys > 0 ? "key-" + std::to_string(i % static_cast<uint64_t>(keys)) : "";
    httplib::Headers headers{{"ce-specversion", "1.0"},
                             {"ce-id", name + "-" + std::to_string(i)},
                             {"ce-source", "/examples/" + name},
                             {"ce-type", type}};
    if (!key.empty()) {
      headers.emplace("ce-partitionkey", key);
      headers.emplace("ce-seq", std::to_string(seq[topic + "/" + key]));
    }
    std::string body = nlohmann::json{{"n", i}, {"topic", topic}, {"key", key}}.dump();
    auto res = client.Post("/v1/publish/" + topic, headers, body, "application/json");
    if (res && res->status == 202) {
      ++accepted;
      ++seq[topic + "/" + key];
      ++i;
    } else if (res && (res->status == 429 || res->status == 503)) {
      ++retried;  // backpressure or no routing table yet: wait as told, then send the same event again
      int after = std::atoi(res->get_header_value("Retry-After").c_str());
      std::this_thread::sleep_for(std::chrono::milliseconds(after > 0 ? after * 1000 : 100));
    } else if (!res) {
      ++retried;  // sidecar not reachable yet
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    } else {
      ++rejected;
      std::cerr << name << ": " << topic << " rejected " << res->status << ": " << res->body << "\n";
      ++i;
    }
  }
  std::cout << nlohmann::json{{"name", name}, {"accepted", accepted.load()}, {"rejected", rejected.load()},
                              {"retried", retried.load()}}
                   .dump()
            << std::endl;
  if (stats_thread.joinable()) {
    stats.stop();
    stats_thread.join();
  }
  return rejected == 0 ? 0 : 1;
}
