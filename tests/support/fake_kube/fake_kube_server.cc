#include "tests/support/fake_kube/fake_kube_server.h"

#include <sstream>

namespace zroute::testing {
namespace {

using nlohmann::json;
using SteadyClock = std::chrono::steady_clock;

// How long a blocked watch step waits before re-checking hooks and whether the client is gone.
constexpr auto kWatchSlice = std::chrono::milliseconds(200);
constexpr int kDefaultWatchTimeoutSeconds = 1800;

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> parts;
  std::stringstream ss(path);
  std::string part;
  while (std::getline(ss, part, '/')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

std::string Verb(const httplib::Request& req, bool named) {
  if (req.method == "GET") {
    if (named) return "get";
    std::string w = req.get_param_value("watch");
    return (w == "1" || w == "true") ? "watch" : "list";
  }
  if (req.method == "POST") return "create";
  if (req.method == "PUT") return "update";
  if (req.method == "PATCH") return "patch";
  if (req.method == "DELETE") return "delete";
  return req.method;
}

}  // namespace

struct FakeKubeServer::WatchStream {
  FakeKubeStore::WatchState state;
  std::vector<json> pending;
  SteadyClock::time_point deadline;
  bool bookmarks = false;
  uint64_t cut_generation = 0;
  uint64_t close_generation = 0;
  uint64_t bookmark_generation = 0;
  bool ending = false;  // after the pending events (an ERROR), end the stream cleanly
};

FakeKubeServer::FakeKubeServer(size_t history_limit)
    : store_(history_limit), https_(false), server_(std::make_unique<httplib::Server>()) {}

FakeKubeServer::FakeKubeServer(const std::string& cert_path, const std::string& key_path, size_t history_limit)
    : store_(history_limit),
      https_(true),
      server_(std::make_unique<httplib::SSLServer>(cert_path.c_str(), key_path.c_str())) {}

FakeKubeServer::~FakeKubeServer() { Stop(); }

Status FakeKubeServer::Start() {
  if (!server_->is_valid()) return Status::InvalidArgument("fake kube server: invalid TLS certificate or key");
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(100000);
  server_->set_keep_alive_timeout(2);  // Stop() waits for idle keep-alive connections to time out
  server_->set_payload_max_length(3 * 1024 * 1024);
  // One connection holds one pool thread; each watch is one connection.
  server_->new_task_queue = [] { return new httplib::ThreadPool(48); };
  auto handler = [this](const httplib::Request& req, httplib::Response& res) { Handle(req, res); };
  server_->Get(R"(/.*)", handler);
  server_->Post(R"(/.*)", handler);
  server_->Put(R"(/.*)", handler);
  server_->Patch(R"(/.*)", handler);
  server_->Delete(R"(/.*)", handler);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) return Status::IOError("fake kube server: cannot bind 127.0.0.1");
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  for (int i = 0; i < 5000 && !server_->is_running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));  // startup only; 0.11 has no ready signal
  }
  if (!server_->is_running()) return Status::Internal("fake kube server did not start");
  return Status::OK();
}

void FakeKubeServer::Stop() {
  if (!listener_.joinable()) return;
  stopping_ = true;
  store_.Wake();
  server_->stop();
  listener_.join();
}

void FakeKubeServer::SetValidToken(const std::string& token) {
  std::lock_guard<std::mutex> lock(mu_);
  token_ = token;
}

void FakeKubeServer::InjectFaults(const std::string& path_prefix, int code, int count, const std::string& verb) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back({path_prefix, verb, code, count});
}

void FakeKubeServer::CutWatches() {
  ++cut_generation_;
  store_.Wake();
}

void FakeKubeServer::CloseWatches() {
  ++close_generation_;
  store_.Wake();
}

void FakeKubeServer::SendBookmarks() {
  ++bookmark_generation_;
  store_.Wake();
}

int FakeKubeServer::RequestCount(const std::string& verb, const std::string& path_prefix) const {
  std::lock_guard<std::mutex> lock(mu_);
  int total = 0;
  for (const auto& [key, count] : requests_) {
    if ((verb.empty() || key.first == verb) && key.second.compare(0, path_prefix.size(), path_prefix) == 0) {
      total += count;
    }
  }
  return total;
}

int FakeKubeServer::ResponseCount(int code) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = responses_.find(code);
  return it == responses_.end() ? 0 : it->second;
}

