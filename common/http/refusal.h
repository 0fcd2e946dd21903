// Refusal: how zroute's HTTP servers turn away a request before any handler sees it (a header
// block over its limits or too slow, framing they will not read), the same way in both servers
// (BoundedHttpServer, EventLoopHttpServer).
//
// The answer is a complete response that closes the connection. After sending it a server shuts
// its write side and reads and drops what the client still sends, up to kRefusalDrainBytes or
// kRefusalDrainTime: closing with unread bytes queued would send a reset that can discard the
// answer before the client reads it.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

#include "common/http/http_text.h"

namespace zroute {

inline constexpr std::chrono::milliseconds kRefusalDrainTime{500};
inline constexpr size_t kRefusalDrainBytes = 1 << 20;

// "HTTP/1.1 <status> <reason>" with {"error": error} as the body and Connection: close.
// `error` is zroute's own text (not escaped).
inline std::string RefusalResponse(int status, const std::string& error) {
  const char* reason = http_text::ReasonPhrase(status);
  const std::string body = "{\"error\":\"" + error + "\"}";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\nConnection: close\r\n\r\n" + body;
}

}  // namespace zroute
