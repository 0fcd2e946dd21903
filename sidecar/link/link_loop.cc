#include "sidecar/link/link_loop.h"

#include <algorithm>
#include <future>

#include "common/cloudevents/binary_format.h"
#include "common/util/logging.h"
#include "common/util/thread_name.h"
#include "common/wire/wire_format.h"

namespace zroute {
namespace {
// Set on the link thread: completions reported there are drained in the same loop turn, so they
// need no wake-up.
thread_local bool on_link_thread = false;
}  // namespace

LinkLoop::LinkLoop(const SidecarConfig& config, zmq::context_t& context, Clock& clock, TableHolder& table,
                   Outbox& outbox, SidecarMetrics& metrics, DeliveryPool::DeadLetterFn dead_letter)
    : config_(config), context_(context), clock_(clock), table_(table), outbox_(outbox), metrics_(metrics),
      security_(config, context, metrics),
      router_(context, zmq::socket_type::router),
      dispatcher_(outbox, clock, metrics),
      peers_(context, config, clock, metrics, security_),
      pool_(config, clock, metrics, std::move(dead_letter), [this](const DeliveryTask& t, Completion c) {
        {
          std::lock_guard<std::mutex> lock(posted_mu_);
          completed_.push_back({t.peer, t.delivery_id, t.subscription, t.event.id, c});
        }
        if (!on_link_thread) wakeup_.Notify();
      }) {}

LinkLoop::~LinkLoop() { Stop(); }

StatusOr<std::string> LinkLoop::Start(const wire::SidecarInfo& self_without_endpoint) {
  std::string endpoint;
  // The ZAP handler first: a CURVE server handshaking without one admits every key.
  ZR_RETURN_IF_ERROR(security_.Start());
  try {
    security_.ConfigureServer(router_);
    router_.set(zmq::sockopt::router_mandatory, 1);
    router_.set(zmq::sockopt::linger, 1000);  // let the last acks out on shutdown
    router_.set(zmq::sockopt::maxmsgsize, wire::kMaxFrameBytes);
    router_.set(zmq::sockopt::rcvhwm, 10000);
    std::string bind = "tcp://" + config_.data_host + ":" + (config_.data_port == 0 ? "*" : std::to_string(config_.data_port));
    router_.bind(bind);
    endpoint = router_.get(zmq::sockopt::last_endpoint);
  } catch (const zmq::error_t& e) {
    return Status::Unavailable(std::string("cannot bind data port: ") + e.what());
  }
  // Peers dial the advertised host (the pod IP in a cluster), at the port actually bound.
  std::string port = endpoint.substr(endpoint.rfind(':') + 1);
  std::string host = config_.data_advertise_host.empty() ? config_.data_host : config_.data_advertise_host;
  wire::SidecarInfo self = self_without_endpoint;
  self.data_endpoint = "tcp://" + host + ":" + port;

  std::string cache = config_.outbox_dir.empty() ? "" : config_.outbox_dir + "/routing-table.json";
  control_ = std::make_unique<ControlChannel>(context_, config_, self, clock_, table_, metrics_, cache);
  try {
    control_->Start();
  } catch (const zmq::error_t& e) {
    return Status::InvalidArgument(std::string("bad operator endpoint: ") + e.what());
  }
  if (config_.delivery_mode == "threads") {
    pool_.Start();
  } else {
    pool_.StartDriven();
  }
  thread_ = std::thread([this] {
    SetCurrentThreadName("zr-link");
    on_link_thread = true;
    Run();
  });
  return self.data_endpoint;
}

void LinkLoop::NotifyReadable(const std::string&) {
  appended_.store(true, std::memory_order_release);
  wakeup_.Notify();
}

void LinkLoop::Stop() {
  if (!thread_.joinable()) return;
  stopping_.store(true);
  wakeup_.Notify();
  thread_.join();
}

void LinkLoop::Call(std::function<void()> fn) {
  if (!thread_.joinable() || stopping_.load()) return;
  auto done = std::make_shared<std::promise<void>>();
  auto future = done->get_future();
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back([fn = std::move(fn), done] {
      fn();
      done->set_value();
    });
  }
  wakeup_.Notify();
  future.wait_for(std::chrono::seconds(5));
}

std::vector<SubscriptionProgress> LinkLoop::Progress() {
  auto out = std::make_shared<std::vector<SubscriptionProgress>>();
  Call([this, out] { *out = dispatcher_.Progress(); });
  return *out;
}

