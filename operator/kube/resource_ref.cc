#include "operator/kube/resource_ref.h"

#include <cctype>
#include <cstdio>

namespace zroute::kube {

std::string GroupVersionResource::ApiPrefix() const {
  return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version;
}

std::string GroupVersionResource::CollectionPath(const std::string& ns) const {
  std::string path = ApiPrefix();
  if (!ns.empty()) path += "/namespaces/" + ns;
  return path + "/" + resource;
}

std::string ResourceRef::Path(const std::string& subresource) const {
  std::string path = gvr.CollectionPath(ns) + "/" + name;
  if (!subresource.empty()) path += "/" + subresource;
  return path;
}

std::string UrlEncode(const std::string& value) {
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof(buf), "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace zroute::kube
