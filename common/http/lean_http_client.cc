#include "common/http/lean_http_client.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/http/socket_io.h"

namespace zroute {
namespace {

using socket_io::ToMillis;
using std::chrono::milliseconds;

// One request's stream. Writes are gathered (up to kMaxPendingOut, then sent) and flushed before
// the first read, so a request goes out in one piece and a server that answers early (an error
// before the body) still gets everything it was sent first. Reads are buffered: httplib reads the
// status line and headers a byte at a time.
class RequestStream : public httplib::Stream {
 public:
  static constexpr size_t kMaxPendingOut = 64 * 1024;

  RequestStream(socket_t sock, milliseconds read_timeout, milliseconds write_timeout)
      : sock_(sock), read_timeout_(read_timeout), write_timeout_(write_timeout) {}

  bool Flush() {
    if (!out_.empty() && !broken_) broken_ = !socket_io::SendAll(sock_, out_.data(), out_.size(), write_timeout_);
    out_.clear();
    return !broken_;
  }

  bool is_readable() const override {
    return pos_ < end_ || socket_io::PollOne(sock_, POLLIN, read_timeout_) > 0;
  }
  bool is_writable() const override { return socket_io::PollOne(sock_, POLLOUT, write_timeout_) > 0; }

  ssize_t read(char* ptr, size_t size) override {
    if (!Flush()) return -1;
    if (pos_ == end_) {
      if (size >= sizeof(buffer_)) return socket_io::ReceiveSome(sock_, ptr, size, read_timeout_);
      ssize_t n = socket_io::ReceiveSome(sock_, buffer_, sizeof(buffer_), read_timeout_);
      if (n <= 0) return n;
      pos_ = 0;
      end_ = static_cast<size_t>(n);
    }
    size_t n = std::min(size, end_ - pos_);
    std::memcpy(ptr, buffer_ + pos_, n);
    pos_ += n;
    return static_cast<ssize_t>(n);
  }

  ssize_t write(const char* ptr, size_t size) override {
    if (broken_) return -1;
    if (out_.size() + size > kMaxPendingOut) {
      if (!Flush()) return -1;
      if (size > kMaxPendingOut) {
        broken_ = !socket_io::SendAll(sock_, ptr, size, write_timeout_);
        return broken_ ? -1 : static_cast<ssize_t>(size);
      }
    }
    out_.append(ptr, size);
    return static_cast<ssize_t>(size);
  }

  void get_remote_ip_and_port(std::string& ip, int& port) const override { socket_io::AddressOf(true, sock_, ip, port); }
  void get_local_ip_and_port(std::string& ip, int& port) const override { socket_io::AddressOf(false, sock_, ip, port); }
  socket_t socket() const override { return sock_; }

 private:
  const socket_t sock_;
  const milliseconds read_timeout_;
  const milliseconds write_timeout_;
  char buffer_[4096];
  size_t pos_ = 0;  // buffer_[pos_, end_) is received, not yet handed out
  size_t end_ = 0;
  std::string out_;  // written by httplib, not yet sent
  bool broken_ = false;
};

}  // namespace

bool LeanHttpClient::process_socket(const Socket& socket, std::function<bool(httplib::Stream& strm)> callback) {
  RequestStream strm(socket.sock, ToMillis(read_timeout_sec_, read_timeout_usec_),
                     ToMillis(write_timeout_sec_, write_timeout_usec_));
  const bool ok = callback(strm);
  return strm.Flush() && ok;  // normally empty by now: the response was read
}

}  // namespace zroute
