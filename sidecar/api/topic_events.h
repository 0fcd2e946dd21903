// TopicEvents: the read side of GET /v1/admin/topics/{ns}/{name}/events, which lets an operator
// (zroutectl tail / tail-dlq) look at what a topic's log in this sidecar's outbox holds — most
// often a dead-letter topic.
//
//   ?limit=N   events to return, 1..kMaxTopicEventsLimit (default 20)
//   ?from=N    first offset to return; default: the last `limit` retained events
// Answers {"topic", "begin", "end", "next", "events": [{"offset", "time", "key", "event"}]} where
// `event` is the CloudEvent in the JSON event format and `next` is the offset to ask for next
// (follow by polling with from=next). The answer is bounded by `limit` and kMaxTopicEventsBytes.
// Errors: InvalidArgument for a malformed, negative or oversize parameter; a record that does not
// decode is returned with an "error" field instead of "event" (the log is not altered).
// Pure function over a thread-safe Outbox; thread-safe.
#pragma once

#include <cstddef>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "sidecar/outbox/outbox.h"

namespace zroute {

inline constexpr size_t kMaxTopicEventsLimit = 1000;
inline constexpr size_t kMaxTopicEventsBytes = 4u << 20;

StatusOr<nlohmann::json> ReadTopicEvents(const Outbox& outbox, const std::string& topic_key,
                                         const std::map<std::string, std::string>& params);

}  // namespace zroute
