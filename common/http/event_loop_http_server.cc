#include "common/http/event_loop_http_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <string>
#include <string_view>
#include <vector>

#include "common/http/http_text.h"
#include "common/http/listen_backlog.h"
#include "common/http/refusal.h"
#include "common/http/request_framer.h"
#include "common/http/socket_io.h"
#include "common/util/thread_name.h"

namespace zroute {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxReadPerTurn = 4 * kReadChunk;   // fairness: then the next connection
constexpr size_t kMaxUnsentBytes = 1 << 20;          // beyond: stop reading until they drain
constexpr size_t kLargeRequestBytes = 64 * 1024;     // paused while over max_buffered_bytes
constexpr milliseconds kSweepInterval{100};
// A body over the payload limit is read and dropped after the 413, so the client, still sending
// it, gets to read the answer; up to this much of it, within the read timeout.
constexpr uint64_t kMaxSkippedBody = 64 << 20;
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

// One framed request as httplib's Stream: reads come from the connection's buffer, writes are
// gathered into the connection's output.
class BufferStream final : public httplib::Stream {
 public:
  BufferStream(int fd, std::string_view in, std::string& out, const std::string& remote_ip, int remote_port,
               const std::string& local_ip, int local_port)
      : fd_(fd), in_(in), out_(out), remote_ip_(remote_ip), remote_port_(remote_port), local_ip_(local_ip),
        local_port_(local_port) {}

  bool is_readable() const override { return pos_ < in_.size(); }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const size_t n = std::min(size, in_.size() - pos_);
    std::memcpy(ptr, in_.data() + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char* ptr, size_t size) override {
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = remote_ip_;
    port = remote_port_;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = local_ip_;
    port = local_port_;
  }
  socket_t socket() const override { return fd_; }

 private:
  const int fd_;
  const std::string_view in_;
  size_t pos_ = 0;
  std::string& out_;
  const std::string& remote_ip_;
  const int remote_port_;
  const std::string& local_ip_;
  const int local_port_;
};

}  // namespace

class EventLoopHttpServer::Loop {
 public:
  Loop(EventLoopHttpServer& server, int listen_fd) : server_(server), listen_fd_(listen_fd) {
    framer_limits_.max_header_bytes = server.options_.header.max_bytes;
    framer_limits_.max_header_lines = server.options_.header.max_lines;
    framer_limits_.max_body_bytes = server.payload_max_length_;
    keep_alive_ = milliseconds(server.keep_alive_timeout_sec_ * 1000);
    read_timeout_ = socket_io::ToMillis(server.read_timeout_sec_, server.read_timeout_usec_);
    write_timeout_ = socket_io::ToMillis(server.write_timeout_sec_, server.write_timeout_usec_);
  }
  ~Loop() {
    for (auto& c : connections_) ::close(c.fd);
    if (epoll_fd_ >= 0) ::close(epoll_fd_);
    if (wake_fd_ >= 0) ::close(wake_fd_);
  }

