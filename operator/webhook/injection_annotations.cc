#include "operator/webhook/injection_annotations.h"

#include <array>
#include <cctype>
#include <charconv>

namespace zroute::webhook {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLowerAlnum(char c) { return IsDigit(c) || (c >= 'a' && c <= 'z'); }

// Reads an optional string annotation. A present but non-string value is an error, not a default:
// the API server only stores strings, so anything else means a malformed object.
StatusOr<std::optional<std::string>> OptionalString(const nlohmann::json& annotations, const char* key) {
  auto it = annotations.find(key);
  if (it == annotations.end()) return std::optional<std::string>();
  if (!it->is_string()) return Status::InvalidArgument(std::string("annotation ") + key + " must be a string");
  return std::optional<std::string>(it->get<std::string>());
}

// A user's value quoted for every denial message, cut after 64 bytes: the message reaches
// kubectl and the ReplicaSet's events, and an annotation may be up to 256 KiB. Cut between UTF-8
// characters.
std::string Quoted(const std::string& value) {
  constexpr std::size_t kMaxShown = 64;
  // Appended piece by piece: GCC 12 at -O2 misreads `"\"" + value + "\""` as an overlapping copy.
  std::string quoted = "\"";
  if (value.size() <= kMaxShown) {
    quoted.append(value);
    quoted.push_back('"');
    return quoted;
  }
  std::size_t cut = kMaxShown;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;
  quoted.append(value, 0, cut);
  quoted.append("...\" (");
  quoted.append(std::to_string(value.size()));
  quoted.append(" bytes)");
  return quoted;
}

Status CheckQuantity(const std::string& value, const char* key) {
  if (!IsValidQuantity(value)) {
    return Status::InvalidArgument(std::string("annotation ") + key + ": " + Quoted(value) +
                                   " is not a Kubernetes quantity (e.g. 100m, 128Mi)");
  }
  return Status::OK();
}

// A whole decimal number in [min, max] and nothing else (no sign, space or unit); from_chars
// reports overflow, so a long run of digits is refused rather than wrapped.
std::optional<int> ParseIntInRange(const std::string& text, int min, int max) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < min || value > max) return std::nullopt;
  return value;
}

}  // namespace

bool WantsInjection(const nlohmann::json& annotations) {
  if (!annotations.is_object()) return false;
  auto it = annotations.find(kAnnotationInject);
  return it != annotations.end() && it->is_string() && it->get_ref<const std::string&>() == "true";
}

