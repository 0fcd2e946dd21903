// zroute-bench-relay: the floor under any sidecar built from zroute's HTTP pieces.
//
// It forwards every POST it receives, headers and body unchanged, to one upstream app and answers
// with the app's status: per event one more HTTP server (zroute's BoundedHttpServer, as the
// sidecar's API) and one more HTTP client (LeanHttpClient on a kept-alive connection per server
// thread, as the sidecar's delivery), and nothing else: no durability, no routing, no link, no
// retries, one process instead of two sidecars. The benchmark suite runs it in place of the
// sidecars; what it reaches is what a sidecar pair could reach if everything but its two HTTP
// hops cost nothing, so it bounds the throughput ratios from above (bench/README.md).
#include <httplib.h>
#include <strings.h>

#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "common/http/bounded_http_server.h"
#include "common/http/listen_thread.h"
#include "common/http/lean_http_client.h"
#include "common/util/binary_main.h"
#include "common/util/flags.h"

namespace {

// Headers the client sets itself, hop-by-hop headers, and httplib's own entries for the peer's
// address: everything else goes upstream as received.
bool Forwarded(const std::string& name) {
  for (const char* own : {"Host", "Content-Length", "Content-Type", "Connection", "Keep-Alive", "Transfer-Encoding",
                          "Accept", "User-Agent", "REMOTE_ADDR", "REMOTE_PORT", "LOCAL_ADDR", "LOCAL_PORT"}) {
    if (strcasecmp(name.c_str(), own) == 0) return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string host = "127.0.0.1", port_file;
  int port = 0, target_port = 0, threads = 64;
  zroute::Flags flags("zroute-bench-relay",
                      "Forwards every POST to one upstream app and answers with its status (a benchmark floor).");
  flags.String("host", &host, "address to listen on");
  flags.Int("port", &port, "port to listen on (0 = any free port)");
  flags.String("port-file", &port_file, "write {\"http\":port} here once listening");
  flags.Int("target-port", &target_port, "the upstream app's port on 127.0.0.1 (required)");
  flags.Int("threads", &threads, "server threads (one kept-alive connection each, and one upstream)");
  zroute::Status parsed = flags.Parse(argc, argv);
  if (flags.help_requested()) {
    std::cout << flags.Usage();
    return 0;
  }
  if (!parsed.ok() || target_port <= 0 || threads <= 0) {
    std::cerr << (parsed.ok() ? "--target-port and --threads must be positive" : parsed.ToString()) << "\n"
              << flags.Usage();
    return 2;
  }

  zroute::BoundedHttpServer server;
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(1000000);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
  server.Post(R"(/.*)", [target_port](const httplib::Request& req, httplib::Response& res) {
    // One upstream connection per server thread, kept alive like a sidecar's delivery thread's.
    thread_local std::unique_ptr<zroute::LeanHttpClient> upstream;
    if (!upstream) {
      upstream = std::make_unique<zroute::LeanHttpClient>("127.0.0.1", target_port);
      upstream->set_keep_alive(true);
      upstream->set_tcp_nodelay(true);
    }
    httplib::Headers headers;
    for (const auto& [name, value] : req.headers) {
      if (Forwarded(name)) headers.emplace(name, value);
    }
    auto answer = upstream->Post(req.path, headers, req.body, req.get_header_value("Content-Type"));
    if (!answer) {
      res.status = 502;
      res.set_content("upstream: " + httplib::to_string(answer.error()), "text/plain");
      return;
    }
    res.status = answer->status;
    res.set_content(answer->body, answer->get_header_value("Content-Type"));
  });

  int bound = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound < 0) {
    std::cerr << "cannot listen on " << host << ":" << port << "\n";
    return 1;
  }
  zroute::BlockStopSignals();  // before the listener thread starts, so it inherits the mask
  auto listener = zroute::StartListenThread(server, "accept");  // widens the listen backlog too
  if (!listener.ok()) {
    std::cerr << listener.status().ToString() << "\n";
    return 1;
  }
  if (!port_file.empty()) zroute::WritePortFile(port_file, nlohmann::json{{"http", bound}}.dump());
  zroute::WaitForStopSignal();
  server.stop();
  listener->join();
  return 0;
}
