// KubeResourceSource: cluster mode's ResourceSource. List+watches zroute.io/v1alpha1 topics,
// subscriptions and scalingpolicies in all namespaces (one Reflector each) and hands the operator
// the whole ResourceSet after every change.
//
// - Objects are converted with TopicFromJson / SubscriptionFromJson / ScalingPolicyFromJson; an
//   invalid object is logged (once per distinct error) and left out of the set, as in standalone
//   mode; the raw caches (topics() etc.) still hold it, so its status can say why.
// - Bursts are coalesced: after the first change the source waits `coalesce` before rebuilding,
//   so a relist of N objects yields one on_change, not N.
// - Start() waits (up to `sync_timeout`) for all three initial lists and delivers the first set
//   before returning; kDeadlineExceeded if the lists did not complete in time.
//
// Threads: each Reflector has its own thread, which only marks the set dirty. One publisher
// thread (owned here) rebuilds and calls on_change, so on_change is never called concurrently.
// `mu_` guards dirty_ and stop_. `client` must outlive the source.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "operator/controller/resource_source.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/object_cache.h"
#include "operator/kube/reflector.h"

namespace zroute::cluster {

inline const kube::GroupVersionResource kTopicsGvr{"zroute.io", "v1alpha1", "topics"};
inline const kube::GroupVersionResource kSubscriptionsGvr{"zroute.io", "v1alpha1", "subscriptions"};
inline const kube::GroupVersionResource kScalingPoliciesGvr{"zroute.io", "v1alpha1", "scalingpolicies"};

struct KubeResourceSourceOptions {
  Duration coalesce = std::chrono::milliseconds(100);
  Duration sync_timeout = std::chrono::seconds(30);
  kube::ReflectorOptions reflector;
};

class KubeResourceSource final : public ResourceSource {
 public:
  explicit KubeResourceSource(kube::KubeClient& client, KubeResourceSourceOptions options = {});
  ~KubeResourceSource() override;

  Status Start(ChangeFn on_change) override;
  void Stop() override;

  // Builds the set from the caches now (also used for the initial delivery). Any thread.
  ResourceSet Snapshot();

  // The raw objects as listed/watched, invalid ones included (with their metadata and current
  // .status), for the status writer. Any thread; valid for the source's lifetime.
  const kube::ObjectCache& topics() const { return topics_.cache; }
  const kube::ObjectCache& subscriptions() const { return subscriptions_.cache; }
  const kube::ObjectCache& scaling_policies() const { return policies_.cache; }

 private:
  struct Watched {
    kube::ObjectCache cache;
    std::unique_ptr<kube::Reflector> reflector;
  };
  void MarkDirty();
  void PublishLoop();

  kube::KubeClient& client_;
  const KubeResourceSourceOptions options_;
  ChangeFn on_change_;
  Watched topics_, subscriptions_, policies_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  bool stop_ = false;
  std::mutex log_mu_;                     // guards logged_errors_
  std::set<std::string> logged_errors_;   // errors of the last build, so each is logged once
  std::thread publisher_;
};

}  // namespace zroute::cluster