void FakeKubeServer::Reply(httplib::Response& res, const FakeReply& reply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++responses_[reply.code];
  }
  res.status = reply.code;
  res.set_content(reply.body.dump(), "application/json");
}

bool FakeKubeServer::ParsePath(const std::string& path, Route& route) const {
  std::vector<std::string> p = SplitPath(path);
  size_t i;
  if (p.size() >= 2 && p[0] == "api") {
    route.gvr.version = p[1];
    i = 2;
  } else if (p.size() >= 3 && p[0] == "apis") {
    route.gvr.group = p[1];
    route.gvr.version = p[2];
    i = 3;
  } else {
    return false;
  }
  std::vector<std::string> rest(p.begin() + static_cast<long>(i), p.end());
  if (rest.size() >= 3 && rest[0] == "namespaces") {
    if (rest.size() > 5) return false;
    route.ns = rest[1];
    route.gvr.resource = rest[2];
    if (rest.size() > 3) route.name = rest[3];
    if (rest.size() > 4) route.sub = rest[4];
    return true;
  }
  if (rest.empty() || rest.size() > 3) return false;
  route.gvr.resource = rest[0];
  if (rest.size() > 1) route.name = rest[1];
  if (rest.size() > 2) route.sub = rest[2];
  return true;
}

void FakeKubeServer::Handle(const httplib::Request& req, httplib::Response& res) {
  Route route;
  bool routed = ParsePath(req.path, route);
  const std::string verb = Verb(req, !route.name.empty());
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++requests_[{verb, req.path}];
    if (!token_.empty() && req.get_header_value("Authorization") != "Bearer " + token_) {
      ++responses_[401];
      res.status = 401;
      res.set_content(KubeStatus(401, "Unauthorized", "Unauthorized").dump(), "application/json");
      return;
    }
    for (Fault& f : faults_) {
      if (f.remaining > 0 && req.path.compare(0, f.prefix.size(), f.prefix) == 0 &&
          (f.verb.empty() || f.verb == verb)) {
        --f.remaining;
        if (f.code == 410 && verb == "watch" && expired_mode_ == ExpiredWatchMode::kErrorEvent) {
          ++responses_[200];
          json event = {{"type", "ERROR"}, {"object", KubeStatus(410, "Expired", "injected expiry")}};
          res.status = 200;
          res.set_content(event.dump() + "\n", "application/json");
          return;
        }
        ++responses_[f.code];
        res.status = f.code;
        if (f.code == 429) res.set_header("Retry-After", "1");
        std::string reason = f.code == 429 ? "TooManyRequests" : f.code == 410 ? "Expired" : "InternalError";
        res.set_content(KubeStatus(f.code, reason, "injected fault").dump(), "application/json");
        return;
      }
    }
  }
  if (!routed || route.gvr.resource.empty()) {
    Reply(res, {404, KubeStatus(404, "NotFound", "the server could not find the requested resource")});
    return;
  }
  if (verb == "watch") {
    ServeWatch(route, req, res);
    return;
  }
  auto parse_body = [&](json& out) {
    try {
      out = json::parse(req.body);
      return true;
    } catch (const json::exception& e) {
      Reply(res, {400, KubeStatus(400, "BadRequest", std::string("malformed JSON body: ") + e.what())});
      return false;
    }
  };
  json body;
  if (verb == "get") {
    Reply(res, store_.Get(route.gvr, route.ns, route.name, route.sub));
  } else if (verb == "list") {
    int64_t limit = 0;
    std::string limit_text = req.get_param_value("limit");
    if (!limit_text.empty()) {
      try {
        limit = std::stoll(limit_text);
      } catch (const std::exception&) {
        Reply(res, {400, KubeStatus(400, "BadRequest", "invalid limit")});
        return;
      }
    }
    Reply(res, store_.List(route.gvr, route.ns, req.get_param_value("labelSelector"), limit,
                           req.get_param_value("continue"), req.get_param_value("resourceVersion")));
  } else if (verb == "create") {
    if (!route.name.empty()) {
      Reply(res, {405, KubeStatus(405, "MethodNotAllowed", "POST to a named resource")});
    } else if (parse_body(body)) {
      Reply(res, store_.Create(route.gvr, route.ns, std::move(body)));
    }
  } else if (route.name.empty()) {
    Reply(res, {405, KubeStatus(405, "MethodNotAllowed", req.method + " needs a resource name")});
  } else if (verb == "update") {
    if (parse_body(body)) Reply(res, store_.Update(route.gvr, route.ns, route.name, route.sub, std::move(body)));
  } else if (verb == "patch") {
    Reply(res, store_.Patch(route.gvr, route.ns, route.name, route.sub, req.get_header_value("Content-Type"),
                            req.body));
  } else if (verb == "delete") {
    Reply(res, store_.Delete(route.gvr, route.ns, route.name));
  } else {
    Reply(res, {405, KubeStatus(405, "MethodNotAllowed", "unsupported method " + req.method)});
  }
}