  Status Init() {
    epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (epoll_fd_ < 0 || wake_fd_ < 0) return Status::IOError(std::string("epoll/eventfd: ") + std::strerror(errno));
    const int flags = ::fcntl(listen_fd_, F_GETFL);
    if (flags < 0 || ::fcntl(listen_fd_, F_SETFL, flags | O_NONBLOCK) < 0) {
      return Status::IOError(std::string("listening socket: ") + std::strerror(errno));
    }
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &wake_tag_;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
    ev.data.ptr = &listen_tag_;
    if (::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, listen_fd_, &ev) != 0) {
      return Status::IOError(std::string("epoll_ctl: ") + std::strerror(errno));
    }
    listening_ = true;
    return Status::OK();
  }

  void Wake() {
    const uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof(one));
  }
  void RequestStop() {
    stopping_.store(true);
    Wake();
  }

  void Run() {
    std::vector<epoll_event> events(256);
    auto next_sweep = SteadyClock::now() + kSweepInterval;
    while (!stopping_.load()) {
      const int timeout = connections_.empty() ? -1 : static_cast<int>(kSweepInterval.count());
      const int n = ::epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), timeout);
      if (n < 0 && errno != EINTR) break;
      now_ = SteadyClock::now();
      for (int i = 0; i < n; ++i) {
        void* tag = events[i].data.ptr;
        if (tag == &wake_tag_) {
          uint64_t v;
          (void)!::read(wake_fd_, &v, sizeof(v));
        } else if (tag == &listen_tag_) {
          AcceptAll();
        } else {
          OnReady(*static_cast<Connection*>(tag), events[i].events);
        }
      }
      FinishRound();
      if (now_ >= next_sweep) {
        Sweep();
        next_sweep = now_ + kSweepInterval;
      }
    }
  }

 private:
  struct Connection {
    Connection(int fd, const FramerLimits& limits) : fd(fd), framer(limits) {}
    const int fd;
    std::list<Connection>::iterator self;
    std::string in;       // in[in_pos, end): the current request's bytes, and any pipelined after
    size_t in_pos = 0;
    RequestFramer framer;
    std::string out;      // out[out_pos, out_ready) may be sent; the rest waits for the round's hook
    size_t out_pos = 0;
    size_t out_ready = 0;
    bool continue_sent = false;  // our own "100 Continue": httplib's is dropped
    bool close_after_flush = false;
    bool draining = false;       // refused: reading and dropping until EOF or kRefusalDrainTime
    bool in_round = false;
    bool paused = false;         // not read while the buffered total is over the bound
    uint32_t interest = 0;
    size_t served = 0;
    SteadyClock::time_point request_start{};  // first byte of the current request
    SteadyClock::time_point last_read{};
    SteadyClock::time_point last_write{};
    SteadyClock::time_point drain_until{};
    size_t drained = 0;
    uint64_t drain_budget = kRefusalDrainBytes;
    std::string remote_ip, local_ip;
    int remote_port = 0, local_port = 0;
  };

  void AcceptAll() {
    while (connections_.size() < server_.options_.max_connections) {
      const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EINTR || errno == ECONNABORTED) continue;
        return;  // EAGAIN, or out of descriptors: the rest waits in the backlog
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      Connection& c = connections_.emplace_back(fd, framer_limits_);
      c.self = std::prev(connections_.end());
      c.last_read = c.last_write = now_;
      socket_io::AddressOf(true, fd, c.remote_ip, c.remote_port);
      socket_io::AddressOf(false, fd, c.local_ip, c.local_port);
      SetInterest(c, EPOLLIN, /*add=*/true);
      server_.connection_count_.store(connections_.size());
    }
    // At the connection bound: stop watching the listening socket until one closes.
    SetListening(false);
  }

  void SetListening(bool on) {
    if (on == listening_) return;
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = &listen_tag_;
    ::epoll_ctl(epoll_fd_, on ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, listen_fd_, &ev);
    listening_ = on;
  }

  void SetInterest(Connection& c, uint32_t events, bool add = false) {
    if (!add && events == c.interest) return;
    epoll_event ev{};
    ev.events = events;
    ev.data.ptr = &c;
    ::epoll_ctl(epoll_fd_, add ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, c.fd, &ev);
    c.interest = events;
  }

  void Close(Connection& c) {
    buffered_ -= c.in.size() - c.in_pos;
    ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, c.fd, nullptr);
    ::close(c.fd);
    if (c.in_round) std::erase(round_, &c);
    if (c.paused) std::erase(paused_, &c);
    connections_.erase(c.self);
    server_.connection_count_.store(connections_.size());
    if (connections_.size() < server_.options_.max_connections) SetListening(true);
  }

  void OnReady(Connection& c, uint32_t events) {
    // Both directions gone (or an error): nothing can be answered any more.
    if (events & (EPOLLERR | EPOLLHUP)) return Close(c);
    if (events & EPOLLOUT) {
      if (!Send(c)) return;
    }
    if (events & EPOLLIN) Read(c);
  }

  // Reads what is there (up to kMaxReadPerTurn), then handles every whole request in it.
  void Read(Connection& c) {
    if (c.draining) return Drain(c);
    if (c.close_after_flush || c.paused) return;
    bool peer_closed = false;
    for (size_t got = 0; got < kMaxReadPerTurn;) {
      // Into the loop's buffer, then appended: growing `in` by a chunk first would zero-fill 64 KiB
      // for every request of a kilobyte (3% of the publishing sidecar's CPU).
      const ssize_t n = ::recv(c.fd, read_buffer_.get(), kReadChunk, MSG_DONTWAIT);
      if (n > 0) c.in.append(read_buffer_.get(), static_cast<size_t>(n));
      if (n > 0) {
        got += static_cast<size_t>(n);
        buffered_ += static_cast<size_t>(n);
        c.last_read = now_;
        if (static_cast<size_t>(n) < kReadChunk) break;
        continue;
      }
      if (n == 0) peer_closed = true;
      else if (errno == EINTR) continue;
      else if (errno != EAGAIN && errno != EWOULDBLOCK) return Close(c);
      break;
    }
    HandleBuffered(c);
    if (peer_closed) {
      // The client sent all it will: answer what was whole, then close.
      c.close_after_flush = true;
      if (!c.in_round && c.out_pos == c.out.size()) return Close(c);
    }
  }

  void HandleBuffered(Connection& c) {
    while (!c.close_after_flush && c.in_pos < c.in.size()) {
      std::string_view request(c.in.data() + c.in_pos, c.in.size() - c.in_pos);
      if (c.request_start == SteadyClock::time_point{}) c.request_start = now_;
      const RequestFrame f = c.framer.Scan(request);
      if (f.state == RequestFrame::State::kNeedMore) {
        if (f.expects_continue && !c.continue_sent) {
          c.out.append(kContinue);
          c.out_ready = c.out.size();  // an interim answer commits to nothing
          c.continue_sent = true;
          JoinRound(c);
        }
        break;
      }
      if (f.state == RequestFrame::State::kRefused) {
        c.out.append(RefusalResponse(f.status, f.reason));
        c.out_ready = c.out.size();
        c.close_after_flush = true;
        c.draining = true;
        JoinRound(c);
        break;
      }
      Handle(c, request.substr(0, f.length), f);
    }
    // The current request now starts at in_pos: drop what came before it.
    if (c.in_pos == c.in.size()) {
      c.in.clear();
      c.in_pos = 0;
    } else if (c.in_pos >= kReadChunk) {
      c.in.erase(0, c.in_pos);
      c.in_pos = 0;
    }
  }

  void Handle(Connection& c, std::string_view request, const RequestFrame& frame) {
    bool ok = true;
    bool connection_closed = false;
    ++c.served;
    const bool last = c.served >= server_.keep_alive_max_count_;
    const bool fast = server_.fast_handler_ && !last && !frame.body_over_limit && !c.continue_sent &&
                      AnswerFast(c, request, &connection_closed);
    if (!fast) {
      const size_t response_start = c.out.size();
      BufferStream strm(c.fd, request, c.out, c.remote_ip, c.remote_port, c.local_ip, c.local_port);
      ok = server_.ProcessRequest(strm, last, connection_closed);
      if (c.continue_sent && std::string_view(c.out).substr(response_start, kContinue.size()) == kContinue) {
        c.out.erase(response_start, kContinue.size());
      }
    }
    c.in_pos += request.size();
    buffered_ -= request.size();
    c.framer.Reset();
    c.continue_sent = false;
    c.request_start = c.in_pos < c.in.size() ? now_ : SteadyClock::time_point{};
    if (!ok || connection_closed || last || frame.body_over_limit) c.close_after_flush = true;
    if (frame.body_over_limit) {
      // The rest of the buffer is that body: drop it, and what still comes of it.
      buffered_ -= c.in.size() - c.in_pos;
      c.in_pos = c.in.size();
      c.draining = true;
      c.drained = 0;
      c.drain_budget = std::min<uint64_t>(frame.declared_body_bytes, kMaxSkippedBody);
    }
    handled_ = true;
    JoinRound(c);
  }

  // Offers a plain kept-alive HTTP/1.1 request to the fast handler (see set_fast_handler) and
  // writes its answer. False: the request is httplib's.
  bool AnswerFast(Connection& c, std::string_view request, bool* connection_closed) {
    if (!ParseRequestHead(request, &head_) || head_.version != "HTTP/1.1") return false;
    for (const auto& [name, value] : head_.headers) {
      if (http_text::EqualsIgnoreCase(name, "Expect")) return false;
      if (http_text::EqualsIgnoreCase(name, "Connection") && !http_text::EqualsIgnoreCase(value, "keep-alive")) {
        return false;
      }
    }
    httplib::Response res;
    try {
      if (!server_.fast_handler_(head_, res)) return false;
    } catch (...) {
      res = httplib::Response();
      res.status = 500;  // as httplib answers a handler that throws
    }
    const bool close = http_text::EqualsIgnoreCase(res.get_header_value("Connection"), "close");
    std::string& out = c.out;
    out.append("HTTP/1.1 ").append(std::to_string(res.status)).append(" ").append(http_text::ReasonPhrase(res.status));
    out.append("\r\n");
    for (const auto& [name, value] : res.headers) {
      if (http_text::EqualsIgnoreCase(name, "Content-Length") || http_text::EqualsIgnoreCase(name, "Connection") ||
          http_text::EqualsIgnoreCase(name, "Keep-Alive")) {
        continue;  // written below, from the body and the connection's state
      }
      out.append(name).append(": ").append(value).append("\r\n");
    }
    out.append("Content-Length: ").append(std::to_string(res.body.size())).append("\r\n");
    if (close) {
      out.append("Connection: close\r\n");
    } else {
      out.append("Keep-Alive: timeout=").append(std::to_string(server_.keep_alive_timeout_sec_));
      out.append(", max=").append(std::to_string(server_.keep_alive_max_count_)).append("\r\n");
    }
    out.append("\r\n").append(res.body);
    *connection_closed = close;
    return true;
  }

  void JoinRound(Connection& c) {
    if (c.in_round) return;
    c.in_round = true;
    round_.push_back(&c);
  }

  // After a round's events: the hook, then the round's responses.
  void FinishRound() {
    bool deliver = true;
    if (handled_ && server_.before_responses_) deliver = server_.before_responses_();
    handled_ = false;
    std::vector<Connection*> round;
    round.swap(round_);
    for (Connection* c : round) c->in_round = false;
    for (Connection* c : round) {
      if (!deliver && c->out_ready < c->out.size()) {
        Close(*c);  // its responses depended on the hook
        continue;
      }
      c->out_ready = c->out.size();
      if (!Send(*c)) continue;
      if (c->out_pos == c->out.size() && c->close_after_flush && !c->draining) Close(*c);
    }
    // Paused connections go on once the buffered total is back under the bound.
    if (buffered_ <= server_.options_.max_buffered_bytes && !paused_.empty()) {
      std::vector<Connection*> paused;
      paused.swap(paused_);
      for (Connection* c : paused) {
        c->paused = false;
        UpdateInterest(*c);
      }
    } else if (buffered_ > server_.options_.max_buffered_bytes) {
      PauseLargeRequests();
    }
  }

  // Pauses every connection in the middle of a large request but the one furthest along, which
  // goes on alone: it finishes, frees its bytes, and the others resume (never all stalled).
  void PauseLargeRequests() {
    Connection* furthest = nullptr;
    for (Connection& c : connections_) {
      if (c.draining || c.in.size() - c.in_pos < kLargeRequestBytes) continue;
      if (!furthest || c.in.size() - c.in_pos > furthest->in.size() - furthest->in_pos) furthest = &c;
    }
    if (furthest && furthest->paused) {
      furthest->paused = false;
      std::erase(paused_, furthest);
      UpdateInterest(*furthest);
    }
    for (Connection& c : connections_) {
      if (&c == furthest || c.paused || c.draining || c.in.size() - c.in_pos < kLargeRequestBytes) continue;
      c.paused = true;
      paused_.push_back(&c);
      UpdateInterest(c);
    }
  }

  // Sends what may be sent; false when the connection was closed.
  bool Send(Connection& c) {
    while (c.out_pos < c.out_ready) {
      const ssize_t n = ::send(c.fd, c.out.data() + c.out_pos, c.out_ready - c.out_pos, MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n > 0) {
        c.out_pos += static_cast<size_t>(n);
        c.last_write = now_;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      Close(c);
      return false;
    }
    if (c.out_pos == c.out.size()) {
      c.out.clear();
      c.out_pos = c.out_ready = 0;
    }
    const bool unsent = c.out_pos < c.out_ready;
    if (c.draining && !unsent && c.drain_until == SteadyClock::time_point{}) {
      ::shutdown(c.fd, SHUT_WR);  // the refusal is out: let the client read it, drop its rest
      c.drain_until = now_ + (c.drain_budget > kRefusalDrainBytes ? read_timeout_ : kRefusalDrainTime);
    }
    UpdateInterest(c);
    return true;
  }

  // Readable while it may take more: not paused, not backed up, not closing (a refused client is
  // read, and its bytes dropped, once the refusal is out); writable while output waits.
  void UpdateInterest(Connection& c) {
    const bool unsent = c.out_pos < c.out_ready;
    const bool backed_up = c.out.size() - c.out_pos > kMaxUnsentBytes;
    bool readable = !c.paused && !backed_up && !c.close_after_flush;
    if (c.draining) readable = !unsent;
    SetInterest(c, (unsent ? EPOLLOUT : 0u) | (readable ? EPOLLIN : 0u));
  }

  void Drain(Connection& c) {
    if (c.out_pos < c.out.size()) return;  // the refusal first
    char sink[4096];
    for (;;) {
      const ssize_t n = ::recv(c.fd, sink, sizeof(sink), MSG_DONTWAIT);
      if (n > 0) {
        c.drained += static_cast<size_t>(n);
        if (c.drained < c.drain_budget) continue;
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        return;
      } else if (n < 0 && errno == EINTR) {
        continue;
      }
      return Close(c);
    }
  }

  // Timeouts: header block (408), a stalled body, an idle kept-alive connection, a client not
  // reading its responses, a refused client not closing.
  void Sweep() {
    const milliseconds header_timeout = server_.options_.header.timeout;
    for (auto it = connections_.begin(); it != connections_.end();) {
      Connection& c = *it++;
      const bool unsent = c.out_pos < c.out.size();
      const bool pending_request = c.in_pos < c.in.size();
      if (c.draining) {
        if (!unsent && now_ >= c.drain_until) Close(c);
        else if (unsent && now_ - c.last_write > write_timeout_) Close(c);
        continue;
      }
      if (unsent && now_ - c.last_write > write_timeout_) {
        Close(c);
      } else if (pending_request && c.framer.InHeader() &&
                 now_ - c.request_start > header_timeout) {
        c.out.append(RefusalResponse(408, "request headers not received in time"));
        c.out_ready = c.out.size();
        c.close_after_flush = c.draining = true;
        if (c.paused) std::erase(paused_, &c), c.paused = false;
        Send(c);
      } else if (pending_request && !c.paused && now_ - c.last_read > read_timeout_) {
        Close(c);
      } else if (!pending_request && !unsent && now_ - c.last_read > keep_alive_ && now_ - c.last_write > keep_alive_) {
        Close(c);
      }
    }
  }

  EventLoopHttpServer& server_;
  const int listen_fd_;
  FramerLimits framer_limits_;
  milliseconds keep_alive_{}, read_timeout_{}, write_timeout_{};
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  char wake_tag_ = 0, listen_tag_ = 0;  // epoll tags of the two descriptors that are not connections
  bool listening_ = false;
  std::atomic<bool> stopping_{false};
  SteadyClock::time_point now_ = SteadyClock::now();
  std::list<Connection> connections_;
  std::vector<Connection*> round_;   // connections with output from this round
  std::vector<Connection*> paused_;
  bool handled_ = false;             // a handler ran this round
  size_t buffered_ = 0;              // unfinished request bytes of all connections
  std::unique_ptr<char[]> read_buffer_{new char[kReadChunk]};  // what one recv() takes
  RequestHead head_;  // the request AnswerFast offers (its vector kept between requests)
};

