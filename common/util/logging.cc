#include "common/util/logging.h"

#include "common/util/ids.h"

#include <chrono>
#include <cstdio>
#include <mutex>

namespace zroute {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::kInfo)};
std::mutex g_write_mu;  // keeps lines whole when threads log at once

const char* LevelName(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

bool ParseLogLevel(std::string_view text, LogLevel* level) {
  if (text == "debug") *level = LogLevel::kDebug;
  else if (text == "info") *level = LogLevel::kInfo;
  else if (text == "warn" || text == "warning") *level = LogLevel::kWarn;
  else if (text == "error") *level = LogLevel::kError;
  else return false;
  return true;
}

void SetLogLevel(LogLevel level) { g_level.store(static_cast<int>(level)); }

bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level.load(std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view component, std::string_view message, const nlohmann::json& fields) {
  nlohmann::json line = {{"ts", FormatRfc3339(std::chrono::system_clock::now())}, {"level", LevelName(level)},
                         {"component", component}, {"msg", message}};
  if (fields.is_object()) {
    for (auto it = fields.begin(); it != fields.end(); ++it) line[it.key()] = it.value();
  }
  // Replace invalid UTF-8 instead of throwing: log lines may quote hostile input.
  std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::lock_guard<std::mutex> lock(g_write_mu);
  std::fprintf(stderr, "%s\n", text.c_str());
}

}  // namespace zroute
