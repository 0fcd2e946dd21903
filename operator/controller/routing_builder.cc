#include "operator/controller/routing_builder.h"

namespace zroute {

RoutingTable BuildRoutingTable(uint64_t version, const RoutingInputs& in, std::map<std::string, std::string>* refused) {
  static const ResourceSet kEmpty;
  const ResourceSet& r = in.resources ? *in.resources : kEmpty;
  if (refused) refused->clear();
  std::map<std::string, std::vector<Endpoint>> endpoints;
  if (in.members) {
    for (const auto& [id, m] : *in.members) {
      const wire::SidecarInfo& s = m.info;
      if (in.ready_pods) {
        auto pod = in.ready_pods->find(s.namespace_ + "/" + s.pod);
        if (pod == in.ready_pods->end()) continue;
        std::string mismatch = PodBindingMismatch(pod->second, s, m.peer_address, in.check_source_ip);
        if (!mismatch.empty()) {
          if (refused) (*refused)[id] = std::move(mismatch);
          continue;
        }
      }
      endpoints[s.namespace_ + "/" + s.app_id].push_back(
          Endpoint{s.sidecar_id, s.app_id, s.namespace_, s.pod, s.data_endpoint, s.public_key, m.draining});
    }
  }
  return RoutingTable::Build(version, r.topics, r.subscriptions, endpoints);
}

}  // namespace zroute
