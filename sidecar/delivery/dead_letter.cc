#include "sidecar/delivery/dead_letter.h"

namespace zroute {

CloudEvent MakeDeadLetter(const CloudEvent& original, int last_status, const std::string& error, int attempts,
                          const std::string& topic_key, const std::string& subscription_key) {
  CloudEvent e = original;
  e.extensions["deadletterstatus"] = std::to_string(last_status);
  e.extensions["deadlettererror"] = error.substr(0, 512);
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
