#include "operator/cluster/kube_certificate_store.h"

#include "operator/kube/kube_config.h"
#include "operator/webhook/sidecar_injector.h"

namespace zroute::cluster {
namespace {

// The decoded value of data[key]; "" when absent, not a string or not base64.
std::string DataValue(const kube::Json& secret, const char* key) {
  auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return "";
  auto it = data->find(key);
  if (it == data->end() || !it->is_string()) return "";
  StatusOr<std::string> decoded = kube::DecodeBase64(it->get<std::string>());
  return decoded.ok() ? *decoded : "";
}

}  // namespace

std::optional<webhook::PemKeyPair> ServingPairFromSecret(const kube::Json& secret) {
  webhook::PemKeyPair pair{DataValue(secret, kTlsCertKey), DataValue(secret, kTlsKeyKey)};
  if (pair.cert_pem.empty() || pair.key_pem.empty()) return std::nullopt;
  return pair;
}

KubeCertificateStore::KubeCertificateStore(kube::KubeClient& client, std::string ns, std::string name)
    : client_(client), ref_{kSecretsGvr, std::move(ns), std::move(name)} {}

StatusOr<kube::Json> KubeCertificateStore::Fetch() const { return client_.Get(ref_); }

StatusOr<std::optional<webhook::CertificateBundle>> KubeCertificateStore::Load() {
  StatusOr<kube::Json> secret = Fetch();
  std::lock_guard<std::mutex> lock(mu_);
  if (!secret.ok()) {
    if (secret.status().code() != StatusCode::kNotFound) {
      return secret.status().WithContext("reading Secret " + ref_.Key());
    }
    last_.reset();
    return std::optional<webhook::CertificateBundle>();
  }
  if (!secret->is_object()) return Status::Internal("Secret " + ref_.Key() + " is not an object");
  last_ = *secret;
  webhook::CertificateBundle bundle;
  bundle.ca = {DataValue(*secret, kCaCertKey), DataValue(*secret, kCaKeyKey)};
  bundle.serving = {DataValue(*secret, kTlsCertKey), DataValue(*secret, kTlsKeyKey)};
  bundle.previous_ca_cert_pem = DataValue(*secret, kPreviousCaCertKey);
  return std::optional<webhook::CertificateBundle>(std::move(bundle));
}

Status KubeCertificateStore::Save(const webhook::CertificateBundle& bundle) {
  std::lock_guard<std::mutex> lock(mu_);
  kube::Json secret = last_ ? *last_
                            : kube::Json{{"apiVersion", "v1"},
                                         {"kind", "Secret"},
                                         {"metadata",
                                          {{"name", ref_.name},
                                           {"namespace", ref_.ns},
                                           {"labels", {{"app.kubernetes.io/managed-by", "zroute-operator"}}}}}};
  // A Secret's type is immutable: keep whatever an existing one has.
  if (!last_) secret["type"] = "kubernetes.io/tls";
  if (!secret.contains("data") || !secret["data"].is_object()) secret["data"] = kube::Json::object();
  kube::Json& data = secret["data"];
  data[kTlsCertKey] = webhook::Base64Encode(bundle.serving.cert_pem);
  data[kTlsKeyKey] = webhook::Base64Encode(bundle.serving.key_pem);
  data[kCaCertKey] = webhook::Base64Encode(bundle.ca.cert_pem);
  data[kCaKeyKey] = webhook::Base64Encode(bundle.ca.key_pem);
  data[kPreviousCaCertKey] = webhook::Base64Encode(bundle.previous_ca_cert_pem);
  secret.erase("stringData");

  StatusOr<kube::Json> written = last_ ? client_.Update(ref_, secret) : client_.Create(kSecretsGvr, ref_.ns, secret);
  if (!written.ok()) {
    const StatusCode code = written.status().code();
    if (code == StatusCode::kConflict || code == StatusCode::kAlreadyExists) {
      last_.reset();  // unknown now: the next Load finds out
      return Status::Conflict("Secret " + ref_.Key() + " was written by someone else: " + written.status().message());
    }
    return written.status().WithContext("writing Secret " + ref_.Key());
  }
  last_ = std::move(*written);
  return Status::OK();
}

}  // namespace zroute::cluster
