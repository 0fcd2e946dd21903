#include "tests/support/fake_kube/fake_kube_store.h"

#include <algorithm>
#include <ctime>

namespace zroute::testing {
namespace {

using nlohmann::json;

std::string NowRfc3339() {
  std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const json& Labels(const json& obj) {
  static const json kNull;
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return kNull;
  const json& md = obj["metadata"];
  return md.contains("labels") ? md["labels"] : kNull;
}

// The part of an object whose change bumps metadata.generation: everything but metadata and status.
json SpecPart(const json& obj) {
  json copy = obj;
  copy.erase("metadata");
  copy.erase("status");
  return copy;
}

json Finalizers(const json& obj) {
  const json& md = obj["metadata"];
  if (md.contains("finalizers") && md["finalizers"].is_array()) return md["finalizers"];
  return json::array();
}

json ScaleOf(const json& obj) {
  const json& md = obj["metadata"];
  json scale = {{"apiVersion", "autoscaling/v1"},
                {"kind", "Scale"},
                {"metadata",
                 {{"name", md.value("name", "")},
                  {"namespace", md.value("namespace", "")},
                  {"uid", md.value("uid", "")},
                  {"resourceVersion", md.value("resourceVersion", "")},
                  {"creationTimestamp", md.value("creationTimestamp", "")}}},
                {"spec", json::object()},
                {"status", {{"replicas", 0}}}};
  if (obj.contains("spec") && obj["spec"].is_object() && obj["spec"].contains("replicas")) {
    scale["spec"]["replicas"] = obj["spec"]["replicas"];
  }
  if (obj.contains("status") && obj["status"].is_object()) {
    const json& st = obj["status"];
    if (st.contains("replicas")) scale["status"]["replicas"] = st["replicas"];
    if (st.contains("selector")) scale["status"]["selector"] = st["selector"];
  }
  // Deployments and StatefulSets have no status.selector: their Scale shows spec.selector as a
  // selector string ("app=billing,tier=web"). The fake renders matchLabels only.
  if (!scale["status"].contains("selector") && obj.contains("spec") && obj["spec"].is_object() &&
      obj["spec"].contains("selector") && obj["spec"]["selector"].is_object() &&
      obj["spec"]["selector"].contains("matchLabels") && obj["spec"]["selector"]["matchLabels"].is_object()) {
    std::string selector;
    for (const auto& [k, v] : obj["spec"]["selector"]["matchLabels"].items()) {
      if (!v.is_string()) continue;
      selector += (selector.empty() ? "" : ",") + k + "=" + v.get<std::string>();
    }
    scale["status"]["selector"] = selector;
  }
  return scale;
}

bool ValidObject(const json& body) {
  return body.is_object() && (!body.contains("metadata") || body["metadata"].is_object());
}

}  // namespace

json KubeStatus(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},   {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Failure"},
          {"message", message}, {"reason", reason},   {"code", code}};
}

bool FakeGvr::IsBuiltin() const {
  static const char* kBuiltin[] = {"",          "apps",     "batch",         "coordination.k8s.io",
                                   "autoscaling", "policy", "discovery.k8s.io", "events.k8s.io",
                                   "networking.k8s.io", "rbac.authorization.k8s.io",
                                   "admissionregistration.k8s.io", "apiextensions.k8s.io"};
  return std::find(std::begin(kBuiltin), std::end(kBuiltin), group) != std::end(kBuiltin);
}

FakeKubeStore::FakeKubeStore(size_t history_limit) : history_limit_(history_limit) {}

FakeReply FakeKubeStore::Get(const FakeGvr& gvr, const std::string& ns, const std::string& name,
                             const std::string& sub) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find({gvr.Key(), ns, name});
  if (it == objects_.end()) {
    return {404, KubeStatus(404, "NotFound", gvr.resource + " \"" + name + "\" not found")};
  }
  if (sub == "scale") return {200, ScaleOf(it->second)};
  if (!sub.empty() && sub != "status") return {404, KubeStatus(404, "NotFound", "no subresource " + sub)};
  return {200, it->second};
}

