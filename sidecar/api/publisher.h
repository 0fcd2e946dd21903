// Publisher: the publish path. Turns an app's HTTP request into durable outbox records.
//
// A request is checked against the current routing table (topic known, this app allowed to
// publish to it), decoded into CloudEvents (binary, structured, batched or plain), encoded in the
// binary event format and appended to the topic's outbox log. Success means durable: the caller
// answers 202 only then. Nothing is stored when any event of a request is invalid.
// Thread-safety: called concurrently from HTTP threads; holds no lock of its own.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/cloudevents/cloud_event.h"
#include "common/cloudevents/http_binding.h"
#include "common/util/clock.h"
#include "common/util/status.h"
#include "sidecar/outbox/outbox.h"
#include "sidecar/routing/table_holder.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class Publisher {
 public:
  // on_quota_reached() is called after the outbox refused an append for its quota (it wakes the
  // retention keeper; may be empty). The dispatcher is woken by the outbox itself
  // (Outbox::set_on_readable), as soon as the records are written.
  Publisher(const SidecarConfig& config, TableHolder& table, Outbox& outbox, Clock& clock,
            SidecarMetrics& metrics, std::function<void()> on_quota_reached = {});

  // Publishes what an app sent to POST /v1/publish/{topic}. Returns the event ids.
  StatusOr<std::vector<std::string>> PublishHttp(const std::string& topic, const HttpHeaders& headers,
                                                 const std::string& body);

  // Staging (the event-loop API, whose requests all come from one thread): PublishHttp only
  // stages a request's events (Outbox::Stage), and CommitStaged, called once per round before any
  // of its answers leaves, writes and syncs them all. Off by default:
  // PublishHttp appends and is durable when it returns. Set before the first publish.
  void set_staging(bool on) { staging_ = on; }
  // Makes every staged publish durable. An error means none of them may be acknowledged.
  Status CommitStaged();

  // Publishes events built inside the sidecar (dead letters). `topic_key` is "ns/name".
  // Permission checks are skipped: the sidecar itself is the publisher.
  Status PublishInternal(const std::string& topic_key, std::vector<CloudEvent> events);

 private:
  Status Store(const std::string& topic_key, const Topic& topic, std::vector<CloudEvent>& events, bool stage);
  static void StartHop(const HttpHeaders& headers, std::vector<CloudEvent>* events);

  const SidecarConfig& config_;
  TableHolder& table_;
  Outbox& outbox_;
  Clock& clock_;
  SidecarMetrics& metrics_;
  std::function<void()> on_quota_reached_;
  bool staging_ = false;
  std::vector<MonoTime> staged_starts_;  // when each request staged since the last CommitStaged began (staging thread)
};

// True for a topic name that can be a Kubernetes object name (DNS-1123 subdomain, ≤ 253).
bool IsValidTopicName(const std::string& name);

}  // namespace zroute
