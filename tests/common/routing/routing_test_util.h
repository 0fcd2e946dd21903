// Builders for the routing tests: typed resources made through the real parser (so they carry the
// CRD defaults and pass validation), and endpoints.
#pragma once

#include <string>
#include <vector>

#include "common/resources/resource_model.h"
#include "common/routing/routing_table.h"

namespace zroute::testing {

Topic MakeTopic(const std::string& ns, const std::string& name);
Subscription MakeSubscription(const std::string& ns, const std::string& name, const std::string& topic,
                              const std::string& app_id);
Endpoint MakeEndpoint(const std::string& ns, const std::string& app_id, const std::string& sidecar_id);

}  // namespace zroute::testing
