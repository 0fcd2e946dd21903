#include "sidecar/delivery/app_client.h"

#include <httplib.h>

#include "common/cloudevents/http_binding.h"
#include "common/cloudevents/json_format.h"
#include "common/cloudevents/trace_context.h"
#include "common/http/lean_http_client.h"

namespace zroute {

DeliveryOutcome ClassifyStatus(int status) {
  if (status >= 200 && status < 300) return DeliveryOutcome::kDelivered;
  if (status == 0 || status == 408 || status == 409 || status == 429 || status >= 500) return DeliveryOutcome::kRetry;
  return DeliveryOutcome::kFinal;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(const std::string& value) {
  if (value.empty() || value.size() > 10) return std::nullopt;
  int64_t seconds = 0;
  for (char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    seconds = seconds * 10 + (c - '0');
  }
  return std::chrono::milliseconds(std::min<int64_t>(seconds, 3600) * 1000);
}

namespace {

void AddMetadata(const DeliveryMetadata& metadata, DeliveryRequest* request) {
  if (!metadata.topic.empty()) request->headers.emplace_back("zroute-topic", metadata.topic);
  if (!metadata.subscription.empty()) request->headers.emplace_back("zroute-subscription", metadata.subscription);
  request->headers.emplace_back("zroute-delivery-attempt", std::to_string(metadata.attempt));
}

}  // namespace

DeliveryResult ResultOfResponse(int status, std::string_view body, std::string_view retry_after) {
  DeliveryResult r;
  r.status = status;
  r.outcome = ClassifyStatus(status);
  if (r.outcome != DeliveryOutcome::kDelivered) {
    r.error = std::string(body.substr(0, 256));
    if (status == 429 || status == 503) r.retry_after = ParseRetryAfter(std::string(retry_after));
  }
  return r;
}

DeliveryRequest BuildDeliveryRequest(const CloudEvent& event, const DeliveryMetadata& metadata) {
  DeliveryRequest request;
  HttpHeaders ce_headers;
  std::optional<TraceParent> span;
  if (auto tp = event.extensions.find("traceparent"); tp != event.extensions.end()) {
    if (auto parent = ParseTraceParent(tp->second)) span = ChildOf(*parent);
  }
  if (span) {
    CloudEvent copy = event;
    copy.extensions["traceparent"] = span->ToString();
    EncodeBinaryMode(copy, &ce_headers, &request.body);
  } else {
    EncodeBinaryMode(event, &ce_headers, &request.body);
  }
  request.content_type = "application/octet-stream";
  request.headers.reserve(ce_headers.size() + 5);
  for (auto& [name, value] : ce_headers) {
    if (name == "content-type") {
      request.content_type = value;
    } else {
      request.headers.emplace_back(name, value);
    }
  }
  if (span) {
    request.headers.emplace_back("traceparent", span->ToString());
    if (auto ts = event.extensions.find("tracestate"); ts != event.extensions.end()) {
      request.headers.emplace_back("tracestate", ts->second);
    }
  }
  AddMetadata(metadata, &request);
  return request;
}

DeliveryRequest BuildBatchRequest(const std::vector<const CloudEvent*>& events, const DeliveryMetadata& metadata) {
  std::vector<CloudEvent> copies;
  copies.reserve(events.size());
  for (const CloudEvent* event : events) {
    copies.push_back(*event);
    CloudEvent& copy = copies.back();
    if (auto tp = copy.extensions.find("traceparent"); tp != copy.extensions.end()) {
      if (auto parent = ParseTraceParent(tp->second)) tp->second = ChildOf(*parent).ToString();
    }
  }
  DeliveryRequest request;
  request.content_type = "application/cloudevents-batch+json";
  request.body = SerializeEventBatch(copies);
  AddMetadata(metadata, &request);
  return request;
}

AppClient::AppClient(const std::string& host, int port, const std::string& bearer_token)
    : client_(std::make_unique<LeanHttpClient>(host, port)) {
  if (!bearer_token.empty()) client_->set_bearer_token_auth(bearer_token);
  client_->set_tcp_nodelay(true);
  client_->set_keep_alive(true);
  client_->set_connection_timeout(std::chrono::seconds(2));
}

AppClient::~AppClient() = default;

DeliveryResult AppClient::Post(const std::string& route, const DeliveryRequest& request,
                               std::chrono::milliseconds timeout) {
  LeanHttpClient& client = *client_;
  httplib::Headers headers(request.headers.begin(), request.headers.end());
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  auto res = client.Post(route, headers, request.body, request.content_type);
  if (!res && (res.error() == httplib::Error::Read || res.error() == httplib::Error::Write)) {
    // A kept-alive connection the app closed while it sat idle fails on reuse before the app saw
    // the request: that is not a delivery attempt. Try once more on a fresh connection.
    client.stop();
    res = client.Post(route, headers, request.body, request.content_type);
  }
  if (!res) {
    DeliveryResult r;
    r.outcome = DeliveryOutcome::kRetry;
    r.error = httplib::to_string(res.error());
    return r;
  }
  return ResultOfResponse(res->status, res->body, res->get_header_value("Retry-After"));
}

DeliveryResult AppClient::Deliver(const std::string& route, const CloudEvent& event, std::chrono::milliseconds timeout,
                                  const DeliveryMetadata& metadata) {
  return Post(route, BuildDeliveryRequest(event, metadata), timeout);
}

DeliveryResult AppClient::DeliverBatch(const std::string& route, const std::vector<const CloudEvent*>& events,
                                       std::chrono::milliseconds timeout, const DeliveryMetadata& metadata) {
  return Post(route, BuildBatchRequest(events, metadata), timeout);
}

}  // namespace zroute
