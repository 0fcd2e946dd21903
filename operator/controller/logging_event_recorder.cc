#include "operator/controller/logging_event_recorder.h"

#include "common/util/logging.h"

namespace zroute {

void LoggingEventRecorder::Record(const InvolvedObject& object, EventType type, const std::string& reason,
                                  const std::string& message) {
  const nlohmann::json fields = {{"kind", object.kind},
                                 {"object", object.namespace_ + "/" + object.name},
                                 {"type", type == EventType::kWarning ? "Warning" : "Normal"},
                                 {"reason", reason},
                                 {"message", message}};
  if (type == EventType::kWarning) {
    ZR_LOG(kWarn, "event", reason, fields);
  } else {
    ZR_LOG(kInfo, "event", reason, fields);
  }
}

}  // namespace zroute
