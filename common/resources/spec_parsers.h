// JSON → resource_model.h structs, one function per object. Internal to common/resources:
// resource_parser.cc adds the document context and runs the Validate* rules afterwards.
//
// Each function starts from the defaults already in `*out` (the resource_model.h defaults, equal to
// the CRDs'), overwrites what the object sets, and rejects unknown fields and wrong types with the
// field path. Range and cross-field rules are not checked here but in resource_validation.cc, so
// that objects built in code pass the same checks.
#pragma once

#include <nlohmann/json.hpp>

#include "common/resources/json_fields.h"
#include "common/resources/resource_model.h"
#include "common/util/status.h"

namespace zroute::resources_internal {

// Filters nest (all / any / not); deeper trees than this are rejected rather than recursed into.
inline constexpr int kMaxFilterDepth = 8;

// Reads metadata leniently: the API server adds many fields (managedFields, ownerReferences, ...),
// so only the fields zroute uses are type-checked and the rest ignored. namespace defaults to
// "default".
Status ParseObjectMeta(const ObjectReader& root, ObjectMeta* out);

Status ParseTopicSpec(const ObjectReader& spec, TopicSpec* out);
Status ParseSubscriptionSpec(const ObjectReader& spec, SubscriptionSpec* out);
Status ParseScalingPolicySpec(const ObjectReader& spec, ScalingPolicySpec* out);

// `depth` is 1 for a filter directly under spec.filters.
Status ParseFilter(const nlohmann::json& value, const std::string& path, int depth, Filter* out);

}  // namespace zroute::resources_internal
