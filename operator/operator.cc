#include "operator/operator.h"


#include <unistd.h>

#include "common/util/binary_main.h"
#include "common/util/logging.h"
#include "common/util/thread_name.h"
#include "operator/cluster/kube_resource_source.h"
#include "operator/kube/http_kube_client.h"
#include "operator/security/curve_secret.h"
#include "operator/standalone/manifest_folder_source.h"

namespace zroute {

Operator::Operator(OperatorConfig config, Clock& clock) : config_(std::move(config)), clock_(clock) {}

Operator::~Operator() { Stop(); }

Status Operator::Start() {
  const bool cluster = config_.manifests_dir.empty();
  if (cluster) {
    if (!config_.kube) return Status::InvalidArgument("cluster mode needs a Kubernetes configuration");
    auto client = kube::HttpKubeClient::Create(*config_.kube, clock_);
    if (!client.ok()) return client.status();
    kube_ = std::move(client).value();
    cluster::KubeEventRecorderOptions eo;
    eo.instance = Identity();
    eo.results = &metrics_.events;
    kube_events_ = std::make_unique<cluster::KubeEventRecorder>(*kube_, clock_, eo);
    scaling_kube_events_ = std::make_unique<scaling::ScalingEventForwarder>(*kube_events_);
    scale_target_ = std::make_unique<cluster::KubeScaleTarget>(*kube_);
    // Before candidacy: a label left on this pod by an earlier (crashed) leader is removed.
    pod_label_ = std::make_unique<cluster::LeaderPodLabel>(
        *kube_, cluster::LeaderPodLabelOptions{.ns = config_.kube->ns, .pod_name = config_.pod_name});
    pod_label_->Start();
  }
  ZR_RETURN_IF_ERROR(StartCommon());  // after the client: the CURVE keys may live in a Secret
  // After StartCommon: injected sidecars are given the operator's CURVE public key.
  if (cluster) ZR_RETURN_IF_ERROR(StartWebhook());

  OperatorHttp::Hooks hooks;
  hooks.ready = [this] { return ready(); };
  hooks.scaling = [this] { return scaling_->StatusJson(); };
  http_ = std::make_unique<OperatorHttp>(config_.http_host, config_.http_port, *control_, metrics_, std::move(hooks));
  auto port = http_->Start();
  if (!port.ok()) return port.status();
  http_port_ = *port;
  http_serving_ = true;

  if (cluster && config_.leader_elect) {
    kube::LeaderElectionConfig le;
    le.lease_namespace = config_.lease_namespace.empty() ? config_.kube->ns : config_.lease_namespace;
    le.lease_name = config_.lease_name;
    le.identity = Identity();
    le.lease_duration = config_.lease_duration;
    le.renew_deadline = config_.renew_deadline;
    le.retry_period = config_.retry_period;
    metrics_.leader.With({}).Set(0);
    elector_ = std::make_unique<kube::LeaderElector>(
        *kube_, clock_, le,
        kube::LeaderCallbacks{
            .on_started_leading =
                [this] {
                  std::lock_guard<std::mutex> lock(mu_);
                  elected_ = true;
                  cv_.notify_all();
                },
            .on_stopped_leading =
                [this] {
                  std::lock_guard<std::mutex> lock(mu_);
                  if (elected_) lost_ = true;
                  cv_.notify_all();
                },
        });
    leader_thread_ = std::thread([this] {
      SetCurrentThreadName("zr-leader");
      LeaderLoop();
    });
    elector_->Start();
    ZR_LOG(kInfo, "operator", "started as leader candidate",
           {{"lease", le.lease_namespace + "/" + le.lease_name}, {"identity", le.identity}, {"http", http_port_}});
    return Status::OK();
  }
  return StartLeaderWork();
}

Status Operator::StartCommon() {
  ControlServerOptions options;
  options.bind = config_.control_bind;
  options.heartbeat_timeout = config_.heartbeat_timeout;
  options.check_source_ip = config_.control_check_source_ip;
  // Cluster: events to the API and a real scale target; standalone: log lines, hints only.
  scaling::ScalingEventRecorder& events =
      scaling_kube_events_ ? static_cast<scaling::ScalingEventRecorder&>(*scaling_kube_events_) : scaling_events_;
  if (!config_.curve_key_file.empty() || (kube_ && !config_.curve_secret.empty())) {
    auto keys = !config_.curve_key_file.empty()
                    ? security::LoadOrCreateKeyFile(config_.curve_key_file)
                    : LoadOrCreateCurveSecret(*kube_, config_.kube->ns, config_.curve_secret);
    if (!keys.ok()) return keys.status().WithContext(config_.curve_key_file.empty() ? "--curve-secret" : "--curve-key-file");
    options.curve = std::move(keys).value();
    curve_public_key_ = options.curve.public_key;
    ZR_LOG(kInfo, "operator", "CURVE on the control channel", {{"publicKey", curve_public_key_}});
  } else {
    ZR_LOG(kWarn, "operator", "CURVE off (no --curve-key-file or --curve-secret): the control channel is plain TCP");
  }
  scaling_ = std::make_unique<scaling::ScalingService>(
      clock_, metrics_.metrics(), events, scale_target_.get(),
      scaling::ScalingServiceOptions{.staleness_timeout = config_.heartbeat_timeout});
  control_ = std::make_unique<ControlServer>(clock_, options, metrics_);
  control_->SetObserver(ControlServer::MembershipObserver{
      .on_load =
          [this](const wire::SidecarInfo& sidecar, const nlohmann::json& load, MonoTime received_at) {
            Status s = scaling_->OnLoad({sidecar.sidecar_id, sidecar.namespace_, sidecar.app_id}, load, received_at);
            if (!s.ok()) {
              // Every heartbeat of a broken sidecar would log: count always, log at debug.
              metrics_.control_rejected.With({"bad_load_report"}).Increment();
              ZR_LOG(kDebug, "scaling", "load report refused", {{"error", s.ToString()}});
            }
          },
      .on_gone = [this](const std::string& sidecar_id) { scaling_->OnSidecarGone(sidecar_id); },
  });
  return Status::OK();
}

Status Operator::StartWebhook() {
  if (config_.webhook_port < 0) return Status::OK();
  cluster::WebhookHostOptions o;
  if (config_.webhook_cert_mode == "external") {
    o.cert_mode = cluster::WebhookCertMode::kExternal;
  } else if (config_.webhook_cert_mode != "operator") {
    return Status::InvalidArgument("webhook cert mode must be operator or external, not " + config_.webhook_cert_mode);
  }
  o.ns = config_.kube->ns;
  o.secret_name = config_.webhook_secret;
  o.config_name = config_.webhook_config_name;
  o.service_name = config_.webhook_service;
  if (!config_.sidecar_image.empty()) o.injector.sidecar_image = config_.sidecar_image;
  o.injector.image_pull_policy = config_.sidecar_image_pull_policy;
  o.injector.kubernetes_minor = config_.kubernetes_minor;
  if (!config_.control_endpoint.empty()) o.injector.operator_address = config_.control_endpoint;
  o.injector.operator_public_key = curve_public_key_;
  o.server.host = config_.webhook_host;
  o.server.port = config_.webhook_port;
  o.certificates = config_.webhook_certificates;
  o.ensure_interval = config_.webhook_cert_check;
  o.reload_interval = config_.webhook_cert_reload;
  // Without leader election this replica is the only one: it manages the certificates as soon as
  // its leader work runs (StartLeaderWork wakes the host).
  webhook_ = std::make_unique<cluster::WebhookHost>(*kube_, clock_, std::move(o), [this] { return leader_work_.load(); });
  return webhook_->Start();
}

Status Operator::StartLeaderWork() {
  // Resources first, so the first sidecar to register gets a complete table.
  if (config_.manifests_dir.empty()) {
    cluster::KubeResourceSourceOptions so;
    so.sync_timeout = config_.sync_timeout;
    auto source = std::make_unique<cluster::KubeResourceSource>(*kube_, so);
    // Status transitions become Kubernetes Events (the recorder exists whenever the client does).
    EventRecorder& events = kube_events_ ? static_cast<EventRecorder&>(*kube_events_) : events_;
    status_ = std::make_unique<cluster::StatusWriter>(*kube_, clock_, metrics_, events, StatusWriterSources(*source));
    source_ = std::move(source);
    ZR_RETURN_IF_ERROR(source_->Start([this](const ResourceSet& set) { OnResources(set); }));
    cluster::ReadyPodsWatcherOptions po;
    po.label_selector = config_.pod_label_selector;
    po.sync_timeout = config_.sync_timeout;
    pods_ = std::make_unique<cluster::ReadyPodsWatcher>(*kube_, po);
    ZR_RETURN_IF_ERROR(pods_->Start([this](ReadyPods ready) {
      control_->SetReadyPods(std::move(ready));
      status_->EnqueueAll();
    }));
  } else {
    source_ = std::make_unique<ManifestFolderSource>(config_.manifests_dir, config_.manifests_poll);
    ZR_RETURN_IF_ERROR(source_->Start([this](const ResourceSet& set) { OnResources(set); }));
  }

  auto endpoint = control_->Start();
  if (!endpoint.ok()) return endpoint.status();
  {
    std::lock_guard<std::mutex> lock(mu_);
    control_endpoint_ = *endpoint;
  }
  metrics_.leader.With({}).Set(1);
  if (status_) status_->Start();
  periodic_ = std::thread([this] {
    SetCurrentThreadName("zr-periodic");
    PeriodicLoop();
  });
  leader_work_ = true;
  if (webhook_) webhook_->Wake();  // manage the webhook certificates now, not at the next poll
  if (pod_label_) pod_label_->SetLeader(true);  // the control-plane Service now selects this pod
  WritePortFile();
  ZR_LOG(kInfo, "operator", "started",
         {{"mode", config_.manifests_dir.empty() ? "cluster" : "standalone"},
          {"manifests", config_.manifests_dir},
          {"control", *endpoint},
          {"http", http_port_}});
  return Status::OK();
}

void Operator::StopLeaderWork() {
  leader_work_ = false;
  if (pod_label_) pod_label_->SetLeader(false);
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;  // ends the periodic loop; leader work never restarts in this process
  }
  cv_.notify_all();
  if (periodic_.joinable()) periodic_.join();
  if (status_) status_->Stop();  // before the caches it reads stop
  if (source_) source_->Stop();
  if (pods_) pods_->Stop();
  if (control_) control_->Stop();
  metrics_.leader.With({}).Set(0);
}

