// Read-only checks on PEM certificates: what a certificate says, whether it is due for renewal,
// and whether a CA issued it. Pure functions; thread-safe.
#pragma once

#include <string>
#include <vector>

#include "common/util/clock.h"
#include "common/util/status.h"

namespace zroute::webhook {

struct CertificateInfo {
  std::string common_name;
  WallTime not_before;
  WallTime not_after;
  std::vector<std::string> dns_names;     // subjectAltName DNS entries, in order
  std::vector<std::string> ip_addresses;  // subjectAltName IP entries, as text
  bool is_ca = false;
};

StatusOr<CertificateInfo> InspectCertificate(const std::string& cert_pem);

// True when the certificate expires within `renew_before` of `now` (or already has, or is not yet
// valid). A certificate that does not parse needs renewal too: the caller replaces it.
bool NeedsRenewal(const std::string& cert_pem, WallTime now, Duration renew_before);

// OK when `cert_pem` chains to `ca_pem` (signature, validity at `at`, CA constraints) and, when
// `dns_name` is not empty, is valid for that host name.
Status VerifyIssuedBy(const std::string& cert_pem, const std::string& ca_pem, WallTime at,
                      const std::string& dns_name = "");

}  // namespace zroute::webhook
