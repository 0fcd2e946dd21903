#include "operator/kube/watch_decoder.h"

namespace zroute::kube {

WatchDecoder::Result WatchDecoder::Feed(std::string_view data, const WatchHandler& handler) {
  buffer_.append(data);
  size_t start = 0;
  for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    Result r = DecodeLine(std::string_view(buffer_).substr(start, nl - start), handler);
    if (r != Result::kContinue) {
      buffer_.clear();
      return r;
    }
  }
  buffer_.erase(0, start);
  if (buffer_.size() > max_line_bytes_) {
    error_ = Status::TooLarge("watch event over " + std::to_string(max_line_bytes_) + " bytes");
    buffer_.clear();
    return Result::kError;
  }
  return Result::kContinue;
}

WatchDecoder::Result WatchDecoder::DecodeLine(std::string_view line, const WatchHandler& handler) {
  if (line.find_first_not_of(" \r\t") == std::string_view::npos) return Result::kContinue;
  if (line.size() > max_line_bytes_) {
    error_ = Status::TooLarge("watch event over " + std::to_string(max_line_bytes_) + " bytes");
    return Result::kError;
  }
  try {
    Json event = Json::parse(line);
    const std::string type = event.at("type").get<std::string>();
    Json& object = event.at("object");
    WatchEventType t;
    if (type == "ADDED") {
      t = WatchEventType::kAdded;
    } else if (type == "MODIFIED") {
      t = WatchEventType::kModified;
    } else if (type == "DELETED") {
      t = WatchEventType::kDeleted;
    } else if (type == "BOOKMARK") {
      t = WatchEventType::kBookmark;
    } else if (type == "ERROR") {
      int code = object.is_object() ? object.value("code", 500) : 500;
      if (code == 410) return Result::kExpired;
      error_ = StatusFromHttp(code, object.dump());
      return Result::kError;
    } else {
      error_ = Status::Internal("watch: unknown event type '" + type.substr(0, 64) + "'");
      return Result::kError;
    }
    if (!object.is_object()) {
      error_ = Status::Internal("watch: event object is not a JSON object");
      return Result::kError;
    }
    if (!handler(WatchEvent{t, std::move(object)})) return Result::kCancelled;
    return Result::kContinue;
  } catch (const Json::exception& e) {
    error_ = Status::Internal(std::string("watch: malformed event: ") + e.what());
    return Result::kError;
  }
}

Status WatchDecoder::Finish() const {
  if (buffer_.find_first_not_of(" \r\n\t") != std::string::npos) {
    return Status::Unavailable("watch: stream ended inside an event");
  }
  return Status::OK();
}

}  // namespace zroute::kube
