// LeanHttpClient: an httplib client (plain HTTP) whose connection stream spends fewer syscalls
// per request: the request's pieces (httplib writes the request line and headers, then the body)
// go out in one send when the client starts reading the response, and reads and writes are tried
// before poll(2) waits (common/http/socket_io.h). httplib's own stream polls before every read
// and write and sends the headers and the body apart; measured on the subscriber sidecar's
// delivery path: six polls and two sends per delivered event.
//
// Everything else is httplib's ClientImpl: the API (Post, timeouts, keep-alive, auth), the
// request encoding and the response parsing. Not thread-safe, as httplib's client.
#pragma once

#include <functional>
#include <string>

#include <httplib.h>

namespace zroute {

class LeanHttpClient : public httplib::ClientImpl {
 public:
  LeanHttpClient(const std::string& host, int port) : httplib::ClientImpl(host, port) {}

 private:
  bool process_socket(const Socket& socket, std::function<bool(httplib::Stream& strm)> callback) override;
};

}  // namespace zroute