Status LinkLoop::Rewind(const std::string& subscription_key, uint64_t offset) {
  auto result = std::make_shared<Status>(Status::Unavailable("sidecar is stopping"));
  Call([this, result, subscription_key, offset] { *result = dispatcher_.Rewind(subscription_key, offset); });
  return *result;
}

void LinkLoop::RunPosted() {
  std::deque<std::function<void()>> work;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    work.swap(posted_);
  }
  for (auto& fn : work) fn();
}

bool LinkLoop::AppConsumes() const {
  if (!installed_) return false;
  for (const auto& [key, sub] : installed_->subscriptions()) {
    if (sub.spec.app_id == config_.app_id && sub.meta.namespace_ == config_.namespace_) return true;
  }
  return false;
}

nlohmann::json LinkLoop::LoadReport() {
  // The operator refuses a report with more entries than this (operator/scaling/load_report.h):
  // past it, the biggest backlogs are the ones worth reporting.
  constexpr size_t kMaxEntries = 4096;
  std::vector<SubscriptionProgress> progress = dispatcher_.Progress();
  // Waiting = not yet sent. What is in flight is counted by the consumer, so that lag +
  // in-flight counts every event once.
  auto waiting = [](const SubscriptionProgress& p) { return p.lag() > p.in_flight ? p.lag() - p.in_flight : 0; };
  if (progress.size() > kMaxEntries) {
    std::nth_element(progress.begin(), progress.begin() + kMaxEntries, progress.end(),
                     [&](const auto& a, const auto& b) { return waiting(a) > waiting(b); });
    progress.resize(kMaxEntries);
  }
  nlohmann::json subs = nlohmann::json::array();
  for (const auto& p : progress) {
    if (p.end == 0 && p.in_flight == 0) continue;  // this outbox never held the topic
    subs.push_back({{"subscription", p.subscription}, {"topic", p.topic}, {"appId", p.app_id},
                    {"lag", waiting(p)}, {"inFlight", p.in_flight}});
  }
  nlohmann::json report = {{"subscriptions", std::move(subs)}};
  // Sent even when idle: the operator counts the sidecars sending it as the running replicas.
  if (AppConsumes()) {
    uint64_t in_flight = 0;
    for (const auto& [peer, in] : inbound_) in_flight += in.outstanding;
    report["consumer"] = {{"inFlight", in_flight},
                          {"arrivalRate", arrivals_.PerSecond()},
                          {"completionRate", completions_.PerSecond()},
                          {"latencyP50Seconds", latency_.PercentileSeconds(0.5)},
                          {"latencyP99Seconds", latency_.PercentileSeconds(0.99)}};
  }
  return report;
}

void LinkLoop::InitConsumerSeries(const RoutingTable& table) {
  for (const auto& [key, sub] : table.subscriptions()) {
    if (sub.spec.app_id != config_.app_id || sub.meta.namespace_ != config_.namespace_) continue;
    for (CounterVec* c : {&metrics_.delivered, &metrics_.delivery_failed, &metrics_.retried, &metrics_.dead_lettered,
                          &metrics_.duplicates}) {
      c->With({key});
    }
  }
}

void LinkLoop::UpdateOutboxGauges() {
  metrics_.outbox_bytes.With({}).Set(static_cast<double>(outbox_.DiskBytes()));
  for (const std::string& topic : outbox_.Topics()) {
    const uint64_t begin = outbox_.BeginOffset(topic), end = outbox_.EndOffset(topic);
    metrics_.outbox_events.With({topic}).Set(static_cast<double>(end > begin ? end - begin : 0));
  }
  peers_.UpdateGauges();
  metrics_.operator_connected.With({}).Set(operator_connected_.load() ? 1 : 0);
}

