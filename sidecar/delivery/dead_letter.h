// Dead letters: the event as it was, plus extensions that say why it could not be delivered.
//   deadletterstatus        last HTTP status from the app (0 = no response)
//   deadlettererror         the last error, truncated
//   deadletterattempts      attempts made
//   deadlettertopic         the topic it was published to ("ns/name")
//   deadlettersub           the subscription that gave up ("ns/name")
// Names are lower-case alphanumerics as CloudEvents requires, of at most 20 characters.
#pragma once

#include <string>

#include "common/cloudevents/cloud_event.h"
#include "common/routing/routing_table.h"

namespace zroute {

CloudEvent MakeDeadLetter(const CloudEvent& original, int last_status, const std::string& error, int attempts,
                          const std::string& topic_key, const std::string& subscription_key);

// The dead-letter topic key ("ns/name") for a subscription: its own, else its topic's default;
// empty when neither names one.
std::string DeadLetterTopicFor(const RoutingTable& table, const Subscription& sub);

}  // namespace zroute
