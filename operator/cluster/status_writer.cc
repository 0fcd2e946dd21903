#include "operator/cluster/status_writer.h"

#include "common/resources/resource_parser.h"
#include "common/util/logging.h"
#include "common/util/thread_name.h"
#include "operator/cluster/kube_resource_source.h"
#include "operator/kube/object_cache.h"
#include "operator/scaling/scaling_controller.h"

namespace zroute::cluster {
namespace {

using nlohmann::json;

constexpr const char* kQueue = "status";
constexpr Duration kTableWait = std::chrono::milliseconds(100);
constexpr ResourceKind kKinds[] = {ResourceKind::kTopic, ResourceKind::kSubscription, ResourceKind::kScalingPolicy};

const kube::GroupVersionResource& GvrOf(ResourceKind kind) {
  switch (kind) {
    case ResourceKind::kTopic: return kTopicsGvr;
    case ResourceKind::kSubscription: return kSubscriptionsGvr;
    case ResourceKind::kScalingPolicy: return kScalingPoliciesGvr;
  }
  return kTopicsGvr;
}

// The same checks that decide whether the object is routed (or, for a policy, evaluated).
Status Validate(ResourceKind kind, const json& object) {
  switch (kind) {
    case ResourceKind::kTopic: return TopicFromJson(object).status();
    case ResourceKind::kSubscription: return SubscriptionFromJson(object).status();
    case ResourceKind::kScalingPolicy: {
      auto policy = ScalingPolicyFromJson(object);
      if (!policy.ok()) return policy.status();
      return scaling::CheckScalingPolicySpec(policy->spec);
    }
  }
  return Status::OK();
}

std::optional<ResourceKind> ParseKind(const std::string& name) {
  for (ResourceKind k : kKinds) {
    if (name == KindName(k)) return k;
  }
  return std::nullopt;
}

}  // namespace

StatusWriter::StatusWriter(kube::KubeClient& client, const Clock& clock, OperatorMetrics& metrics,
                           EventRecorder& events, StatusWriterInputs inputs, std::unique_ptr<kube::RateLimiter> limiter)
    : client_(client),
      clock_(clock),
      metrics_(metrics),
      events_(events),
      inputs_(std::move(inputs)),
      queue_(clock, std::move(limiter)) {
  metrics_.workqueue_depth.With({kQueue}).Set(0);
  metrics_.workqueue_adds.With({kQueue});
  metrics_.workqueue_retries.With({kQueue});
  for (ResourceKind k : kKinds) {
    metrics_.reconcile_total.With({KindLabel(k), "success"});
    metrics_.reconcile_total.With({KindLabel(k), "error"});
    metrics_.status_writes.With({KindLabel(k)});
  }
}

StatusWriter::~StatusWriter() { Stop(); }

std::string StatusWriter::QueueKey(ResourceKind kind, const std::string& object_key) {
  return std::string(KindName(kind)) + "/" + object_key;
}

void StatusWriter::Start() {
  if (worker_.joinable()) return;
  worker_ = std::thread([this] {
    SetCurrentThreadName("zr-status");
    Run();
  });
}

void StatusWriter::Stop() {
  stopping_ = true;
  queue_.ShutDown();
  if (worker_.joinable()) worker_.join();
}

void StatusWriter::EnqueueAll() {
  if (stopping_) return;
  epoch_.fetch_add(1);
  for (ResourceKind k : kKinds) {
    for (const std::string& key : inputs_.keys(k)) queue_.Add(QueueKey(k, key));
  }
  metrics_.workqueue_depth.With({kQueue}).Set(static_cast<double>(queue_.Len()));
}

void StatusWriter::Run() {
  while (auto key = queue_.Get()) {
    if (stopping_) {
      queue_.Done(*key);
      continue;  // drain without writing: leadership is over
    }
    switch (Process(*key)) {
      case Outcome::kDone: queue_.Forget(*key); break;
      case Outcome::kRetry: queue_.AddRateLimited(*key); break;
      case Outcome::kWaitForTable: queue_.AddAfter(*key, kTableWait); break;
    }
    queue_.Done(*key);
    ExportQueueMetrics();
  }
}

void StatusWriter::ExportQueueMetrics() {
  const kube::WorkQueueMetrics& m = queue_.metrics();
  int64_t adds = m.adds.load(), retries = m.retries.load();
  if (adds > exported_adds_) metrics_.workqueue_adds.With({kQueue}).Increment(static_cast<double>(adds - exported_adds_));
  if (retries > exported_retries_) {
    metrics_.workqueue_retries.With({kQueue}).Increment(static_cast<double>(retries - exported_retries_));
  }
  exported_adds_ = adds;
  exported_retries_ = retries;
  metrics_.workqueue_depth.With({kQueue}).Set(static_cast<double>(queue_.Len()));
}

void StatusWriter::RefreshWorld() {
  uint64_t epoch = epoch_.load();
  if (epoch == world_epoch_) return;
  world_epoch_ = epoch;
  world_.table = inputs_.table ? inputs_.table() : nullptr;
  world_.members = inputs_.members ? inputs_.members() : std::vector<Member>{};
  world_.lag = SubscriptionLag(world_.members);
  world_.outcomes.clear();
  json outcomes = inputs_.scaling ? inputs_.scaling() : json::array();
  if (outcomes.is_array()) {
    for (const json& o : outcomes) {
      if (o.is_object() && o.contains("policy") && o["policy"].is_string()) world_.outcomes[o["policy"].get<std::string>()] = o;
    }
  }
}

StatusWriter::Outcome StatusWriter::Process(const std::string& queue_key) {
  auto slash = queue_key.find('/');
  auto kind = ParseKind(queue_key.substr(0, slash));
  if (!kind || slash == std::string::npos) return Outcome::kDone;  // not ours: nothing to retry
  const std::string object_key = queue_key.substr(slash + 1);
  const char* label = KindLabel(*kind);
  const MonoTime started = clock_.Now();
  auto finish = [&](bool ok) {
    metrics_.reconcile_total.With({label, ok ? "success" : "error"}).Increment();
    metrics_.reconcile_duration.With({label}, LatencyBuckets())
        .Observe(std::chrono::duration<double>(clock_.Now() - started).count());
    return ok ? Outcome::kDone : Outcome::kRetry;
  };

  std::optional<json> object = inputs_.object(*kind, object_key);
  if (!object) {
    written_.erase(queue_key);
    return finish(true);  // deleted: nothing to report on
  }
  RefreshWorld();

  // While the cache has not seen our last write yet, that write is the current status.
  const std::string rv = kube::ResourceVersionOf(*object);
  auto w = written_.find(queue_key);
  if (w != written_.end()) {
    if (w->second.over_resource_version == rv) {
      (*object)["status"] = w->second.status;
    } else {
      written_.erase(w);
    }
  }
  const json current = object->contains("status") && (*object)["status"].is_object() ? (*object)["status"] : json::object();

  StatusInputs in;
  in.kind = *kind;
  in.object = &*object;
  in.validation = Validate(*kind, *object);
  if (!TableReflects(*kind, *object, in.validation, world_.table.get())) {
    epoch_.fetch_add(1);  // look at a newer table next time
    return Outcome::kWaitForTable;
  }
  in.table = world_.table.get();
  in.members = &world_.members;
  in.lag = &world_.lag;
  auto outcome = world_.outcomes.find(object_key);
  in.scaling_outcome = outcome == world_.outcomes.end() ? nullptr : &outcome->second;
  in.now = clock_.WallNow();
  json desired = ComputeStatus(in);
  if (desired == current) return finish(true);

  const size_t cut = object_key.find('/');
  kube::ResourceRef ref{GvrOf(*kind), cut == std::string::npos ? "" : object_key.substr(0, cut),
                        cut == std::string::npos ? object_key : object_key.substr(cut + 1)};
  auto patched = client_.Patch(ref, kube::PatchType::kMerge, StatusMergePatch(current, desired), "status");
  if (!patched.ok()) {
    if (patched.status().code() == StatusCode::kNotFound) {
      written_.erase(queue_key);
      return finish(true);  // deleted since the cache saw it
    }
    ZR_LOG(kWarn, "status", "status write failed; retrying",
           {{"object", queue_key}, {"error", patched.status().ToString()}});
    return finish(false);
  }
  metrics_.status_writes.With({label}).Increment();
  written_[queue_key] = Written{rv, desired};
  ZR_LOG(kDebug, "status", "status written", {{"object", queue_key}});

  std::string uid;
  if (auto m = object->find("metadata"); m != object->end() && m->is_object()) {
    if (auto u = m->find("uid"); u != m->end() && u->is_string()) uid = u->get<std::string>();
  }
  InvolvedObject involved{kApiVersion, KindName(*kind), ref.ns, ref.name, uid};
  for (const StatusEvent& e : TransitionEvents(current, desired)) {
    events_.Record(involved, e.warning ? EventType::kWarning : EventType::kNormal, e.reason, e.message);
  }
  return finish(true);
}

}  // namespace zroute::cluster
