#include "sidecar/sidecar.h"

#include <algorithm>

#include "common/util/binary_main.h"
#include "common/util/logging.h"
#include "sidecar/delivery/dead_letter.h"
#include "sidecar/outbox/memory_outbox.h"

namespace zroute {

Sidecar::Sidecar(SidecarConfig config, Clock& clock) : config_(std::move(config)), clock_(clock), context_(1) {}

Sidecar::~Sidecar() { Stop(); }

Status Sidecar::Start() {
  if (config_.link_window < 1 || config_.link_window > kMaxLinkWindow) {
    return Status::InvalidArgument("--link-window must be between 1 and " + std::to_string(kMaxLinkWindow) + ", not " +
                                   std::to_string(config_.link_window));
  }
  if (config_.delivery_mode != "link" && config_.delivery_mode != "threads") {
    return Status::InvalidArgument("--delivery must be 'link' or 'threads', not '" + config_.delivery_mode + "'");
  }
  if (config_.max_deliveries < 1 || config_.max_deliveries > 4096) {
    return Status::InvalidArgument("--max-deliveries must be between 1 and 4096, not " +
                                   std::to_string(config_.max_deliveries));
  }
  if (!config_.operator_public_key.empty()) {
    if (!security::IsValidCurveKey(config_.operator_public_key)) {
      return Status::InvalidArgument("the operator's public key is not 40 characters of Z85");
    }
    if (config_.curve.secret_key.empty()) {
      auto pair = security::GenerateCurveKeyPair();
      if (!pair.ok()) return pair.status();
      config_.curve = std::move(pair).value();
    }
    ZR_RETURN_IF_ERROR(security::ValidateKeyPair(config_.curve));
  } else {
    config_.curve = {};  // CURVE is on for every socket or for none
    ZR_LOG(kWarn, "sidecar", "CURVE off (no operator public key): links and the control channel are not "
                             "encrypted and peers are not authenticated");
  }
  if (config_.outbox_dir.empty()) {
    ZR_LOG(kWarn, "sidecar", "no --outbox-dir: events are kept in memory only and lost on a crash");
    outbox_ = std::make_unique<MemoryOutbox>(config_.outbox_quota_bytes);
  } else {
    OutboxOptions options;
    options.dir = config_.outbox_dir;
    options.disk_quota_bytes = config_.outbox_quota_bytes;
    // Space comes back a whole closed segment at a time (RetentionKeeper): a sixteenth of the
    // quota (64 MiB at the default 1 GiB) leaves the keeper room to work under a small quota too.
    options.segment_bytes = std::clamp<uint64_t>(config_.outbox_quota_bytes / 16, 256 << 10, 64 << 20);
    options.on_sync = [this](Duration d) {
      metrics_.fsync_latency.With({}, LatencyBuckets()).Observe(std::chrono::duration<double>(d).count());
    };
    if (config_.outbox_sync == "interval") {
      options.sync_policy = SyncPolicy::kInterval;
      options.sync_interval = config_.outbox_sync_interval;
    } else if (config_.outbox_sync != "batch") {
      return Status::InvalidArgument("--outbox-sync must be 'batch' or 'interval', not '" + config_.outbox_sync + "'");
    }
    auto opened = OpenOutbox(options, clock_);
    if (!opened.ok()) return opened.status().WithContext("opening outbox " + config_.outbox_dir);
    outbox_ = std::move(opened).value();
  }

  retention_ = std::make_unique<RetentionKeeper>(*outbox_, table_, clock_, metrics_,
                                                 RetentionKeeper::Options{.quota_bytes = config_.outbox_quota_bytes});
  retention_->Start();

  link_ = std::make_unique<LinkLoop>(config_, context_, clock_, table_, *outbox_, metrics_,
                                     [this](const std::vector<const DeliveryTask*>& tasks) { return PublishDeadLetters(tasks); });
  // The outbox wakes the dispatcher as soon as records are written (before their fdatasync).
  outbox_->set_on_readable([link = link_.get()](const std::string& topic) { link->NotifyReadable(topic); });
  publisher_ = std::make_unique<Publisher>(config_, table_, *outbox_, clock_, metrics_,
                                           [this] { retention_->RunSoon(); });
  wire::SidecarInfo self;
  self.sidecar_id = config_.sidecar_id;
  self.app_id = config_.app_id;
  self.namespace_ = config_.namespace_;
  self.pod = config_.pod;
  self.public_key = config_.curve.public_key;
  auto endpoint = link_->Start(self);
  if (!endpoint.ok()) return endpoint.status();
  data_endpoint_ = *endpoint;

  http_ = std::make_unique<HttpApi>(config_, *publisher_, *link_, table_, metrics_, *outbox_, clock_);
  auto port = http_->Start();
  if (!port.ok()) return port.status();
  http_port_ = *port;
  started_ = true;

  if (!config_.port_file.empty()) {
    nlohmann::json ports{{"http", http_port_}, {"data", data_endpoint_}, {"sidecarId", config_.sidecar_id}};
    if (http_->metrics_port() >= 0) ports["metrics"] = http_->metrics_port();
    WritePortFile(config_.port_file, ports.dump());
  }
  ZR_LOG(kInfo, "sidecar", "started",
         {{"appId", config_.app_id}, {"sidecarId", config_.sidecar_id}, {"http", http_port_}, {"data", data_endpoint_},
          {"metrics", http_->metrics_port()}, {"operator", config_.operator_endpoint},
          {"curve", !config_.curve.public_key.empty()}});
  return Status::OK();
}

std::vector<Status> Sidecar::PublishDeadLetters(const std::vector<const DeliveryTask*>& tasks) {
  // The current table, so that naming a dead-letter topic releases events already stuck on a
  // subscription that had none.
  RoutingTablePtr table = table_.Get();
  std::vector<Status> statuses(tasks.size());
  // By dead-letter topic, in order: one publish (one append, one fdatasync) per topic.
  std::vector<std::pair<std::string, std::vector<size_t>>> by_topic;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const DeliveryTask& task = *tasks[i];
    const Subscription* sub = table ? table->FindSubscription(task.subscription) : nullptr;
    std::string dlt = sub ? DeadLetterTopicFor(*table, *sub) : DeadLetterTopicFor(*task.table, *task.sub);
    if (dlt.empty()) {
      statuses[i] = Status::FailedPrecondition("subscription names no dead-letter topic");
      continue;
    }
    auto it = std::find_if(by_topic.begin(), by_topic.end(), [&](const auto& g) { return g.first == dlt; });
    if (it == by_topic.end()) it = by_topic.insert(by_topic.end(), {std::move(dlt), {}});
    it->second.push_back(i);
  }
  for (const auto& [dlt, indices] : by_topic) {
    std::vector<CloudEvent> events;
    events.reserve(indices.size());
    for (size_t i : indices) {
      const DeliveryTask& task = *tasks[i];
      events.push_back(MakeDeadLetter(task.event, task.last.status, task.last.error, task.attempts, task.topic,
                                      task.subscription));
    }
    const Status s = publisher_->PublishInternal(dlt, std::move(events));
    for (size_t i : indices) statuses[i] = s;
  }
  return statuses;
}

void Sidecar::Stop() {
  if (!started_) return;
  started_ = false;
  ZR_LOG(kInfo, "sidecar", "draining");
  // Stop taking publishes first, then drain deliveries, then make the log durable.
  if (link_) link_->BeginShutdown();
  if (http_) http_->Stop();
  if (link_) link_->Stop();
  if (retention_) retention_->Stop();
  if (outbox_) {
    Status s = outbox_->Close();
    if (!s.ok()) ZR_LOG(kError, "sidecar", "closing outbox failed", {{"error", s.ToString()}});
  }
  ZR_LOG(kInfo, "sidecar", "stopped");
}

}  // namespace zroute
