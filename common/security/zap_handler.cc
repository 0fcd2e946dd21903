#include "common/security/zap_handler.h"

#include <vector>

#include "common/util/logging.h"
#include "common/util/thread_name.h"

namespace zroute::security {
namespace {
constexpr size_t kMaxRequestFrames = 16;  // RFC 27: 6 frames + the mechanism's credentials
}  // namespace

ZapHandler::ZapHandler(zmq::context_t& context, std::string component, Authorize authorize, OnRefused on_refused)
    : context_(context), component_(std::move(component)), authorize_(std::move(authorize)),
      on_refused_(std::move(on_refused)) {}

ZapHandler::~ZapHandler() { Stop(); }

Status ZapHandler::Start() {
  try {
    socket_ = zmq::socket_t(context_, zmq::socket_type::rep);
    socket_.set(zmq::sockopt::linger, 0);
    socket_.bind(kZapEndpoint);
  } catch (const zmq::error_t& e) {
    socket_.close();
    return Status::Unavailable(std::string("cannot bind the ZAP handler: ") + e.what());
  }
  thread_ = std::thread([this] {
    SetCurrentThreadName("zr-zap");
    Run();
  });
  return Status::OK();
}

void ZapHandler::Stop() {
  if (!thread_.joinable()) return;
  stop_.store(true);
  wakeup_.Notify();
  thread_.join();
  socket_.close();
}

void ZapHandler::Run() {
  while (!stop_.load()) {
    zmq::pollitem_t items[] = {{nullptr, wakeup_.fd(), ZMQ_POLLIN, 0}, {socket_.handle(), 0, ZMQ_POLLIN, 0}};
    try {
      zmq::poll(items, 2, std::chrono::milliseconds(-1));
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) return;
      continue;  // EINTR
    }
    if (items[0].revents & ZMQ_POLLIN) wakeup_.Drain();
    if (items[1].revents & ZMQ_POLLIN) HandleRequest();
  }
}

void ZapHandler::HandleRequest() {
  std::vector<zmq::message_t> frames;
  try {
    do {
      zmq::message_t m;
      if (!socket_.recv(m, zmq::recv_flags::dontwait)) break;
      if (frames.size() < kMaxRequestFrames) frames.push_back(std::move(m));
      if (!frames.back().more()) break;
    } while (true);
  } catch (const zmq::error_t&) {
    return;
  }
  if (frames.size() < 6) return;  // not a ZAP request (libzmq never sends one); REP needs a reply
  const std::string request_id = frames[1].to_string();
  const std::string address = frames[3].to_string();
  const std::string mechanism = frames[5].to_string();

  std::optional<std::string> user;
  if (mechanism == "NULL") {
    user = "";
  } else if (mechanism == "CURVE" && frames.size() >= 7 && frames[6].size() == 32) {
    char z85[41] = {};
    zmq_z85_encode(z85, static_cast<const uint8_t*>(frames[6].data()), 32);
    user = authorize_(z85);
    if (!user) Refused("unknown_key", address);
  } else {
    Refused("mechanism", address);
  }
  if (user) admitted_.fetch_add(1);

  auto send = [this](const std::string& s, bool more) {
    socket_.send(zmq::buffer(s), more ? zmq::send_flags::sndmore : zmq::send_flags::none);
  };
  try {
    send("1.0", true);
    send(request_id, true);
    send(user ? "200" : "400", true);
    send(user ? "OK" : "key not admitted", true);
    send(user ? *user : "", true);
    send("", false);  // no metadata
  } catch (const zmq::error_t& e) {
    ZR_LOG(kWarn, component_, "ZAP reply failed", {{"error", e.what()}});
  }
}

void ZapHandler::Refused(const std::string& reason, const std::string& address) {
  refused_.fetch_add(1);
  if (on_refused_) on_refused_(reason, address);
  uint64_t count = 0;
  if (log_throttle_.Note(std::chrono::steady_clock::now(), &count)) {
    ZR_LOG(kWarn, component_, "connection refused: client key not admitted",
           {{"reason", reason}, {"address", address}, {"refusedSinceLastLog", count}});
  }
}

}  // namespace zroute::security
