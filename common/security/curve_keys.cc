#include "common/security/curve_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include <zmq.h>

namespace zroute::security {
namespace {

constexpr size_t kZ85KeyLength = 40;
constexpr size_t kFileLimit = 64 << 10;  // a key file is a few lines; refuse anything big

// The value of `name = "value"` on one line, or "" when the line is not that assignment.
std::string AssignedValue(const std::string& line, const std::string& name) {
  size_t start = line.find_first_not_of(" \t");
  if (start == std::string::npos || line.compare(start, name.size(), name) != 0) return "";
  size_t eq = line.find('=', start + name.size());
  if (eq == std::string::npos || line.find_first_not_of(" \t", start + name.size()) != eq) return "";
  size_t open = line.find('"', eq);
  size_t close = open == std::string::npos ? std::string::npos : line.find('"', open + 1);
  if (close == std::string::npos) return "";
  return line.substr(open + 1, close - open - 1);
}

StatusOr<std::string> ReadSmallFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::NotFound("cannot read " + path);
  std::string text;
  text.resize(kFileLimit + 1);
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(in.gcount()));
  if (text.size() > kFileLimit) return Status::InvalidArgument(path + " is too large for a key file");
  return text;
}

}  // namespace

StatusOr<CurveKeyPair> GenerateCurveKeyPair() {
  char pub[kZ85KeyLength + 1] = {};
  char sec[kZ85KeyLength + 1] = {};
  if (zmq_curve_keypair(pub, sec) != 0) {
    return Status::Unavailable(std::string("cannot generate a CURVE keypair: ") + zmq_strerror(zmq_errno()));
  }
  return CurveKeyPair{pub, sec};
}

bool IsValidCurveKey(const std::string& z85) {
  if (z85.size() != kZ85KeyLength) return false;
  uint8_t raw[32];
  return zmq_z85_decode(raw, z85.c_str()) != nullptr;
}

Status ValidateKeyPair(const CurveKeyPair& pair) {
  if (!IsValidCurveKey(pair.public_key)) return Status::InvalidArgument("public key is not 40 characters of Z85");
  if (!IsValidCurveKey(pair.secret_key)) return Status::InvalidArgument("secret key is not 40 characters of Z85");
  char derived[kZ85KeyLength + 1] = {};
  if (zmq_curve_public(derived, pair.secret_key.c_str()) != 0) {
    return Status::InvalidArgument("cannot derive the public key from the secret key");
  }
  if (pair.public_key != derived) return Status::InvalidArgument("public key does not belong to the secret key");
  return Status::OK();
}

std::string FormatKeyFile(const CurveKeyPair& pair) {
  return "# zroute CURVE keypair (Z85). Keep this file secret.\n"
         "public-key = \"" + pair.public_key + "\"\n"
         "secret-key = \"" + pair.secret_key + "\"\n";
}

StatusOr<CurveKeyPair> ParseKeyFile(const std::string& text) {
  CurveKeyPair pair;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (auto v = AssignedValue(line, "public-key"); !v.empty()) pair.public_key = v;
    if (auto v = AssignedValue(line, "secret-key"); !v.empty()) pair.secret_key = v;
  }
  if (pair.secret_key.empty()) return Status::InvalidArgument("key file holds no secret-key line");
  if (pair.public_key.empty()) return Status::InvalidArgument("key file holds no public-key line");
  ZR_RETURN_IF_ERROR(ValidateKeyPair(pair));
  return pair;
}

StatusOr<std::string> ParsePublicKeyFile(const std::string& text) {
  std::istringstream in(text);
  std::string line, first;
  bool have_first = false;
  while (std::getline(in, line)) {
    if (auto v = AssignedValue(line, "public-key"); !v.empty()) {
      if (!IsValidCurveKey(v)) return Status::InvalidArgument("public-key is not 40 characters of Z85");
      return v;
    }
    if (!have_first) {
      first = line;
      have_first = true;
    }
  }
  while (!first.empty() && (first.back() == '\r' || first.back() == ' ' || first.back() == '\t')) first.pop_back();
  if (!IsValidCurveKey(first)) return Status::InvalidArgument("no public key: expected 40 characters of Z85");
  return first;
}

StatusOr<CurveKeyPair> LoadOrCreateKeyFile(const std::string& path) {
  struct stat st;
  if (stat(path.c_str(), &st) == 0) {
    ZR_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
    auto pair = ParseKeyFile(text);
    if (!pair.ok()) return pair.status().WithContext(path);
    return pair;
  }
  ZR_ASSIGN_OR_RETURN(CurveKeyPair pair, GenerateCurveKeyPair());
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Status::Unavailable("cannot create " + tmp);
  std::string text = FormatKeyFile(pair);
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::Unavailable("cannot write " + path);
  }
  return pair;
}

StatusOr<std::string> ReadPublicKeyFile(const std::string& path) {
  ZR_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path));
  auto key = ParsePublicKeyFile(text);
  if (!key.ok()) return key.status().WithContext(path);
  return key;
}

}  // namespace zroute::security
