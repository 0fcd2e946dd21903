#include "common/http/response_parser.h"

#include <algorithm>

#include "common/http/http_text.h"

namespace zroute {
namespace {

constexpr size_t kMaxChunkSizeDigits = 15;

using http_text::EqualsIgnoreCase;
using http_text::kMaxChunkLine;
using http_text::HexDigit;
using http_text::IsDigit;
using http_text::IsTokenChar;
using http_text::ParseLength;
using http_text::TrimSpace;

// Header values, reason phrases, chunk extensions: no control characters but tab.
bool IsText(std::string_view s) {
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
  }
  return true;
}

// Splits a header (or trailer) line into name and trimmed value; nullptr or the reason it is bad.
const char* SplitField(std::string_view line, std::string_view* name, std::string_view* value) {
  if (line.front() == ' ' || line.front() == '\t') return "folded header line";
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return "header line without a colon";
  *name = line.substr(0, colon);
  if (name->empty() || !std::all_of(name->begin(), name->end(), IsTokenChar)) return "bad header name";
  *value = TrimSpace(line.substr(colon + 1));
  if (!IsText(*value)) return "control character in a header value";
  return nullptr;
}

}  // namespace

ResponseParser::State ResponseParser::Feed(std::string_view data, size_t* consumed) {
  const size_t used = phase_ == Phase::kDone ? 0 : Consume(data);
  if (used > 0) started_ = true;
  if (consumed) *consumed = used;
  return state_;
}

ResponseParser::State ResponseParser::FinishAtEof() {
  switch (phase_) {
    case Phase::kDone:
      break;
    case Phase::kCloseBody:
      Complete();
      break;
    case Phase::kStatusLine:
    case Phase::kHeaderLine:
      Fail(started_ ? "connection closed in the response's header block" : "connection closed before a response");
      break;
    default:
      Fail("connection closed before the response's body ended");
      break;
  }
  return state_;
}

std::optional<std::string_view> ResponseParser::header(std::string_view name) const {
  for (const auto& [n, v] : headers_) {
    if (EqualsIgnoreCase(n, name)) return std::string_view(v);
  }
  return std::nullopt;
}

void ResponseParser::Fail(std::string reason) {
  phase_ = Phase::kDone;
  state_ = State::kError;
  error_ = std::move(reason);
}

void ResponseParser::Complete() {
  phase_ = Phase::kDone;
  state_ = State::kComplete;
}

size_t ResponseParser::Consume(std::string_view data) {
  size_t i = 0;
  while (i < data.size() && phase_ != Phase::kDone) {
    switch (phase_) {
      case Phase::kStatusLine:
      case Phase::kHeaderLine: {
        const char c = data[i++];
        if (++header_bytes_ > limits_.max_header_bytes) {
          Fail("header block over " + std::to_string(limits_.max_header_bytes) + " bytes");
          break;
        }
        if (AddLineByte(c) == Line::kWhole) {
          phase_ == Phase::kStatusLine ? StatusLine() : HeaderLine();
          line_.clear();
        }
        break;
      }
      case Phase::kLengthBody:
      case Phase::kChunkData: {
        const size_t take = static_cast<size_t>(std::min<uint64_t>(body_left_, data.size() - i));
        TakeBody(data.substr(i, take));
        i += take;
        body_left_ -= take;
        if (body_left_ == 0) {
          if (phase_ == Phase::kLengthBody) {
            Complete();
          } else {
            phase_ = Phase::kChunkDataCr;
          }
        }
        break;
      }
      case Phase::kChunkDataCr:
      case Phase::kChunkDataLf: {
        const bool cr = phase_ == Phase::kChunkDataCr;
        if (data[i++] != (cr ? '\r' : '\n')) {
          Fail("chunk data not ended by CRLF");
        } else {
          phase_ = cr ? Phase::kChunkDataLf : Phase::kChunkSize;
        }
        break;
      }
      case Phase::kChunkSize: {
        const Line l = AddLineByte(data[i++]);
        if (l == Line::kWhole) {
          ChunkSizeLine();
          line_.clear();
        } else if (l == Line::kMore && line_.size() > kMaxChunkLine) {
          Fail("chunk-size line over " + std::to_string(kMaxChunkLine) + " bytes");
        }
        break;
      }
      case Phase::kTrailer: {
        const char c = data[i++];
        if (++trailer_bytes_ > limits_.max_header_bytes) {
          Fail("trailers over " + std::to_string(limits_.max_header_bytes) + " bytes");
          break;
        }
        if (AddLineByte(c) == Line::kWhole) {
          TrailerLine();
          line_.clear();
        }
        break;
      }
      case Phase::kCloseBody: {
        const size_t room = static_cast<size_t>(limits_.max_body_bytes - body_bytes_);
        if (data.size() - i > room) {
          TakeBody(data.substr(i, room));
          i += room + 1;
          Fail("body over " + std::to_string(limits_.max_body_bytes) + " bytes");
        } else {
          TakeBody(data.substr(i));
          i = data.size();
        }
        break;
      }
      case Phase::kDone:
        break;
    }
  }
  return i;
}

// Lines end with CRLF; a CR or LF anywhere else is an error.
ResponseParser::Line ResponseParser::AddLineByte(char c) {
  if (line_cr_) {
    line_cr_ = false;
    if (c == '\n') return Line::kWhole;
    Fail("CR not followed by LF");
    return Line::kBad;
  }
  if (c == '\r') {
    line_cr_ = true;
  } else if (c == '\n') {
    Fail("line ended by a bare LF");
    return Line::kBad;
  } else {
    line_.push_back(c);
  }
  return Line::kMore;
}

