// Operator: one zroute-operator process, wired together (main.cc only parses flags).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <optional>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "common/util/clock.h"
#include "operator/cluster/kube_resource_source.h"
#include "operator/cluster/kube_event_recorder.h"
#include "operator/cluster/kube_scale_target.h"
#include "operator/cluster/leader_pod_label.h"
#include "operator/cluster/ready_pods_watcher.h"
#include "operator/cluster/status_writer.h"
#include "operator/controller/logging_event_recorder.h"
#include "operator/cluster/webhook_host.h"
#include "operator/controller/resource_source.h"
#include "operator/controlplane/control_server.h"
#include "operator/kube/kube_client.h"
#include "operator/kube/kube_config.h"
#include "operator/kube/leader_elector.h"
#include "operator/operator_http.h"
#include "operator/operator_metrics.h"
#include "operator/scaling/logging_event_recorder.h"
#include "operator/scaling/scaling_event_forwarder.h"
#include "operator/scaling/scaling_service.h"

namespace zroute {

// Mode: standalone when manifests_dir is set, else cluster mode with `kube` (required then).
struct OperatorConfig {
  std::string manifests_dir;
  std::chrono::milliseconds manifests_poll{1000};
  std::string control_bind = "tcp://127.0.0.1:7400";
  std::string http_host = "127.0.0.1";
  int http_port = 8080;
  std::chrono::milliseconds heartbeat_timeout{5000};
  std::chrono::milliseconds scaling_interval{2000};
  std::string port_file;
  // The operator's CURVE keypair file, created when absent (docs/security.md). Empty: the
  // control channel is plain TCP. Its public key is written to the port file as "publicKey".
  std::string curve_key_file;

  // Cluster mode.
  std::optional<kube::KubeConfig> kube;  // in-cluster or from --kubeconfig (main fills it)
  std::string pod_label_selector;        // narrows the ready-pods watch (empty: all pods)
  // A registration is listed only when it comes from an IP of the pod it names (off for CNIs that
  // masquerade pod-to-Service traffic; the pod and app-id checks stay on).
  bool control_check_source_ip = true;
  bool leader_elect = false;
  std::string lease_name = "zroute-operator";
  std::string lease_namespace;  // empty: kube->ns (the operator's namespace)
  std::string identity;         // unique per replica (the pod name); empty: hostname + pid
  // This replica's Pod (in kube->ns): labelled zroute.io/control-plane=leader while it runs the
  // control plane (cluster/leader_pod_label.h). Empty (outside a cluster): no labelling.
  std::string pod_name;
  std::chrono::milliseconds lease_duration{15000};
  std::chrono::milliseconds renew_deadline{10000};
  std::chrono::milliseconds retry_period{2000};
  std::chrono::milliseconds sync_timeout{30000};  // initial lists of the watched resources
  // Called (from an internal thread) when leadership was held and then lost: leader work has been
  // stopped and cannot resume in this process; main() exits so the pod restarts as a candidate.
  std::function<void()> on_leadership_lost;

  // Cluster mode, admission webhook (every replica serves it; see cluster/webhook_host.h).
  int webhook_port = -1;         // < 0: no webhook; 0: any free port (tests)
  std::string webhook_host = "0.0.0.0";
  std::string control_endpoint;  // the address injected sidecars are given ("": the injector's default)
  std::string webhook_config_name, webhook_service, webhook_secret;
  std::string webhook_cert_mode = "operator";  // or "external" (cert-manager writes the Secret)
  std::string sidecar_image, sidecar_image_pull_policy = "IfNotPresent";
  // The cluster's Kubernetes minor version: from 29 on, sidecars are injected as native sidecars.
  int kubernetes_minor = webhook::kNativeSidecarMinMinor;
  std::chrono::milliseconds webhook_cert_check{3600 * 1000};  // leader: CertificateManager::EnsureFresh
  std::chrono::milliseconds webhook_cert_reload{10000};       // every replica: re-read the Secret
  webhook::CertificateManagerOptions webhook_certificates;    // validity and renewal windows