void Operator::LeaderLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return elected_ || stop_; });
  if (stop_) return;
  lock.unlock();
  Status s = StartLeaderWork();
  if (!s.ok()) {
    // A half-started leader must not keep the Lease: give it up so another replica can lead.
    ZR_LOG(kError, "operator", "leader work failed to start", {{"error", s.ToString()}});
    {
      std::lock_guard<std::mutex> guard(mu_);
      lost_ = true;  // not ready: this process exits
    }
    StopLeaderWork();
    if (elector_) (void)elector_->Release();
    if (config_.on_leadership_lost) config_.on_leadership_lost();
    return;
  }
  lock.lock();
  cv_.wait(lock, [this] { return lost_ || stop_; });
  if (stop_) return;
  lock.unlock();
  ZR_LOG(kError, "operator", "leadership lost: stopping leader work");
  StopLeaderWork();
  if (config_.on_leadership_lost) config_.on_leadership_lost();
}

std::string Operator::Identity() const {
  if (!config_.identity.empty()) return config_.identity;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  return std::string(host) + "-" + std::to_string(getpid());
}

std::string Operator::control_endpoint() const {
  std::lock_guard<std::mutex> lock(mu_);
  return control_endpoint_;
}

bool Operator::ready() const {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || lost_) return false;
  }
  if (!http_serving_.load()) return false;
  if (webhook_ && !webhook_->serving()) return false;
  const bool standby_possible = config_.manifests_dir.empty() && config_.leader_elect;
  if (standby_possible && !leader_work_.load()) return true;  // a standby: serves the webhook only
  return leader_work_.load() && control_ && control_->has_resources();
}

