// Fuzzes the JSON event format's reading (common/cloudevents/json_event_reader.h, behind
// ParseStructuredEvent and ParseEventBatch) against its reference, an nlohmann-json tree
// (tests/common/cloudevents/json_tree_oracle.h): on every input both give the same events or the
// same status code. An event read is written back (SerializeStructuredEvent) and read again the
// same, and the writer's text is the tree's dump byte for byte.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/cloudevents/attribute_rules.h"
#include "common/cloudevents/json_format.h"
#include "tests/common/cloudevents/json_tree_oracle.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckWrittenBack(const zroute::CloudEvent& event) {
  const std::string text = zroute::SerializeStructuredEvent(event);
  Check(text == zroute::CloudEventToJson(event).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  zroute::StatusOr<zroute::CloudEvent> again = zroute::ParseStructuredEvent(text);
  Check(again.ok());
  zroute::CloudEvent left = event, right = *again;
  if (zroute::IsJsonMediaType(event.datacontenttype)) {  // JSON data is written compactly
    left.data.clear();
    right.data.clear();
  }
  Check(left == right);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);

  zroute::StatusOr<zroute::CloudEvent> event = zroute::ParseStructuredEvent(text);
  zroute::StatusOr<zroute::CloudEvent> want_event = zroute::testing::OracleStructuredEvent(text);
  Check(event.status().code() == want_event.status().code());
  if (event.ok()) {
    Check(*event == *want_event);
    CheckWrittenBack(*event);
  } else {
    Check(!event.status().message().empty());
  }

  constexpr size_t kMaxEvents = 4;
  auto batch = zroute::ParseEventBatch(text, kMaxEvents);
  auto want_batch = zroute::testing::OracleEventBatch(text, kMaxEvents);
  Check(batch.status().code() == want_batch.status().code());
  if (batch.ok()) {
    Check(*batch == *want_batch);
    for (const auto& e : *batch) CheckWrittenBack(e);
  }
  return 0;
}
