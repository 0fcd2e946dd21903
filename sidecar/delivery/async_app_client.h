// AsyncAppClient: delivers to the local app from one event-loop thread. Each delivery is an
// exchange (one HTTP request, one answer) on a non-blocking keep-alive connection; Wait drives
// every exchange under way with one epoll_wait and returns those that finished. The DeliveryPool's
// loop (delivery_pool.h, --delivery=link) runs on it inside the link thread, so a round of
// answers from the app costs no thread wake-up of its own.
//
// Same contract as AppClient (app_client.h): the same requests, and the answer classified by
// ResultOfResponse. A connection is kept for the next exchange unless the app asked to close it
// or sent more than one answer. An exchange that fails on a kept-alive connection before any byte
// of an answer arrives is sent once more on a fresh connection (the app closed it while idle; the
// request was not seen). An exchange with no whole answer within its timeout fails (kRetry) and
// its connection is closed.
//
// Threads: one thread calls every method; Wait also returns when `wakeup` is notified (from any
// thread), and drains it before returning.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/util/clock.h"
#include "common/util/wakeup.h"
#include "sidecar/delivery/app_client.h"

namespace zroute {

class AsyncAppClient {
 public:
  struct Finished {
    void* tag;
    DeliveryResult result;
  };

  // A non-empty `bearer_token` is sent as "Authorization: Bearer <token>" with every request.
  AsyncAppClient(std::string host, int port, std::string bearer_token, Clock& clock, Wakeup* wakeup);
  ~AsyncAppClient();
  AsyncAppClient(const AsyncAppClient&) = delete;
  AsyncAppClient& operator=(const AsyncAppClient&) = delete;

  // False when the epoll instance could not be made (Begin then fails every exchange).
  bool ok() const { return epoll_fd_ >= 0; }

  // Starts an exchange: POSTs `request` to `route`. Its result comes out of Wait with `tag`; an
  // exchange that fails at once (no connection, a request that cannot be written) is returned by
  // the next Wait without waiting.
  void Begin(const std::string& route, const DeliveryRequest& request, std::chrono::milliseconds timeout, void* tag);

  // Waits at most `timeout` (negative: no limit but the exchanges' own timeouts) for exchanges to
  // finish or for a wake-up; returns the finished ones (none when woken or timed out).
  std::vector<Finished> Wait(std::chrono::milliseconds timeout);

  size_t running() const { return running_; }
  // The earliest attempt timeout of the exchanges under way, if any.
  std::optional<MonoTime> NextDeadline() const;
  // The epoll instance: readable when Wait has something to do (a driving loop may poll it).
  int fd() const { return epoll_fd_; }

 private:
  struct Connection;

  // The request's bytes, or an error when a header or the route could split the request.
  bool Serialize(const std::string& route, const DeliveryRequest& request, std::string* out, std::string* error) const;
  Connection* Open(std::string* error);
  // Starts the exchange `tag` on `c` (idle), or on a new connection when `c` is null.
  void Exchange(Connection* c, std::string request, void* tag, MonoTime deadline);
  void Start(Connection* c);  // sends what it can of c's request
  void OnReady(Connection* c, uint32_t events);
  void Receive(Connection* c);
  void Fail(Connection* c, std::string error);
  void Done(Connection* c, DeliveryResult result);
  void Close(Connection* c);
  void Watch(Connection* c, bool writable);  // EPOLLIN, plus EPOLLOUT while there is more to send

  const std::string host_;
  const int port_;
  const std::string bearer_token_;
  Clock& clock_;
  Wakeup* const wakeup_;
  int epoll_fd_ = -1;
  std::vector<std::unique_ptr<Connection>> connections_;  // busy and idle
  std::vector<Connection*> idle_;                         // most recently used last
  std::vector<Finished> finished_;                        // finished since the last Wait returned
  size_t running_ = 0;
};

}  // namespace zroute
