#include "common/http/request_framer.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include "common/http/http_text.h"

namespace zroute {
namespace {

using http_text::EqualsIgnoreCase;
using http_text::kMaxChunkLine;
using http_text::HexDigit;
using http_text::ParseLength;
using http_text::TrimSpace;

}  // namespace

RequestFrame RequestFramer::Refuse(int status, std::string reason) {
  phase_ = Phase::kDone;
  done_ = RequestFrame{};
  done_.state = RequestFrame::State::kRefused;
  done_.status = status;
  done_.reason = std::move(reason);
  return done_;
}

RequestFrame RequestFramer::Complete(size_t length, bool over_limit) {
  phase_ = Phase::kDone;
  done_ = RequestFrame{};
  done_.state = RequestFrame::State::kComplete;
  done_.length = length;
  done_.body_over_limit = over_limit;
  return done_;
}

RequestFrame RequestFramer::Scan(std::string_view buffer) {
  if (phase_ == Phase::kDone) return done_;
  if (phase_ == Phase::kHeader) {
    RequestFrame f = ScanHeader(buffer);
    if (phase_ == Phase::kHeader || phase_ == Phase::kDone) return f;
  }
  if (phase_ == Phase::kLengthBody) {
    if (buffer.size() - header_end_ >= content_length_) return Complete(header_end_ + content_length_);
    RequestFrame more;
    more.expects_continue = expects_continue_;
    return more;
  }
  return ScanChunks(buffer);
}

RequestFrame RequestFramer::ScanHeader(std::string_view buffer) {
  static constexpr char kEnd[] = "\r\n\r\n";
  for (; pos_ < buffer.size(); ++pos_) {
    const char c = buffer[pos_];
    blank_line_match_ = c == kEnd[blank_line_match_] ? blank_line_match_ + 1 : (c == '\r' ? 1 : 0);
    if (c == '\n') ++lines_;
    if (blank_line_match_ == 4) {
      header_end_ = ++pos_;
      return ParseHeaderFields(buffer.substr(0, header_end_));
    }
    if (pos_ + 1 > limits_.max_header_bytes || lines_ > limits_.max_header_lines) {
      return Refuse(431, "request header block over " + std::to_string(limits_.max_header_bytes) + " bytes or " +
                             std::to_string(limits_.max_header_lines) + " lines");
    }
  }
  return RequestFrame{};
}

// The fields that decide where the body ends. httplib reads them the same way: the first Expect
// value compared exactly, Transfer-Encoding "chunked" as the whole value.
RequestFrame RequestFramer::ParseHeaderFields(std::string_view block) {
  std::optional<uint64_t> length;
  int transfer_encodings = 0;
  bool chunked = false;
  bool seen_expect = false;
  size_t at = block.find("\r\n");  // skip the request line
  while (at != std::string_view::npos && at + 2 < block.size()) {
    const size_t start = at + 2;
    const size_t end = block.find("\r\n", start);
    if (end == std::string_view::npos || end == start) break;
    std::string_view line = block.substr(start, end - start);
    at = end;
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;  // httplib skips a line without a colon too
    std::string_view name = line.substr(0, colon);
    std::string_view value = TrimSpace(line.substr(colon + 1));
    if (EqualsIgnoreCase(name, "content-length")) {
      std::optional<uint64_t> v = ParseLength(value);
      if (!v) return Refuse(400, "Content-Length is not a decimal length");
      if (length && *length != *v) return Refuse(400, "differing Content-Length headers");
      length = v;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      ++transfer_encodings;
      chunked = EqualsIgnoreCase(value, "chunked");
      if (!chunked || transfer_encodings > 1) {
        return Refuse(501, "only a single Transfer-Encoding: chunked is supported");
      }
    } else if (!seen_expect && EqualsIgnoreCase(name, "expect")) {
      seen_expect = true;
      expects_continue_ = value == "100-continue";
    }
  }
  if (chunked && length) return Refuse(400, "both Content-Length and Transfer-Encoding");
  if (chunked) {
    phase_ = Phase::kChunkSize;
    line_start_ = header_end_;
    lines_ = 0;
    return RequestFrame{};
  }
  content_length_ = length.value_or(0);
  if (content_length_ > limits_.max_body_bytes) {
    Complete(header_end_, /*over_limit=*/true);
    done_.declared_body_bytes = content_length_;
    return done_;
  }
  phase_ = Phase::kLengthBody;
  return RequestFrame{};
}

RequestFrame RequestFramer::ScanChunks(std::string_view buffer) {
  while (pos_ < buffer.size()) {
    switch (phase_) {
      case Phase::kChunkSize: {
        const size_t nl = buffer.find('\n', pos_);
        if (nl == std::string_view::npos) {
          pos_ = buffer.size();
          if (pos_ - line_start_ > kMaxChunkLine) return Refuse(400, "chunk-size line too long");
          break;
        }
        if (nl - line_start_ > kMaxChunkLine) return Refuse(400, "chunk-size line too long");
        std::string_view line = buffer.substr(line_start_, nl + 1 - line_start_);
        if (line.size() < 2 || line[line.size() - 2] != '\r') return Refuse(400, "chunk-size line not ended by CRLF");
        line.remove_suffix(2);
        line = line.substr(0, line.find(';'));  // chunk extensions are ignored
        line = TrimSpace(line);
        if (line.empty() || line.size() > 15) return Refuse(400, "bad chunk size");
        uint64_t size = 0;
        for (char c : line) {
          const int d = HexDigit(c);
          if (d < 0) return Refuse(400, "bad chunk size");
          size = size * 16 + static_cast<uint64_t>(d);
        }
        pos_ = nl + 1;
        if (size == 0) {
          phase_ = Phase::kTrailer;
          line_start_ = trailer_start_ = pos_;
          break;
        }
        body_bytes_ += size;
        if (body_bytes_ > limits_.max_body_bytes) {
          return Refuse(413, "request body over " + std::to_string(limits_.max_body_bytes) + " bytes");
        }
        chunk_left_ = size;
        phase_ = Phase::kChunkData;
        break;
      }
      case Phase::kChunkData: {
        const uint64_t take = std::min<uint64_t>(chunk_left_, buffer.size() - pos_);
        pos_ += take;
        chunk_left_ -= take;
        if (chunk_left_ == 0) phase_ = Phase::kChunkDataEnd;
        break;
      }
      case Phase::kChunkDataEnd: {
        if (buffer.size() - pos_ < 2) return RequestFrame{};
        if (buffer[pos_] != '\r' || buffer[pos_ + 1] != '\n') return Refuse(400, "chunk data not ended by CRLF");
        pos_ += 2;
        phase_ = Phase::kChunkSize;
        line_start_ = pos_;
        break;
      }
      case Phase::kTrailer: {
        const size_t nl = buffer.find('\n', pos_);
        const size_t trailer_bytes = (nl == std::string_view::npos ? buffer.size() : nl + 1) - trailer_start_;
        if (trailer_bytes > limits_.max_header_bytes || lines_ >= limits_.max_header_lines) {
          return Refuse(431, "request trailers over the header limits");
        }
        if (nl == std::string_view::npos) {
          pos_ = buffer.size();
          break;
        }
        std::string_view line = buffer.substr(line_start_, nl + 1 - line_start_);
        pos_ = nl + 1;
        line_start_ = pos_;
        ++lines_;
        if (line == "\r\n") return Complete(pos_);
        break;
      }
      default:
        return RequestFrame{};
    }
  }
  return RequestFrame{};
}

}  // namespace zroute