bool IsValidQuantity(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  std::size_t i = 0;
  if (s[i] == '+') ++i;
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return false;
  std::string_view suffix = s.substr(i);
  static constexpr std::array<std::string_view, 16> kSuffixes = {
      "", "n", "u", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  for (auto k : kSuffixes) {
    if (suffix == k) return true;
  }
  if (suffix[0] != 'e' && suffix[0] != 'E') return false;
  std::size_t j = 1;
  if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) ++j;
  if (j == suffix.size()) return false;
  for (; j < suffix.size(); ++j) {
    if (!IsDigit(suffix[j])) return false;
  }
  return true;
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (!IsDnsLabel(label)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

StatusOr<InjectionSpec> ParseInjectionSpec(const nlohmann::json& annotations, const InjectorConfig& config) {
  InjectionSpec spec;

  ZR_ASSIGN_OR_RETURN(auto app_id, OptionalString(annotations, kAnnotationAppId));
  if (!app_id || app_id->empty()) {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationAppId +
                                   " is required when " + kAnnotationInject + " is \"true\"");
  }
  if (!IsDnsLabel(*app_id)) {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationAppId + ": " + Quoted(*app_id) +
                                   " must be a DNS label (lowercase letters, digits, '-', at most 63)");
  }
  spec.app_id = *app_id;

  ZR_ASSIGN_OR_RETURN(auto port, OptionalString(annotations, kAnnotationAppPort));
  if (!port) {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationAppPort +
                                   " is required when " + kAnnotationInject + " is \"true\"");
  }
  const std::optional<int> port_value = ParseIntInRange(*port, 1, 65535);
  if (!port_value) {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationAppPort + ": " + Quoted(*port) +
                                   " must be a port number 1-65535");
  }
  spec.app_port = *port_value;

  ZR_ASSIGN_OR_RETURN(auto level, OptionalString(annotations, kAnnotationLogLevel));
  spec.log_level = level.value_or(config.default_log_level);
  if (spec.log_level != "debug" && spec.log_level != "info" && spec.log_level != "warn" &&
      spec.log_level != "error") {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationLogLevel + ": " + Quoted(spec.log_level) +
                                   " must be one of debug, info, warn, error");
  }

  spec.cpu_request = config.cpu_request;
  spec.cpu_limit = config.cpu_limit;
  ZR_ASSIGN_OR_RETURN(auto cpu, OptionalString(annotations, kAnnotationSidecarCpu));
  if (cpu) {
    ZR_RETURN_IF_ERROR(CheckQuantity(*cpu, kAnnotationSidecarCpu));
    spec.cpu_request = spec.cpu_limit = *cpu;
  }
  spec.memory_request = config.memory_request;
  spec.memory_limit = config.memory_limit;
  ZR_ASSIGN_OR_RETURN(auto memory, OptionalString(annotations, kAnnotationSidecarMemory));
  if (memory) {
    ZR_RETURN_IF_ERROR(CheckQuantity(*memory, kAnnotationSidecarMemory));
    spec.memory_request = spec.memory_limit = *memory;
  }

  ZR_ASSIGN_OR_RETURN(auto outbox_size, OptionalString(annotations, kAnnotationOutboxSize));
  spec.outbox_size = outbox_size.value_or(config.default_outbox_size);
  ZR_RETURN_IF_ERROR(CheckQuantity(spec.outbox_size, kAnnotationOutboxSize));

  ZR_ASSIGN_OR_RETURN(spec.outbox_claim, OptionalString(annotations, kAnnotationOutboxClaim));
  if (spec.outbox_claim && !IsDnsSubdomain(*spec.outbox_claim)) {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationOutboxClaim + ": " +
                                   Quoted(*spec.outbox_claim) + " is not a valid PersistentVolumeClaim name");
  }
  ZR_ASSIGN_OR_RETURN(spec.outbox_sync, OptionalString(annotations, kAnnotationOutboxSync));
  if (spec.outbox_sync && *spec.outbox_sync != "batch" && *spec.outbox_sync != "interval") {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationOutboxSync + ": " +
                                   Quoted(*spec.outbox_sync) + " must be batch or interval");
  }
  ZR_ASSIGN_OR_RETURN(auto interval, OptionalString(annotations, kAnnotationOutboxSyncInterval));
  if (interval) {
    // No leading zero either: the value in the sidecar's args reads as the user wrote it.
    const std::optional<int> ms = interval->starts_with('0')
                                      ? std::nullopt
                                      : ParseIntInRange(*interval, kMinOutboxSyncIntervalMs, kMaxOutboxSyncIntervalMs);
    if (!ms) {
      return Status::InvalidArgument(std::string("annotation ") + kAnnotationOutboxSyncInterval + ": " +
                                     Quoted(*interval) + " must be a whole number of milliseconds " +
                                     std::to_string(kMinOutboxSyncIntervalMs) + "-" +
                                     std::to_string(kMaxOutboxSyncIntervalMs) +
                                     ", without a unit or leading zero (e.g. \"10\")");
    }
    spec.outbox_sync_interval = std::chrono::milliseconds(*ms);
    // Under batch the sidecar never reads the interval: accepting it would let a user believe they
    // tuned something.
    if (spec.outbox_sync != "interval") {
      return Status::InvalidArgument(std::string("annotation ") + kAnnotationOutboxSyncInterval + " needs " +
                                     kAnnotationOutboxSync + ": interval (" + kAnnotationOutboxSync + " is " +
                                     (spec.outbox_sync ? Quoted(*spec.outbox_sync) : std::string("not set")) + ")");
    }
  }

  ZR_ASSIGN_OR_RETURN(spec.api_token_secret, OptionalString(annotations, kAnnotationApiTokenSecret));
  if (spec.api_token_secret && !IsDnsSubdomain(*spec.api_token_secret)) {
    return Status::InvalidArgument(std::string("annotation ") + kAnnotationApiTokenSecret + ": " +
                                   Quoted(*spec.api_token_secret) + " is not a valid Secret name");
  }
  return spec;
}

}  // namespace zroute::webhook
