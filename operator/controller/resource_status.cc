#include "operator/controller/resource_status.h"

#include <cmath>
#include <ctime>

namespace zroute {
namespace {

using nlohmann::json;

// Field readers that never throw on a hostile or unexpected shape.
const json* Field(const json& object, const char* name) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(name);
  return it == object.end() ? nullptr : &*it;
}
std::string String(const json& object, const char* name) {
  const json* f = Field(object, name);
  return f && f->is_string() ? f->get<std::string>() : "";
}
int64_t Int(const json& object, const char* name) {
  const json* f = Field(object, name);
  if (!f || !f->is_number()) return 0;
  if (f->is_number_float()) return static_cast<int64_t>(f->get<double>());
  return f->get<int64_t>();
}
double Real(const json& object, const char* name) {
  const json* f = Field(object, name);
  return f && f->is_number() ? f->get<double>() : 0.0;
}
const json& Object(const json& object, const char* name) {
  static const json kEmpty = json::object();
  const json* f = Field(object, name);
  return f && f->is_object() ? *f : kEmpty;
}

// The condition of `type` in a status, or null.
const json* FindCondition(const json& status, const std::string& type) {
  const json* list = Field(status, "conditions");
  if (!list || !list->is_array()) return nullptr;
  for (const json& c : *list) {
    if (String(c, "type") == type) return &c;
  }
  return nullptr;
}

struct Condition {
  std::string type, status, reason, message;
};

json Conditions(const std::vector<Condition>& wanted, const json& current_status, int64_t generation, WallTime now) {
  json out = json::array();
  for (const Condition& c : wanted) {
    std::string since = FormatKubeTime(now);
    if (const json* old = FindCondition(current_status, c.type)) {
      std::string old_since = String(*old, "lastTransitionTime");
      if (String(*old, "status") == c.status && !old_since.empty()) since = old_since;
    }
    out.push_back(json{{"type", c.type},
                   {"status", c.status},
                   {"reason", c.reason},
                   {"message", c.message},
                   {"observedGeneration", generation},
                   {"lastTransitionTime", since}});
  }
  return out;
}

Condition ValidCondition(const Status& validation) {
  if (validation.ok()) return {condition::kValid, "True", condition::kReasonValid, "the spec is valid"};
  return {condition::kValid, "False", condition::kReasonInvalid, validation.message()};
}

std::string Plural(size_t n, const char* word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

json TopicStatus(const StatusInputs& in, const std::string& key, const json& current, int64_t generation) {
  const bool valid = in.validation.ok();
  const bool routed = valid && in.table && in.table->FindTopic(key);
  std::set<std::string> subscription_keys;
  if (routed) {
    for (const Subscription* s : in.table->SubscriptionsOf(key)) subscription_keys.insert(s->meta.Key());
  }
  std::set<std::string> publishers;
  if (in.members) {
    for (const Member& m : *in.members) {
      const json* subs = Field(m.load, "subscriptions");
      if (!subs || !subs->is_array()) continue;
      for (const json& s : *subs) {
        if (subscription_keys.count(String(s, "subscription"))) publishers.insert(m.info.app_id);
      }
    }
  }
  Condition ready{condition::kReady, "True", condition::kReasonRouted,
                  "in the routing table with " + Plural(subscription_keys.size(), "subscription")};
  if (!valid) {
    ready = {condition::kReady, "False", condition::kReasonInvalid, "the topic is invalid: " + in.validation.message()};
  } else if (!routed) {
    ready = {condition::kReady, "False", condition::kReasonPending, "not yet in the routing table"};
  }
  json status = {{"observedGeneration", generation},
                 {"subscriptions", static_cast<int64_t>(subscription_keys.size())},
                 {"publishers", json(std::vector<std::string>(publishers.begin(), publishers.end()))}};
  status["conditions"] = Conditions({ValidCondition(in.validation), ready}, current, generation, in.now);
  return status;
}

json SubscriptionStatus(const StatusInputs& in, const std::string& ns, const std::string& key, const json& current,
                        int64_t generation) {
  const bool valid = in.validation.ok();
  const json& spec = Object(*in.object, "spec");
  const std::string topic = String(spec, "topic");
  const std::string app = String(spec, "appId");

  Condition topic_found{condition::kTopicFound, "Unknown", condition::kReasonInvalid, "the spec names no topic"};
  bool has_topic = false;
  if (!topic.empty()) {
    has_topic = in.table && in.table->FindTopic(ns + "/" + topic);
    topic_found = has_topic ? Condition{condition::kTopicFound, "True", condition::kReasonTopicFound,
                                        "topic " + ns + "/" + topic + " exists"}
                            : Condition{condition::kTopicFound, "False", condition::kReasonTopicNotFound,
                                        "topic " + ns + "/" + topic + " does not exist or is invalid"};
  }

  size_t ready = 0, registered = 0;
  if (!app.empty() && in.table) {
    for (const Endpoint& e : in.table->EndpointsOf(ns, app)) ready += e.draining ? 0 : 1;
  }
  if (!app.empty() && in.members) {
    for (const Member& m : *in.members) {
      if (m.info.app_id == app && m.info.namespace_ == ns && !m.draining) ++registered;
    }
  }
  Condition endpoints{condition::kEndpointsReady, "True", condition::kReasonEndpointsReady,
                      Plural(ready, "ready replica") + " of app " + app};
  if (ready == 0) {
    std::string message = "no ready sidecar of app " + app + " in namespace " + ns;
    // Registered sidecars that the table leaves out: their pod is not Ready (cluster mode).
    if (registered > 0) message += "; " + Plural(registered, "registered sidecar") + " whose pod is not Ready";
    endpoints = {condition::kEndpointsReady, "False", condition::kReasonNoReadyEndpoints, message};
  }

  Condition overall{condition::kReady, "True", condition::kReasonReady, "events are delivered to " + Plural(ready, "replica")};
  if (!valid) {
    overall = {condition::kReady, "False", condition::kReasonInvalid, "the subscription is invalid: " + in.validation.message()};
  } else if (!has_topic) {
    overall = {condition::kReady, "False", topic_found.reason, topic_found.message};
  } else if (ready == 0) {
    overall = {condition::kReady, "False", endpoints.reason, endpoints.message};
  }

  double lag = 0;
  if (in.lag) {
    auto it = in.lag->find(key);
    if (it != in.lag->end()) lag = it->second;
  }
  json status = {{"observedGeneration", generation},
                 {"readyReplicas", static_cast<int64_t>(valid && has_topic ? ready : 0)},
                 {"lag", RoundForStatus(lag)}};
  status["conditions"] =
      Conditions({ValidCondition(in.validation), topic_found, endpoints, overall}, current, generation, in.now);
  return status;
}

json ScalingPolicyStatus(const StatusInputs& in, const json& current, int64_t generation) {
  const bool valid = in.validation.ok();
  const json* outcome = valid ? in.scaling_outcome : nullptr;
  const bool recommends = outcome && Field(*outcome, "recommendedReplicas");
  const std::string outcome_status = outcome ? String(*outcome, "status") : "";

  Condition able{condition::kAbleToScale, "Unknown", condition::kReasonNoRecommendation, "not evaluated yet"};
  if (!valid) {
    able = {condition::kAbleToScale, "False", condition::kReasonInvalid, "the policy is invalid"};
  } else if (outcome && outcome_status != "OK") {
    able = {condition::kAbleToScale, "False", condition::kReasonFailedGetScale, outcome_status};
  } else if (recommends) {
    able = {condition::kAbleToScale, "True", condition::kReasonRecommending,
            "recommending " + std::to_string(Int(*outcome, "recommendedReplicas")) + " replicas (" +
                String(*outcome, "reason") + ")"};
  }
  Condition ready{condition::kReady, "True", condition::kReasonReady, "the recommendation is current"};
  if (!valid) {
    ready = {condition::kReady, "False", condition::kReasonInvalid, "the policy is invalid: " + in.validation.message()};
  } else if (!recommends || able.status != "True") {
    ready = {condition::kReady, "False", able.reason, able.message};
  }

  json status = {{"observedGeneration", generation}};
  if (recommends) {
    const json& inputs = Object(*outcome, "inputs");
    status["recommendedReplicas"] = Int(*outcome, "recommendedReplicas");
    status["desiredReplicas"] = Int(*outcome, "desiredReplicas");
    status["reason"] = String(*outcome, "reason");
    status["inputs"] = {{"lag", RoundForStatus(Real(inputs, "lag") + Real(inputs, "inFlight"))},
                        {"eventsPerSecond", RoundForStatus(Real(inputs, "completionRate"))},
                        {"currentReplicas", Int(*outcome, "currentReplicas")},
                        {"readyReplicas", Int(inputs, "consumerReplicas")}};
  }
  // lastScaleTime: set when this outcome applied a change, else what the status already says.
  if (outcome && Field(*outcome, "applied") && (*outcome)["applied"] == true) {
    status["lastScaleTime"] = FormatKubeTime(in.now);
  } else if (std::string last = String(current, "lastScaleTime"); !last.empty()) {
    status["lastScaleTime"] = last;
  }
  status["conditions"] = Conditions({ValidCondition(in.validation), able, ready}, current, generation, in.now);
  return status;
}

}  // namespace

const char* KindName(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kTopic: return "Topic";
    case ResourceKind::kSubscription: return "Subscription";
    case ResourceKind::kScalingPolicy: return "ScalingPolicy";
  }
  return "";
}

