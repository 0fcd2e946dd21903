// Flags: a small command-line parser shared by the zroute binaries.
//   Flags f("zroute-sidecar", "Runs beside an app ...");
//   f.String("app-id", &cfg.app_id, "app-id this sidecar speaks for", /*required=*/true);
//   f.Int("http-port", &cfg.http_port, "...");
//   Status s = f.Parse(argc, argv);   // --name value | --name=value | --help
// --help prints every flag with its default and exits 0 from Parse's caller (help_requested()).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/util/status.h"

namespace zroute {

class Flags {
 public:
  Flags(std::string program, std::string summary) : program_(std::move(program)), summary_(std::move(summary)) {}

  void String(const std::string& name, std::string* out, const std::string& help, bool required = false);
  void Int(const std::string& name, int* out, const std::string& help);
  void Uint64(const std::string& name, uint64_t* out, const std::string& help);
  void Bool(const std::string& name, bool* out, const std::string& help);
  void Millis(const std::string& name, std::chrono::milliseconds* out, const std::string& help);

  Status Parse(int argc, char** argv);
  bool help_requested() const { return help_; }
  std::string Usage() const;

 private:
  struct Flag {
    std::string name;
    std::string help;
    std::string default_text;
    bool required = false;
    bool is_bool = false;
    bool seen = false;
    std::function<Status(const std::string&)> set;
  };
  Flag* Find(const std::string& name);

  std::string program_;
  std::string summary_;
  std::vector<Flag> flags_;
  bool help_ = false;
};

}  // namespace zroute
