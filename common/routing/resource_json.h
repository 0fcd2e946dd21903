// The JSON form of zroute resources as they travel inside the routing table: the same shape as
// the Kubernetes objects (apiVersion, kind, metadata, spec), so the one parser in
// common/resources/resource_parser.h reads both.
#pragma once

#include <nlohmann/json.hpp>

#include "common/resources/resource_model.h"

namespace zroute {

nlohmann::json TopicToJson(const Topic& topic);
nlohmann::json SubscriptionToJson(const Subscription& subscription);
nlohmann::json FilterToJson(const Filter& filter);
// Durations as Kubernetes-style strings ("250ms", "30s").
std::string FormatMillis(std::chrono::milliseconds d);

}  // namespace zroute
