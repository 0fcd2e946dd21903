#include "operator/webhook/sidecar_injector.h"

#include <openssl/evp.h>

#include <cstdint>
#include <exception>
#include <set>
#include <utility>

#include "operator/webhook/injection_annotations.h"
#include "operator/webhook/json_patch_builder.h"
#include "operator/webhook/sidecar_container.h"

namespace zroute::webhook {
namespace {

using json = nlohmann::json;

json ReviewEnvelope(json response) {
  return {{"apiVersion", "admission.k8s.io/v1"}, {"kind", "AdmissionReview"}, {"response", std::move(response)}};
}

ReviewResult Deny(const std::string& uid, int code, std::string message) {
  json status = {{"status", "Failure"},
                 {"code", code},
                 {"reason", code == 400 ? "BadRequest" : "InternalError"},
                 {"message", "zroute sidecar injection: " + message}};
  ReviewResult r;
  r.review = ReviewEnvelope({{"uid", uid}, {"allowed", false}, {"status", std::move(status)}});
  r.outcome = ReviewOutcome::kDenied;
  r.detail = std::move(message);
  return r;
}

ReviewResult AllowUnchanged(const std::string& uid, std::string why) {
  ReviewResult r;
  r.review = ReviewEnvelope({{"uid", uid}, {"allowed", true}});
  r.outcome = ReviewOutcome::kUnchanged;
  r.detail = std::move(why);
  return r;
}

// A string member, or "" when absent, null or not a string.
std::string StringOr(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// Looks up a member that must have `type` when present; null counts as absent (out = nullptr).
// False when the member is present with another type.
bool Lookup(const json& obj, const char* key, json::value_t type, const json*& out) {
  out = nullptr;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return true;
  if (it->type() != type) return false;
  out = &*it;
  return true;
}

// Checks that `list` is an array of objects with a string name and collects the names and the
// container ports in use.
Status ScanContainers(const json& list, const char* field, std::set<std::string>& names, std::set<int64_t>& ports) {
  for (const auto& c : list) {
    if (!c.is_object() || !c.contains("name") || !c["name"].is_string()) {
      return Status::InvalidArgument(std::string("spec.") + field + " holds an entry without a string name");
    }
    names.insert(c["name"].get<std::string>());
    auto p = c.find("ports");
    if (p == c.end() || !p->is_array()) continue;
    for (const auto& port : *p) {
      if (port.is_object() && port.contains("containerPort") && port["containerPort"].is_number_integer()) {
        ports.insert(port["containerPort"].get<int64_t>());
      }
    }
  }
  return Status::OK();
}

void PatchAppEnvironment(const json& containers, JsonPatchBuilder& patch) {
  const json wanted = AppEnvironment();
  for (std::size_t i = 0; i < containers.size(); ++i) {
    PointerTokens env_path = {"spec", "containers", std::to_string(i), "env"};
    auto env = containers[i].find("env");
    if (env == containers[i].end() || !env->is_array()) {
      patch.Add(env_path, wanted);
      continue;
    }
    std::set<std::string> present;
    for (const auto& e : *env) present.insert(StringOr(e, "name"));
    for (const auto& var : wanted) {
      if (!present.count(var["name"].get<std::string>())) patch.Append(env_path, var);
    }
  }
}

ReviewResult Review(const json& review, const InjectorConfig& config) {
  if (!review.is_object()) return Deny("", 400, "the AdmissionReview must be a JSON object");
  const json* request = nullptr;
  if (!Lookup(review, "request", json::value_t::object, request) || request == nullptr) return Deny("", 400, "the AdmissionReview has no request object");
  const std::string uid = StringOr(*request, "uid");
  if (uid.empty()) return Deny("", 400, "request.uid is missing");
  if (StringOr(review, "apiVersion") != "admission.k8s.io/v1") {
    return Deny(uid, 400, "apiVersion must be admission.k8s.io/v1 (admissionReviewVersions: [\"v1\"])");
  }

  const json* kind = nullptr;
  if (!Lookup(*request, "kind", json::value_t::object, kind) || kind == nullptr || StringOr(*kind, "kind") != "Pod" || !StringOr(*kind, "group").empty()) {
    return AllowUnchanged(uid, "not a pod");
  }
  if (!StringOr(*request, "subResource").empty()) return AllowUnchanged(uid, "pod subresource");
  if (StringOr(*request, "operation") != "CREATE") return AllowUnchanged(uid, "not a create");

  const json *pod = nullptr, *metadata = nullptr, *annotations = nullptr;
  if (!Lookup(*request, "object", json::value_t::object, pod) || pod == nullptr) {
    return Deny(uid, 400, "request.object must be a Pod object");
  }
  if (!Lookup(*pod, "metadata", json::value_t::object, metadata)) return Deny(uid, 400, "pod metadata must be an object");
  if (metadata && !Lookup(*metadata, "annotations", json::value_t::object, annotations)) {
    return Deny(uid, 400, "pod metadata.annotations must be an object");
  }
  if (annotations == nullptr || !WantsInjection(*annotations)) return AllowUnchanged(uid, "not opted in");

  const json *spec = nullptr, *containers = nullptr, *init_containers = nullptr, *volumes = nullptr, *labels = nullptr;
  if (!Lookup(*pod, "spec", json::value_t::object, spec) || spec == nullptr) {
    return Deny(uid, 400, "pod spec must be an object");
  }
  if (!Lookup(*spec, "containers", json::value_t::array, containers) || containers == nullptr || containers->empty()) {
    return Deny(uid, 400, "pod spec.containers must be a non-empty array");
  }
  if (!Lookup(*spec, "initContainers", json::value_t::array, init_containers)) {
    return Deny(uid, 400, "pod spec.initContainers must be an array");
  }
  if (!Lookup(*spec, "volumes", json::value_t::array, volumes)) return Deny(uid, 400, "pod spec.volumes must be an array");
  if (!Lookup(*metadata, "labels", json::value_t::object, labels)) {
    return Deny(uid, 400, "pod metadata.labels must be an object");
  }

  std::set<std::string> names;
  std::set<int64_t> ports;
  if (Status s = ScanContainers(*containers, "containers", names, ports); !s.ok()) return Deny(uid, 400, s.message());
  if (init_containers) {
    if (Status s = ScanContainers(*init_containers, "initContainers", names, ports); !s.ok()) {
      return Deny(uid, 400, s.message());
    }
  }
  if (names.count(kSidecarContainerName)) return AllowUnchanged(uid, "already injected");

  StatusOr<InjectionSpec> parsed = ParseInjectionSpec(*annotations, config);
  if (!parsed.ok()) return Deny(uid, 400, parsed.status().message());
  const InjectionSpec& want = *parsed;
  for (int reserved : {kSidecarHttpPort, kSidecarMetricsPort, kSidecarDataPort}) {
    if (want.app_port == reserved || ports.count(reserved)) {
      return Deny(uid, 400, "port " + std::to_string(reserved) + " is reserved for the zroute sidecar");
    }
  }

  const bool native = config.kubernetes_minor >= kNativeSidecarMinMinor;
  JsonPatchBuilder patch;
  patch.Add({"metadata", "annotations", kAnnotationInjected}, "true");
  if (labels == nullptr) {
    patch.Add({"metadata", "labels"}, {{kLabelAppId, want.app_id}});
  } else if (!labels->contains(kLabelAppId)) {
    patch.Add({"metadata", "labels", kLabelAppId}, want.app_id);
  }
  // App env first: its indices refer to the containers as they are before the sidecar is appended.
  PatchAppEnvironment(*containers, patch);
  json sidecar = BuildSidecarContainer(want, config, native);
  if (!native) {
    patch.Append({"spec", "containers"}, std::move(sidecar));
  } else if (init_containers == nullptr) {
    patch.Add({"spec", "initContainers"}, json::array({std::move(sidecar)}));
  } else {
    patch.Append({"spec", "initContainers"}, std::move(sidecar));
  }
  // A volume the pod already names zroute-outbox is the user's choice of outbox storage: keep it.
  bool has_volume = false;
  if (volumes) {
    for (const auto& v : *volumes) has_volume = has_volume || StringOr(v, "name") == kOutboxVolumeName;
  }
  if (!has_volume) {
    if (volumes == nullptr) {
      patch.Add({"spec", "volumes"}, json::array({BuildOutboxVolume(want)}));
    } else {
      patch.Append({"spec", "volumes"}, BuildOutboxVolume(want));
    }
  }
  json warnings = json::array();
  auto grace = spec->find("terminationGracePeriodSeconds");
  if (grace == spec->end() || !grace->is_number_integer() || grace->get<int64_t>() < config.termination_grace_seconds) {
    patch.Add({"spec", "terminationGracePeriodSeconds"}, config.termination_grace_seconds);
    if (grace != spec->end() && grace->is_number_integer()) {
      warnings.push_back("zroute: terminationGracePeriodSeconds raised to " +
                         std::to_string(config.termination_grace_seconds) + " so the sidecar can drain");
    }
  }
  // With the node's network the sidecar's fixed ports collide between pods on one node.
  if (auto host = spec->find("hostNetwork"); host != spec->end() && host->is_boolean() && host->get<bool>()) {
    warnings.push_back("zroute: hostNetwork pods share ports 3500/3501/3600 with other injected pods on the node");
  }

  std::string ns = StringOr(*metadata, "namespace");
  if (ns.empty()) ns = StringOr(*request, "namespace");
  std::string name = StringOr(*metadata, "name");
  if (name.empty()) name = StringOr(*metadata, "generateName") + "*";

  ReviewResult r;
  json response = {{"uid", uid}, {"allowed", true}, {"patchType", "JSONPatch"}, {"patch", Base64Encode(patch.ToString())}};
  if (!warnings.empty()) response["warnings"] = std::move(warnings);
  r.review = ReviewEnvelope(std::move(response));
  r.outcome = ReviewOutcome::kInjected;
  r.detail = std::string(native ? "native" : "plain") + " sidecar injected into " + ns + "/" + name;
  return r;
}

// Depth of [ and { outside strings; stops counting once over the limit.
bool DeeperThan(std::string_view body, std::size_t limit) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : body) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > limit) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

}  // namespace

