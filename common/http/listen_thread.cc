#include "common/http/listen_thread.h"

#include <atomic>
#include <memory>
#include <string>

#include "common/http/listen_backlog.h"
#include "common/util/thread_name.h"

namespace zroute {

StatusOr<std::thread> StartListenThread(httplib::Server& server, const char* thread_name) {
  ZR_RETURN_IF_ERROR(WidenListenBacklog(server).WithContext(thread_name));
  auto returned = std::make_shared<std::atomic<bool>>(false);
  std::thread listener([&server, returned, name = std::string(thread_name)] {
    SetCurrentThreadName(name.c_str());
    server.listen_after_bind();
    returned->store(true);
  });
  // listen_after_bind either sets is_running() within microseconds or returns: yielding until one
  // of them costs less than a condition variable the library would not signal anyway.
  while (!server.is_running()) {
    if (returned->load()) {
      listener.join();
      return Status::IOError(std::string(thread_name) + ": the HTTP accept loop ended before it began");
    }
    std::this_thread::yield();
  }
  return listener;
}

}  // namespace zroute