void Operator::WritePortFile() {
  if (config_.port_file.empty()) return;
  zroute::WritePortFile(config_.port_file,
                        nlohmann::json{{"http", http_port_}, {"control", control_endpoint()}, {"publicKey", curve_public_key_}}
                            .dump());
}

void Operator::OnResources(const ResourceSet& resources) {
  control_->SetResources(resources);
  if (scaling_kube_events_) {
    std::map<std::string, std::string> uids;
    for (const auto& policy : resources.scaling_policies) uids[policy.meta.Key()] = policy.meta.uid;
    scaling_kube_events_->SetPolicyUids(std::move(uids));
  }
  for (const Status& error : scaling_->SetPolicies(resources.scaling_policies)) {
    ZR_LOG(kWarn, "scaling", "ScalingPolicy ignored", {{"error", error.ToString()}});
  }
  if (status_) status_->EnqueueAll();
}

cluster::StatusWriterInputs Operator::StatusWriterSources(cluster::KubeResourceSource& source) {
  cluster::KubeResourceSource* src = &source;  // outlives the writer (stopped first)
  auto cache = [src](ResourceKind kind) -> const kube::ObjectCache& {
    switch (kind) {
      case ResourceKind::kTopic: return src->topics();
      case ResourceKind::kSubscription: return src->subscriptions();
      case ResourceKind::kScalingPolicy: break;
    }
    return src->scaling_policies();
  };
  return cluster::StatusWriterInputs{
      .keys = [cache](ResourceKind kind) { return cache(kind).Keys(); },
      .object = [cache](ResourceKind kind, const std::string& key) { return cache(kind).Get(key); },
      .table = [this] { return control_->Table(); },
      .members = [this] { return control_->Members(); },
      .scaling = [this] { return scaling_->StatusJson(); },
  };
}

