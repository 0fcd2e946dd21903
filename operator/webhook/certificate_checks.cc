#include "operator/webhook/certificate_checks.h"

#include <arpa/inet.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <memory>

#include "operator/webhook/openssl_pem.h"

namespace zroute::webhook {
namespace {

std::string Asn1String(const ASN1_STRING* s) {
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)), ASN1_STRING_length(s));
}

std::string IpText(const ASN1_OCTET_STRING* ip) {
  char buf[INET6_ADDRSTRLEN] = {};
  const int len = ASN1_STRING_length(ip);
  const int family = len == 4 ? AF_INET : (len == 16 ? AF_INET6 : -1);
  if (family < 0 || inet_ntop(family, ASN1_STRING_get0_data(ip), buf, sizeof(buf)) == nullptr) return "?";
  return buf;
}

}  // namespace

StatusOr<CertificateInfo> InspectCertificate(const std::string& cert_pem) {
  ZR_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificatePem(cert_pem));
  CertificateInfo info;
  info.not_before = Asn1TimeToWallTime(X509_get0_notBefore(cert.get()));
  info.not_after = Asn1TimeToWallTime(X509_get0_notAfter(cert.get()));
  info.is_ca = X509_check_ca(cert.get()) > 0;
  char cn[256] = {};
  if (X509_NAME_get_text_by_NID(X509_get_subject_name(cert.get()), NID_commonName, cn, sizeof(cn)) > 0) {
    info.common_name = cn;
  }
  auto* names = static_cast<GENERAL_NAMES*>(X509_get_ext_d2i(cert.get(), NID_subject_alt_name, nullptr, nullptr));
  if (names != nullptr) {
    for (int i = 0; i < sk_GENERAL_NAME_num(names); ++i) {
      const GENERAL_NAME* n = sk_GENERAL_NAME_value(names, i);
      if (n->type == GEN_DNS) info.dns_names.push_back(Asn1String(n->d.dNSName));
      if (n->type == GEN_IPADD) info.ip_addresses.push_back(IpText(n->d.iPAddress));
    }
    GENERAL_NAMES_free(names);
  }
  return info;
}

bool NeedsRenewal(const std::string& cert_pem, WallTime now, Duration renew_before) {
  StatusOr<CertificateInfo> info = InspectCertificate(cert_pem);
  if (!info.ok()) return true;
  if (now < info->not_before) return true;
  return info->not_after - now <= renew_before;
}

Status VerifyIssuedBy(const std::string& cert_pem, const std::string& ca_pem, WallTime at,
                      const std::string& dns_name) {
  ZR_ASSIGN_OR_RETURN(X509Ptr cert, ParseCertificatePem(cert_pem));
  ZR_ASSIGN_OR_RETURN(X509Ptr ca, ParseCertificatePem(ca_pem));
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), X509_STORE_free);
  std::unique_ptr<X509_STORE_CTX, decltype(&X509_STORE_CTX_free)> ctx(X509_STORE_CTX_new(), X509_STORE_CTX_free);
  if (!store || !ctx || X509_STORE_add_cert(store.get(), ca.get()) != 1 ||
      X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr) != 1) {
    return OpenSslError("X509 store setup");
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  X509_VERIFY_PARAM_set_time(param, std::chrono::system_clock::to_time_t(at));
  if (!dns_name.empty()) X509_VERIFY_PARAM_set1_host(param, dns_name.c_str(), dns_name.size());
  if (X509_verify_cert(ctx.get()) != 1) {
    return Status::InvalidArgument(std::string("certificate verification failed: ") +
                                   X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get())));
  }
  return Status::OK();
}

}  // namespace zroute::webhook
