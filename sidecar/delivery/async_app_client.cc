#include "sidecar/delivery/async_app_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "common/http/http_text.h"
#include "common/http/response_parser.h"

namespace zroute {
namespace {

constexpr size_t kReadChunk = 16 * 1024;
constexpr int kMaxEventsPerWait = 64;

// An answer's body is read and dropped past its first bytes, whatever its size: a limit would turn
// an app's large 2xx answer into a failed delivery, delivered again and again. The attempt
// timeout bounds the time it takes.
ResponseLimits AnswerLimits() {
  ResponseLimits limits;
  limits.max_body_bytes = SIZE_MAX;
  return limits;
}

// A header value that cannot end the line or the header block early.
bool IsSafeValue(std::string_view v) {
  for (char c : v) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

bool IsSafeRoute(std::string_view route) {
  if (route.empty() || route.front() != '/') return false;
  for (unsigned char c : route) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string Errno(const char* what) { return std::string(what) + ": " + std::strerror(errno); }

}  // namespace

struct AsyncAppClient::Connection {
  int fd = -1;
  bool connecting = false;     // connect(2) under way
  bool busy = false;           // an exchange is under way
  bool reused = false;         // served an exchange before the current one
  bool watching_out = false;   // registered for EPOLLOUT
  std::string out;             // the current request
  size_t sent = 0;
  ResponseParser parser{AnswerLimits()};
  bool extra_bytes = false;    // bytes after the answer: the connection cannot be reused
  // The current exchange.
  void* tag = nullptr;
  MonoTime deadline{};
  bool may_resend = false;     // a stale kept-alive connection may be replaced once
};

AsyncAppClient::AsyncAppClient(std::string host, int port, std::string bearer_token, Clock& clock, Wakeup* wakeup)
    : host_(std::move(host)), port_(port), bearer_token_(std::move(bearer_token)), clock_(clock), wakeup_(wakeup) {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  if (epoll_fd_ >= 0 && wakeup_ != nullptr) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // the wake-up
    if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wakeup_->fd(), &ev) != 0) {
      close(epoll_fd_);
      epoll_fd_ = -1;
    }
  }
}

AsyncAppClient::~AsyncAppClient() {
  for (auto& c : connections_) {
    if (c->fd >= 0) close(c->fd);
  }
  if (epoll_fd_ >= 0) close(epoll_fd_);
}

bool AsyncAppClient::Serialize(const std::string& route, const DeliveryRequest& request, std::string* out,
                               std::string* error) const {
  if (!IsSafeRoute(route)) {
    *error = "route is not a request path: " + route.substr(0, 64);
    return false;
  }
  if (!IsSafeValue(request.content_type) || !IsSafeValue(bearer_token_)) {
    *error = "content type or token holds a line break";
    return false;
  }
  size_t size = route.size() + request.content_type.size() + request.body.size() + 128;
  for (const auto& [name, value] : request.headers) size += name.size() + value.size() + 4;
  out->clear();
  out->reserve(size);
  out->append("POST ").append(route).append(" HTTP/1.1\r\nHost: ");
  if (host_.find(':') != std::string::npos) {
    out->append("[").append(host_).append("]");  // an IPv6 literal
  } else {
    out->append(host_);
  }
  out->append(":").append(std::to_string(port_)).append("\r\nContent-Type: ").append(request.content_type);
  out->append("\r\nContent-Length: ").append(std::to_string(request.body.size())).append("\r\n");
  if (!bearer_token_.empty()) out->append("Authorization: Bearer ").append(bearer_token_).append("\r\n");
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || !std::all_of(name.begin(), name.end(), http_text::IsTokenChar) || !IsSafeValue(value)) {
      *error = "header cannot be sent: " + name.substr(0, 64);
      return false;
    }
    out->append(name).append(": ").append(value).append("\r\n");
  }
  out->append("\r\n").append(request.body);
  return true;
}

