// ResourceSource: where the operator's resources come from. Standalone mode reads a folder of
// YAML (ManifestFolderSource); cluster mode watches the Kubernetes API. Everything downstream —
// the routing table, status, scaling — is the same for both.
#pragma once

#include <functional>

#include "common/resources/resource_parser.h"
#include "common/util/status.h"

namespace zroute {

class ResourceSource {
 public:
  // Receives the complete current set of resources after every change (level-based: a consumer
  // never needs to remember earlier calls). Called from the source's own thread.
  using ChangeFn = std::function<void(const ResourceSet&)>;

  virtual ~ResourceSource() = default;
  // Delivers the initial set before returning (or an error), then watches for changes.
  virtual Status Start(ChangeFn on_change) = 0;
  virtual void Stop() = 0;
};

}  // namespace zroute
