// zroute-operator: parses flags and runs the operator until SIGTERM/SIGINT.
// Standalone mode (--manifests DIR) reads resources from a folder of YAML; otherwise cluster mode
// watches the Kubernetes API (in-cluster service account, or --kubeconfig FILE).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <cstdlib>
#include <iostream>

#include "common/util/binary_main.h"
#include "common/util/flags.h"
#include "common/util/logging.h"
#include "operator/operator.h"

int main(int argc, char** argv) {
  using namespace zroute;
  BlockStopSignals();  // before any thread starts; the main thread waits for them below

  OperatorConfig c;
  std::string log_level = "info";
  Flags flags("zroute-operator",
              "Watches Topic, Subscription and ScalingPolicy resources, keeps the sidecars' routing table\n"
              "current over ZeroMQ, and computes autoscaling hints from the sidecars' backlog.\n"
              "Standalone mode: --manifests DIR reads the resources from YAML files instead of Kubernetes.\n"
              "Cluster mode (no --manifests): watches the Kubernetes API with the pod's service account,\n"
              "or with --kubeconfig FILE. With --webhook-port, every replica also serves the sidecar-injection\n"
              "admission webhook over HTTPS (docs/injection.md: certificates).");
  std::string kubeconfig, kube_context;
  int metrics_port = -1, control_port = -1;
  if (const char* pod = std::getenv("POD_NAME"); pod && *pod) c.pod_name = pod;
  flags.String("pod-name", &c.pod_name,
               "cluster mode: this replica's Pod (default: env POD_NAME), labelled zroute.io/control-plane=leader "
               "while it leads; empty: no label");
  flags.String("manifests", &c.manifests_dir, "standalone mode: folder of resource YAML files (re-read on change)");
  flags.Millis("manifests-poll", &c.manifests_poll, "how often the folder is checked for changes");
  flags.String("control-bind", &c.control_bind, "ZeroMQ endpoint sidecars register with");
  flags.String("http-host", &c.http_host, "address of the health, metrics and admin HTTP server");
  flags.Int("http-port", &c.http_port, "port of the health, metrics and admin HTTP server (0: any)");
  flags.Millis("heartbeat-timeout", &c.heartbeat_timeout, "a sidecar silent this long leaves the routing table");
  flags.Millis("scaling-interval", &c.scaling_interval, "how often scaling hints are recomputed");
  flags.String("port-file", &c.port_file, "write the bound ports (and the CURVE public key) here as JSON once listening");
  flags.String("curve-key-file", &c.curve_key_file,
               "the operator's CURVE keypair (created when absent, mode 0600); sidecars need its public key "
               "(--operator-public-key). Empty: the control channel is plain TCP");
  flags.String("log-level", &log_level, "debug, info, warn or error");
  flags.String("kubeconfig", &kubeconfig, "cluster mode: kubeconfig file (default: in-cluster service account)");
  flags.String("kube-context", &kube_context, "cluster mode: kubeconfig context (default: current-context)");
  flags.String("pod-label-selector", &c.pod_label_selector,
               "cluster mode: label selector narrowing the ready-pods watch (default: all pods; sidecar pods are "
               "recognised by their zroute-sidecar container or zroute.io/injected annotation)");
  flags.Bool("control-check-source-ip", &c.control_check_source_ip,
             "cluster mode: list a sidecar only when it registered from an IP of its pod (=false for CNIs that "
             "masquerade pod-to-Service traffic)");
  flags.Bool("leader-elect", &c.leader_elect, "cluster mode: run only while holding the Lease (one active replica)");
  flags.String("leader-election-lease", &c.lease_name, "name of the Lease (in the operator's namespace)");
  flags.Millis("leader-election-lease-duration", &c.lease_duration, "lease duration");
  flags.Millis("leader-election-renew-deadline", &c.renew_deadline, "leadership is lost when not renewed within this");
  flags.Millis("leader-election-retry-period", &c.retry_period, "how often to try to acquire or renew");
  flags.Int("metrics-port", &metrics_port,
            "serve health, metrics and admin HTTP on this port on all interfaces (overrides --http-port/--http-host)");
  flags.Int("control-port", &control_port, "bind the control endpoint to tcp://*:PORT (overrides --control-bind)");
  flags.Int("webhook-port", &c.webhook_port,
            "cluster mode: serve the admission webhook (HTTPS) on this port on all interfaces (negative: no webhook)");
  flags.String("control-endpoint", &c.control_endpoint, "control address given to injected sidecars (--operator)");
  flags.String("webhook-config-name", &c.webhook_config_name,
               "MutatingWebhookConfiguration whose caBundle the operator keeps (cert mode operator)");
  flags.String("webhook-service", &c.webhook_service, "Service fronting the webhook: the certificate names <svc>.<ns>.svc");
  flags.String("webhook-secret", &c.webhook_secret,
               "Secret (in the operator's namespace) holding the webhook certificate (tls.crt, tls.key)");
  flags.String("webhook-cert-mode", &c.webhook_cert_mode,
               "operator: the leader keeps a CA and serving certificate in the Secret and patches caBundle; "
               "external: the Secret and caBundle come from elsewhere (cert-manager), only read");
  flags.Millis("webhook-cert-reload", &c.webhook_cert_reload, "how often every replica re-reads the Secret");
  flags.Millis("webhook-cert-check", &c.webhook_cert_check, "how often the leader checks the certificates for renewal");
  flags.String("curve-secret", &c.curve_secret,
               "cluster mode: Secret (operator's namespace) holding the CURVE keypair, created when absent; "
               "ignored when --curve-key-file is given");
  flags.String("sidecar-image", &c.sidecar_image, "image of the injected sidecar");
  flags.String("sidecar-image-pull-policy", &c.sidecar_image_pull_policy, "imagePullPolicy of the injected sidecar");
  std::string kubernetes_minor;
  flags.String("kubernetes-minor", &kubernetes_minor,
               "the cluster's Kubernetes minor version, e.g. 30 or 29+ (the chart passes helm's); from 29 on "
               "sidecars are injected as native sidecars (default 29)");
  if (auto exit_code = ParseCommandLine(flags, "zroute-operator", argc, argv, log_level)) return *exit_code;
  if (!kubernetes_minor.empty()) {
    // Providers report e.g. "29+": the leading digits are the minor version.
    size_t digits = 0;
    while (digits < kubernetes_minor.size() && digits < 4 && std::isdigit(static_cast<unsigned char>(kubernetes_minor[digits]))) {
      ++digits;
    }
    const std::string rest = kubernetes_minor.substr(digits);
    if (digits == 0 || !(rest.empty() || rest == "+")) {
      std::cerr << "zroute-operator: --kubernetes-minor: expected a number such as 30 or 29+\n";
      return 2;
    }
    c.kubernetes_minor = std::stoi(kubernetes_minor.substr(0, digits));
  }
  if (c.webhook_cert_mode != "operator" && c.webhook_cert_mode != "external") {
    std::cerr << "zroute-operator: --webhook-cert-mode: expected operator or external\n";
    return 2;
  }
  if (c.webhook_port > 65535) {
    std::cerr << "zroute-operator: --webhook-port: out of range\n";
    return 2;
  }
  if (metrics_port >= 0) {
    if (metrics_port > 65535) {
      std::cerr << "zroute-operator: --metrics-port: out of range\n";
      return 2;
    }
    c.http_host = "0.0.0.0";
    c.http_port = metrics_port;
  }
  if (control_port >= 0) {
    if (control_port > 65535) {
      std::cerr << "zroute-operator: --control-port: out of range\n";
      return 2;
    }
    c.control_bind = "tcp://*:" + std::to_string(control_port);
  }
  if (c.manifests_dir.empty()) {
    StatusOr<kube::KubeConfig> kc =
        kubeconfig.empty() ? kube::LoadInClusterConfig() : kube::LoadKubeconfigFile(kubeconfig, kube_context);
    if (!kc.ok()) {
      std::cerr << "zroute-operator: cluster mode: " << kc.status().ToString()
                << " (outside a cluster, pass --kubeconfig FILE or --manifests DIR)\n";
      return 2;
    }
    c.kube = std::move(kc).value();
    if (const char* ns = std::getenv("POD_NAMESPACE"); ns && *ns && kubeconfig.empty()) c.kube->ns = ns;
    if (const char* pod = std::getenv("POD_NAME"); pod && *pod) c.identity = pod;
  }
  // Leadership lost: leader work has stopped; exit non-zero so the pod restarts as a candidate.
  static std::atomic<bool> leadership_lost{false};
  c.on_leadership_lost = [] {
    leadership_lost = true;
    kill(getpid(), SIGTERM);
  };

  Operator op(c, RealClock());
  Status s = op.Start();
  if (!s.ok()) {
    ZR_LOG(kError, "operator", "start failed", {{"error", s.ToString()}});
    return 1;
  }
  int sig = WaitForStopSignal();
  ZR_LOG(kInfo, "operator", "signal received", {{"signal", sig}});
  op.Stop();
  return leadership_lost ? 1 : 0;
}
