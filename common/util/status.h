// Status and StatusOr<T>: errors as values across module boundaries.
//
// A Status is either OK or carries a code and a human-readable message. Code that calls libraries
// which throw (cppzmq, nlohmann-json, yaml-cpp) catches inside the adapter and returns a Status.
// A broken invariant is not a Status: it is an assert.
#pragma once

#include <cassert>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <variant>

namespace zroute {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // malformed input from outside (HTTP 400)
  kNotFound,           // unknown topic, resource, key (404)
  kAlreadyExists,      // create of an existing name (409)
  kConflict,           // stale version, concurrent update (409)
  kPermissionDenied,   // authenticated but not allowed (403)
  kUnauthenticated,    // missing or bad credentials (401)
  kResourceExhausted,  // quota, queue or disk full (429)
  kTooLarge,           // body or field over a limit (413)
  kFailedPrecondition, // not ready, wrong state (503 / 412)
  kUnavailable,        // peer or server unreachable, retry later (503)
  kDeadlineExceeded,   // timed out (504)
  kCorruption,         // bad CRC, torn record, garbage on disk
  kIOError,            // filesystem or socket error
  kInternal,           // a bug or an unexpected library failure
};

const char* StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status PermissionDenied(std::string m) { return {StatusCode::kPermissionDenied, std::move(m)}; }
  static Status Unauthenticated(std::string m) { return {StatusCode::kUnauthenticated, std::move(m)}; }
  static Status ResourceExhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status TooLarge(std::string m) { return {StatusCode::kTooLarge, std::move(m)}; }
  static Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status DeadlineExceeded(std::string m) { return {StatusCode::kDeadlineExceeded, std::move(m)}; }
  static Status Corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status IOError(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "InvalidArgument: missing attribute 'id'" or "OK".
  std::string ToString() const;

  // Prefixes the message with context: Status::NotFound("x").WithContext("topic orders")
  // → "topic orders: x". OK stays OK.
  Status WithContext(const std::string& context) const;

  // The HTTP status code an endpoint answers for this status.
  int HttpStatus() const;

  bool operator==(const Status& o) const { return code_ == o.code_ && message_ == o.message_; }

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline std::ostream& operator<<(std::ostream& os, const Status& s) { return os << s.ToString(); }

// Either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] StatusOr {
 public:
  StatusOr(T value) : value_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  StatusOr(Status status) : status_(std::move(status)) {  // NOLINT(google-explicit-constructor)
    assert(!status_.ok() && "StatusOr built from an OK status carries no value");
  }

  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }

  // REQUIRES: ok().
  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  Status status_;
  std::optional<T> value_;
};

}  // namespace zroute

// Returns early from the enclosing function when `expr` is not OK.
#define ZR_RETURN_IF_ERROR(expr)            \
  do {                                      \
    ::zroute::Status zr_status_ = (expr);   \
    if (!zr_status_.ok()) return zr_status_; \
  } while (0)

#define ZR_CONCAT_INNER(a, b) a##b
#define ZR_CONCAT(a, b) ZR_CONCAT_INNER(a, b)
// ZR_ASSIGN_OR_RETURN(auto x, Compute()); binds the value or returns the error.
#define ZR_ASSIGN_OR_RETURN(lhs, expr) ZR_ASSIGN_OR_RETURN_IMPL(ZR_CONCAT(zr_or_, __LINE__), lhs, expr)
#define ZR_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