  // Cluster mode: the Secret (in the operator's namespace) holding the CURVE keypair, created when
  // absent; used when curve_key_file is empty.
  std::string curve_secret;
};

class Operator {
 public:
  Operator(OperatorConfig config, Clock& clock);
  ~Operator();

  // Standalone, or cluster without leader election: returns once the resources are loaded and the
  // control plane listens. With leader election: returns once the HTTP server runs; leader work
  // starts on an internal thread when the Lease is won.
  Status Start();
  // Stops leader work first, then releases the Lease (if held), so two leaders never overlap.
  void Stop();

  // "" until the control plane listens (with leader election: until this replica leads).
  std::string control_endpoint() const;
  int http_port() const { return http_port_; }
  // The webhook's bound port once it serves (it needs a certificate first), else 0.
  int webhook_port() const { return webhook_ ? webhook_->port() : 0; }
  // True while this replica runs the resource source and the control plane.
  bool leading() const { return leader_work_.load(); }
  // /readyz. False after Stop() or once leadership was lost (the process is about to exit).
  // Otherwise: the HTTP server serves, and (with a webhook port) the webhook serves with a
  // certificate; and where this replica runs the control plane (standalone, cluster without
  // leader election, or the elected leader) its control plane has loaded the resources. So a
  // standby with leader election is ready: it serves the webhook, and the control-plane Service
  // reaches only the leader through its Pod label.
  bool ready() const;

 private:
  Status StartCommon();
  Status StartWebhook();
  Status StartLeaderWork();
  void StopLeaderWork();
  void LeaderLoop();
  void WritePortFile();
  // This replica's name in the Lease and in Events: config_.identity, or hostname + pid.
  std::string Identity() const;
  void OnResources(const ResourceSet& resources);
  cluster::StatusWriterInputs StatusWriterSources(cluster::KubeResourceSource& source);
  void PeriodicLoop();
  void UpdateLagMetrics();

  OperatorConfig config_;
  Clock& clock_;
  OperatorMetrics metrics_;
  scaling::LoggingEventRecorder scaling_events_;  // standalone
  std::unique_ptr<kube::KubeClient> kube_;  // cluster mode
  // Cluster mode: Kubernetes Events, and /scale for ScalingPolicies in mode apply. Created with the
  // client, before the scaling service that uses them.
  std::unique_ptr<cluster::KubeEventRecorder> kube_events_;
  std::unique_ptr<scaling::ScalingEventForwarder> scaling_kube_events_;
  std::unique_ptr<cluster::KubeScaleTarget> scale_target_;
  // Standalone: no scale target, hints only. Created in Start() before the control server and
  // the source, so that every load report and policy set finds it.
  std::unique_ptr<scaling::ScalingService> scaling_;
  std::unique_ptr<ControlServer> control_;
  std::unique_ptr<ResourceSource> source_;
  std::unique_ptr<OperatorHttp> http_;
  std::unique_ptr<cluster::ReadyPodsWatcher> pods_;
  LoggingEventRecorder events_;  // resource Events when no Kubernetes recorder exists
  std::unique_ptr<cluster::StatusWriter> status_;  // cluster mode, leader only
  std::unique_ptr<kube::LeaderElector> elector_;
  std::unique_ptr<cluster::WebhookHost> webhook_;  // cluster mode with a webhook port
  std::unique_ptr<cluster::LeaderPodLabel> pod_label_;  // cluster mode
  std::atomic<bool> http_serving_{false};
  std::thread leader_thread_;   // with leader election: starts/stops leader work
  std::atomic<bool> leader_work_{false};
  std::string control_endpoint_;  // guarded by mu_
  std::string curve_public_key_;  // set by StartCommon
  int http_port_ = 0;
  std::thread periodic_;
  mutable std::mutex mu_;  // guards stop_, stopping_, elected_, lost_, control_endpoint_
  std::condition_variable cv_;
  bool stop_ = false;
  bool stopping_ = false;  // Stop() ran
  bool elected_ = false;  // the elector says we lead
  bool lost_ = false;     // we led and the elector says we no longer do
  std::set<std::string> lag_series_;  // periodic thread only
};

}  // namespace zroute
