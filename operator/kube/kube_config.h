// KubeConfig: where the API server is and how to authenticate to it, from the pod's service account
// (in-cluster) or from a kubeconfig file (development, standalone tests).
//
// In-cluster: https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT (an IPv6 host is
// bracketed), with token, ca.crt and namespace from the service-account directory. The token is
// referenced by path (token_file) because the kubelet rotates it; see TokenSource.
// Kubeconfig: current-context (or an explicit context) → cluster.server,
// certificate-authority / certificate-authority-data, insecure-skip-tls-verify; user.token,
// user.tokenFile, client-certificate(-data) / client-key(-data); context.namespace. Relative
// paths are resolved against the kubeconfig's folder. Exec and auth-provider plugins are not
// supported and give an error.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "common/util/status.h"

namespace zroute::kube {

struct KubeConfig {
  std::string server;  // "https://10.96.0.1:443", "http://127.0.0.1:8080"
  std::string ca_file;  // PEM bundle path
  std::string ca_pem;   // inline PEM (decoded certificate-authority-data)
  bool insecure_skip_tls_verify = false;
  std::string token;       // a fixed bearer token
  std::string token_file;  // a rotated bearer-token file (takes precedence over `token`)
  std::string client_cert_file, client_key_file;
  std::string client_cert_pem, client_key_pem;
  std::string ns = "default";  // the namespace the operator runs in / the context's namespace
};

inline constexpr char kServiceAccountDir[] = "/var/run/secrets/kubernetes.io/serviceaccount";

struct InClusterOptions {
  std::string service_account_dir = kServiceAccountDir;
  // Environment lookup; defaults to std::getenv. Injected so tests need not touch the process env.
  std::function<std::optional<std::string>(const std::string&)> getenv;
};

// kFailedPrecondition when not running in a cluster (variables unset), kNotFound when the token
// file is missing.
StatusOr<KubeConfig> LoadInClusterConfig(const InClusterOptions& options = {});

// `context` empty → current-context.
StatusOr<KubeConfig> LoadKubeconfigFile(const std::string& path, const std::string& context = "");
StatusOr<KubeConfig> ParseKubeconfig(const std::string& yaml_text, const std::string& base_dir,
                                     const std::string& context = "");

// Base64 (standard alphabet, padded) to bytes; kInvalidArgument on malformed input.
StatusOr<std::string> DecodeBase64(const std::string& text);

}  // namespace zroute::kube
