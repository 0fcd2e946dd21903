// Reads one sample out of Prometheus text exposition, for tests of what /metrics shows.
#pragma once

#include <map>
#include <optional>
#include <sstream>
#include <string>

namespace zroute::scaling::testing {

// The value of the sample of `name` whose labels include every pair of `labels`; nullopt when no
// such line exists.
inline std::optional<double> SampleValue(const std::string& text, const std::string& name,
                                         const std::map<std::string, std::string>& labels) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    if (line.compare(0, name.size() + 1, name + "{") != 0) continue;
    const size_t close = line.rfind('}');
    if (close == std::string::npos) continue;
    const std::string label_text = line.substr(name.size(), close - name.size() + 1);
    bool all = true;
    for (const auto& [k, v] : labels) {
      if (label_text.find(k + "=\"" + v + "\"") == std::string::npos) all = false;
    }
    if (!all) continue;
    try {
      return std::stod(line.substr(close + 1));
    } catch (...) {
      return std::nullopt;
    }
  }
  return std::nullopt;
}

}  // namespace zroute::scaling::testing
