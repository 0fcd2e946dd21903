#include "common/http/bounded_http_server.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/http/connection_transport.h"
#include "common/http/refusal.h"
#include "common/http/socket_io.h"
#include "common/util/thread_name.h"

namespace zroute {
namespace {

using socket_io::AddressOf;
using socket_io::PollOne;
using socket_io::ToMillis;

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// One connection's byte stream, kept across its keep-alive requests. Reads are buffered (httplib
// reads header lines a byte at a time); while a request's header block is being read, every byte
// handed out is counted against the limits.
//
// Syscalls per request are kept few, since each one is costly on a virtual machine: a recv or
// send is tried first and poll(2) only waits when it would block; a response's pieces (httplib
// writes the status and headers, then the body) are gathered and sent together when the request
// is done (Flush), or sooner when they pass kMaxPendingOut, and always before the next read (a
// "100 Continue" goes out before its body is read); the peer and local addresses are looked up
// once per connection.
class ConnectionStream : public httplib::Stream {
 public:
  static constexpr size_t kMaxPendingOut = 64 * 1024;

  ConnectionStream(socket_t sock, ConnectionTransport& transport, const HeaderLimits& limits, milliseconds read_timeout,
                   milliseconds write_timeout)
      : sock_(sock), transport_(transport), limits_(limits), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  // Waits up to `idle` for the next request's first byte; false when the connection stays idle,
  // is closed, or `keep_going` turns false (checked every 50 ms, so a stopping server is not held).
  template <typename F>
  bool WaitForRequest(milliseconds idle, F keep_going) {
    if (!Flush()) return false;
    if (pos_ < end_ || transport_.HasBuffered()) return true;
    const auto deadline = SteadyClock::now() + idle;
    while (keep_going()) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - SteadyClock::now());
      if (left <= milliseconds::zero()) return false;
      int r = PollOne(sock_, POLLIN, std::min(left, milliseconds(50)));
      if (r != 0) return r > 0;
    }
    return false;
  }

  void BeginRequest() {
    in_header_ = true;
    header_bytes_ = 0;
    header_lines_ = 0;
    blank_line_match_ = 0;
    header_deadline_ = SteadyClock::now() + limits_.timeout;
  }

  // The request broke a limit and was answered here; the connection must be closed.
  bool refused() const { return refused_; }

  // Sends what write() gathered; false when the connection failed (nothing more can be sent).
  bool Flush() {
    if (out_.empty()) return !broken_;
    const bool ok = SendAll(out_.data(), out_.size());
    out_.clear();
    return ok;
  }

