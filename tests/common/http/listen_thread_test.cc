#include "common/http/listen_thread.h"

#include <gtest/gtest.h>

namespace zroute {
namespace {

// The race it exists for: stop() right after the start. Without the wait for the accept loop,
// some of these stops land before the loop begins, and the join never returns.
TEST(ListenThreadTest, AServerStoppedRightAfterTheStartIsJoined) {
  for (int i = 0; i < 200; ++i) {
    httplib::Server server;
    ASSERT_GT(server.bind_to_any_port("127.0.0.1"), 0);
    auto listener = StartListenThread(server, "zr-test-listen");
    ASSERT_TRUE(listener.ok()) << listener.status().ToString();
    EXPECT_TRUE(server.is_running());
    server.stop();
    listener->join();
    EXPECT_FALSE(server.is_running());
  }
}

TEST(ListenThreadTest, TheServerAnswersOnceStarted) {
  httplib::Server server;
  server.Get("/ping", [](const httplib::Request&, httplib::Response& res) { res.set_content("pong", "text/plain"); });
  const int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  auto listener = StartListenThread(server, "zr-test-listen");
  ASSERT_TRUE(listener.ok());
  httplib::Client client("127.0.0.1", port);
  auto res = client.Get("/ping");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body, "pong");
  server.stop();
  listener->join();
}

// Never bound: the start refuses it before any thread exists (its backlog cannot be widened).
TEST(ListenThreadTest, AnUnboundServerIsRefusedWithoutAThread) {
  httplib::Server server;
  auto listener = StartListenThread(server, "zr-test-listen");
  ASSERT_FALSE(listener.ok());
  EXPECT_EQ(listener.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(listener.status().message().find("zr-test-listen"), std::string::npos);
  EXPECT_FALSE(server.is_running());
}

}  // namespace
}  // namespace zroute
