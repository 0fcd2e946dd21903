// HttpKubeClient against a scripted server that sends exact (including broken) bytes, to check the
// watch-stream and answer parsing on hostile input.
#include <gtest/gtest.h>

#include <thread>

#include <httplib.h>

#include "operator/kube/http_kube_client.h"
#include "tests/support/simulated_clock.h"

namespace zroute::kube {
namespace {

class ScriptedServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.set_tcp_nodelay(true);
    server_.set_keep_alive_timeout(1);
    server_.Get(R"(/.*)", [this](const httplib::Request&, httplib::Response& res) {
      std::vector<std::string> chunks;
      {
        std::lock_guard<std::mutex> lock(mu_);
        chunks = chunks_;
        res.status = status_;
      }
      auto index = std::make_shared<size_t>(0);
      res.set_chunked_content_provider("application/json", [chunks, index](size_t, httplib::DataSink& sink) {
        if (*index < chunks.size()) {
          const std::string& c = chunks[(*index)++];
          return sink.write(c.data(), c.size());
        }
        sink.done();
        return true;
      });
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    for (int i = 0; i < 5000 && !server_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    KubeConfig config;
    config.server = "http://127.0.0.1:" + std::to_string(port_);
    HttpKubeClientOptions options;
    options.max_watch_line_bytes = 4096;
    auto client = HttpKubeClient::Create(config, clock_, options);
    ASSERT_TRUE(client.ok());
    client_ = std::move(client).value();
  }
  void TearDown() override {
    client_.reset();
    server_.stop();
    thread_.join();
  }
  void Script(std::vector<std::string> chunks, int status = 200) {
    std::lock_guard<std::mutex> lock(mu_);
    chunks_ = std::move(chunks);
    status_ = status;
  }
  StatusOr<WatchEnd> RunWatch() {
    events_.clear();
    return client_->Watch({"", "v1", "pods"}, "ns", {}, [this](const WatchEvent& e) {
      events_.push_back(e);
      return true;
    }, {});
  }

  zroute::testing::SimulatedClock clock_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> chunks_;
  int status_ = 200;
  std::unique_ptr<HttpKubeClient> client_;
  std::vector<WatchEvent> events_;
};

const std::string kAdded = R"({"type":"ADDED","object":{"metadata":{"name":"p","resourceVersion":"5"}}})";

TEST_F(ScriptedServerTest, EventSplitAcrossChunksIsReassembled) {
  std::string line = kAdded + "\n";
  std::vector<std::string> bytes;
  for (char c : line) bytes.emplace_back(1, c);
  Script(bytes);
  auto end = RunWatch();
  ASSERT_TRUE(end.ok()) << end.status();
  EXPECT_EQ(*end, WatchEnd::kClosed);
  ASSERT_EQ(events_.size(), 1u);
  EXPECT_EQ(events_[0].object["metadata"]["resourceVersion"], "5");
}

TEST_F(ScriptedServerTest, SeveralEventsInOneChunk) {
  Script({kAdded + "\n" + R"({"type":"DELETED","object":{"metadata":{"name":"p"}}})" + "\r\n\n"});
  ASSERT_TRUE(RunWatch().ok());
  ASSERT_EQ(events_.size(), 2u);
  EXPECT_EQ(events_[1].type, WatchEventType::kDeleted);
}

TEST_F(ScriptedServerTest, MalformedLineIsAnError) {
  Script({kAdded + "\n", "{not json}\n", kAdded + "\n"});
  auto end = RunWatch();
  EXPECT_EQ(end.status().code(), StatusCode::kInternal);
  EXPECT_EQ(events_.size(), 1u);  // nothing after the bad line is delivered
}

TEST_F(ScriptedServerTest, UnknownTypeAndMissingFieldsAreErrors) {
  Script({R"({"type":"EXPLODED","object":{}})" "\n"});
  EXPECT_FALSE(RunWatch().ok());
  Script({R"({"object":{}})" "\n"});
  EXPECT_FALSE(RunWatch().ok());
  Script({R"({"type":"ADDED"})" "\n"});
  EXPECT_FALSE(RunWatch().ok());
  Script({"[1,2,3]\n"});
  EXPECT_FALSE(RunWatch().ok());
}

TEST_F(ScriptedServerTest, ErrorEventOtherThan410IsReturned) {
  Script({R"({"type":"ERROR","object":{"kind":"Status","code":500,"reason":"InternalError","message":"boom"}})" "\n"});
  auto end = RunWatch();
  EXPECT_EQ(end.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(end.status().message().find("boom"), std::string::npos);
}

TEST_F(ScriptedServerTest, OversizeLineIsRefused) {
  Script({std::string(5000, 'x')});
  EXPECT_EQ(RunWatch().status().code(), StatusCode::kTooLarge);
}

TEST_F(ScriptedServerTest, PartialEventAtEndIsAnError) {
  Script({kAdded + "\n", kAdded.substr(0, 20)});
  auto end = RunWatch();
  EXPECT_EQ(end.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(events_.size(), 1u);
}

TEST_F(ScriptedServerTest, NonJsonErrorBodyStillMapsByCode) {
  Script({"<html>forbidden</html>"}, 403);
  EXPECT_EQ(RunWatch().status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ScriptedServerTest, MalformedAnswersToOrdinaryRequestsAreErrors) {
  Script({"this is not json"});
  EXPECT_EQ(client_->Get({{"", "v1", "pods"}, "ns", "p"}).status().code(), StatusCode::kInternal);
  Script({R"({"items":[]})"});
  EXPECT_EQ(client_->List({"", "v1", "pods"}, "ns", {}).status().code(), StatusCode::kInternal);
  Script({R"({"metadata":{"resourceVersion":"7"},"items":"nope"})"});
  auto list = client_->List({"", "v1", "pods"}, "ns", {});
  ASSERT_TRUE(list.ok());
  EXPECT_TRUE(list->items.empty());
}

}  // namespace
}  // namespace zroute::kube
