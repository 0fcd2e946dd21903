#include "operator/webhook/certificate_authority.h"

#include <arpa/inet.h>
#include <openssl/bn.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <ctime>

#include "operator/webhook/injection_annotations.h"

namespace zroute::webhook {
namespace {

StatusOr<EvpPkeyPtr> GenerateKey(KeyAlgorithm algorithm) {
  EVP_PKEY* key = algorithm == KeyAlgorithm::kEcP256 ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
                                                     : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  if (key == nullptr) return OpenSslError("key generation");
  return EvpPkeyPtr(key);
}

Status SetRandomSerial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) return OpenSslError("RAND_bytes");
  bytes[0] &= 0x7f;  // serial numbers are positive
  bytes[0] |= 0x01;  // and never start with a zero byte, so the encoding stays 16 bytes
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(BN_bin2bn(bytes, sizeof(bytes), nullptr), BN_free);
  if (!bn || BN_to_ASN1_INTEGER(bn.get(), X509_get_serialNumber(cert)) == nullptr) return OpenSslError("serial");
  return Status::OK();
}

Status AddExtension(X509* cert, X509V3_CTX* ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, ctx, nid, value.c_str());
  if (ext == nullptr) return OpenSslError("extension " + value);
  int ok = X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? Status::OK() : OpenSslError("X509_add_ext");
}

// A new certificate with subject CN, validity and public key set; issuer name and extensions are
// left to the caller.
StatusOr<X509Ptr> NewCertificate(const std::string& cn, WallTime not_before, WallTime not_after, EVP_PKEY* key) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) return OpenSslError("X509_new");
  ZR_RETURN_IF_ERROR(SetRandomSerial(cert.get()));
  if (ASN1_TIME_set(X509_getm_notBefore(cert.get()), std::chrono::system_clock::to_time_t(not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(cert.get()), std::chrono::system_clock::to_time_t(not_after)) == nullptr) {
    return OpenSslError("validity");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("zroute"), -1, -1,
                                 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1,
                                 -1, 0) != 1) {
    return OpenSslError("subject " + cn);
  }
  if (X509_set_pubkey(cert.get(), key) != 1) return OpenSslError("X509_set_pubkey");
  return cert;
}

bool IsIpLiteral(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::vector<std::string> ServiceDnsNames(std::string_view service, std::string_view ns) {
  std::string svc(service), with_ns = svc + "." + std::string(ns);
  return {svc, with_ns, with_ns + ".svc", with_ns + ".svc.cluster.local"};
}

StatusOr<CertificateAuthority> CertificateAuthority::Generate(const std::string& common_name, Duration validity,
                                                              const Clock& clock, KeyAlgorithm algorithm) {
  if (common_name.empty() || common_name.size() > 64) return Status::InvalidArgument("CA common name must be 1-64 chars");
  ZR_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey(algorithm));
  const WallTime now = clock.WallNow();
  ZR_ASSIGN_OR_RETURN(X509Ptr cert, NewCertificate(common_name, now - kClockSkewAllowance,
                                                   now + std::chrono::duration_cast<WallTime::duration>(validity),
                                                   key.get()));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get())) != 1) return OpenSslError("issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_key_usage, "critical,keyCertSign,cRLSign"));
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) return OpenSslError("X509_sign");

  PemKeyPair pem;
  ZR_ASSIGN_OR_RETURN(pem.cert_pem, CertificateToPem(cert.get()));
  ZR_ASSIGN_OR_RETURN(pem.key_pem, PrivateKeyToPem(key.get()));
  return CertificateAuthority(std::shared_ptr<X509>(cert.release(), X509_free),
                              std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free), std::move(pem), clock);
}

StatusOr<CertificateAuthority> CertificateAuthority::FromPem(const PemKeyPair& pem, const Clock& clock) {
  ZR_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificatePem(pem.cert_pem));
  ZR_ASSIGN_OR_RETURN(EvpPkeyPtr key, ParsePrivateKeyPem(pem.key_pem));
  if (X509_check_private_key(cert.get(), key.get()) != 1) {
    Status s = OpenSslError("CA key does not match the CA certificate");
    return Status::InvalidArgument(s.message());
  }
  if (X509_check_ca(cert.get()) <= 0) return Status::InvalidArgument("the certificate is not a CA");
  return CertificateAuthority(std::shared_ptr<X509>(cert.release(), X509_free),
                              std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free), pem, clock);
}

StatusOr<PemKeyPair> CertificateAuthority::IssueServingCertificate(const ServingCertificateRequest& request) const {
  if (request.dns_names.empty()) return Status::InvalidArgument("a serving certificate needs at least one DNS name");
  // Names are checked before they reach OpenSSL's "DNS:a,DNS:b" configuration syntax, where a comma
  // or colon in a name would add a name nobody asked for.
  std::string san;
  for (const auto& name : request.dns_names) {
    if (!IsDnsSubdomain(name)) return Status::InvalidArgument("not a DNS name: \"" + name + "\"");
    san += (san.empty() ? "DNS:" : ",DNS:") + name;
  }
  for (const auto& ip : request.ip_addresses) {
    if (!IsIpLiteral(ip)) return Status::InvalidArgument("not an IP address: \"" + ip + "\"");
    san += ",IP:" + ip;
  }
  if (request.dns_names.front().size() > 64) return Status::InvalidArgument("the first DNS name is over 64 chars (CN)");

  ZR_ASSIGN_OR_RETURN(EvpPkeyPtr key, GenerateKey(request.key_algorithm));
  const WallTime now = clock_->WallNow();
  const WallTime ca_not_after = Asn1TimeToWallTime(X509_get0_notAfter(cert_.get()));
  const WallTime not_after =
      std::min(now + std::chrono::duration_cast<WallTime::duration>(request.validity), ca_not_after);
  ZR_ASSIGN_OR_RETURN(X509Ptr cert,
                      NewCertificate(request.dns_names.front(), now - kClockSkewAllowance, not_after, key.get()));
  if (X509_set_issuer_name(cert.get(), X509_get_subject_name(cert_.get())) != 1) return OpenSslError("issuer");
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert_.get(), cert.get(), nullptr, nullptr, 0);
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_basic_constraints, "critical,CA:FALSE"));
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_key_usage,
                                  request.key_algorithm == KeyAlgorithm::kRsa2048
                                      ? "critical,digitalSignature,keyEncipherment"
                                      : "critical,digitalSignature"));
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_ext_key_usage, "serverAuth"));
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_key_identifier, "hash"));
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_authority_key_identifier, "keyid:always"));
  ZR_RETURN_IF_ERROR(AddExtension(cert.get(), &ctx, NID_subject_alt_name, san));
  if (X509_sign(cert.get(), key_.get(), EVP_sha256()) <= 0) return OpenSslError("X509_sign");

  PemKeyPair pem;
  ZR_ASSIGN_OR_RETURN(pem.cert_pem, CertificateToPem(cert.get()));
  ZR_ASSIGN_OR_RETURN(pem.key_pem, PrivateKeyToPem(key.get()));
  return pem;
}

}  // namespace zroute::webhook
