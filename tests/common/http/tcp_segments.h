// Data segments a TCP socket has received (TCP_INFO's tcpi_data_segs_in, Linux 4.6+), or 0 when
// the kernel cannot say. Apart from the tests that use it: <linux/tcp.h>, which has the field,
// clashes with glibc's <netinet/tcp.h>, which httplib.h includes.
#pragma once

#include <cstdint>

namespace zroute::testing {

uint32_t DataSegmentsIn(int fd);

}  // namespace zroute::testing
