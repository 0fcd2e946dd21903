#include "operator/controller/logging_event_recorder.h"

#include "common/util/logging.h"

namespace zroute {

void LoggingEventRecorder::Record(const InvolvedObject& object, EventType type, const std::string& reason,
                                  const std::string& message) {
  const std::string where = object.namespace_.empty() ? object.name : object.namespace_ + "/" + object.name;
  const nlohmann::json fields = {{"object", object.kind + " " + where}, {"reason", reason}, {"message", message}};
  if (type == EventType::kWarning) {
    ZR_LOG(kWarn, "events", reason, fields);
  } else {
    ZR_LOG(kInfo, "events", reason, fields);
  }
}

}  // namespace zroute
