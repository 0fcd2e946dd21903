// Evaluates Subscription filters against a CloudEvent. Attribute names address core attributes
// and extensions alike; an absent attribute matches nothing (and so `not` of it matches).
#pragma once

#include <vector>

#include "common/cloudevents/cloud_event.h"
#include "common/resources/resource_model.h"

namespace zroute {

bool FilterMatches(const Filter& filter, const CloudEvent& event);
// True when every filter matches (an empty list matches every event).
bool FiltersMatch(const std::vector<Filter>& filters, const CloudEvent& event);

}  // namespace zroute
