// Structured logging: one JSON object per line on stderr, with time, level, component, message
// and any extra fields. Thread-safe; the level is process-wide and settable at any time.
//
//   ZR_LOG(kInfo, "sidecar", "registered", {{"operator", addr}, {"version", v}});
#pragma once

#include <atomic>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace zroute {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug|info|warn|error"; false when unknown.
bool ParseLogLevel(std::string_view text, LogLevel* level);
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

void Log(LogLevel level, std::string_view component, std::string_view message,
         const nlohmann::json& fields = nlohmann::json::object());

}  // namespace zroute

#define ZR_LOG(level, component, message, ...)                                \
  do {                                                                        \
    if (::zroute::LogEnabled(::zroute::LogLevel::level)) {                    \
      ::zroute::Log(::zroute::LogLevel::level, component, message, ##__VA_ARGS__); \
    }                                                                         \
  } while (0)
