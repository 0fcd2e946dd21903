// CURVE keys: generation, validation and the key files the operator and sidecars read.
//
// Keys travel as Z85 text (40 characters, libzmq's encoding). A key file holds a keypair in the
// zcert text layout:
//     # any comment
//     public-key = "<40 chars>"
//     secret-key = "<40 chars>"
// A public-key file holds either that layout without the secret line, or the bare key on its
// first line (the shape of a Kubernetes Secret key mounted as a file).
// Thread-safety: free functions, no shared state.
#pragma once

#include <string>

#include "common/util/status.h"

namespace zroute::security {

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

// A fresh keypair from libzmq's CSPRNG. Unavailable when libzmq was built without CURVE.
StatusOr<CurveKeyPair> GenerateCurveKeyPair();

// True for 40 characters of the Z85 alphabet that decode to 32 bytes.
bool IsValidCurveKey(const std::string& z85);

// Checks both keys and that the public key is the one derived from the secret key.
Status ValidateKeyPair(const CurveKeyPair& pair);

// The text of a key file for `pair` (secret included).
std::string FormatKeyFile(const CurveKeyPair& pair);
// Parses a key file; the secret key is required.
StatusOr<CurveKeyPair> ParseKeyFile(const std::string& text);
// Parses a public-key file (either layout above).
StatusOr<std::string> ParsePublicKeyFile(const std::string& text);

// Reads `path`; when it does not exist, generates a keypair and writes it there (mode 0600, via a
// temporary file and a rename). Returns the keypair in either case.
StatusOr<CurveKeyPair> LoadOrCreateKeyFile(const std::string& path);
// Reads a public key from `path` (either layout).
StatusOr<std::string> ReadPublicKeyFile(const std::string& path);

}  // namespace zroute::security
