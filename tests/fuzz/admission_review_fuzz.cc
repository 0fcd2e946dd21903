// Fuzz target: bytes as the body of POST /mutate-pods, through the injector core.
//
// Beyond "never crashes", it checks the properties the API server relies on:
//   - every answer is an AdmissionReview v1 with a response and a boolean `allowed`;
//   - an injection patch applies cleanly (RFC 6902) to the pod it was computed for;
//   - reviewing the patched pod again yields no patch (idempotent under reinvocation).
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "operator/webhook/sidecar_injector.h"

namespace {

using nlohmann::json;
using zroute::webhook::ReviewOutcome;

void Require(bool ok) {
  if (!ok) std::abort();
}

std::string Base64Decode(const std::string& in) {
  std::string out(3 * in.size() / 4 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  Require(n >= 0);
  std::size_t len = static_cast<std::size_t>(n);
  if (!in.empty() && in.back() == '=') --len;
  if (in.size() > 1 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  zroute::webhook::InjectorConfig config;
  config.kubernetes_minor = size % 2 == 0 ? 30 : 28;  // both injection shapes

  const zroute::webhook::ReviewResult r = zroute::webhook::ReviewAdmissionBody(body, config);
  Require(r.review.is_object());
  Require(r.review.value("apiVersion", "") == "admission.k8s.io/v1");
  const json& response = r.review.at("response");
  Require(response.at("allowed").is_boolean());
  Require(response.at("uid").is_string());
  (void)r.review.dump(-1, ' ', false, json::error_handler_t::replace);
  if (r.outcome != ReviewOutcome::kInjected) {
    Require(!response.contains("patch"));
    return 0;
  }

  // Injected: the input was a valid review, so it parses.
  json review = json::parse(body);
  json patch = json::parse(Base64Decode(response.at("patch").get<std::string>()));
  json pod;
  try {
    pod = review["request"]["object"].patch(patch);
  } catch (const json::exception&) {
    std::abort();  // the API server would reject the patch: a bug
  }
  review["request"]["object"] = pod;
  const zroute::webhook::ReviewResult again = zroute::webhook::ReviewAdmission(review, config);
  Require(again.outcome == ReviewOutcome::kUnchanged);
  return 0;
}