void ResponseParser::TakeBody(std::string_view bytes) {
  body_bytes_ += bytes.size();
  if (body_.size() < limits_.kept_body_bytes) {
    body_.append(bytes.substr(0, limits_.kept_body_bytes - body_.size()));
  }
}

// "HTTP/1.x SSS reason", the reason possibly empty (with or without the space before it).
void ResponseParser::StatusLine() {
  if (++header_lines_ > limits_.max_header_lines) {
    Fail("header block over " + std::to_string(limits_.max_header_lines) + " lines");
    return;
  }
  const std::string_view l = line_;
  if (l.size() < 12 || l.substr(0, 7) != "HTTP/1." || !IsDigit(l[7]) || l[8] != ' ' || !IsDigit(l[9]) ||
      !IsDigit(l[10]) || !IsDigit(l[11]) || (l.size() > 12 && l[12] != ' ') || !IsText(l.substr(12))) {
    Fail("bad status line");
    return;
  }
  const int status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
  if (status < 100 || status > 599) {
    Fail("status " + std::to_string(status) + " out of range");
    return;
  }
  if (status == 101) {
    Fail("unrequested 101 Switching Protocols");
    return;
  }
  status_ = status;
  http10_ = l[7] == '0';
  phase_ = Phase::kHeaderLine;
}

void ResponseParser::HeaderLine() {
  if (line_.empty()) {
    EndOfHeaders();
    return;
  }
  if (++header_lines_ > limits_.max_header_lines) {
    Fail("header block over " + std::to_string(limits_.max_header_lines) + " lines");
    return;
  }
  std::string_view name, value;
  if (const char* bad = SplitField(line_, &name, &value)) {
    Fail(bad);
    return;
  }
  if (status_ >= 200) headers_.emplace_back(name, value);  // an interim response's are dropped
}

void ResponseParser::EndOfHeaders() {
  if (status_ < 200) {  // interim: the final response follows
    status_ = 0;
    phase_ = Phase::kStatusLine;
    return;
  }
  std::optional<uint64_t> length;
  bool chunked = false;
  bool close = false;
  bool keep_alive = false;
  for (const auto& [name, value] : headers_) {
    if (EqualsIgnoreCase(name, "content-length")) {
      const std::optional<uint64_t> v = ParseLength(value);
      if (!v) return Fail("Content-Length is not a decimal length");
      if (length && *length != *v) return Fail("differing Content-Length headers");
      length = v;
    } else if (EqualsIgnoreCase(name, "transfer-encoding")) {
      if (chunked || !EqualsIgnoreCase(value, "chunked")) {
        return Fail("transfer coding other than a single chunked");
      }
      chunked = true;
    } else if (EqualsIgnoreCase(name, "connection")) {
      std::string_view rest = value;
      while (!rest.empty()) {
        const size_t comma = rest.find(',');
        const std::string_view token = TrimSpace(rest.substr(0, comma));
        close = close || EqualsIgnoreCase(token, "close");
        keep_alive = keep_alive || EqualsIgnoreCase(token, "keep-alive");
        rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
      }
    }
  }
  if (length && chunked) return Fail("both Content-Length and Transfer-Encoding");
  keep_alive_ = !close && (!http10_ || keep_alive);
  if (status_ == 204 || status_ == 304) return Complete();
  if (chunked) {
    phase_ = Phase::kChunkSize;
  } else if (length) {
    if (*length > limits_.max_body_bytes) return Fail("body over " + std::to_string(limits_.max_body_bytes) + " bytes");
    body_left_ = *length;
    phase_ = Phase::kLengthBody;
    if (body_left_ == 0) Complete();
  } else {
    keep_alive_ = false;  // the close ends the body
    phase_ = Phase::kCloseBody;
  }
}

// Hex size (at most 15 digits), optional spaces, optional ";extensions".
void ResponseParser::ChunkSizeLine() {
  const std::string_view l = line_;
  size_t n = 0;
  uint64_t size = 0;
  for (; n < l.size() && HexDigit(l[n]) >= 0; ++n) {
    if (n == kMaxChunkSizeDigits) return Fail("chunk size over 15 hex digits");
    size = size * 16 + static_cast<uint64_t>(HexDigit(l[n]));
  }
  const std::string_view rest = TrimSpace(l.substr(n));
  if (n == 0 || (!rest.empty() && rest.front() != ';') || !IsText(rest)) return Fail("bad chunk-size line");
  if (size == 0) {
    phase_ = Phase::kTrailer;
    return;
  }
  chunked_total_ += size;
  if (chunked_total_ > limits_.max_body_bytes) {
    return Fail("body over " + std::to_string(limits_.max_body_bytes) + " bytes");
  }
  body_left_ = size;
  phase_ = Phase::kChunkData;
}

// Trailer fields are checked like header lines, then dropped.
void ResponseParser::TrailerLine() {
  if (line_.empty()) return Complete();
  if (++trailer_lines_ > limits_.max_header_lines) {
    return Fail("trailers over " + std::to_string(limits_.max_header_lines) + " lines");
  }
  std::string_view name, value;
  if (const char* bad = SplitField(line_, &name, &value)) Fail(bad);
}

}  // namespace zroute
