#include "operator/kube/kube_client.h"

namespace zroute::kube {

bool IsExpired(const Status& status) {
  return status.code() == StatusCode::kFailedPrecondition && status.message().rfind("Expired", 0) == 0;
}

Status StatusFromHttp(int code, const std::string& body) {
  std::string reason;
  std::string message;
  try {
    Json j = Json::parse(body);
    if (j.is_object()) {
      if (j.contains("reason") && j["reason"].is_string()) reason = j["reason"].get<std::string>();
      if (j.contains("message") && j["message"].is_string()) message = j["message"].get<std::string>();
    }
  } catch (const Json::exception&) {
    message = body.substr(0, 256);
  }
  std::string text = "HTTP " + std::to_string(code) + (reason.empty() ? "" : " " + reason) +
                     (message.empty() ? "" : ": " + message);
  switch (code) {
    case 400:
    case 415:
    case 422:
      return Status::InvalidArgument(text);
    case 401:
      return Status::Unauthenticated(text);
    case 403:
      return Status::PermissionDenied(text);
    case 404:
      return Status::NotFound(text);
    case 409:
      return reason == "AlreadyExists" ? Status::AlreadyExists(text) : Status::Conflict(text);
    case 410:
      return Status::FailedPrecondition("Expired: " + text);
    case 413:
      return Status::TooLarge(text);
    case 429:
      return Status::ResourceExhausted(text);
    case 504:
      return Status::DeadlineExceeded(text);
    default:
      if (code >= 500) return Status::Unavailable(text);
      return Status::Internal("unexpected answer: " + text);
  }
}

StatusOr<ListResult> ListAll(KubeClient& client, const GroupVersionResource& gvr, const std::string& ns,
                             const std::string& label_selector, int64_t page_size) {
  for (int attempt = 0;; ++attempt) {
    ListResult all;
    ListOptions options;
    options.label_selector = label_selector;
    options.limit = page_size;
    Status failure;
    while (true) {
      auto page = client.List(gvr, ns, options);
      if (!page.ok()) {
        failure = page.status();
        break;
      }
      if (all.resource_version.empty()) all.resource_version = page->resource_version;
      for (Json& item : page->items) all.items.push_back(std::move(item));
      if (page->continue_token.empty()) return all;
      options.continue_token = page->continue_token;
    }
    // An expired continue token means the snapshot is gone: start over with a fresh one.
    if (!IsExpired(failure) || options.continue_token.empty() || attempt > 0) return failure;
  }
}

}  // namespace zroute::kube