void LinkLoop::Run() {
  MonoTime last_report{};
  MonoTime last_timeout_check = clock_.Now();
  nlohmann::json report = LoadReport();
  while (true) {
    poll_.Clear();
    const size_t wakeup_item = poll_.AddFd(wakeup_.fd());
    const size_t router_item = poll_.AddSocket(router_, &router_unchecked_);
    const size_t control_item = control_->AddToPoll(poll_);
    const size_t first_peer = poll_.size();
    peers_.AddToPoll(poll_);
    const size_t end_of_peers = poll_.size();
    std::chrono::milliseconds wait(100);
    if (pool_.fd() >= 0) {
      poll_.AddFd(pool_.fd());
      if (auto next = pool_.NextWait(); next.count() >= 0 && next < wait) wait = next;
    }
    poll_.Wait(wait);
    if (poll_.Readable(wakeup_item)) wakeup_.Drain();
    if (poll_.Readable(router_item)) OnInbound();
    if (poll_.Readable(control_item)) control_->OnReadable();
    for (size_t i = first_peer; i < end_of_peers; ++i) {
      if (poll_.Readable(i)) peers_.OnReadable(i - first_peer, dispatcher_);
    }
    operator_connected_.store(control_->connected());

    RoutingTablePtr table = table_.Get();
    if (table != installed_) {
      installed_ = table;
      if (table) {
        security_.OnTable(*table);
        peers_.OnTable(*table);
        dispatcher_.OnTable(table);
        InitConsumerSeries(*table);
      }
    }
    pool_.Pump();  // deliveries driven by this thread (--delivery=link); their completions follow
    DrainCompletions();
    RunPosted();
    appended_.store(false, std::memory_order_relaxed);
    dispatcher_.Pump(peers_);
    peers_.Flush(dispatcher_);
    FlushReplies();

    MonoTime now = clock_.Now();
    peers_.Tick(dispatcher_);
    if (now - last_report >= config_.heartbeat_interval) {
      report = LoadReport();
      last_report = now;
    }
    control_->Tick(report);
    if (now - last_timeout_check > std::chrono::seconds(1)) {
      dispatcher_.CheckTimeouts();
      UpdateOutboxGauges();
      last_timeout_check = now;
    }
    if (stopping_.load()) break;
  }

  // Drain: publishers are told to send nothing new, deliveries under way may finish, everything
  // else goes back to its publisher.
  control_->Leave();
  pool_.BeginShutdown();
  pool_.Drain(clock_.Now() + config_.drain_timeout);
  OnInbound();  // events that arrived meanwhile are handed back (stopping_ is set)
  DrainCompletions();
  FlushReplies();
  RunPosted();
}

void LinkLoop::OnInbound() {
  while (true) {
    std::vector<zmq::message_t> parts;
    try {
      zmq::message_t identity;
      if (!router_.recv(identity, zmq::recv_flags::dontwait)) {
        router_unchecked_ = false;  // read until EAGAIN: nothing waits, and the next arrival is signalled
        return;
      }
      parts.push_back(std::move(identity));
      while (parts.back().more()) {
        zmq::message_t part;
        if (!router_.recv(part, zmq::recv_flags::dontwait)) break;
        parts.push_back(std::move(part));
      }
    } catch (const zmq::error_t& e) {
      ZR_LOG(kWarn, "link", "inbound receive failed", {{"error", e.what()}});
      return;
    }
    if (parts.size() != 2) {
      metrics_.link_rejected.With({"malformed"}).Increment();
      continue;
    }
    std::string peer = parts[0].to_string();
    // Who sent it comes from its key, not from what it says; unknown senders get no answer.
    RoutingTablePtr table = table_.Get();
    auto sender = security_.Identify(parts[1], peer, table.get());
    if (!sender) continue;
    auto decoded = wire::DecodeLinkMessage(parts[1].to_string_view());
    if (!decoded.ok()) {
      metrics_.link_rejected.With({"malformed"}).Increment();
      continue;
    }
    auto reply = [&](const wire::LinkMessage& m) {
      std::string frame = wire::EncodeLinkMessage(m);
      router_unchecked_ = true;
      try {
        router_.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        router_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
      } catch (const zmq::error_t&) {
        // The peer went away; it will say HELLO again.
      }
    };
    if (auto* events = std::get_if<wire::Events>(&*decoded)) {
      HandleEvents(peer, *sender, std::move(*events));
    } else if (auto* hello = std::get_if<wire::Hello>(&*decoded)) {
      if (!security_.CheckHello(*sender, *hello)) continue;
      Inbound& in = inbound_[peer];
      in.received = 0;
      uint32_t grant = config_.link_window > in.outstanding ? config_.link_window - in.outstanding : 0;
      reply(wire::Credit{stopping_.load() ? 0 : grant});
    } else if (auto* heartbeat = std::get_if<wire::Heartbeat>(&*decoded)) {
      reply(wire::Heartbeat{heartbeat->sent, inbound_[peer].received});
    } else {
      metrics_.link_rejected.With({"unexpected"}).Increment();
    }
  }
}