AsyncAppClient::Connection* AsyncAppClient::Open(std::string* error) {
  if (epoll_fd_ < 0) {
    *error = "no epoll instance";
    return nullptr;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addresses = nullptr;
  if (int r = getaddrinfo(host_.c_str(), std::to_string(port_).c_str(), &hints, &addresses); r != 0) {
    *error = std::string("cannot resolve the app's host: ") + gai_strerror(r);
    return nullptr;
  }
  int fd = -1;
  bool connecting = false;
  *error = "no address";
  for (addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      *error = Errno("socket");
      continue;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    if (connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    if (errno == EINPROGRESS) {
      connecting = true;
      break;
    }
    *error = Errno("connect");
    close(fd);
    fd = -1;
  }
  freeaddrinfo(addresses);
  if (fd < 0) return nullptr;

  auto c = std::make_unique<Connection>();
  c->fd = fd;
  c->connecting = connecting;
  c->watching_out = connecting;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (connecting ? uint32_t{EPOLLOUT} : 0u);
  ev.data.ptr = c.get();
  if (epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev) != 0) {
    *error = Errno("epoll_ctl");
    close(fd);
    return nullptr;
  }
  connections_.push_back(std::move(c));
  return connections_.back().get();
}

void AsyncAppClient::Watch(Connection* c, bool writable) {
  if (c->watching_out == writable) return;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | (writable ? uint32_t{EPOLLOUT} : 0u);
  ev.data.ptr = c;
  epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, c->fd, &ev);
  c->watching_out = writable;
}

void AsyncAppClient::Begin(const std::string& route, const DeliveryRequest& request, std::chrono::milliseconds timeout,
                           void* tag) {
  std::string bytes;
  std::string error;
  if (!Serialize(route, request, &bytes, &error)) {
    DeliveryResult r;
    r.outcome = DeliveryOutcome::kFinal;  // the same request would fail the same way every time
    r.error = error;
    finished_.push_back({tag, std::move(r)});
    return;
  }
  Connection* idle = nullptr;
  if (!idle_.empty()) {
    idle = idle_.back();
    idle_.pop_back();
  }
  Exchange(idle, std::move(bytes), tag, clock_.Now() + timeout);
}

void AsyncAppClient::Exchange(Connection* c, std::string request, void* tag, MonoTime deadline) {
  if (c == nullptr) {
    std::string error;
    c = Open(&error);
    if (c == nullptr) {
      DeliveryResult r;
      r.error = error;
      finished_.push_back({tag, std::move(r)});
      return;
    }
  }
  c->busy = true;
  c->tag = tag;
  c->deadline = deadline;
  c->may_resend = c->reused;  // only a kept-alive connection can have been closed while idle
  c->out = std::move(request);
  c->sent = 0;
  ++running_;
  Start(c);
}

void AsyncAppClient::Start(Connection* c) {
  if (c->connecting) return;  // sent once connected (OnReady)
  while (c->sent < c->out.size()) {
    ssize_t n = send(c->fd, c->out.data() + c->sent, c->out.size() - c->sent, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      c->sent += static_cast<size_t>(n);
    } else if (n < 0 && errno == EINTR) {
      continue;
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      Watch(c, true);
      return;
    } else {
      Fail(c, Errno("write"));
      return;
    }
  }
  Watch(c, false);
}

void AsyncAppClient::OnReady(Connection* c, uint32_t events) {
  if (c->fd < 0) return;  // closed earlier in this round
  if (!c->busy) {
    Close(c);  // idle: the app closed it, or sent something nobody asked for
    return;
  }
  if (c->connecting) {
    if (!(events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) return;
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      errno = err;
      Fail(c, Errno("connect"));
      return;
    }
    c->connecting = false;
  }
  if (c->sent < c->out.size()) {
    Start(c);
    if (c->fd < 0 || !c->busy) return;  // failed, or resent on another connection
  }
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) Receive(c);
}

