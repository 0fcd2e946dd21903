// ReadyPodsWatcher: cluster mode's view of which sidecar pods may receive traffic. Watches pods in
// all namespaces (optionally narrowed by a label selector) and reports, by "namespace/name", the
// pods that carry the zroute sidecar and whose Ready condition is True, each with its identity
// (IPs and app-id) so that the control server can bind registrations to them.
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
#include <string>
#include <thread>

#include "operator/controller/pod_binding.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/object_cache.h"
#include "operator/kube/reflector.h"

namespace zroute::cluster {

inline const kube::GroupVersionResource kPodsGvr{"", "v1", "pods"};

// True when `pod` has the zroute sidecar and its Ready condition is "True".
bool IsReadySidecarPod(const kube::Json& pod);

// What `pod` says about itself, for binding a registration to it:
// - ips: status.podIPs[].ip, else status.podIP; entries that are not IP addresses are skipped.
// - app_id: the annotation zroute.io/app-id the injector was given (a non-string value reads as
//   "", which no registration matches); without it, the value of --app-id in the args of the
//   zroute-sidecar container (a sidecar added by hand); nullopt when neither exists.
// Any shape is accepted: missing or malformed fields give no IPs / no app-id, never an error.
PodIdentity PodIdentityOf(const kube::Json& pod);

struct ReadyPodsWatcherOptions {
  std::string label_selector;
  Duration coalesce = std::chrono::milliseconds(100);
  Duration sync_timeout = std::chrono::seconds(30);
  kube::ReflectorOptions reflector;
};

class ReadyPodsWatcher {
 public:
  using ChangeFn = std::function<void(ReadyPods ready_pods)>;
  ReadyPodsWatcher(kube::KubeClient& client, ReadyPodsWatcherOptions options = {});
  ~ReadyPodsWatcher();

  // Delivers the initial set before returning (kDeadlineExceeded if the list did not complete).
  Status Start(ChangeFn on_change);
  void Stop();
  ReadyPods Snapshot() const;

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