void LinkLoop::HandleEvents(const std::string& peer, const security::PeerIdentity& sender, wire::Events events) {
  Inbound& in = inbound_[peer];
  in.received += events.events.size();
  RoutingTablePtr table = table_.Get();
  std::vector<DeliveryTask> tasks;  // submitted together: one lock round and one wake-up decision
  tasks.reserve(events.events.size());
  for (auto& frame : events.events) {
    ++in.outstanding;
    auto nack = [&](wire::NackReason reason) {
      in.nacks[reason].push_back(frame.delivery_id);
      --in.outstanding;
      ++in.credit_back;
    };
    if (stopping_.load()) {
      nack(wire::NackReason::kShuttingDown);
      continue;
    }
    if (in.outstanding > 2 * config_.link_window) {
      nack(wire::NackReason::kOverloaded);
      continue;
    }
    const Subscription* sub = table ? table->FindSubscription(frame.subscription) : nullptr;
    if (!sub || sub->spec.app_id != config_.app_id || sub->meta.namespace_ != config_.namespace_) {
      metrics_.link_rejected.With({"unknown_subscription"}).Increment();
      nack(wire::NackReason::kUnknownSubscription);
      continue;
    }
    if (auto verdict = security_.CheckEvent(sender, *table, frame.topic, *sub); verdict != LinkSecurity::Verdict::kAllow) {
      nack(verdict == LinkSecurity::Verdict::kRetry ? wire::NackReason::kUnknownSubscription
                                                    : wire::NackReason::kRejected);
      continue;
    }
    auto event = DecodeEventBinaryReusing(std::move(frame.payload));  // the payload is not used again
    if (!event.ok()) {
      metrics_.link_rejected.With({"undecodable"}).Increment();
      nack(wire::NackReason::kRejected);
      continue;
    }
    if (!frame.replay && dedupe_.Contains(frame.subscription, event->id)) {
      metrics_.duplicates.With({frame.subscription}).Increment();
      in.acks.push_back(frame.delivery_id);
      --in.outstanding;
      ++in.credit_back;
      continue;
    }
    DeliveryTask task;
    task.peer = peer;
    task.delivery_id = frame.delivery_id;
    task.topic = std::move(frame.topic);
    task.subscription = std::move(frame.subscription);
    task.table = table;
    task.sub = sub;
    task.event = std::move(event).value();
    arrivals_.Add();
    received_at_[{peer, task.delivery_id}] = clock_.Now();
    tasks.push_back(std::move(task));
  }
  if (!tasks.empty()) pool_.SubmitAll(std::move(tasks));
}

void LinkLoop::DrainCompletions() {
  std::deque<Completed> done;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    done.swap(completed_);
  }
  for (auto& c : done) {
    if (auto it = received_at_.find({c.peer, c.delivery_id}); it != received_at_.end()) {
      if (c.completion == Completion::kAcked) latency_.Record(clock_.Now() - it->second);
      received_at_.erase(it);
    }
    if (c.completion == Completion::kAcked) completions_.Add();
    Inbound& in = inbound_[c.peer];
    if (in.outstanding > 0) --in.outstanding;
    ++in.credit_back;
    if (c.completion == Completion::kAcked) {
      dedupe_.Add(c.subscription, c.event_id);
      in.acks.push_back(c.delivery_id);
    } else {
      in.nacks[wire::NackReason::kShuttingDown].push_back(c.delivery_id);
    }
  }
}

void LinkLoop::FlushReplies() {
  for (auto& [peer, in] : inbound_) {
    if (in.acks.empty() && in.nacks.empty() && in.credit_back == 0) continue;
    auto send = [&](const wire::LinkMessage& m) {
      std::string frame = wire::EncodeLinkMessage(m);
      router_unchecked_ = true;
      try {
        router_.send(zmq::buffer(peer), zmq::send_flags::sndmore | zmq::send_flags::dontwait);
        router_.send(zmq::buffer(frame), zmq::send_flags::dontwait);
      } catch (const zmq::error_t&) {
      }
    };
    // Credit goes back with the acks unless we are stopping (then no more events, please).
    uint32_t credit = stopping_.load() ? 0 : in.credit_back;
    if (!in.acks.empty() || in.nacks.empty()) {
      send(wire::Ack{std::move(in.acks), credit});
      credit = 0;
    }
    for (auto& [reason, ids] : in.nacks) {
      send(wire::Nack{std::move(ids), reason, credit});
      credit = 0;
    }
    in.acks.clear();
    in.nacks.clear();
    in.credit_back = 0;
  }
}

}  // namespace zroute