void AsyncAppClient::Receive(Connection* c) {
  char buffer[kReadChunk];
  while (true) {
    ssize_t n = recv(c->fd, buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n < 0) {
      Fail(c, Errno("read"));
      return;
    }
    ResponseParser::State state;
    if (n == 0) {
      state = c->parser.FinishAtEof();
      if (state != ResponseParser::State::kComplete) {
        Fail(c, c->parser.started() ? c->parser.error() : "connection closed before an answer");
        return;
      }
    } else {
      size_t consumed = 0;
      state = c->parser.Feed(std::string_view(buffer, static_cast<size_t>(n)), &consumed);
      if (state == ResponseParser::State::kError) {
        Fail(c, "bad answer: " + c->parser.error());
        return;
      }
      c->extra_bytes = consumed < static_cast<size_t>(n);
    }
    if (state == ResponseParser::State::kComplete) {
      auto retry_after = c->parser.header("Retry-After");
      Done(c, ResultOfResponse(c->parser.status(), c->parser.body(), retry_after.value_or("")));
      return;
    }
  }
}

void AsyncAppClient::Fail(Connection* c, std::string error) {
  if (c->may_resend && !c->parser.started()) {
    // The app closed the kept-alive connection while it was idle: send it on a fresh one.
    std::string request = std::move(c->out);
    void* tag = c->tag;
    const MonoTime deadline = c->deadline;
    --running_;
    Close(c);
    Exchange(nullptr, std::move(request), tag, deadline);
    return;
  }
  DeliveryResult r;
  r.error = std::move(error);
  --running_;
  finished_.push_back({c->tag, std::move(r)});
  Close(c);
}

void AsyncAppClient::Done(Connection* c, DeliveryResult result) {
  finished_.push_back({c->tag, std::move(result)});
  --running_;
  const bool reusable = c->parser.keep_alive() && !c->extra_bytes && c->sent == c->out.size();
  if (!reusable) {
    Close(c);
    return;
  }
  c->busy = false;
  c->reused = true;
  c->tag = nullptr;
  c->out.clear();
  c->sent = 0;
  c->parser.Reset();
  idle_.push_back(c);
}

void AsyncAppClient::Close(Connection* c) {
  if (c->fd >= 0) close(c->fd);  // also leaves the epoll set
  c->fd = -1;
  c->busy = false;
  idle_.erase(std::remove(idle_.begin(), idle_.end(), c), idle_.end());
  // Freed by Wait once this round's events are handled (a later event may still name it).
}

std::optional<MonoTime> AsyncAppClient::NextDeadline() const {
  std::optional<MonoTime> next;
  for (const auto& c : connections_) {
    if (c->busy && (!next || c->deadline < *next)) next = c->deadline;
  }
  return next;
}

std::vector<AsyncAppClient::Finished> AsyncAppClient::Wait(std::chrono::milliseconds timeout) {
  MonoTime now = clock_.Now();
  if (!finished_.empty()) timeout = std::chrono::milliseconds(0);
  for (const auto& c : connections_) {
    if (!c->busy) continue;
    auto left = MillisUntil(c->deadline, now);
    if (timeout.count() < 0 || left < timeout) timeout = left;
  }
  const int ms = timeout.count() < 0 ? -1 : static_cast<int>(std::min<int64_t>(timeout.count(), 1 << 30));
  if (epoll_fd_ >= 0) {
    epoll_event events[kMaxEventsPerWait];
    int n = epoll_wait(epoll_fd_, events, kMaxEventsPerWait, ms);
    for (int i = 0; i < n; ++i) {
      if (events[i].data.ptr == nullptr) {
        wakeup_->Drain();
      } else {
        OnReady(static_cast<Connection*>(events[i].data.ptr), events[i].events);
      }
    }
  } else if (wakeup_ != nullptr) {
    pollfd p{wakeup_->fd(), POLLIN, 0};
    if (poll(&p, 1, ms) > 0) wakeup_->Drain();
  }
  now = clock_.Now();
  for (const auto& c : connections_) {
    if (c->busy && c->fd >= 0 && now >= c->deadline) {
      c->may_resend = false;
      Fail(c.get(), "no answer within the attempt timeout");
    }
  }
  connections_.erase(std::remove_if(connections_.begin(), connections_.end(), [](const auto& c) { return c->fd < 0; }),
                     connections_.end());
  return std::exchange(finished_, {});
}

}  // namespace zroute
