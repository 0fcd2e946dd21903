#include "operator/cluster/kube_scale_target.h"

#include <limits>

namespace zroute::cluster {
namespace {

struct ScalableKind {
  const char* api_version;
  const char* kind;
  const char* group;
  const char* version;
  const char* resource;
};

// Keep in step with the chart's ClusterRole (deployments/scale, statefulsets/scale).
constexpr ScalableKind kScalable[] = {
    {"apps/v1", "Deployment", "apps", "v1", "deployments"},
    {"apps/v1", "StatefulSet", "apps", "v1", "statefulsets"},
};

// Names end up in a URL path: accept only what Kubernetes accepts for these kinds (a DNS
// subdomain), so a hostile name cannot address another path.
bool ValidName(const std::string& name) {
  if (name.empty() || name.size() > 253) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return name.front() != '-' && name.front() != '.' && name.back() != '-' && name.back() != '.';
}

StatusOr<kube::ResourceRef> ScaleRef(const std::string& ns, const ScaleTargetRef& ref) {
  if (!ValidName(ref.name)) return Status::InvalidArgument("scaleTargetRef.name \"" + ref.name + "\" is not a valid name");
  if (!ValidName(ns)) return Status::InvalidArgument("namespace \"" + ns + "\" is not a valid name");
  auto gvr = ScaleTargetResource(ref);
  if (!gvr.ok()) return gvr.status();
  return kube::ResourceRef{*gvr, ns, ref.name};
}

std::string Describe(const std::string& ns, const ScaleTargetRef& ref) {
  return ref.kind + " " + ns + "/" + ref.name;
}

}  // namespace

StatusOr<kube::GroupVersionResource> ScaleTargetResource(const ScaleTargetRef& ref) {
  for (const ScalableKind& k : kScalable) {
    if (ref.api_version == k.api_version && ref.kind == k.kind) {
      return kube::GroupVersionResource{k.group, k.version, k.resource};
    }
  }
  return Status::InvalidArgument("scaleTargetRef " + ref.api_version + " " + ref.kind +
                                 " is not supported; use apps/v1 Deployment or apps/v1 StatefulSet");
}

StatusOr<int> KubeScaleTarget::GetReplicas(const std::string& namespace_, const ScaleTargetRef& ref) {
  auto scale_ref = ScaleRef(namespace_, ref);
  if (!scale_ref.ok()) return scale_ref.status();
  // KubeClient::Get has no subresource parameter: address {object}/scale as the name (safe, the
  // name was checked above).
  kube::ResourceRef path_ref = *scale_ref;
  path_ref.name += "/scale";
  auto scale = client_.Get(path_ref);
  if (!scale.ok()) return scale.status().WithContext("reading the scale of " + Describe(namespace_, ref));
  if (!scale->is_object()) return Status::Internal("the Scale of " + Describe(namespace_, ref) + " is not an object");
  const kube::Json spec = scale->value("spec", kube::Json());
  if (!spec.is_null() && !spec.is_object()) return Status::Internal("Scale of " + Describe(namespace_, ref) + " has no spec object");
  if (spec.is_null() || !spec.contains("replicas")) return 0;  // the API omits replicas: 0
  const kube::Json& replicas = spec["replicas"];
  if (!replicas.is_number_integer() || replicas.get<int64_t>() < 0 ||
      replicas.get<int64_t>() > std::numeric_limits<int>::max()) {
    return Status::Internal("Scale of " + Describe(namespace_, ref) + " has an invalid spec.replicas: " + replicas.dump());
  }
  return static_cast<int>(replicas.get<int64_t>());
}

Status KubeScaleTarget::SetReplicas(const std::string& namespace_, const ScaleTargetRef& ref, int replicas) {
  if (replicas < 0) return Status::InvalidArgument("replicas must be non-negative");
  auto scale_ref = ScaleRef(namespace_, ref);
  if (!scale_ref.ok()) return scale_ref.status();
  auto patched = client_.Patch(*scale_ref, kube::PatchType::kMerge,
                               kube::Json{{"spec", {{"replicas", replicas}}}}, "scale");
  if (!patched.ok()) return patched.status().WithContext("scaling " + Describe(namespace_, ref));
  return Status::OK();
}

}  // namespace zroute::cluster