const char* KindLabel(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kTopic: return "topic";
    case ResourceKind::kSubscription: return "subscription";
    case ResourceKind::kScalingPolicy: return "scalingpolicy";
  }
  return "";
}

json ComputeStatus(const StatusInputs& in) {
  const json& object = *in.object;
  const json& meta = Object(object, "metadata");
  const std::string ns = String(meta, "namespace");
  const std::string key = ns + "/" + String(meta, "name");
  const int64_t generation = Int(meta, "generation");
  const json& current = Object(object, "status");
  switch (in.kind) {
    case ResourceKind::kTopic: return TopicStatus(in, key, current, generation);
    case ResourceKind::kSubscription: return SubscriptionStatus(in, ns, key, current, generation);
    case ResourceKind::kScalingPolicy: return ScalingPolicyStatus(in, current, generation);
  }
  return json::object();
}

bool TableReflects(ResourceKind kind, const json& object, const Status& validation, const RoutingTable* table) {
  if (!validation.ok() || kind == ResourceKind::kScalingPolicy) return true;
  if (!table) return false;
  const json& meta = Object(object, "metadata");
  const std::string key = String(meta, "namespace") + "/" + String(meta, "name");
  const int64_t generation = Int(meta, "generation");
  if (kind == ResourceKind::kTopic) {
    const Topic* t = table->FindTopic(key);
    return t && t->meta.generation == generation;
  }
  const Subscription* s = table->FindSubscription(key);
  return s && s->meta.generation == generation;
}