EventLoopHttpServer::EventLoopHttpServer(EventLoopOptions options) : options_(options) {}

EventLoopHttpServer::~EventLoopHttpServer() { Stop(); }

Status EventLoopHttpServer::Start(const char* thread_name) {
  if (thread_.joinable()) return Status::FailedPrecondition("server already started");
  const socket_t sock = svr_sock_.load();
  if (sock == INVALID_SOCKET) return Status::FailedPrecondition("server is not bound");
  ZR_RETURN_IF_ERROR(WidenListenBacklog(*this));
  loop_ = std::make_unique<Loop>(*this, sock);
  ZR_RETURN_IF_ERROR(loop_->Init());
  std::string name = thread_name;
  thread_ = std::thread([this, name] {
    SetCurrentThreadName(name.c_str());
    loop_->Run();
  });
  return Status::OK();
}

void EventLoopHttpServer::Stop() {
  if (thread_.joinable()) {
    loop_->RequestStop();
    thread_.join();
  }
  loop_.reset();  // closes the connections
  connection_count_.store(0);
  const socket_t sock = svr_sock_.exchange(INVALID_SOCKET);
  if (sock != INVALID_SOCKET) {
    ::shutdown(sock, SHUT_RDWR);
    ::close(sock);
  }
}

}  // namespace zroute
