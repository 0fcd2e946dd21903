#include "common/util/flags.h"

#include <charconv>
#include <sstream>

#include "common/util/duration.h"

namespace zroute {
namespace {

template <typename T>
Status ParseNumber(const std::string& name, const std::string& text, T* out) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("--" + name + ": '" + text + "' is not a valid number");
  }
  *out = value;
  return Status::OK();
}

}  // namespace

void Flags::String(const std::string& name, std::string* out, const std::string& help, bool required) {
  flags_.push_back({name, help, *out, required, false, false, [out](const std::string& v) {
                      *out = v;
                      return Status::OK();
                    }});
}

void Flags::Int(const std::string& name, int* out, const std::string& help) {
  flags_.push_back({name, help, std::to_string(*out), false, false, false,
                    [name, out](const std::string& v) { return ParseNumber(name, v, out); }});
}

void Flags::Uint64(const std::string& name, uint64_t* out, const std::string& help) {
  flags_.push_back({name, help, std::to_string(*out), false, false, false,
                    [name, out](const std::string& v) { return ParseNumber(name, v, out); }});
}

void Flags::Bool(const std::string& name, bool* out, const std::string& help) {
  flags_.push_back({name, help, *out ? "true" : "false", false, true, false, [name, out](const std::string& v) {
                      if (v == "true" || v == "1" || v.empty()) *out = true;
                      else if (v == "false" || v == "0") *out = false;
                      else return Status::InvalidArgument("--" + name + ": expected true or false, got '" + v + "'");
                      return Status::OK();
                    }});
}

void Flags::Millis(const std::string& name, std::chrono::milliseconds* out, const std::string& help) {
  flags_.push_back({name, help, std::to_string(out->count()) + "ms", false, false, false,
                    [name, out](const std::string& v) -> Status {
                      auto d = ParseDuration(v);
                      if (!d.ok()) return d.status().WithContext("--" + name);
                      *out = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
                      return Status::OK();
                    }});
}

Flags::Flag* Flags::Find(const std::string& name) {
  for (auto& f : flags_) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status Flags::Parse(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      help_ = true;
      return Status::OK();
    }
    if (arg.rfind("--", 0) != 0) return Status::InvalidArgument("unexpected argument '" + arg + "'");
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    Flag* f = Find(name);
    if (!f) return Status::InvalidArgument("unknown flag --" + name + " (see --help)");
    if (!has_value && !f->is_bool) {
      if (i + 1 >= argc) return Status::InvalidArgument("--" + name + " needs a value");
      value = argv[++i];
    }
    ZR_RETURN_IF_ERROR(f->set(value));
    f->seen = true;
  }
  for (const auto& f : flags_) {
    if (f.required && !f.seen) return Status::InvalidArgument("--" + f.name + " is required (see --help)");
  }
  return Status::OK();
}

std::string Flags::Usage() const {
  std::ostringstream out;
  out << "Usage: " << program_ << " [flags]\n\n" << summary_ << "\n\nFlags:\n";
  for (const auto& f : flags_) {
    out << "  --" << f.name;
    if (!f.is_bool) out << " VALUE";
    out << "\n      " << f.help;
    if (f.required) {
      out << " (required)";
    } else if (!f.default_text.empty()) {
      out << " (default: " << f.default_text << ")";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace zroute
