// Bearer tokens between a sidecar and its app (docs/security.md): the app sends
// "Authorization: Bearer <api token>" with each call to the sidecar's API, and the sidecar sends
// "Authorization: Bearer <delivery token>" with each delivery so the app can refuse other callers.
// Tokens come from a file (a mounted Kubernetes Secret) or the environment.
// Thread-safety: free functions, no shared state.
#pragma once

#include <string>
#include <string_view>

#include "common/util/status.h"

namespace zroute::security {

// True when `authorization` (the header value) is "Bearer <token>" with exactly `token`; the
// comparison takes the same time wherever the first difference is.
bool BearerTokenMatches(std::string_view authorization, std::string_view token);

// The token in `path`: its first line without trailing whitespace. InvalidArgument when empty,
// longer than 4096 bytes or not printable ASCII (it must fit in an HTTP header).
StatusOr<std::string> ReadTokenFile(const std::string& path);
// The same checks for a token given directly (environment).
Status ValidateToken(const std::string& token);

}  // namespace zroute::security