FakeReply FakeKubeStore::List(const FakeGvr& gvr, const std::string& ns, const std::string& label_selector,
                              int64_t limit, const std::string& continue_token,
                              const std::string& resource_version) {
  auto sel = LabelSelector::Parse(label_selector);
  if (!sel.ok()) return {400, KubeStatus(400, "BadRequest", sel.status().message())};
  if (limit < 0) return {400, KubeStatus(400, "BadRequest", "limit must be non-negative")};
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t snapshot_id = 0;
  size_t offset = 0;
  if (!continue_token.empty()) {
    if (!resource_version.empty() && resource_version != "0") {
      return {400, KubeStatus(400, "BadRequest", "specifying resource version is not allowed when using continue")};
    }
    size_t colon = continue_token.find(':');
    try {
      if (colon == std::string::npos) throw std::invalid_argument("no colon");
      snapshot_id = std::stoull(continue_token.substr(0, colon));
      offset = std::stoull(continue_token.substr(colon + 1));
    } catch (const std::exception&) {
      return {400, KubeStatus(400, "BadRequest", "invalid continue token")};
    }
    if (!snapshots_.count(snapshot_id)) {
      return {410, KubeStatus(410, "Expired",
                              "The provided continue parameter is too old to display a consistent list result.")};
    }
  } else {
    Snapshot snap{rv_, {}};
    for (const auto& [key, obj] : objects_) {
      if (std::get<0>(key) != gvr.Key()) continue;
      if (!ns.empty() && std::get<1>(key) != ns) continue;
      if (!sel->Matches(Labels(obj))) continue;
      snap.items.push_back(obj);
    }
    snapshot_id = next_snapshot_++;
    snapshots_[snapshot_id] = std::move(snap);
  }
  Snapshot& snap = snapshots_[snapshot_id];
  size_t end = snap.items.size();
  if (limit > 0 && offset + static_cast<size_t>(limit) < end) end = offset + static_cast<size_t>(limit);
  json items = json::array();
  for (size_t i = std::min(offset, snap.items.size()); i < end; ++i) items.push_back(snap.items[i]);
  json md = {{"resourceVersion", std::to_string(snap.rv)}};
  if (end < snap.items.size()) {
    md["continue"] = std::to_string(snapshot_id) + ":" + std::to_string(end);
    md["remainingItemCount"] = snap.items.size() - end;
  } else {
    snapshots_.erase(snapshot_id);
  }
  std::string api_version = gvr.group.empty() ? gvr.version : gvr.group + "/" + gvr.version;
  return {200, {{"apiVersion", api_version}, {"kind", "List"}, {"metadata", md}, {"items", items}}};
}

