// AppClient: one HTTP POST of an event to the local app, and what the answer means.
//
// Response contract: 2xx delivered; 429 and 503 retried honouring Retry-After; 408, 409, other
// 5xx and connection errors retried with the subscription's backoff; any other status is final
// (dead letter). One AppClient per delivery thread (an httplib client is not thread-safe).
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "common/cloudevents/cloud_event.h"

namespace httplib {
class Client;
}

namespace zroute {

enum class DeliveryOutcome { kDelivered, kRetry, kFinal };

struct DeliveryResult {
  DeliveryOutcome outcome = DeliveryOutcome::kRetry;
  int status = 0;  // HTTP status, 0 when no response
  std::string error;
  std::optional<std::chrono::milliseconds> retry_after;  // from the app's Retry-After
};

// Classifies an HTTP status per the response contract (status 0 = network error).
DeliveryOutcome ClassifyStatus(int status);
// Parses Retry-After as delay-seconds (an HTTP-date is treated as absent). Capped at one hour.
std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value);

class AppClient {
 public:
  AppClient(const std::string& host, int port);
  ~AppClient();
  DeliveryResult Deliver(const std::string& route, const CloudEvent& event, std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace zroute
