// The sidecar-injection admission review: AdmissionReview v1 in, AdmissionReview v1 out.
//
// A pure function of (review, config): no I/O, no clock, no side effects, so dryRun requests need
// no special path and the webhook is safely declared `sideEffects: None`. Never throws: a malformed
// review is answered with allowed=false and a status message (code 400), a bug with code 500.
//
// The pod is changed only when it opts in (zroute.io/inject: "true"), the request is a CREATE of a
// Pod, and no container named zroute-sidecar exists yet. The last rule makes the injection
// idempotent, which `reinvocationPolicy: IfNeeded` requires: applying the webhook to its own
// output yields no patch. See docs/injection.md for what is injected and why.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "operator/webhook/injector_config.h"

namespace zroute::webhook {

enum class ReviewOutcome {
  kInjected,   // allowed with a JSON Patch
  kUnchanged,  // allowed, no patch (not a pod CREATE, not opted in, already injected)
  kDenied,     // allowed=false: malformed review or invalid annotations
};

struct ReviewResult {
  nlohmann::json review;  // the AdmissionReview to send back (HTTP 200)
  ReviewOutcome outcome = ReviewOutcome::kDenied;
  std::string detail;  // why, for logs: "not opted in", the denial message, "injected into ns/pod"
};

// Nesting deeper than this is refused before parsing: a Pod is about 10 levels deep, and bounding
// depth keeps every recursive walk of the document (copy, compare, dump) off the stack limit.
inline constexpr std::size_t kMaxReviewDepth = 64;

ReviewResult ReviewAdmission(const nlohmann::json& review, const InjectorConfig& config) noexcept;

// Parses `body` (the HTTP request body) and reviews it; invalid JSON is a denial with no uid.
ReviewResult ReviewAdmissionBody(std::string_view body, const InjectorConfig& config) noexcept;

// Checks the operator's injection settings once at start-up, so that a bad flag or Helm value
// fails the operator instead of every pod creation.
Status ValidateInjectorConfig(const InjectorConfig& config);

// Standard base64 (RFC 4648, with padding) as the `patch` field carries it.
std::string Base64Encode(std::string_view data);

}  // namespace zroute::webhook
