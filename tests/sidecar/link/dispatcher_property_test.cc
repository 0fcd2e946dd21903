// Dispatcher under random interleavings of publishes, credit, acks, nacks, lost replicas, stale
// answers and table changes (seeded, so a failure names its seed). After every step:
//  - an ordered keyed event is sent only once every earlier event of its key is acked, and to the
//    key's rendezvous owner among the replicas listed;
//  - no offset is sent at or past cursor + window;
// and at the end, with credit and acks for everything, the cursor reaches the end of the log.
#include <algorithm>
#include <map>
#include <random>
#include <set>

#include <gtest/gtest.h>

#include "common/routing/rendezvous.h"
#include "sidecar/link/dispatcher.h"
#include "tests/sidecar/link/dispatcher_test_util.h"
#include "tests/support/simulated_clock.h"

namespace zroute {
namespace {

using namespace zroute::testing;  // NOLINT(build/namespaces)

constexpr size_t kWindow = 16;
const std::vector<std::string> kAllReplicas = {"r1", "r2", "r3"};
const std::vector<std::string> kKeys = {"", "", "k0", "k1", "k2", "k3"};

class DispatcherModel {
 public:
  explicit DispatcherModel(uint64_t seed) : rng_(seed) {
    DispatcherOptions options;
    options.window = kWindow;
    options.read_batch = 4;
    dispatcher_ = std::make_unique<Dispatcher>(outbox_, clock_, metrics_, options);
    SetReplicas(kAllReplicas);
  }

  void Step() {
    switch (Pick(9)) {
      case 0:
      case 1: {
        std::vector<std::string> keys;
        for (size_t n = 1 + Pick(3); n > 0; --n) keys.push_back(kKeys[Pick(kKeys.size())]);
        for (const auto& k : keys) keys_.push_back(k);
        AppendEvents(outbox_, keys);
        break;
      }
      case 2:
        sink_.Grant(replicas_[Pick(replicas_.size())], static_cast<uint32_t>(Pick(4)));
        break;
      case 3:
        Pump();
        break;
      case 4:
      case 5:
        if (!in_flight_.empty()) Ack(RandomInFlight());
        break;
      case 6:
        if (!in_flight_.empty()) {
          uint64_t id = RandomInFlight();
          auto reason = static_cast<wire::NackReason>(1 + Pick(4));
          dispatcher_->OnNack(id, reason);
          if (reason == wire::NackReason::kRejected) acked_.insert(in_flight_[id].offset);
          Forget(id);
        }
        break;
      case 7: {
        std::string lost = replicas_[Pick(replicas_.size())];
        sink_.Revoke(lost);
        dispatcher_->OnPeerLost(lost);
        ForgetReplica(lost);
        break;
      }
      case 8:
        if (Pick(2) == 0 && !stale_.empty()) {
          dispatcher_->OnAck(stale_[Pick(stale_.size())]);  // must change nothing
        } else {
          std::vector<std::string> next;
          for (const auto& r : kAllReplicas) {
            if (Pick(3) != 0) next.push_back(r);
          }
          if (next.empty()) next.push_back(kAllReplicas[Pick(kAllReplicas.size())]);
          SetReplicas(next);
        }
        break;
    }
  }

  // Everything gets credit and every send is acked until the log is done (bounded).
  void Finish() {
    SetReplicas(kAllReplicas);
    for (int round = 0; round < 1000 && Cursor() < outbox_.EndOffset(kTopicKey); ++round) {
      for (const auto& r : replicas_) sink_.Grant(r, 8);
      Pump();
      while (!in_flight_.empty()) Ack(in_flight_.begin()->first);
    }
    Pump();
    EXPECT_EQ(Cursor(), outbox_.EndOffset(kTopicKey));
    EXPECT_EQ(outbox_.Cursor(kTopicKey, kSubKey), outbox_.EndOffset(kTopicKey));
    for (uint64_t o = 0; o < keys_.size(); ++o) EXPECT_TRUE(acked_.count(o)) << "offset " << o << " never acked";
  }