  bool is_readable() const override {
    return pos_ < end_ || transport_.HasBuffered() || PollOne(sock_, POLLIN, read_timeout_) > 0;
  }
  bool is_writable() const override { return PollOne(sock_, POLLOUT, write_timeout_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (refused_) return -1;
    if (pos_ == end_) {
      if (!in_header_ && size >= sizeof(buffer_)) return Receive(ptr, size);  // a body: no copy
      ssize_t n = Receive(buffer_, sizeof(buffer_));
      if (n <= 0) return n;
      pos_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, end_ - pos_);
    if (in_header_) n = CountHeaderBytes(buffer_ + pos_, n);
    if (refused_) return -1;
    std::memcpy(ptr, buffer_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (refused_) return static_cast<ssize_t>(size);  // httplib's own error reply: already answered
    if (broken_) return -1;
    if (out_.size() + size > kMaxPendingOut) {
      if (!Flush()) return -1;
      if (size > kMaxPendingOut) return SendAll(ptr, size) ? static_cast<ssize_t>(size) : -1;
    }
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { remote_.Get(sock_, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { local_.Get(sock_, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  bool SendAll(const char* p, size_t n) {
    if (!broken_ && !transport_.SendAll(p, n, write_timeout_)) broken_ = true;
    return !broken_;
  }

  // recv, waiting for data only when there is none yet: up to the read timeout, and in a header
  // block up to its deadline too. Pending output goes first (the client may be waiting for it).
  ssize_t Receive(char* ptr, size_t size) {
    if (!Flush()) return -1;
    milliseconds wait = read_timeout_;
    bool header_deadline_first = false;
    if (in_header_) {
      auto left = std::chrono::ceil<milliseconds>(header_deadline_ - SteadyClock::now());
      header_deadline_first = left <= wait;
      wait = std::min(wait, std::max(left, milliseconds::zero()));
    }
    ssize_t n = transport_.ReceiveSome(ptr, size, wait);
    if (n < 0 && errno == ETIMEDOUT && header_deadline_first) {
      Refuse(408, "request headers not received in time");
    }
    return n;
  }

  // Counts up to `n` header bytes; returns how many of them belong to the header block (fewer
  // when it ends inside them). Refuses the request when a limit is passed.
  size_t CountHeaderBytes(const char* p, size_t n) {
    static constexpr char kEnd[] = "\r\n\r\n";
    for (size_t i = 0; i < n; ++i) {
      const char c = p[i];
      blank_line_match_ = c == kEnd[blank_line_match_] ? blank_line_match_ + 1 : (c == '\r' ? 1 : 0);
      ++header_bytes_;
      if (blank_line_match_ == 4) {
        in_header_ = false;
        return i + 1;
      }
      if (c == '\n') ++header_lines_;
      if (header_bytes_ > limits_.max_bytes || header_lines_ > limits_.max_lines) {
        Refuse(431,
               "request header block over " + std::to_string(limits_.max_bytes) + " bytes or " +
                   std::to_string(limits_.max_lines) + " lines");
        return 0;
      }
    }
    return n;
  }

  void Refuse(int status, const std::string& error) {
    refused_ = true;
    const std::string response = RefusalResponse(status, error);
    (void)transport_.SendAll(response.data(), response.size(), write_timeout_);
  }

  const socket_t sock_;
  ConnectionTransport& transport_;
  const HeaderLimits& limits_;
  const milliseconds read_timeout_;
  const milliseconds write_timeout_;

  char buffer_[4096];
  size_t pos_ = 0;  // buffer_[pos_, end_) is read but not yet handed out
  size_t end_ = 0;
  std::string out_;      // written by httplib, not yet sent
  bool broken_ = false;  // a send failed; the connection is done

  // One end's address, looked up on first use: it does not change while the connection lives.
  struct CachedAddress {
    explicit CachedAddress(bool is_peer) : peer(is_peer) {}
    const bool peer;
    bool looked_up = false;
    std::string ip;
    int port = 0;
    void Get(socket_t sock, std::string& out_ip, int& out_port) {
      if (!looked_up) {
        AddressOf(peer, sock, ip, port);
        looked_up = true;
      }
      out_ip = ip;
      out_port = port;
    }
  };
  mutable CachedAddress remote_{true};
  mutable CachedAddress local_{false};

  bool in_header_ = false;
  size_t header_bytes_ = 0;
  size_t header_lines_ = 0;
  int blank_line_match_ = 0;  // how much of "\r\n\r\n" the last bytes matched
  SteadyClock::time_point header_deadline_{};
  bool refused_ = false;
};

}  // namespace

bool BoundedHttpServer::process_and_close_socket(socket_t sock) {
  SetCurrentThreadName("zr-http");  // a pool thread serving one connection
  PlainTransport transport(sock);
  const bool ok = ServeConnection(sock, transport);
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

bool BoundedHttpServer::ServeConnection(socket_t sock, ConnectionTransport& transport) {
  ConnectionStream strm(sock, transport, limits_, ToMillis(read_timeout_sec_, read_timeout_usec_),
                        ToMillis(write_timeout_sec_, write_timeout_usec_));
  const milliseconds idle = milliseconds(keep_alive_timeout_sec_ * 1000);
  bool ok = false;
  for (size_t left = keep_alive_max_count_; left > 0; --left) {
    if (!strm.WaitForRequest(idle, [this] { return svr_sock_ != INVALID_SOCKET; })) break;
    strm.BeginRequest();
    bool connection_closed = false;
    ok = process_request(strm, /*close_connection=*/left == 1, connection_closed, nullptr);
    if (!strm.Flush()) ok = false;  // the response goes out here, in as few sends as it fits
    if (!ok || connection_closed || strm.refused()) break;
  }
  if (strm.refused()) {
    // Let the client read the refusal (common/http/refusal.h): read and drop a bounded amount.
    ::shutdown(sock, SHUT_WR);
    char sink[4096];
    const auto deadline = SteadyClock::now() + kRefusalDrainTime;
    for (size_t drained = 0; drained < kRefusalDrainBytes && SteadyClock::now() < deadline;) {
      if (PollOne(sock, POLLIN, milliseconds(100)) <= 0) break;
      ssize_t n = ::recv(sock, sink, sizeof(sink), 0);
      if (n <= 0) break;
      drained += static_cast<size_t>(n);
    }
    return false;
  }
  return ok;
}

}  // namespace zroute
