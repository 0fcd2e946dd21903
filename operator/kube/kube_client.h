// KubeClient: the operator's view of the Kubernetes API. Objects are nlohmann::json values exactly
// as the server serialises them; the reconcilers parse what they need.
//
// Errors (a Kubernetes `Status` answer, or a transport failure) come back as zroute::Status:
//   404 → kNotFound, 409 AlreadyExists → kAlreadyExists, other 409 → kConflict,
//   410 → kFailedPrecondition with a message starting "Expired" (see IsExpired()),
//   401 → kUnauthenticated, 403 → kPermissionDenied, 400/415/422 → kInvalidArgument,
//   429 → kResourceExhausted, 504 → kDeadlineExceeded, other 5xx and transport errors → kUnavailable.
// The message carries the server's Status message.
//
// Implementations are thread-safe: any thread may call any method, concurrently.
#pragma once

#include <cstdint>
#include <functional>
#include <stop_token>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/util/status.h"
#include "operator/kube/resource_ref.h"

namespace zroute::kube {

using Json = nlohmann::json;

struct ListOptions {
  std::string label_selector;
  int64_t limit = 0;           // page size; 0 = everything in one answer
  std::string continue_token;  // from the previous page
  std::string resource_version;
};

struct ListResult {
  std::vector<Json> items;
  std::string resource_version;  // of the list (one snapshot across all pages)
  std::string continue_token;    // empty on the last page
};

struct WatchOptions {
  std::string resource_version;  // "" or "0": the server first sends ADDED for the current state
  std::string label_selector;
  bool allow_bookmarks = true;
  int timeout_seconds = 0;  // 0: the server's default
};

enum class WatchEventType { kAdded, kModified, kDeleted, kBookmark };

struct WatchEvent {
  WatchEventType type;
  Json object;  // for a bookmark only metadata.resourceVersion is meaningful
};

// How a watch stream ended when it ended without a transport or HTTP error.
enum class WatchEnd {
  kClosed,     // the server closed the stream cleanly (timeoutSeconds): re-watch from the last RV
  kExpired,    // the RV is too old (HTTP 410 or an ERROR event with code 410): relist
  kCancelled,  // the stop token fired or the handler returned false
};

// Called on the watching thread for every event; return false to end the watch (kCancelled).
using WatchHandler = std::function<bool(const WatchEvent&)>;

enum class PatchType { kMerge, kJson };  // application/merge-patch+json, application/json-patch+json

class KubeClient {
 public:
  virtual ~KubeClient() = default;

  virtual StatusOr<Json> Get(const ResourceRef& ref) = 0;
  // One page. `ns` empty lists across all namespaces.
  virtual StatusOr<ListResult> List(const GroupVersionResource& gvr, const std::string& ns,
                                    const ListOptions& options) = 0;
  // Streams events to `handler` until the stream ends; blocks the calling thread. An ERROR event
  // other than 410 and any transport failure are returned as a non-OK Status. `stop` cancels a
  // watch in progress promptly (the connection is shut down).
  virtual StatusOr<WatchEnd> Watch(const GroupVersionResource& gvr, const std::string& ns,
                                   const WatchOptions& options, const WatchHandler& handler,
                                   std::stop_token stop) = 0;
  virtual StatusOr<Json> Create(const GroupVersionResource& gvr, const std::string& ns, const Json& object) = 0;
  // PUT of the whole object; guarded by the object's metadata.resourceVersion when it has one.
  virtual StatusOr<Json> Update(const ResourceRef& ref, const Json& object) = 0;
  virtual StatusOr<Json> UpdateStatus(const ResourceRef& ref, const Json& object) = 0;
  // `subresource` is "" (the object), "status" or "scale".
  virtual StatusOr<Json> Patch(const ResourceRef& ref, PatchType type, const Json& patch,
                               const std::string& subresource = "") = 0;
  // OK when the object is gone or marked for deletion (finalizers pending); kNotFound if absent.
  virtual Status Delete(const ResourceRef& ref) = 0;
};

// Lists every page (following continue tokens) into one result with the snapshot's RV.
// A continue token that expired mid-way restarts the list once from the beginning.
StatusOr<ListResult> ListAll(KubeClient& client, const GroupVersionResource& gvr, const std::string& ns,
                             const std::string& label_selector, int64_t page_size);

// True for the 410 "Expired"/"Gone" answers (expired watch RV or continue token).
bool IsExpired(const Status& status);

// Maps an HTTP status code and a Kubernetes Status body (may be empty) to a zroute::Status.
Status StatusFromHttp(int code, const std::string& body);

}  // namespace zroute::kube
