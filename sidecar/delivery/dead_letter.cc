#include "sidecar/delivery/dead_letter.h"

#include "common/cloudevents/attribute_rules.h"

namespace zroute {
namespace {

// The error is often the app's response body: any bytes at all. An extension value is a
// CloudEvents String, and binary-mode receivers reject one that is not UTF-8, so keep at most
// max_bytes of whole, valid characters and replace invalid bytes with U+FFFD.
std::string Utf8Prefix(const std::string& in, size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  size_t i = 0;
  while (i < in.size()) {
    auto lead = static_cast<unsigned char>(in[i]);
    size_t len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    std::string_view seq = std::string_view(in).substr(i, len);
    bool valid = len > 0 && seq.size() == len && IsValidUtf8(seq);
    std::string_view piece = valid ? seq : kReplacement;
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += valid ? len : 1;
  }
  return out;
}

}  // namespace

CloudEvent MakeDeadLetter(const CloudEvent& original, int last_status, const std::string& error, int attempts,
                          const std::string& topic_key, const std::string& subscription_key) {
  CloudEvent e = original;
  e.extensions["deadletterstatus"] = std::to_string(last_status);
  e.extensions["deadlettererror"] = Utf8Prefix(error, 512);
  e.extensions["deadletterattempts"] = std::to_string(attempts);
  e.extensions["deadlettertopic"] = topic_key;
  e.extensions["deadlettersub"] = subscription_key;
  return e;
}

std::string DeadLetterTopicFor(const RoutingTable& table, const Subscription& sub) {
  const std::string& ns = sub.meta.namespace_;
  if (!sub.spec.dead_letter_topic.empty()) return ns + "/" + sub.spec.dead_letter_topic;
  if (const Topic* topic = table.FindTopic(ns + "/" + sub.spec.topic)) {
    if (!topic->spec.dead_letter_topic.empty()) return ns + "/" + topic->spec.dead_letter_topic;
  }
  return "";
}

}  // namespace zroute
