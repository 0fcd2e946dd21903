#include "sidecar/api/topic_events.h"

#include <algorithm>
#include <optional>

#include "common/cloudevents/binary_format.h"
#include "common/cloudevents/json_format.h"
#include "common/util/ids.h"

namespace zroute {
namespace {

// A decimal non-negative integer of at most 19 digits (fits uint64_t), or nullopt.
std::optional<uint64_t> ParseCount(const std::string& text) {
  if (text.empty() || text.size() > 19 || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  return std::stoull(text);
}

}  // namespace

StatusOr<nlohmann::json> ReadTopicEvents(const Outbox& outbox, const std::string& topic_key,
                                         const std::map<std::string, std::string>& params) {
  for (const auto& [name, value] : params) {
    if (name != "limit" && name != "from") return Status::InvalidArgument("unknown parameter '" + name + "'");
  }
  size_t limit = 20;
  if (auto it = params.find("limit"); it != params.end()) {
    auto n = ParseCount(it->second);
    if (!n || *n < 1 || *n > kMaxTopicEventsLimit) {
      return Status::InvalidArgument("limit must be an integer from 1 to " + std::to_string(kMaxTopicEventsLimit));
    }
    limit = static_cast<size_t>(*n);
  }
  const uint64_t begin = outbox.BeginOffset(topic_key);
  const uint64_t end = outbox.EndOffset(topic_key);
  uint64_t from = end > begin + limit ? end - limit : begin;
  if (auto it = params.find("from"); it != params.end()) {
    auto n = ParseCount(it->second);
    if (!n) return Status::InvalidArgument("from must be a non-negative integer offset");
    from = std::max(*n, begin);
  }
  nlohmann::json events = nlohmann::json::array();
  uint64_t next = std::max(from, begin);
  if (from < end) {
    ZR_ASSIGN_OR_RETURN(auto records, outbox.Read(topic_key, from, limit, kMaxTopicEventsBytes));
    for (const StoredRecord& r : records) {
      nlohmann::json e{{"offset", r.offset}, {"time", FormatRfc3339(r.record.publish_time)}, {"key", r.record.key}};
      StatusOr<CloudEvent> decoded = DecodeEventBinary(r.record.payload);
      if (decoded.ok()) {
        e["event"] = CloudEventToJson(*decoded);
      } else {
        e["error"] = decoded.status().message();
      }
      events.push_back(std::move(e));
      next = r.offset + 1;
    }
  }
  next = std::min(std::max(next, from), std::max(end, from));
  return nlohmann::json{{"topic", topic_key}, {"begin", begin}, {"end", end}, {"next", next}, {"events", events}};
}

}  // namespace zroute