FakeReply FakeKubeStore::Create(const FakeGvr& gvr, const std::string& ns, json body) {
  if (!ValidObject(body)) return {400, KubeStatus(400, "BadRequest", "body must be a JSON object")};
  json& md = body["metadata"];
  if (md.is_null()) md = json::object();
  if (md.contains("namespace") && md["namespace"].is_string() && !md["namespace"].get<std::string>().empty() &&
      md["namespace"] != ns) {
    return {400, KubeStatus(400, "BadRequest", "the namespace of the object does not match the namespace on the request")};
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = md.contains("name") && md["name"].is_string() ? md["name"].get<std::string>() : "";
  if (name.empty() && md.contains("generateName") && md["generateName"].is_string()) {
    name = md["generateName"].get<std::string>() + std::to_string(uid_counter_ + 1);
  }
  if (name.empty()) return {422, KubeStatus(422, "Invalid", "metadata.name: Required value")};
  Key key{gvr.Key(), ns, name};
  if (objects_.count(key)) {
    return {409, KubeStatus(409, "AlreadyExists", gvr.resource + " \"" + name + "\" already exists")};
  }
  md["name"] = name;
  if (!ns.empty()) md["namespace"] = ns;
  md["uid"] = NewUidLocked();
  md["creationTimestamp"] = NowRfc3339();
  md["generation"] = 1;
  md.erase("deletionTimestamp");
  body.erase("status");  // every fake resource has a status subresource
  md["resourceVersion"] = std::to_string(NextRvLocked());
  objects_[key] = body;
  RecordLocked("ADDED", key, body, json());
  return {201, body};
}

FakeReply FakeKubeStore::Update(const FakeGvr& gvr, const std::string& ns, const std::string& name,
                                const std::string& sub, json body) {
  if (!ValidObject(body)) return {400, KubeStatus(400, "BadRequest", "body must be a JSON object")};
  if (body.contains("metadata") && body["metadata"].contains("name") && body["metadata"]["name"] != name) {
    return {400, KubeStatus(400, "BadRequest", "the name of the object does not match the name on the URL")};
  }
  std::lock_guard<std::mutex> lock(mu_);
  Key key{gvr.Key(), ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return {404, KubeStatus(404, "NotFound", gvr.resource + " \"" + name + "\" not found")};
  }
  if (sub == "scale") {
    json desired = it->second;
    const json& md = body.contains("metadata") ? body["metadata"] : json::object();
    if (md.contains("resourceVersion")) desired["metadata"]["resourceVersion"] = md["resourceVersion"];
    if (!body.contains("spec") || !body["spec"].is_object() || !body["spec"].contains("replicas") ||
        !body["spec"]["replicas"].is_number_integer() || body["spec"]["replicas"].get<int64_t>() < 0) {
      return {422, KubeStatus(422, "Invalid", "spec.replicas must be a non-negative integer")};
    }
    desired["spec"]["replicas"] = body["spec"]["replicas"];
    FakeReply r = WriteLocked(gvr, key, desired, "");
    if (r.code == 200) r.body = ScaleOf(r.body);
    return r;
  }
  if (!sub.empty() && sub != "status") return {404, KubeStatus(404, "NotFound", "no subresource " + sub)};
  return WriteLocked(gvr, key, std::move(body), sub);
}

FakeReply FakeKubeStore::Patch(const FakeGvr& gvr, const std::string& ns, const std::string& name,
                               const std::string& sub, const std::string& content_type, const std::string& body) {
  std::string type = content_type.substr(0, content_type.find(';'));
  bool merge = type == "application/merge-patch+json";
  if (type == "application/strategic-merge-patch+json") {
    if (!gvr.IsBuiltin()) {
      return {415, KubeStatus(415, "UnsupportedMediaType",
                              "the body of the request was in an unknown format - accepted media types include: "
                              "application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")};
    }
    merge = true;  // the fake approximates strategic merge on built-in types by a merge patch
  } else if (!merge && type != "application/json-patch+json") {
    return {415, KubeStatus(415, "UnsupportedMediaType", "unsupported patch type '" + type + "'")};
  }
  json patch;
  try {
    patch = json::parse(body);
  } catch (const json::exception& e) {
    return {400, KubeStatus(400, "BadRequest", std::string("malformed patch: ") + e.what())};
  }
  json current;
  {
    FakeReply cur = Get(gvr, ns, name, sub);
    if (cur.code != 200) return cur;
    current = std::move(cur.body);
  }
  try {
    if (merge) {
      if (!patch.is_object()) return {400, KubeStatus(400, "BadRequest", "merge patch must be an object")};
      current.merge_patch(patch);
    } else {
      if (!patch.is_array()) return {400, KubeStatus(400, "BadRequest", "JSON patch must be an array")};
      current = current.patch(patch);
    }
  } catch (const json::exception& e) {
    return {422, KubeStatus(422, "Invalid", std::string("the patch could not be applied: ") + e.what())};
  }
  // Another writer may slip in between the read and the write; a real server retries that
  // internally unless the patch carries a resourceVersion. The fake's writes through Update
  // check the (unchanged) RV, so a race shows up as 409, which callers must handle anyway.
  return Update(gvr, ns, name, sub, std::move(current));
}

FakeReply FakeKubeStore::Delete(const FakeGvr& gvr, const std::string& ns, const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  Key key{gvr.Key(), ns, name};
  auto it = objects_.find(key);
  if (it == objects_.end()) {
    return {404, KubeStatus(404, "NotFound", gvr.resource + " \"" + name + "\" not found")};
  }
  json old = it->second;
  if (!Finalizers(old).empty()) {
    if (old["metadata"].contains("deletionTimestamp")) return {200, old};
    json obj = old;
    obj["metadata"]["deletionTimestamp"] = NowRfc3339();
    obj["metadata"]["generation"] = obj["metadata"].value("generation", 0) + 1;
    obj["metadata"]["resourceVersion"] = std::to_string(NextRvLocked());
    it->second = obj;
    RecordLocked("MODIFIED", key, obj, old);
    return {200, obj};
  }
  json obj = old;
  obj["metadata"]["resourceVersion"] = std::to_string(NextRvLocked());
  objects_.erase(it);
  RecordLocked("DELETED", key, obj, json());
  return {200, obj};
}

FakeReply FakeKubeStore::WriteLocked(const FakeGvr& gvr, const Key& key, json desired, const std::string& sub) {
  const json old = objects_[key];
  const json& old_md = old["metadata"];
  if (!desired.contains("metadata") || !desired["metadata"].is_object()) desired["metadata"] = json::object();
  json& md = desired["metadata"];
  if (md.contains("resourceVersion") && !md["resourceVersion"].is_null() &&
      md["resourceVersion"] != "" && md["resourceVersion"] != old_md["resourceVersion"]) {
    return {409, KubeStatus(409, "Conflict",
                            "Operation cannot be fulfilled on " + gvr.resource + " \"" + std::get<2>(key) +
                                "\": the object has been modified; please apply your changes to the latest "
                                "version and try again")};
  }
  if (sub == "status") {
    json status = desired.contains("status") ? desired["status"] : json();
    desired = old;
    if (status.is_null()) {
      desired.erase("status");
    } else {
      desired["status"] = status;
    }
  } else {
    if (old.contains("status")) {
      desired["status"] = old["status"];
    } else {
      desired.erase("status");
    }
    for (const char* field : {"uid", "creationTimestamp", "generation", "deletionTimestamp", "name", "namespace"}) {
      if (old_md.contains(field)) {
        md[field] = old_md[field];
      } else {
        md.erase(field);
      }
    }
    if (old_md.contains("deletionTimestamp")) {
      json before = Finalizers(old);
      for (const json& f : Finalizers(desired)) {
        if (std::find(before.begin(), before.end(), f) == before.end()) {
          return {422, KubeStatus(422, "Invalid",
                                  "metadata.finalizers: Forbidden: no new finalizers can be added if the object "
                                  "is being deleted")};
        }
      }
    }
  }
  desired["metadata"]["resourceVersion"] = old_md["resourceVersion"];
  if (desired == old) return {200, old};  // nothing changed: no new RV, no event
  if (SpecPart(desired) != SpecPart(old)) {
    desired["metadata"]["generation"] = old_md.value("generation", 0) + 1;
  }
  desired["metadata"]["resourceVersion"] = std::to_string(NextRvLocked());
  if (desired["metadata"].contains("deletionTimestamp") && Finalizers(desired).empty()) {
    objects_.erase(key);
    RecordLocked("DELETED", key, desired, json());
    return {200, desired};
  }
  objects_[key] = desired;
  RecordLocked("MODIFIED", key, desired, old);
  return {200, desired};
}

void FakeKubeStore::RecordLocked(const std::string& type, const Key& key, const json& object, const json& old) {
  history_.push_back(Event{rv_, type, std::get<0>(key), std::get<1>(key), object, old});
  while (history_.size() > history_limit_) {
    compacted_rv_ = history_.front().rv;
    history_.pop_front();
  }
  changed_.notify_all();
}

FakeReply FakeKubeStore::StartWatch(const std::string& resource_version, WatchState& state,
                                    std::vector<json>& initial) {
  std::lock_guard<std::mutex> lock(mu_);
  if (resource_version.empty() || resource_version == "0") {
    for (const auto& [key, obj] : objects_) {
      if (std::get<0>(key) != state.gvr.Key()) continue;
      if (!state.ns.empty() && std::get<1>(key) != state.ns) continue;
      if (!state.selector.Matches(Labels(obj))) continue;
      initial.push_back({{"type", "ADDED"}, {"object", obj}});
    }
    state.cursor = rv_;
    return {200, json()};
  }
  uint64_t rv = 0;
  try {
    size_t used = 0;
    rv = std::stoull(resource_version, &used);
    if (used != resource_version.size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    return {400, KubeStatus(400, "BadRequest", "invalid resource version \"" + resource_version + "\"")};
  }
  if (rv < compacted_rv_) {
    return {410, KubeStatus(410, "Expired",
                            "too old resource version: " + resource_version + " (" +
                                std::to_string(compacted_rv_ + 1) + ")")};
  }
  state.cursor = rv;
  return {200, json()};
}

void FakeKubeStore::CollectLocked(WatchState& state, std::vector<json>& out) {
  auto it = std::upper_bound(history_.begin(), history_.end(), state.cursor,
                             [](uint64_t rv, const Event& e) { return rv < e.rv; });
  for (; it != history_.end(); ++it) {
    const Event& e = *it;
    state.cursor = e.rv;
    if (e.gvr != state.gvr.Key() || (!state.ns.empty() && e.ns != state.ns)) continue;
    bool now = state.selector.Matches(Labels(e.object));
    std::string type = e.type;
    if (e.type == "MODIFIED") {
      bool before = state.selector.Matches(Labels(e.old));
      if (!before && !now) continue;
      if (!before) type = "ADDED";
      if (!now) type = "DELETED";
    } else if (!now) {
      continue;
    }
    out.push_back({{"type", type}, {"object", e.object}});
  }
  state.cursor = std::max(state.cursor, rv_);
}

FakeKubeStore::WaitResult FakeKubeStore::WaitForEvents(WatchState& state,
                                                       std::chrono::steady_clock::time_point deadline,
                                                       std::vector<json>& out) {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t generation = wake_generation_;
  while (true) {
    if (state.cursor < compacted_rv_) return WaitResult::kExpired;
    CollectLocked(state, out);
    if (!out.empty()) return WaitResult::kEvents;
    if (wake_generation_ != generation) return WaitResult::kWoken;
    if (std::chrono::steady_clock::now() >= deadline) return WaitResult::kDeadline;
    changed_.wait_until(lock, deadline);
  }
}

void FakeKubeStore::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  ++wake_generation_;
  changed_.notify_all();
}

void FakeKubeStore::CompactHistory() {
  std::lock_guard<std::mutex> lock(mu_);
  history_.clear();
  compacted_rv_ = rv_;
  changed_.notify_all();
}

void FakeKubeStore::ExpireContinueTokens() {
  std::lock_guard<std::mutex> lock(mu_);
  snapshots_.clear();
}

std::string FakeKubeStore::CurrentResourceVersion() const {
  std::lock_guard<std::mutex> lock(mu_);
  return std::to_string(rv_);
}

size_t FakeKubeStore::ObjectCount() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

}  // namespace zroute::testing
