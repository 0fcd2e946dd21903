#include "sidecar/api/publisher.h"

#include <algorithm>

#include "common/cloudevents/binary_format.h"
#include "common/cloudevents/trace_context.h"
#include "common/util/ids.h"

namespace zroute {

bool IsValidTopicName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.';
    if (!ok) return false;
  }
  return std::isalnum(static_cast<unsigned char>(name.front())) && std::isalnum(static_cast<unsigned char>(name.back()));
}

Publisher::Publisher(const SidecarConfig& config, TableHolder& table, Outbox& outbox, Clock& clock,
                     SidecarMetrics& metrics,
                     std::function<void()> on_quota_reached)
    : config_(config), table_(table), outbox_(outbox), clock_(clock), metrics_(metrics),
      on_quota_reached_(std::move(on_quota_reached)) {}

namespace {
bool IsPrintableAscii(const std::string& s) {
  if (s.size() > 512) return false;
  for (char c : s) {
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}
}  // namespace

// Tracing: this sidecar is a hop. An event's own traceparent wins over the request's header; either
// way the stored event carries a child span, so the consumer side continues the same trace.
void Publisher::StartHop(const HttpHeaders& headers, std::vector<CloudEvent>* events) {
  auto header = headers.find("traceparent");
  auto state = headers.find("tracestate");
  for (auto& e : *events) {
    auto own = e.extensions.find("traceparent");
    std::optional<TraceParent> parent;
    if (own != e.extensions.end()) {
      parent = ParseTraceParent(own->second);
    } else if (header != headers.end()) {
      parent = ParseTraceParent(header->second);
      if (parent && state != headers.end() && !e.extensions.count("tracestate") && IsPrintableAscii(state->second)) {
        e.extensions["tracestate"] = state->second;
      }
    }
    if (parent) e.extensions["traceparent"] = ChildOf(*parent).ToString();
  }
}

StatusOr<std::vector<std::string>> Publisher::PublishHttp(const std::string& topic_name, const HttpHeaders& headers,
                                                          const std::string& body) {
  auto reject = [this](const char* reason, Status s) {
    metrics_.publish_rejected.With({reason}).Increment();
    return s;
  };
  if (!IsValidTopicName(topic_name)) {
    return reject("bad_topic", Status::InvalidArgument("topic name '" + topic_name.substr(0, 64) +
                                                       "' is not a valid resource name"));
  }
  RoutingTablePtr table = table_.Get();
  if (!table) return reject("not_ready", Status::Unavailable("routing table not loaded yet"));
  std::string topic_key = config_.namespace_ + "/" + topic_name;
  const Topic* topic = table->FindTopic(topic_key);
  if (!topic) return reject("unknown_topic", Status::NotFound("unknown topic '" + topic_name + "'"));
  const auto& allowed = topic->spec.allowed_publishers;
  if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), config_.app_id) == allowed.end()) {
    return reject("forbidden", Status::PermissionDenied("app '" + config_.app_id + "' may not publish to topic '" +
                                                        topic_name + "'"));
  }

  DecodeLimits limits;
  limits.max_event_bytes = static_cast<size_t>(std::max<int64_t>(1, topic->spec.max_event_bytes));
  WrapDefaults wrap;
  wrap.source = "zroute://" + config_.namespace_ + "/" + config_.app_id;
  wrap.type = "zroute.published";
  wrap.new_id = [] { return NewUuid(); };
  wrap.now_rfc3339 = [this] { return FormatRfc3339(clock_.WallNow()); };
  auto events = DecodeHttpRequest(headers, body, limits, wrap);
  if (!events.ok()) {
    return reject(events.status().code() == StatusCode::kTooLarge ? "too_large" : "malformed", events.status());
  }
  if (events->empty()) return reject("malformed", Status::InvalidArgument("batch holds no events"));
  StartHop(headers, &*events);
  ZR_RETURN_IF_ERROR(Store(topic_key, *topic, *events, staging_));
  std::vector<std::string> ids;
  ids.reserve(events->size());
  for (auto& e : *events) ids.push_back(std::move(e.id));
  return ids;
}

Status Publisher::PublishInternal(const std::string& topic_key, std::vector<CloudEvent> events) {
  RoutingTablePtr table = table_.Get();
  if (!table) return Status::Unavailable("routing table not loaded yet");
  const Topic* topic = table->FindTopic(topic_key);
  if (!topic) return Status::NotFound("unknown topic '" + topic_key + "'");
  return Store(topic_key, *topic, events, /*stage=*/false);
}

Status Publisher::Store(const std::string& topic_key, const Topic& topic, std::vector<CloudEvent>& events,
                        bool stage) {
  MonoTime start = clock_.Now();
  WallTime now = clock_.WallNow();
  std::vector<OutboxRecord> records;
  records.reserve(events.size());
  for (const auto& e : events) {
    OutboxRecord r;
    r.publish_time = now;
    if (auto key = e.Attribute(topic.spec.partition_key_attribute)) r.key = *key;
    AppendEventBinary(e, &r.payload);
    records.push_back(std::move(r));
  }
  auto offsets = stage ? outbox_.Stage(topic_key, std::move(records)) : outbox_.Append(topic_key, std::move(records));
  if (!offsets.ok()) {
    const bool quota = offsets.status().code() == StatusCode::kResourceExhausted;
    metrics_.publish_rejected.With({quota ? "quota" : "storage"}).Increment();
    if (quota && on_quota_reached_) on_quota_reached_();
    return offsets.status();
  }
  metrics_.published.With({topic_key}).Increment(static_cast<double>(events.size()));
  if (stage) {
    // Durable, and observed, at the round's CommitStaged.
    staged_starts_.push_back(start);
    return Status::OK();
  }
  metrics_.publish_latency.With({}, LatencyBuckets())
      .Observe(std::chrono::duration<double>(clock_.Now() - start).count());
  return Status::OK();
}

Status Publisher::CommitStaged() {
  if (staged_starts_.empty()) return Status::OK();
  std::vector<MonoTime> starts;
  starts.swap(staged_starts_);
  ZR_RETURN_IF_ERROR(outbox_.CommitStaged());
  const MonoTime now = clock_.Now();
  auto& latency = metrics_.publish_latency.With({}, LatencyBuckets());
  for (MonoTime start : starts) latency.Observe(std::chrono::duration<double>(now - start).count());
  return Status::OK();
}

}  // namespace zroute