std::map<std::string, double> SubscriptionLag(const std::vector<Member>& members) {
  std::map<std::string, double> lag;
  for (const Member& m : members) {
    const json* subs = Field(m.load, "subscriptions");
    if (!subs || !subs->is_array()) continue;
    for (const json& s : *subs) {
      std::string key = String(s, "subscription");
      if (key.empty()) continue;
      double value = Real(s, "lag");
      lag[key] += std::isfinite(value) && value > 0 ? value : 0.0;
    }
  }
  return lag;
}

int64_t RoundForStatus(double value) {
  if (!(value >= 1)) return 0;  // NaN, negatives and fractions below one
  if (value >= 9e18) value = 9e18;
  int64_t step = 1;
  while (true) {
    for (int64_t m : {1, 2, 5}) {
      double next = static_cast<double>(step) * (m == 5 ? 10 : m == 2 ? 5 : 2);
      if (value < next) return step * m;
    }
    step *= 10;
  }
}

json StatusMergePatch(const json& current, const json& desired) {
  json status = desired;
  if (current.is_object()) {
    for (auto it = current.begin(); it != current.end(); ++it) {
      if (!desired.contains(it.key())) status[it.key()] = nullptr;
    }
  }
  return {{"status", std::move(status)}};
}

std::vector<StatusEvent> TransitionEvents(const json& current, const json& desired) {
  std::vector<StatusEvent> events;
  auto status_of = [](const json& s, const char* type) {
    const json* c = FindCondition(s, type);
    return c ? String(*c, "status") : "";
  };
  auto message_of = [](const json& s, const char* type) {
    const json* c = FindCondition(s, type);
    return c ? String(*c, "message") : "";
  };
  auto became_false = [&](const char* type) {
    return status_of(desired, type) == "False" && status_of(current, type) != "False";
  };
  if (became_false(condition::kValid)) {
    events.push_back({true, condition::kReasonInvalid, message_of(desired, condition::kValid)});
  }
  if (became_false(condition::kTopicFound)) {
    events.push_back({true, condition::kReasonTopicNotFound, message_of(desired, condition::kTopicFound)});
  }
  const std::string was = status_of(current, condition::kReady), now = status_of(desired, condition::kReady);
  if (now == "True" && was != "True") {
    events.push_back({false, "Ready", message_of(desired, condition::kReady)});
  } else if (now == "False" && was == "True") {
    events.push_back({true, "NotReady", message_of(desired, condition::kReady)});
  }
  return events;
}

std::string FormatKubeTime(WallTime t) {
  std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::floor<std::chrono::seconds>(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace zroute
