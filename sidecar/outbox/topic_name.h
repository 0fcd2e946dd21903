// Topic names as directory names. Topic names are DNS-1123-like, but they come from outside, so
// every byte outside [a-z0-9_-] is written as %XX (upper-case hex): no "..", no '/', no upper case
// that a case-insensitive file system would fold, no name that looks like a temp file.
#pragma once

#include <optional>
#include <string>

namespace zroute {

// The directory name for a topic. Empty for an empty topic name.
std::string EscapeTopicName(const std::string& topic);
// The topic of a directory name; nullopt when `dir_name` is not an escaped topic name.
std::optional<std::string> UnescapeTopicName(const std::string& dir_name);

}  // namespace zroute