 private:
  struct Sent {
    uint64_t offset;
    std::string replica;
  };

  size_t Pick(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  uint64_t RandomInFlight() {
    auto it = in_flight_.begin();
    std::advance(it, static_cast<long>(Pick(in_flight_.size())));
    return it->first;
  }
  uint64_t Cursor() {
    auto p = dispatcher_->Progress();
    return p.empty() ? 0 : p.front().cursor;
  }

  void SetReplicas(std::vector<std::string> replicas) {
    std::set<std::string> listed(replicas.begin(), replicas.end());
    for (const auto& r : replicas_) {
      if (!listed.count(r)) {
        sink_.Revoke(r);
        ForgetReplica(r);
      }
    }
    replicas_ = std::move(replicas);
    std::vector<Endpoint> endpoints;
    for (const auto& r : replicas_) endpoints.push_back(Replica(r));
    dispatcher_->OnTable(MakeTable(++version_, {MakeSubscription("billing-orders")}, endpoints));
  }

  void Pump() {
    dispatcher_->Pump(sink_);
    uint64_t cursor = Cursor();
    std::vector<std::string> ids = replicas_;
    std::sort(ids.begin(), ids.end());
    std::vector<std::string_view> views(ids.begin(), ids.end());
    for (auto& d : sink_.Take()) {
      uint64_t offset = std::stoull(EventId(d.frame).substr(1));
      ASSERT_LT(offset, keys_.size());
      const std::string& key = keys_[offset];
      EXPECT_LT(offset, cursor + kWindow) << "past the window";
      EXPECT_FALSE(acked_.count(offset)) << "offset " << offset << " sent again after its ack";
      if (!key.empty()) {
        for (uint64_t earlier = 0; earlier < offset; ++earlier) {
          if (keys_[earlier] == key) {
            EXPECT_TRUE(acked_.count(earlier)) << "e" << offset << " of key " << key << " overtook e" << earlier;
          }
        }
        for (const auto& [id, s] : in_flight_) {
          EXPECT_NE(keys_[s.offset], key) << "two events of key " << key << " in flight";
        }
        EXPECT_EQ(d.sidecar_id, ids[RendezvousPick(key, views)]) << "key " << key;
      }
      in_flight_[d.frame.delivery_id] = Sent{offset, d.sidecar_id};
    }
  }

  void Ack(uint64_t id) {
    dispatcher_->OnAck(id);
    acked_.insert(in_flight_[id].offset);
    Forget(id);
  }
  void Forget(uint64_t id) {
    in_flight_.erase(id);
    stale_.push_back(id);
  }
  void ForgetReplica(const std::string& r) {
    std::vector<uint64_t> gone;
    for (const auto& [id, s] : in_flight_) {
      if (s.replica == r) gone.push_back(id);
    }
    for (uint64_t id : gone) Forget(id);
  }

  std::mt19937_64 rng_;
  MemoryOutbox outbox_;
  SimulatedClock clock_;
  SidecarMetrics metrics_;
  RecordingSink sink_;
  std::unique_ptr<Dispatcher> dispatcher_;
  uint64_t version_ = 0;
  std::vector<std::string> replicas_;
  std::vector<std::string> keys_;          // by offset
  std::map<uint64_t, Sent> in_flight_;     // by delivery id, as the dispatcher should see it
  std::set<uint64_t> acked_;               // offsets
  std::vector<uint64_t> stale_;            // delivery ids no longer in flight
};

TEST(DispatcherPropertyTest, OrderWindowAndProgressHoldUnderRandomInterleavings) {
  for (uint64_t seed = 1; seed <= 200; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    DispatcherModel model(seed);
    for (int step = 0; step < 300; ++step) {
      model.Step();
      if (::testing::Test::HasFailure()) return;
    }
    model.Finish();
    if (::testing::Test::HasFailure()) return;
  }
}

}  // namespace
}  // namespace zroute
