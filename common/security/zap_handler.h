// ZapHandler: the ZeroMQ Authentication Protocol (RFC 27) handler of one zmq::context_t.
//
// libzmq asks the REP socket bound at inproc://zeromq.zap.01 of a context about every handshake
// of a CURVE server socket in that context. With no handler bound, libzmq 4.3.4 admits every
// client key — so Start() must run before any CURVE server socket of the context binds. The
// handler answers with the decision of `authorize(public_key_z85)`: admitted connections carry
// the returned user id as the "User-Id" property of every message they deliver
// (zmq_msg_gets), which is how a receiver learns who sent a message. Other mechanisms: NULL is
// admitted (libzmq consults ZAP for NULL only when a socket sets a ZAP domain; zroute sets none),
// PLAIN and GSSAPI are refused.
//
// Refusals are counted, reported through `on_refused` and logged at most once per second (with
// the number refused since the last line), so a flood of handshakes cannot flood the log.
// Threads: Start/Stop on the owner's thread; one internal thread owns the REP socket;
// `authorize` and `on_refused` run on that thread and must be thread-safe with the owner.
#pragma once

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <thread>

#include <zmq.hpp>

#include "common/util/status.h"
#include "common/util/log_throttle.h"
#include "common/util/wakeup.h"

namespace zroute::security {

inline constexpr const char* kZapEndpoint = "inproc://zeromq.zap.01";

class ZapHandler {
 public:
  // Returns the user id to admit the key with, or nullopt to refuse it.
  using Authorize = std::function<std::optional<std::string>(const std::string& public_key_z85)>;
  // Told about each refusal: `reason` is "unknown_key" or "mechanism"; `address` the peer's IP.
  using OnRefused = std::function<void(const std::string& reason, const std::string& address)>;

  ZapHandler(zmq::context_t& context, std::string component, Authorize authorize, OnRefused on_refused = {});
  ~ZapHandler();
  ZapHandler(const ZapHandler&) = delete;
  ZapHandler& operator=(const ZapHandler&) = delete;

  // Binds the handler socket and starts its thread. Fails when another handler is bound in the
  // same context.
  Status Start();
  // Stops the thread and closes the socket. Idempotent. Handshakes after this fail.
  void Stop();

  uint64_t admitted() const { return admitted_.load(); }
  uint64_t refused() const { return refused_.load(); }

 private:
  void Run();
  void HandleRequest();
  void Refused(const std::string& reason, const std::string& address);

  zmq::context_t& context_;
  const std::string component_;
  Authorize authorize_;
  OnRefused on_refused_;
  zmq::socket_t socket_;
  Wakeup wakeup_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> admitted_{0};
  std::atomic<uint64_t> refused_{0};
  // Handler thread only: rate limit of the refusal log line.
  LogThrottle log_throttle_;  // refusals: a line a second
};

}  // namespace zroute::security
