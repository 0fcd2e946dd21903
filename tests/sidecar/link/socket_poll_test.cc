// SocketPoll: sockets are asked only when they may have changed, and no message is missed for it.
#include "sidecar/link/socket_poll.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace zroute {
namespace {

using std::chrono::milliseconds;

// A connected inproc pair: `local` is the socket under test, `remote` its other end.
struct Pair {
  Pair(zmq::context_t& context, const std::string& name)
      : local(context, zmq::socket_type::pair), remote(context, zmq::socket_type::pair) {
    local.bind("inproc://" + name);
    remote.connect("inproc://" + name);
  }
  zmq::socket_t local;
  zmq::socket_t remote;
  bool unchecked = true;  // a new socket starts unchecked
};

// Whether libzmq signalled the socket's mailbox descriptor (within `within`).
bool MailboxSignalled(zmq::socket_t& s, milliseconds within = milliseconds(0)) {
  pollfd p{static_cast<int>(s.get(zmq::sockopt::fd)), POLLIN, 0};
  return ::poll(&p, 1, static_cast<int>(within.count())) == 1;
}

class SocketPollTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(event_fd_, 0); }
  void TearDown() override { ::close(event_fd_); }

  // Waits (bounded) until the poll reports `index` readable.
  bool WaitReadable(size_t index) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline) {
      poll_.Wait(milliseconds(100));
      if (poll_.Readable(index)) return true;
    }
    return false;
  }

  zmq::context_t context_;
  SocketPoll poll_;
  int event_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
};

TEST_F(SocketPollTest, ReportsASocketWhenAMessageArrivesAndClearsItsFlagWhenItHasNone) {
  Pair pair(context_, "arrives");
  const size_t index = poll_.AddSocket(pair.local, &pair.unchecked);
  poll_.Wait(milliseconds(0));
  EXPECT_FALSE(poll_.Readable(index));
  EXPECT_FALSE(pair.unchecked) << "asked, and nothing to read";

  pair.remote.send(zmq::str_buffer("hello"));
  ASSERT_TRUE(WaitReadable(index));
  EXPECT_TRUE(pair.unchecked) << "readable: asked again next time";
  zmq::message_t m;
  ASSERT_TRUE(pair.local.recv(m, zmq::recv_flags::dontwait));
  EXPECT_EQ(m.to_string(), "hello");
}

TEST_F(SocketPollTest, IdleSocketsAreNotAskedWhileADescriptorWakesTheLoop) {
  std::vector<std::unique_ptr<Pair>> pairs;
  for (int i = 0; i < 8; ++i) {
    pairs.push_back(std::make_unique<Pair>(context_, "idle" + std::to_string(i)));
    poll_.AddSocket(pairs.back()->local, &pairs.back()->unchecked);
  }
  const size_t fd_index = poll_.AddFd(event_fd_);
  // The first turns settle the new sockets (their connection commands arrive on the mailboxes).
  for (int i = 0; i < 3; ++i) poll_.Wait(milliseconds(0));
  for (auto& p : pairs) ASSERT_FALSE(p->unchecked);

  const uint64_t asked = poll_.questions();
  const uint64_t one = 1;
  ASSERT_EQ(::write(event_fd_, &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
  poll_.Wait(milliseconds(5000));
  EXPECT_TRUE(poll_.Readable(fd_index));
  EXPECT_EQ(poll_.questions(), asked) << "zmq::poll would have asked all eight sockets, twice";
  for (size_t i = 0; i < pairs.size(); ++i) EXPECT_FALSE(poll_.Readable(i));
}

// Why the owners mark a socket after sending on it: any operation on a socket may process its
// pending commands, and so consume the signal that a message arrived. The mailbox descriptor then
// stays quiet while the message waits.
TEST_F(SocketPollTest, ASocketMarkedAfterAnOperationIsAskedThoughItsSignalWasConsumed) {
  Pair pair(context_, "consumed");
  const size_t index = poll_.AddSocket(pair.local, &pair.unchecked);
  poll_.Wait(milliseconds(0));
  ASSERT_FALSE(pair.unchecked);

  pair.remote.send(zmq::str_buffer("waiting"));
  // The arrival is signalled; an operation on the socket consumes the signal.
  ASSERT_TRUE(MailboxSignalled(pair.local, milliseconds(5000)));
  ASSERT_TRUE(pair.local.get(zmq::sockopt::events) & ZMQ_POLLIN);
  ASSERT_FALSE(MailboxSignalled(pair.local)) << "the signal is gone, the message is not";

  poll_.Wait(milliseconds(20));
  EXPECT_FALSE(poll_.Readable(index)) << "unmarked, the socket is not asked and the message goes unseen";

  pair.unchecked = true;  // what every owner does after a send
  poll_.Wait(milliseconds(5000));
  EXPECT_TRUE(poll_.Readable(index));
}

TEST_F(SocketPollTest, AReadableSocketIsAskedAgainUntilItIsRead) {
  Pair pair(context_, "again");
  const size_t index = poll_.AddSocket(pair.local, &pair.unchecked);
  pair.remote.send(zmq::str_buffer("one"));
  ASSERT_TRUE(WaitReadable(index));
  // Not read: the descriptor is quiet now, but the flag makes the next turn ask.
  EXPECT_FALSE(MailboxSignalled(pair.local));
  poll_.Wait(milliseconds(5000));
  EXPECT_TRUE(poll_.Readable(index));

  zmq::message_t m;
  ASSERT_TRUE(pair.local.recv(m, zmq::recv_flags::dontwait));
  ASSERT_FALSE(pair.local.recv(m, zmq::recv_flags::dontwait));
  poll_.Wait(milliseconds(0));
  EXPECT_FALSE(poll_.Readable(index));
  EXPECT_FALSE(pair.unchecked);
}

TEST_F(SocketPollTest, AReadySocketDoesNotStarveADescriptor) {
  Pair pair(context_, "starve");
  const size_t socket_index = poll_.AddSocket(pair.local, &pair.unchecked);
  const size_t fd_index = poll_.AddFd(event_fd_);
  pair.remote.send(zmq::str_buffer("ready"));
  ASSERT_TRUE(WaitReadable(socket_index));
  const uint64_t one = 1;
  ASSERT_EQ(::write(event_fd_, &one, sizeof(one)), static_cast<ssize_t>(sizeof(one)));
  poll_.Wait(milliseconds(5000));
  EXPECT_TRUE(poll_.Readable(socket_index));
  EXPECT_TRUE(poll_.Readable(fd_index));
}

TEST_F(SocketPollTest, ReturnsAfterTheTimeoutWithNothingReadable) {
  Pair pair(context_, "timeout");
  const size_t socket_index = poll_.AddSocket(pair.local, &pair.unchecked);
  const size_t fd_index = poll_.AddFd(event_fd_);
  const auto start = std::chrono::steady_clock::now();
  poll_.Wait(milliseconds(30));
  poll_.Wait(milliseconds(30));  // the first may have handled the connection's commands
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(30));
  EXPECT_FALSE(poll_.Readable(socket_index));
  EXPECT_FALSE(poll_.Readable(fd_index));
  EXPECT_FALSE(poll_.Readable(99)) << "an index never registered";

  poll_.Clear();
  EXPECT_EQ(poll_.size(), 0u);
  EXPECT_FALSE(poll_.Readable(socket_index));
}

}  // namespace
}  // namespace zroute
