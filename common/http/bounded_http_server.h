// BoundedHttpServer: an httplib::Server whose request header block is bounded in bytes, lines
// and time.
//
// cpp-httplib 0.11.4 limits one header line (8 KiB) but neither the number of lines nor the time
// the client takes to send them: one request with millions of short header lines is read into
// memory whole (measured: 2,000,000 lines grew a sidecar from 12 MB to 231 MB), and a client that
// sends a byte every few seconds holds a worker thread for good. This server reads each
// connection through its own stream, which counts the bytes and lines of every request's header
// block as they arrive. Over a limit, or past the deadline, the client gets 431 (or 408) and the
// connection is closed; the request never reaches a handler and the bytes already read are freed.
//
// Everything else is httplib's: routes, handlers, body limits, timeouts, keep-alive settings.
// Bytes the client sends ahead (pipelined requests) stay in the connection's buffer for the next
// request. Plain TCP here; BoundedHttpsServer (bounded_https_server.h) serves the same loop over TLS.
// Threads: as httplib::Server; each connection is served on one pool thread.
#pragma once

#include <chrono>
#include <cstddef>

#include <httplib.h>

namespace zroute {

class ConnectionTransport;

struct HeaderLimits {
  size_t max_bytes = 64 * 1024;  // request line + header lines + the blank line
  size_t max_lines = 200;        // request line and header lines
  // From the first byte of a request to the end of its header block.
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
};

class BoundedHttpServer : public httplib::Server {
 public:
  explicit BoundedHttpServer(HeaderLimits limits = {}) : limits_(limits) {}

  const HeaderLimits& header_limits() const { return limits_; }

 protected:
  // Serves one accepted connection's requests through `transport` until it closes, idles out or
  // breaks a limit; the caller closes the socket. Keep-alive as configured, one stream per
  // connection. Returns whether the last request was served; false after a refusal (431, 408),
  // which also shuts the socket's write side.
  bool ServeConnection(socket_t sock, ConnectionTransport& transport);

 private:
  // Replaces httplib's connection loop (plain TCP): ServeConnection, then close.
  bool process_and_close_socket(socket_t sock) override;

  const HeaderLimits limits_;
};

}  // namespace zroute