void FakeKubeServer::ServeWatch(const Route& route, const httplib::Request& req, httplib::Response& res) {
  auto ws = std::make_shared<WatchStream>();
  ws->state.gvr = route.gvr;
  ws->state.ns = route.ns;
  auto sel = LabelSelector::Parse(req.get_param_value("labelSelector"));
  if (!sel.ok()) {
    Reply(res, {400, KubeStatus(400, "BadRequest", sel.status().message())});
    return;
  }
  ws->state.selector = std::move(*sel);
  std::string b = req.get_param_value("allowWatchBookmarks");
  ws->bookmarks = b == "true" || b == "1";
  int timeout = kDefaultWatchTimeoutSeconds;
  std::string t = req.get_param_value("timeoutSeconds");
  if (!t.empty()) {
    try {
      timeout = std::stoi(t);
    } catch (const std::exception&) {
      Reply(res, {400, KubeStatus(400, "BadRequest", "invalid timeoutSeconds")});
      return;
    }
  }
  ws->deadline = SteadyClock::now() + std::chrono::seconds(std::max(0, timeout));
  FakeReply start = store_.StartWatch(req.get_param_value("resourceVersion"), ws->state, ws->pending);
  if (start.code == 410 && expired_mode_ == ExpiredWatchMode::kErrorEvent) {
    ws->pending = {{{"type", "ERROR"}, {"object", start.body}}};
    ws->ending = true;
  } else if (start.code != 200) {
    Reply(res, start);
    return;
  }
  ws->cut_generation = cut_generation_;
  ws->close_generation = close_generation_;
  ws->bookmark_generation = bookmark_generation_;
  {
    std::lock_guard<std::mutex> lock(mu_);
    ++responses_[200];
  }
  ++active_watches_;
  res.status = 200;
  res.set_chunked_content_provider(
      "application/json", [this, ws](size_t, httplib::DataSink& sink) { return WatchStep(*ws, sink); },
      [this](bool) { --active_watches_; });
}

// One call of the chunked content provider: writes at least one event, ends the stream, or blocks
// up to kWatchSlice. Returning false drops the connection without the terminating chunk.
bool FakeKubeServer::WatchStep(WatchStream& ws, httplib::DataSink& sink) {
  auto write = [&](const json& event) {
    std::string line = event.dump() + "\n";
    return sink.write(line.data(), line.size());
  };
  while (true) {
    if (stopping_ || ws.cut_generation != cut_generation_) return false;
    if (!ws.pending.empty()) {
      for (const json& e : ws.pending) {
        if (!write(e)) return false;
      }
      ws.pending.clear();
      return true;
    }
    if (ws.ending) {
      sink.done();
      return true;
    }
    if (ws.close_generation != close_generation_) {
      sink.done();
      return true;
    }
    if (ws.bookmarks && ws.bookmark_generation != bookmark_generation_) {
      ws.bookmark_generation = bookmark_generation_;
      ws.pending.push_back({{"type", "BOOKMARK"},
                            {"object", {{"kind", "Bookmark"},
                                        {"metadata", {{"resourceVersion", std::to_string(ws.state.cursor)}}}}}});
      continue;
    }
    if (!sink.is_writable()) return false;
    auto now = SteadyClock::now();
    if (now >= ws.deadline) {
      if (ws.bookmarks) {
        write({{"type", "BOOKMARK"},
               {"object", {{"kind", "Bookmark"}, {"metadata", {{"resourceVersion", std::to_string(ws.state.cursor)}}}}}});
      }
      sink.done();
      return true;
    }
    auto result = store_.WaitForEvents(ws.state, std::min(ws.deadline, now + kWatchSlice), ws.pending);
    if (result == FakeKubeStore::WaitResult::kExpired) {
      ws.pending.push_back(
          {{"type", "ERROR"}, {"object", KubeStatus(410, "Expired", "watch history was compacted")}});
      ws.ending = true;
    }
  }
}

}  // namespace zroute::testing
