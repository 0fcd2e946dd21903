// Helpers for the injection tests: fixture loading, patch decoding and application.
#pragma once

#include <openssl/evp.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace zroute::webhook::testing {

inline nlohmann::json LoadFixture(const std::string& name) {
  std::ifstream in(std::string(ZROUTE_WEBHOOK_TESTDATA) + "/" + name);
  if (!in) throw std::runtime_error("missing fixture " + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return nlohmann::json::parse(ss.str());
}

inline std::string Base64Decode(const std::string& in) {
  std::string out(3 * in.size() / 4 + 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) throw std::runtime_error("bad base64");
  std::size_t len = static_cast<std::size_t>(n);
  // EVP_DecodeBlock counts the padding as zero bytes.
  if (!in.empty() && in.back() == '=') --len;
  if (in.size() > 1 && in[in.size() - 2] == '=') --len;
  out.resize(len);
  return out;
}

// The JSON Patch of a review response (an empty array when it carries none).
inline nlohmann::json PatchOf(const nlohmann::json& review) {
  const auto& response = review.at("response");
  if (!response.contains("patch")) return nlohmann::json::array();
  return nlohmann::json::parse(Base64Decode(response.at("patch").get<std::string>()));
}

// The pod after applying the response's patch to the request's object.
inline nlohmann::json PatchedPod(const nlohmann::json& request_review, const nlohmann::json& response_review) {
  return request_review.at("request").at("object").patch(PatchOf(response_review));
}

// `review` with request.object replaced by `pod` and a new uid.
inline nlohmann::json WithPod(nlohmann::json review, nlohmann::json pod, const std::string& uid) {
  review["request"]["object"] = std::move(pod);
  review["request"]["uid"] = uid;
  return review;
}

}  // namespace zroute::webhook::testing
