// BoundedHttpsServer: BoundedHttpServer over TLS — the same header limits (bytes, lines, time),
// keep-alive loop and gathered responses, with OpenSSL underneath.
//
// httplib::SSLServer reads request headers with no bound on their number or on the time they
// take, as httplib::Server does (see bounded_http_server.h); this server replaces its connection
// loop too. The TLS handshake has a deadline of its own (HeaderLimits::timeout), so a client that
// connects and never finishes it gives its worker back.
//
// The caller configures the TLS context (certificates, protocol versions, callbacks) in `setup`;
// a context that fails to set up leaves the server invalid (is_valid() false; check it before
// listening). Threads: as httplib::Server; each connection is served on one pool thread; destroy
// the server only after its listen call returned (every connection is done by then).
#pragma once

#include <functional>

#include <openssl/ssl.h>

#include "common/http/bounded_http_server.h"

namespace zroute {

class BoundedHttpsServer : public BoundedHttpServer {
 public:
  explicit BoundedHttpsServer(const std::function<bool(SSL_CTX&)>& setup, HeaderLimits limits = {});
  ~BoundedHttpsServer() override;
  BoundedHttpsServer(const BoundedHttpsServer&) = delete;
  BoundedHttpsServer& operator=(const BoundedHttpsServer&) = delete;

  bool is_valid() const override { return ctx_ != nullptr; }

 private:
  // Handshake within the deadline, then BoundedHttpServer's loop through TLS; then close.
  bool process_and_close_socket(socket_t sock) override;

  SSL_CTX* ctx_ = nullptr;  // owned; shared by every connection's SSL (OpenSSL locks it)
};

}  // namespace zroute
