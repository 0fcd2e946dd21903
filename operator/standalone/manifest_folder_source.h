// ManifestFolderSource: standalone mode's ResourceSource. Reads every *.yaml / *.yml file of a
// folder (the same documents `kubectl apply` takes), and reads it again when any file is added,
// removed or changed (checked every poll_interval by name, size and modification time).
// Invalid documents are logged with file, document and field and left out; the valid ones stay.
#pragma once

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "operator/controller/resource_source.h"

namespace zroute {

class ManifestFolderSource final : public ResourceSource {
 public:
  ManifestFolderSource(std::string dir, std::chrono::milliseconds poll_interval);
  ~ManifestFolderSource() override;

  Status Start(ChangeFn on_change) override;
  void Stop() override;

  // Name, size and mtime of every manifest file: what "the folder changed" compares.
  static std::string Fingerprint(const std::string& dir);

 private:
  void Load();
  void Loop();

  const std::string dir_;
  const std::chrono::milliseconds poll_interval_;
  ChangeFn on_change_;
  std::string fingerprint_;
  std::thread thread_;
  std::mutex mu_;  // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
};

}  // namespace zroute