Status ValidateInjectorConfig(const InjectorConfig& config) {
  if (config.sidecar_image.empty()) return Status::InvalidArgument("sidecar image is empty");
  if (config.image_pull_policy != "Always" && config.image_pull_policy != "IfNotPresent" &&
      config.image_pull_policy != "Never") {
    return Status::InvalidArgument("image pull policy must be Always, IfNotPresent or Never");
  }
  for (const auto& [name, value] : {std::pair<const char*, const std::string&>{"cpu request", config.cpu_request},
                                    {"cpu limit", config.cpu_limit},
                                    {"memory request", config.memory_request},
                                    {"memory limit", config.memory_limit},
                                    {"default outbox size", config.default_outbox_size}}) {
    if (!IsValidQuantity(value)) return Status::InvalidArgument(std::string(name) + " \"" + value + "\" is not a quantity");
  }
  if (config.operator_address.empty()) return Status::InvalidArgument("operator address is empty");
  const std::string& level = config.default_log_level;
  if (level != "debug" && level != "info" && level != "warn" && level != "error") {
    return Status::InvalidArgument("default log level must be debug, info, warn or error");
  }
  if (config.termination_grace_seconds < 0) return Status::InvalidArgument("termination grace seconds is negative");
  if (config.kubernetes_minor < 0) return Status::InvalidArgument("Kubernetes minor version is negative");
  return Status::OK();
}

std::string Base64Encode(std::string_view data) {
  std::string out(4 * ((data.size() + 2) / 3), '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(data.data()), static_cast<int>(data.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

ReviewResult ReviewAdmission(const nlohmann::json& review, const InjectorConfig& config) noexcept {
  std::string uid;
  try {
    if (review.is_object() && review.contains("request")) uid = StringOr(review["request"], "uid");
    return Review(review, config);
  } catch (const std::exception& e) {
    return Deny(uid, 500, std::string("internal error: ") + e.what());
  }
}

ReviewResult ReviewAdmissionBody(std::string_view body, const InjectorConfig& config) noexcept {
  try {
    if (DeeperThan(body, kMaxReviewDepth)) return Deny("", 400, "the AdmissionReview is nested too deeply");
    json review = json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (review.is_discarded()) return Deny("", 400, "the request body is not valid JSON");
    return ReviewAdmission(review, config);
  } catch (const std::exception& e) {
    return Deny("", 500, std::string("internal error: ") + e.what());
  }
}

}  // namespace zroute::webhook
