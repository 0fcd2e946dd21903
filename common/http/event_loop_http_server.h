// EventLoopHttpServer: an httplib::Server whose connections are all served by one thread
// (epoll), not a thread each.
//
// Why: on the 2-vCPU virtual machines zroute is measured on, a thread wake-up costs 10–14 µs at the
// median and every system call is dear. With a thread per connection each request costs its
// thread a wake-up, a poll and a read, and a durable publish one more sleep on the group commit.
// One loop thread reads every ready connection in a round, frames whole requests
// (RequestFramer), runs httplib's own parser, routing and handlers on them inline, and sends the
// round's responses after one hook: the sidecar's hook makes the round's appends durable with one
// fdatasync, so a round of N publishes costs one wake-up and one sync, not N of each.
//
// Handlers run on the loop thread: they must not block for long (no waiting on the network).
// Everything httplib offers a handler is there (routes, pre-routing handler, payload limit,
// keep-alive count, exception handler); header blocks are bounded in bytes, lines and time as in
// BoundedHttpServer (431, 408). Other limits: at most `max_connections` at once (the rest wait
// in the listen backlog), a connection whose unsent responses pass 1 MiB is not read until they
// drain, and while all connections together hold more than `max_buffered_bytes` of unfinished
// requests, connections in the middle of a large one are not read (a read timeout closes a
// client that never finishes).
//
// Threads: Start() spawns the loop thread; handlers and the hook run on it. Stop() from any other
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <thread>

#include <httplib.h>

#include "common/http/bounded_http_server.h"
#include "common/http/request_head.h"
#include "common/util/status.h"

namespace zroute {

struct EventLoopOptions {
  HeaderLimits header;
  size_t max_connections = 1024;
  size_t max_buffered_bytes = 64 << 20;  // unfinished requests of all connections together
};

class EventLoopHttpServer : public httplib::Server {
 public:
  explicit EventLoopHttpServer(EventLoopOptions options = {});
  ~EventLoopHttpServer() override;

  // Called on the loop thread once per round in which handlers ran, after all of them and before
  // any of their responses is sent. Returning false withholds those responses: their
  // connections are closed instead. Set before Start.
  void set_before_responses(std::function<bool()> hook) { before_responses_ = std::move(hook); }

  // A handler tried before httplib's routing for the requests that need none of httplib's
  // machinery: HTTP/1.1, kept alive (no "Connection" other than keep-alive, not the connection's
  // last under the keep-alive count), no Expect, no body or one of Content-Length bytes within the
  // payload limit. It returns false to leave the request to httplib (routes, pre-routing handler,
  // everything as usual) and must then have done nothing; true when it answered in `res`, which
  // the loop writes as httplib would: status line, res's headers, Content-Length, Keep-Alive.
  // Why: httplib's request object, header multimap and routing were 17% of the publishing
  // sidecar's CPU per single-event publish. Runs on the loop thread. Set before Start.
  using FastHandler = std::function<bool(const RequestHead& request, httplib::Response& res)>;
  void set_fast_handler(FastHandler handler) { fast_handler_ = std::move(handler); }

  // REQUIRES: bound (bind_to_port or bind_to_any_port). Starts the loop thread. httplib's
  // settings (timeouts, keep-alive timeout, payload limit) are read here: set them before.
  Status Start(const char* thread_name);

  // Stops the loop and closes every connection and the listening socket. Idempotent.
  void Stop();

  // Connections open now (for tests and metrics); any thread.
  size_t connection_count() const { return connection_count_.load(); }

 private:
  class Loop;  // the loop thread's state: epoll, connections (event_loop_http_server.cc)
  friend class Loop;

  // httplib's request processing for one framed request (the loop calls it).
  bool ProcessRequest(httplib::Stream& strm, bool close_connection, bool& connection_closed) {
    return process_request(strm, close_connection, connection_closed, nullptr);
  }

  const EventLoopOptions options_;
  std::function<bool()> before_responses_;
  FastHandler fast_handler_;
  std::unique_ptr<Loop> loop_;
  std::thread thread_;
  std::atomic<size_t> connection_count_{0};
};

}  // namespace zroute
