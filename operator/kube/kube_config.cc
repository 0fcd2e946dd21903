#include "operator/kube/kube_config.h"

#include <openssl/evp.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace zroute::kube {
namespace {

constexpr size_t kMaxFileBytes = 4 * 1024 * 1024;

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  if (text.size() > kMaxFileBytes) return Status::TooLarge(path + " is over 4 MiB");
  return text;
}

std::string Trim(std::string s) {
  size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

std::string Resolve(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/' || base_dir.empty()) return path;
  return (std::filesystem::path(base_dir) / path).string();
}

// Finds the entry named `name` in a kubeconfig list (clusters, users, contexts) and returns its
// `field` map.
YAML::Node FindNamed(const YAML::Node& list, const std::string& name, const char* field) {
  if (!list || !list.IsSequence()) return YAML::Node();
  for (const YAML::Node& entry : list) {
    if (entry.IsMap() && entry["name"] && entry["name"].as<std::string>() == name) return entry[field];
  }
  return YAML::Node();
}

std::string Str(const YAML::Node& node, const char* key) {
  if (!node || !node.IsMap() || !node[key] || !node[key].IsScalar()) return "";
  return node[key].as<std::string>();
}

}  // namespace

StatusOr<std::string> DecodeBase64(const std::string& text) {
  std::string in;
  for (char c : text) {
    if (c != '\n' && c != '\r' && c != ' ') in += c;
  }
  if (in.size() % 4 != 0) return Status::InvalidArgument("base64 length is not a multiple of 4");
  if (in.empty()) return std::string();
  std::string out(in.size() / 4 * 3, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
  if (n < 0) return Status::InvalidArgument("malformed base64");
  size_t pad = 0;
  if (in.back() == '=') ++pad;
  if (in.size() > 1 && in[in.size() - 2] == '=') ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

StatusOr<KubeConfig> LoadInClusterConfig(const InClusterOptions& options) {
  auto getenv = options.getenv ? options.getenv : [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
  auto host = getenv("KUBERNETES_SERVICE_HOST");
  auto port = getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !port || host->empty() || port->empty()) {
    return Status::FailedPrecondition("not in a cluster: KUBERNETES_SERVICE_HOST/PORT are not set");
  }
  for (char c : *port) {
    if (c < '0' || c > '9') return Status::InvalidArgument("KUBERNETES_SERVICE_PORT is not a number");
  }
  KubeConfig config;
  std::string h = *host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";
  config.server = "https://" + h + ":" + *port;
  const std::string dir = options.service_account_dir;
  config.token_file = dir + "/token";
  if (!std::filesystem::exists(config.token_file)) {
    return Status::NotFound("service-account token missing: " + config.token_file);
  }
  config.ca_file = dir + "/ca.crt";
  auto ns = ReadSmallFile(dir + "/namespace");
  if (ns.ok() && !Trim(*ns).empty()) config.ns = Trim(*ns);
  return config;
}

StatusOr<KubeConfig> ParseKubeconfig(const std::string& yaml_text, const std::string& base_dir,
                                     const std::string& context) {
  try {
    YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap()) return Status::InvalidArgument("kubeconfig is not a YAML map");
    std::string ctx_name = context.empty() ? Str(root, "current-context") : context;
    if (ctx_name.empty()) return Status::InvalidArgument("kubeconfig has no current-context");
    YAML::Node ctx = FindNamed(root["contexts"], ctx_name, "context");
    if (!ctx || !ctx.IsMap()) return Status::NotFound("kubeconfig context '" + ctx_name + "' not found");
    YAML::Node cluster = FindNamed(root["clusters"], Str(ctx, "cluster"), "cluster");
    if (!cluster || !cluster.IsMap()) return Status::NotFound("kubeconfig cluster '" + Str(ctx, "cluster") + "' not found");
    KubeConfig config;
    config.server = Str(cluster, "server");
    if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0) {
      return Status::InvalidArgument("kubeconfig cluster server must be an http(s) URL");
    }
    config.ca_file = Resolve(base_dir, Str(cluster, "certificate-authority"));
    if (!Str(cluster, "certificate-authority-data").empty()) {
      ZR_ASSIGN_OR_RETURN(config.ca_pem, DecodeBase64(Str(cluster, "certificate-authority-data")));
    }
    config.insecure_skip_tls_verify = Str(cluster, "insecure-skip-tls-verify") == "true";
    if (!Str(ctx, "namespace").empty()) config.ns = Str(ctx, "namespace");
    std::string user_name = Str(ctx, "user");
    if (!user_name.empty()) {
      YAML::Node user = FindNamed(root["users"], user_name, "user");
      if (!user || !user.IsMap()) return Status::NotFound("kubeconfig user '" + user_name + "' not found");
      if (user["exec"] || user["auth-provider"]) {
        return Status::InvalidArgument("kubeconfig exec and auth-provider credentials are not supported");
      }
      config.token = Str(user, "token");
      config.token_file = Resolve(base_dir, Str(user, "tokenFile"));
      config.client_cert_file = Resolve(base_dir, Str(user, "client-certificate"));
      config.client_key_file = Resolve(base_dir, Str(user, "client-key"));
      if (!Str(user, "client-certificate-data").empty()) {
        ZR_ASSIGN_OR_RETURN(config.client_cert_pem, DecodeBase64(Str(user, "client-certificate-data")));
      }
      if (!Str(user, "client-key-data").empty()) {
        ZR_ASSIGN_OR_RETURN(config.client_key_pem, DecodeBase64(Str(user, "client-key-data")));
      }
    }
    return config;
  } catch (const YAML::Exception& e) {
    return Status::InvalidArgument(std::string("kubeconfig: ") + e.what());
  }
}

StatusOr<KubeConfig> LoadKubeconfigFile(const std::string& path, const std::string& context) {
  ZR_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  return ParseKubeconfig(text, std::filesystem::path(path).parent_path().string(), context);
}

}  // namespace zroute::kube
