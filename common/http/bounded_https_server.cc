#include "common/http/bounded_https_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <openssl/err.h>

#include "common/http/connection_transport.h"
#include "common/http/socket_io.h"
#include "common/util/thread_name.h"

namespace zroute {
namespace {

using std::chrono::milliseconds;
using SteadyClock = std::chrono::steady_clock;

// Waits for what OpenSSL asked for (`err` from SSL_get_error) until `deadline`; false when the
// call cannot be retried, with errno ETIMEDOUT when the deadline passed and EIO otherwise (another
// error, or poll failed).
bool WaitForRetry(int fd, int err, SteadyClock::time_point deadline) {
  short events;
  if (err == SSL_ERROR_WANT_READ) {
    events = POLLIN;
  } else if (err == SSL_ERROR_WANT_WRITE) {
    events = POLLOUT;
  } else {
    errno = EIO;  // not a stale ETIMEDOUT, which the connection loop would answer with 408
    return false;
  }
  auto left = std::chrono::ceil<milliseconds>(deadline - SteadyClock::now());
  int r = left > milliseconds::zero() ? socket_io::PollOne(fd, events, left) : 0;
  if (r <= 0) errno = r == 0 ? ETIMEDOUT : EIO;
  return r > 0;
}

// One connection's TLS session on a non-blocking socket: every OpenSSL call that would block
// waits in poll(2) up to its timeout, so no peer can hold the thread past the limits.
class TlsTransport final : public ConnectionTransport {
 public:
  TlsTransport(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  // SSL_accept within `timeout`.
  bool Handshake(milliseconds timeout) {
    const auto deadline = SteadyClock::now() + timeout;
    while (true) {
      ERR_clear_error();
      int r = SSL_accept(ssl_);
      if (r == 1) return true;
      if (!WaitForRetry(fd_, SSL_get_error(ssl_, r), deadline)) return false;
    }
  }

  ssize_t ReceiveSome(char* p, size_t n, milliseconds timeout) override {
    const auto deadline = SteadyClock::now() + timeout;
    const int want = static_cast<int>(std::min<size_t>(n, 1 << 30));
    while (true) {
      ERR_clear_error();
      int r = SSL_read(ssl_, p, want);
      if (r > 0) return r;
      const int err = SSL_get_error(ssl_, r);
      if (err == SSL_ERROR_ZERO_RETURN) return 0;  // close_notify: the peer is done
      if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && r == 0) return 0;  // closed without one
      if (!WaitForRetry(fd_, err, deadline)) return -1;
    }
  }

  bool SendAll(const char* p, size_t n, milliseconds timeout) override {
    const auto deadline = SteadyClock::now() + timeout;
    while (n > 0) {
      const int chunk = static_cast<int>(std::min<size_t>(n, 1 << 30));
      ERR_clear_error();
      int r = SSL_write(ssl_, p, chunk);  // a retry repeats the same arguments, as OpenSSL requires
      if (r > 0) {
        p += r;
        n -= static_cast<size_t>(r);
      } else if (!WaitForRetry(fd_, SSL_get_error(ssl_, r), deadline)) {
        return false;
      }
    }
    return true;
  }

  bool HasBuffered() const override { return SSL_pending(ssl_) > 0; }

 private:
  const int fd_;
  SSL* const ssl_;
};

}  // namespace

BoundedHttpsServer::BoundedHttpsServer(const std::function<bool(SSL_CTX&)>& setup, HeaderLimits limits)
    : BoundedHttpServer(limits) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return;
  // SSL_write may return after part of a buffer; SendAll goes on from there.
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE);
  if (!setup(*ctx)) {
    SSL_CTX_free(ctx);
    return;
  }
  ctx_ = ctx;
}

BoundedHttpsServer::~BoundedHttpsServer() { SSL_CTX_free(ctx_); }

bool BoundedHttpsServer::process_and_close_socket(socket_t sock) {
  SetCurrentThreadName("zr-https");  // a pool thread serving one connection
  bool ok = false;
  SSL* ssl = SSL_new(ctx_);
  const int flags = ::fcntl(sock, F_GETFL);
  if (ssl != nullptr && flags >= 0 && ::fcntl(sock, F_SETFL, flags | O_NONBLOCK) == 0 && SSL_set_fd(ssl, sock) == 1) {
    TlsTransport transport(sock, ssl);
    if (transport.Handshake(header_limits().timeout)) {
      ok = ServeConnection(sock, transport);
      if (ok) {  // a clean end: our close_notify, not waiting for the peer's (after a refusal the
        ERR_clear_error();  // write side is already shut, and a write there would only fail)
        (void)SSL_shutdown(ssl);
      }
    }
  }
  SSL_free(ssl);
  ERR_clear_error();  // this thread's OpenSSL error queue starts empty for the next connection
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return ok;
}

}  // namespace zroute
