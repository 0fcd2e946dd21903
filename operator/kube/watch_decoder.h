// WatchDecoder: turns the body of a watch response (newline-delimited JSON objects
// `{"type":..,"object":..}`, arbitrarily split into chunks) into WatchEvents.
//
// An event may span chunks and a chunk may hold several events; blank lines are skipped. An
// `ERROR` event with code 410 means the resourceVersion expired; any other `ERROR`, a malformed
// line, an unknown type or a line over `max_line_bytes` is an error, after which Feed() must not
// be called again. Not thread-safe: one decoder per stream, used by the thread reading it.
#pragma once

#include <string>
#include <string_view>

#include "common/util/status.h"
#include "operator/kube/kube_client.h"

namespace zroute::kube {

class WatchDecoder {
 public:
  enum class Result {
    kContinue,   // need more bytes
    kExpired,    // ERROR event with code 410
    kCancelled,  // the handler returned false
    kError,      // see error()
  };

  explicit WatchDecoder(size_t max_line_bytes = 16 * 1024 * 1024) : max_line_bytes_(max_line_bytes) {}

  // Decodes every complete line in `data` (plus what was buffered) and calls `handler` per event.
  Result Feed(std::string_view data, const WatchHandler& handler);
  // At a clean end of the stream: an error if an unfinished event is left over.
  Status Finish() const;
  const Status& error() const { return error_; }

 private:
  Result DecodeLine(std::string_view line, const WatchHandler& handler);

  const size_t max_line_bytes_;
  std::string buffer_;
  Status error_;
};

}  // namespace zroute::kube
