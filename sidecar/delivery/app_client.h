// AppClient: one HTTP POST of an event to the local app, and what the answer means.
//
// Response contract: 2xx delivered; 429 and 503 retried honouring Retry-After; 408, 409, other
// 5xx and connection errors retried with the subscription's backoff; any other status is final
// (dead letter). AppClient is the blocking client, one per delivery thread under
// --delivery=threads (an HTTP client is not thread-safe); AsyncAppClient (async_app_client.h)
// sends the same requests from an event loop.
// A batch (DeliverBatch) is one application/cloudevents-batch+json POST; its answer holds for
// every event in it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/cloudevents/cloud_event.h"

namespace zroute {

class LeanHttpClient;

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

// Where an event came from, sent to the app as `zroute-topic`, `zroute-subscription` and
// `zroute-delivery-attempt` headers (not CloudEvents attributes: they describe this delivery,
// not the event).
struct DeliveryMetadata {
  std::string topic;         // "ns/name"
  std::string subscription;  // "ns/name"
  int attempt = 1;           // 1 for the first try
};

// One delivery's HTTP request to the app, before it is written to a connection.
struct DeliveryRequest {
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // besides Content-Type and length
  std::string body;
};

// A binary-mode request for one event. Tracing: the delivery is a hop of its own, so the event's
// traceparent (extension and header) becomes a child span of the one the publisher stored.
DeliveryRequest BuildDeliveryRequest(const CloudEvent& event, const DeliveryMetadata& metadata);
// One application/cloudevents-batch+json request for the events (REQUIRES: not empty), in order,
// each with its own child span in its traceparent extension.
DeliveryRequest BuildBatchRequest(const std::vector<const CloudEvent*>& events, const DeliveryMetadata& metadata);
// What the app's answer means (response contract above); `retry_after` is its Retry-After value.
DeliveryResult ResultOfResponse(int status, std::string_view body, std::string_view retry_after);

class AppClient {
 public:
  // A non-empty `bearer_token` is sent as "Authorization: Bearer <token>" with every delivery.
  AppClient(const std::string& host, int port, const std::string& bearer_token = "");
  ~AppClient();
  DeliveryResult Deliver(const std::string& route, const CloudEvent& event, std::chrono::milliseconds timeout,
                         const DeliveryMetadata& metadata = {});
  // POSTs the events (REQUIRES: not empty) as one JSON array, in order. Each event carries its own
  // child span in its traceparent extension.
  DeliveryResult DeliverBatch(const std::string& route, const std::vector<const CloudEvent*>& events,
                              std::chrono::milliseconds timeout, const DeliveryMetadata& metadata = {});
  // POSTs a request built by BuildDeliveryRequest or BuildBatchRequest.
  DeliveryResult Post(const std::string& route, const DeliveryRequest& request, std::chrono::milliseconds timeout);

 private:
  std::unique_ptr<LeanHttpClient> client_;
};

}  // namespace zroute