void Operator::UpdateLagMetrics() {
  // Lag of a subscription = what publishers' outboxes still hold for it: waiting to be sent plus
  // sent and not yet acked. The reports are outside input: skip what is not well formed.
  auto count = [](const nlohmann::json& entry, const char* field) {
    auto it = entry.find(field);
    return it != entry.end() && it->is_number() && it->get<double>() >= 0 ? it->get<double>() : 0.0;
  };
  std::map<std::string, double> lag;
  for (const auto& m : control_->Members()) {
    auto subs = m.load.find("subscriptions");
    if (subs == m.load.end() || !subs->is_array()) continue;
    for (const auto& s : *subs) {
      if (!s.is_object()) continue;
      auto key = s.find("subscription");
      if (key == s.end() || !key->is_string()) continue;
      lag[key->get<std::string>()] += count(s, "lag") + count(s, "inFlight");
    }
  }
  RoutingTablePtr table = control_->Table();
  std::set<std::string> now;
  for (const auto& [key, sub] : table->subscriptions()) {
    metrics_.subscription_lag.With({key}).Set(lag[key]);
    now.insert(key);
  }
  for (const auto& old : lag_series_) {
    if (!now.count(old)) metrics_.subscription_lag.Remove({old});
  }
  lag_series_ = std::move(now);
}

void Operator::PeriodicLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, config_.scaling_interval, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    UpdateLagMetrics();
    scaling_->Tick();
    if (status_) status_->EnqueueAll();  // membership, ready pods and lag move without an event
    lock.lock();
  }
}

void Operator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
    stop_ = true;
  }
  cv_.notify_all();
  if (leader_thread_.joinable()) leader_thread_.join();
  http_serving_ = false;
  if (http_) http_->Stop();
  if (webhook_) webhook_->Stop();
  StopLeaderWork();
  if (kube_events_) kube_events_->Stop();
  // Before the Lease is released: our label goes before a successor adds its own.
  if (pod_label_) pod_label_->Stop();
  // Only now give up the Lease: a successor must not start while our control plane still runs.
  if (elector_) elector_->Stop();
  ZR_LOG(kInfo, "operator", "stopped");
}

}  // namespace zroute
