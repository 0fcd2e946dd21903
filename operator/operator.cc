#include "operator/operator.h"

#include <fstream>

#include "common/util/logging.h"
#include "operator/standalone/manifest_folder_source.h"

namespace zroute {

Operator::Operator(OperatorConfig config, Clock& clock) : config_(std::move(config)), clock_(clock) {}

Operator::~Operator() { Stop(); }

Status Operator::Start() {
  ControlServerOptions options;
  options.bind = config_.control_bind;
  options.heartbeat_timeout = config_.heartbeat_timeout;
  scaling_ = std::make_unique<scaling::ScalingService>(
      clock_, metrics_.metrics(), scaling_events_, /*target=*/nullptr,
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

  // Resources first, so the first sidecar to register gets a complete table.
  source_ = std::make_unique<ManifestFolderSource>(config_.manifests_dir, config_.manifests_poll);
  ZR_RETURN_IF_ERROR(source_->Start([this](const ResourceSet& set) { OnResources(set); }));

  auto endpoint = control_->Start();
  if (!endpoint.ok()) return endpoint.status();
  control_endpoint_ = *endpoint;

  OperatorHttp::Hooks hooks;
  hooks.scaling = [this] { return scaling_->StatusJson(); };
  http_ = std::make_unique<OperatorHttp>(config_.http_host, config_.http_port, *control_, metrics_, std::move(hooks));
  auto port = http_->Start();
  if (!port.ok()) return port.status();
  http_port_ = *port;
  metrics_.leader.With({}).Set(1);  // standalone: the only replica leads

  periodic_ = std::thread([this] { PeriodicLoop(); });

  if (!config_.port_file.empty()) {
    std::string tmp = config_.port_file + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << nlohmann::json{{"http", http_port_}, {"control", control_endpoint_}}.dump() << "\n";
    }
    std::rename(tmp.c_str(), config_.port_file.c_str());
  }
  ZR_LOG(kInfo, "operator", "started",
         {{"mode", "standalone"}, {"manifests", config_.manifests_dir}, {"control", control_endpoint_}, {"http", http_port_}});
  return Status::OK();
}

void Operator::OnResources(const ResourceSet& resources) {
  control_->SetResources(resources);
  for (const Status& error : scaling_->SetPolicies(resources.scaling_policies)) {
    ZR_LOG(kWarn, "scaling", "ScalingPolicy ignored", {{"error", error.ToString()}});
  }
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
    lock.lock();
  }
}

void Operator::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (periodic_.joinable()) periodic_.join();
  if (http_) http_->Stop();
  if (source_) source_->Stop();
  if (control_) control_->Stop();
  ZR_LOG(kInfo, "operator", "stopped");
}

}  // namespace zroute
