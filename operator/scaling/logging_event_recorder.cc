#include "operator/scaling/logging_event_recorder.h"

#include "common/util/logging.h"

namespace zroute::scaling {

void LoggingEventRecorder::Record(const ScalingEvent& event) {
  const nlohmann::json fields = {{"policy", event.policy_key},
                                 {"type", event.type},
                                 {"reason", event.reason},
                                 {"message", event.message}};
  if (event.type == kEventWarning) {
    ZR_LOG(kWarn, "scaling", event.reason, fields);
  } else {
    ZR_LOG(kInfo, "scaling", event.reason, fields);
  }
}

}  // namespace zroute::scaling
