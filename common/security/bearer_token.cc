#include "common/security/bearer_token.h"

#include <algorithm>
#include <fstream>

namespace zroute::security {
namespace {
constexpr size_t kMaxTokenBytes = 4096;
}  // namespace

bool BearerTokenMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (token.empty() || authorization.size() != kScheme.size() + token.size()) return false;
  if (authorization.substr(0, kScheme.size()) != kScheme) return false;
  unsigned char diff = 0;
  std::string_view given = authorization.substr(kScheme.size());
  for (size_t i = 0; i < token.size(); ++i) diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  return diff == 0;
}

Status ValidateToken(const std::string& token) {
  if (token.empty()) return Status::InvalidArgument("token is empty");
  if (token.size() > kMaxTokenBytes) return Status::InvalidArgument("token is longer than 4096 bytes");
  for (char c : token) {
    if (c <= 0x20 || c > 0x7e) return Status::InvalidArgument("token holds a character that is not printable ASCII");
  }
  return Status::OK();
}

StatusOr<std::string> ReadTokenFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string line(kMaxTokenBytes + 2, '\0');
  in.getline(line.data(), static_cast<std::streamsize>(line.size()));
  line.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  while (!line.empty() && (line.back() == '\0' || line.back() == '\n' || line.back() == '\r' || line.back() == ' ' ||
                           line.back() == '\t')) {
    line.pop_back();
  }
  Status s = ValidateToken(line);
  if (!s.ok()) return s.WithContext(path);
  return line;
}

}  // namespace zroute::security
