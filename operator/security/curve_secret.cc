#include "operator/security/curve_secret.h"

#include "common/cloudevents/base64.h"

namespace zroute {
namespace {

const kube::GroupVersionResource kSecrets{"", "v1", "secrets"};

StatusOr<security::CurveKeyPair> FromSecret(const kube::Json& secret, const std::string& what) {
  auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return Status::InvalidArgument(what + " has no data");
  security::CurveKeyPair pair;
  for (auto [field, out] : {std::pair{kCurvePublicKeyField, &pair.public_key}, {kCurveSecretKeyField, &pair.secret_key}}) {
    auto it = data->find(field);
    if (it == data->end() || !it->is_string()) return Status::InvalidArgument(what + " has no '" + field + "'");
    auto decoded = Base64Decode(it->get<std::string>());
    if (!decoded.ok()) return Status::InvalidArgument(what + ": '" + field + "' is not base64");
    *out = *decoded;
  }
  Status s = security::ValidateKeyPair(pair);
  if (!s.ok()) return s.WithContext(what);
  return pair;
}

}  // namespace

StatusOr<security::CurveKeyPair> LoadOrCreateCurveSecret(kube::KubeClient& client, const std::string& ns,
                                                        const std::string& name) {
  const std::string what = "Secret " + ns + "/" + name;
  kube::ResourceRef ref{kSecrets, ns, name};
  auto existing = client.Get(ref);
  if (existing.ok()) return FromSecret(*existing, what);
  if (existing.status().code() != StatusCode::kNotFound) return existing.status().WithContext("reading " + what);

  ZR_ASSIGN_OR_RETURN(security::CurveKeyPair pair, security::GenerateCurveKeyPair());
  kube::Json secret = {
      {"apiVersion", "v1"},
      {"kind", "Secret"},
      {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app.kubernetes.io/component", "curve-keys"}}}}},
      {"type", "Opaque"},
      {"data", {{kCurvePublicKeyField, Base64Encode(pair.public_key)}, {kCurveSecretKeyField, Base64Encode(pair.secret_key)}}},
  };
  auto created = client.Create(kSecrets, ns, secret);
  if (created.ok()) return pair;
  if (created.status().code() != StatusCode::kAlreadyExists && created.status().code() != StatusCode::kConflict) {
    return created.status().WithContext("creating " + what);
  }
  // Another replica created it first: use the stored one.
  auto stored = client.Get(ref);
  if (!stored.ok()) return stored.status().WithContext("reading " + what);
  return FromSecret(*stored, what);
}

}  // namespace zroute
