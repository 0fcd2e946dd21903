// LinkLoop: the sidecar's one ZeroMQ thread. It owns every socket: the inbound ROUTER (events
// from publishing sidecars), the outgoing peer links (PeerLinks), and the control channel to the
// operator; it drives the Dispatcher (publishing side) and feeds the DeliveryPool (consuming side).
//
// Other threads talk to it by posting: NotifyReadable (the outbox has new readable events) and
// delivery completions; both wake the loop through an eventfd polled beside the sockets.
// Stop() drains: new inbound events are handed back (NACK), in-flight deliveries get until the
// drain deadline, the rest are handed back, then the loop exits.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <zmq.hpp>

#include "common/util/clock.h"
#include "common/util/wakeup.h"
#include "sidecar/delivery/dedupe_window.h"
#include "sidecar/delivery/delivery_pool.h"
#include "sidecar/delivery/latency_window.h"
#include "sidecar/delivery/windowed_rate.h"
#include "sidecar/link/dispatcher.h"
#include "sidecar/link/link_security.h"
#include "sidecar/link/peer_links.h"
#include "sidecar/link/socket_poll.h"
#include "sidecar/routing/control_channel.h"
#include "sidecar/routing/table_holder.h"
#include "sidecar/sidecar_config.h"
#include "sidecar/sidecar_metrics.h"

namespace zroute {

class LinkLoop {
 public:
  LinkLoop(const SidecarConfig& config, zmq::context_t& context, Clock& clock, TableHolder& table,
           Outbox& outbox, SidecarMetrics& metrics, DeliveryPool::DeadLetterFn dead_letter);
  ~LinkLoop();

  // Binds the inbound socket (port 0 = any) and returns the bound endpoint, then starts the thread.
  StatusOr<std::string> Start(const wire::SidecarInfo& self_without_endpoint);
  // Any thread: the outbox has new readable events of this topic (Outbox::set_on_readable).
  void NotifyReadable(const std::string& topic_key);
  // Any thread: drains and joins (see class comment). Idempotent.
  void Stop();
  // First step of a graceful stop, before the HTTP API closes: deliveries that fail from now on
  // are handed back rather than retried or dead-lettered.
  void BeginShutdown() { pool_.BeginShutdown(); }

  // Any thread: a snapshot of per-subscription progress (taken on the loop thread).
  std::vector<SubscriptionProgress> Progress();
  // Any thread: rewinds a subscription's cursor on this publisher (replay).
  Status Rewind(const std::string& subscription_key, uint64_t offset);
  bool operator_connected() const { return operator_connected_.load(); }

 private:
  struct Inbound {
    uint32_t outstanding = 0;  // events received and not yet acked
    std::vector<uint64_t> acks;
    std::map<wire::NackReason, std::vector<uint64_t>> nacks;
    uint32_t credit_back = 0;
    uint64_t received = 0;  // event frames taken in since the publisher's last HELLO (heartbeat audit)
  };
  struct Completed {
    std::string peer;
    uint64_t delivery_id;
    std::string subscription;
    std::string event_id;
    Completion completion;
  };

  void Run();
  void OnInbound();
  void HandleEvents(const std::string& peer, const security::PeerIdentity& sender, wire::Events events);
  void DrainCompletions();
  void FlushReplies();
  void RunPosted();
  // The `load` object of the heartbeat; format in operator/scaling/load_report_json.h.
  nlohmann::json LoadReport();
  bool AppConsumes() const;  // the installed table lists a subscription of this app
  // Creates the consumer-side counters of this app's subscriptions at 0, so they are exported
  // (and rate() works) before the first event. Series of deleted subscriptions stay until restart.
  void InitConsumerSeries(const RoutingTable& table);
  // Outbox size, retained events per topic and the links' gauges (once a second).
  void UpdateOutboxGauges();
  // Runs fn on the loop thread and waits for it.
  void Call(std::function<void()> fn);

  const SidecarConfig& config_;
  zmq::context_t& context_;
  Clock& clock_;
  TableHolder& table_;
  Outbox& outbox_;
  SidecarMetrics& metrics_;

  LinkSecurity security_;  // before the sockets: its ZAP handler outlives them
  zmq::socket_t router_;
  bool router_unchecked_ = true;  // SocketPoll's flag: set after every send on router_
  SocketPoll poll_;
  std::unique_ptr<ControlChannel> control_;
  Dispatcher dispatcher_;
  PeerLinks peers_;
  DeliveryPool pool_;
  DedupeWindow dedupe_{100000};
  std::map<std::string, Inbound> inbound_;  // by publisher identity
  RoutingTablePtr installed_;

  // Consumer-side load for the report (link thread only): events accepted from publishers,
  // events acked to them, and the receive-to-ack latency of each event.
  WindowedRate arrivals_{clock_};
  WindowedRate completions_{clock_};
  LatencyWindow latency_{clock_};
  std::map<std::pair<std::string, uint64_t>, MonoTime> received_at_;  // by (peer, delivery id)

  Wakeup wakeup_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> operator_connected_{false};
  std::atomic<bool> appended_{false};
  std::mutex posted_mu_;  // guards completed_ and posted_
  std::deque<Completed> completed_;
  std::deque<std::function<void()>> posted_;
};

}  // namespace zroute
