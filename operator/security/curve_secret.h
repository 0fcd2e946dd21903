// The operator's CURVE keypair kept in a Kubernetes Secret (cluster mode, the chart's
// `--curve-secret`): data keys "public-key" and "secret-key", each the Z85 key (base64-encoded in
// `data`, as every Secret value). See docs/security.md.
//
// LoadOrCreateCurveSecret reads the Secret; when it does not exist, generates a keypair and creates
// it. Two replicas racing to create it both end with the one that was stored (a create that finds
// it already there reads it back). A Secret that exists but holds no valid keypair is an error,
// never overwritten: replacing the key would lock out every sidecar configured with the old one.
// Thread-safety: stateless; the client must be usable from the calling thread.
#pragma once

#include <string>

#include "common/security/curve_keys.h"
#include "common/util/status.h"
#include "operator/kube/kube_client.h"

namespace zroute {

inline constexpr char kCurvePublicKeyField[] = "public-key";
inline constexpr char kCurveSecretKeyField[] = "secret-key";

StatusOr<security::CurveKeyPair> LoadOrCreateCurveSecret(kube::KubeClient& client, const std::string& ns,
                                                        const std::string& name);

}  // namespace zroute
