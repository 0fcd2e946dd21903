// The pod annotations that opt a pod into sidecar injection and tune the sidecar, and their
// parser. See docs/injection.md for what each one means.
//
// ParseInjectionSpec validates every value up front so that a bad annotation is answered with a
// clear denial naming the annotation, instead of a patched pod the API server rejects with a
// message about a field the user never wrote. Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "operator/webhook/injector_config.h"

namespace zroute::webhook {

inline constexpr char kAnnotationInject[] = "zroute.io/inject";
inline constexpr char kAnnotationAppId[] = "zroute.io/app-id";
inline constexpr char kAnnotationAppPort[] = "zroute.io/app-port";
inline constexpr char kAnnotationLogLevel[] = "zroute.io/log-level";
inline constexpr char kAnnotationSidecarCpu[] = "zroute.io/sidecar-cpu";
inline constexpr char kAnnotationSidecarMemory[] = "zroute.io/sidecar-memory";
inline constexpr char kAnnotationOutboxSize[] = "zroute.io/outbox-size";
inline constexpr char kAnnotationOutboxClaim[] = "zroute.io/outbox-claim";
inline constexpr char kAnnotationOutboxSync[] = "zroute.io/outbox-sync";
inline constexpr char kAnnotationOutboxSyncInterval[] = "zroute.io/outbox-sync-interval";
inline constexpr char kAnnotationApiTokenSecret[] = "zroute.io/api-token-secret";
// Written by the injector on the pods it changed.
inline constexpr char kAnnotationInjected[] = "zroute.io/injected";
// Label written by the injector so replicas of one app can be selected (kubectl, monitors).
inline constexpr char kLabelAppId[] = "zroute.io/app-id";

// What to inject, after validation and defaulting.
struct InjectionSpec {
  std::string app_id;
  int app_port = 0;
  std::string log_level;
  std::string cpu_request, cpu_limit;
  std::string memory_request, memory_limit;
  std::string outbox_size;                      // emptyDir sizeLimit (unused with a claim)
  std::optional<std::string> outbox_claim;      // PersistentVolumeClaim name
  // --outbox-sync and --outbox-sync-interval of the sidecar; unset = the sidecar's own default,
  // so the default lives in one place. An interval is only ever set with outbox_sync "interval".
  std::optional<std::string> outbox_sync;
  std::optional<std::chrono::milliseconds> outbox_sync_interval;
  std::optional<std::string> api_token_secret;  // Secret name; key "token"
};

// True when `annotations` (an object, or null when the pod has none) carries
// zroute.io/inject: "true". Anything else, including a non-string value, is "not opted in".
bool WantsInjection(const nlohmann::json& annotations);

// REQUIRES: annotations is an object. InvalidArgument names the offending annotation.
StatusOr<InjectionSpec> ParseInjectionSpec(const nlohmann::json& annotations, const InjectorConfig& config);

// Bounds of zroute.io/outbox-sync-interval, in milliseconds. Beyond a minute the "interval"
// promise (a node crash loses at most the last interval) means little.
inline constexpr int kMinOutboxSyncIntervalMs = 1;
inline constexpr int kMaxOutboxSyncIntervalMs = 60000;

// Kubernetes resource.Quantity syntax, non-negative ("500m", "1Gi", "1.5", "1e3").
bool IsValidQuantity(std::string_view s);
// RFC 1123 label: lowercase alphanumerics and '-', 1-63 chars, alphanumeric at both ends.
bool IsDnsLabel(std::string_view s);
// RFC 1123 subdomain: dot-separated labels, at most 253 chars (Secret and PVC names).
bool IsDnsSubdomain(std::string_view s);

}  // namespace zroute::webhook
