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
void AddMetadata(const DeliveryMetadata& metadata, httplib::Headers* headers) {
  if (!metadata.topic.empty()) headers->emplace("zroute-topic", metadata.topic);
  if (!metadata.subscription.empty()) headers->emplace("zroute-subscription", metadata.subscription);
  headers->emplace("zroute-delivery-attempt", std::to_string(metadata.attempt));
}

DeliveryResult Post(LeanHttpClient& client, const std::string& route, const httplib::Headers& headers,
                    const std::string& body, const std::string& content_type, std::chrono::milliseconds timeout) {
  client.set_read_timeout(timeout);
  client.set_write_timeout(timeout);
  auto res = client.Post(route, headers, body, content_type);
  if (!res && (res.error() == httplib::Error::Read || res.error() == httplib::Error::Write)) {
    // A kept-alive connection the app closed while it sat idle fails on reuse before the app saw
    // the request: that is not a delivery attempt. Try once more on a fresh connection.
    client.stop();
    res = client.Post(route, headers, body, content_type);
  }
  DeliveryResult r;
  if (!res) {
    r.outcome = DeliveryOutcome::kRetry;
    r.error = httplib::to_string(res.error());
    return r;
  }
  r.status = res->status;
  r.outcome = ClassifyStatus(res->status);
  if (r.outcome != DeliveryOutcome::kDelivered) {
    r.error = res->body.substr(0, 256);
    if (res->status == 429 || res->status == 503) r.retry_after = ParseRetryAfter(res->get_header_value("Retry-After"));
  }
  return r;
}

}  // namespace

AppClient::AppClient(const std::string& host, int port, const std::string& bearer_token)
    : client_(std::make_unique<LeanHttpClient>(host, port)) {
  if (!bearer_token.empty()) client_->set_bearer_token_auth(bearer_token);
  client_->set_tcp_nodelay(true);
  client_->set_keep_alive(true);
  client_->set_connection_timeout(std::chrono::seconds(2));
}

AppClient::~AppClient() = default;

DeliveryResult AppClient::Deliver(const std::string& route, const CloudEvent& event, std::chrono::milliseconds timeout,
                                  const DeliveryMetadata& metadata) {
  HttpHeaders ce_headers;
  std::string body;
  // Tracing: the delivery is a hop of its own, a child of the span the publisher stored.
  std::optional<TraceParent> span;
  if (auto tp = event.extensions.find("traceparent"); tp != event.extensions.end()) {
    if (auto parent = ParseTraceParent(tp->second)) span = ChildOf(*parent);
  }
  if (span) {
    CloudEvent copy = event;
    copy.extensions["traceparent"] = span->ToString();
    EncodeBinaryMode(copy, &ce_headers, &body);
  } else {
    EncodeBinaryMode(event, &ce_headers, &body);
  }
  httplib::Headers headers;
  std::string content_type = "application/octet-stream";
  for (auto& [name, value] : ce_headers) {
    if (name == "content-type") {
      content_type = value;
    } else {
      headers.emplace(name, value);
    }
  }
  if (span) {
    headers.emplace("traceparent", span->ToString());
    if (auto ts = event.extensions.find("tracestate"); ts != event.extensions.end()) headers.emplace("tracestate", ts->second);
  }
  AddMetadata(metadata, &headers);
  return Post(*client_, route, headers, body, content_type, timeout);
}

DeliveryResult AppClient::DeliverBatch(const std::string& route, const std::vector<const CloudEvent*>& events,
                                       std::chrono::milliseconds timeout, const DeliveryMetadata& metadata) {
  std::vector<CloudEvent> copies;
  copies.reserve(events.size());
  for (const CloudEvent* event : events) {
    copies.push_back(*event);
    CloudEvent& copy = copies.back();
    if (auto tp = copy.extensions.find("traceparent"); tp != copy.extensions.end()) {
      if (auto parent = ParseTraceParent(tp->second)) tp->second = ChildOf(*parent).ToString();
    }
  }
  httplib::Headers headers;
  AddMetadata(metadata, &headers);
  return Post(*client_, route, headers, SerializeEventBatch(copies), "application/cloudevents-batch+json", timeout);
}


}  // namespace zroute
