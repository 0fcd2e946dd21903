// ReadyPodsWatcher: cluster mode's view of which sidecar pods may receive traffic. Watches pods in
// all namespaces (optionally narrowed by a label selector) and reports the set of "namespace/name"
// of pods that carry the zroute sidecar and whose Ready condition is True.
//
// "Carries the sidecar": a container or init container named `zroute-sidecar`, or the annotation
// zroute.io/injected=true that the injector sets. Annotations cannot be selected server-side, so
// the filter is applied here; `label_selector` (empty by default: every pod) lets an installation
// cut the watch down to labelled workloads.
//
// Threads: the Reflector thread owns the cache; a publisher thread (owned here) coalesces changes
// and calls on_change (never concurrently). `mu_` guards dirty_, stop_. `client` must outlive it.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "operator/kube/kube_client.h"
#include "operator/kube/object_cache.h"
#include "operator/kube/reflector.h"

namespace zroute::cluster {

inline const kube::GroupVersionResource kPodsGvr{"", "v1", "pods"};

// True when `pod` has the zroute sidecar and its Ready condition is "True".
bool IsReadySidecarPod(const kube::Json& pod);

struct ReadyPodsWatcherOptions {
  std::string label_selector;
  Duration coalesce = std::chrono::milliseconds(100);
  Duration sync_timeout = std::chrono::seconds(30);
  kube::ReflectorOptions reflector;
};

class ReadyPodsWatcher {
 public:
  using ChangeFn = std::function<void(std::set<std::string> ready_pods)>;
  ReadyPodsWatcher(kube::KubeClient& client, ReadyPodsWatcherOptions options = {});
  ~ReadyPodsWatcher();

  // Delivers the initial set before returning (kDeadlineExceeded if the list did not complete).
  Status Start(ChangeFn on_change);
  void Stop();
  std::set<std::string> Snapshot() const;

 private:
  void MarkDirty();
  void PublishLoop();

  kube::KubeClient& client_;
  const ReadyPodsWatcherOptions options_;
  ChangeFn on_change_;
  kube::ObjectCache cache_;
  std::unique_ptr<kube::Reflector> reflector_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool dirty_ = false;
  bool stop_ = false;
  std::thread publisher_;
};

}  // namespace zroute::cluster
