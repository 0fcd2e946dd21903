#include "common/cloudevents/http_binding.h"

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace zroute {
namespace {

using nlohmann::json;

WrapDefaults Wrap() {
  WrapDefaults wrap;
  wrap.source = "zroute://orders-app";
  wrap.type = "zroute.published";
  wrap.new_id = [] { return std::string("generated-id"); };
  wrap.now_rfc3339 = [] { return std::string("2026-11-27T18:41:43Z"); };
  return wrap;
}

HttpHeaders BinaryHeaders() {
  return {{"ce-specversion", "1.0"},
          {"ce-id", "42"},
          {"ce-source", "/orders"},
          {"ce-type", "order.created"},
          {"content-type", "application/json"}};
}

StatusOr<std::vector<CloudEvent>> Decode(const HttpHeaders& headers, const std::string& body,
                                         const DecodeLimits& limits = {}) {
  return DecodeHttpRequest(headers, body, limits, Wrap());
}

// ---- percent-encoding

TEST(PercentEncodingTest, EncodesExactlyTheCharactersTheBindingNames) {
  EXPECT_EQ(PercentEncodeHeaderValue("plain-ASCII_value.~!#$&'()*+,/:;<=>?@[]^`{|}"),
            "plain-ASCII_value.~!#$&'()*+,/:;<=>?@[]^`{|}");
  EXPECT_EQ(PercentEncodeHeaderValue("a b"), "a%20b");
  EXPECT_EQ(PercentEncodeHeaderValue("say \"hi\""), "say%20%22hi%22");
  EXPECT_EQ(PercentEncodeHeaderValue("100%"), "100%25");
  EXPECT_EQ(PercentEncodeHeaderValue("line\r\nX-Injected: 1"), "line%0D%0AX-Injected:%201");
  EXPECT_EQ(PercentEncodeHeaderValue(std::string("nul\0tab\tdel\x7f", 12)), "nul%00tab%09del%7F");
  // The binding's own example.
  EXPECT_EQ(PercentEncodeHeaderValue("Euro \xE2\x82\xAC \xF0\x9F\x98\x80"), "Euro%20%E2%82%AC%20%F0%9F%98%80");
}

TEST(PercentEncodingTest, RoundTripsUtf8SpaceQuotePercentAndControlCharacters) {
  const std::string values[] = {
      "",
      "simple",
      " leading and trailing ",
      "\"quoted\"",
      "%41 is not A",
      "%%%",
      "日本語 テキスト",
      "emoji \xF0\x9F\x98\x80",
      std::string("\x00\x01\x1f\x7f", 4),
      "\r\n\t",
      "\xC2\x80\xC2\x9F",  // C1 controls
  };
  for (const std::string& value : values) {
    std::string encoded = PercentEncodeHeaderValue(value);
    for (unsigned char c : encoded) {
      EXPECT_TRUE(c >= 0x21 && c <= 0x7e && c != '"') << "unsafe byte in " << encoded;
    }
    StatusOr<std::string> decoded = PercentDecodeHeaderValue(encoded);
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, value);
  }
}

TEST(PercentEncodingTest, DecodeAcceptsLowerCaseAndUnnecessaryEscapes) {
  EXPECT_EQ(PercentDecodeHeaderValue("%e2%82%ac").value(), "\xE2\x82\xAC");
  EXPECT_EQ(PercentDecodeHeaderValue("%41%42c").value(), "ABc");
  EXPECT_EQ(PercentDecodeHeaderValue("a b").value(), "a b");  // raw space from a lenient sender
}

TEST(PercentEncodingTest, DecodeUnquotesDoubleQuotedValues) {
  EXPECT_EQ(PercentDecodeHeaderValue("\"hello world\"").value(), "hello world");
  EXPECT_EQ(PercentDecodeHeaderValue("\"a \\\"b\\\" \\\\ c\"").value(), "a \"b\" \\ c");
  EXPECT_EQ(PercentDecodeHeaderValue("\"%20\"").value(), " ");
  EXPECT_EQ(PercentDecodeHeaderValue("\"\"").value(), "");
  EXPECT_FALSE(PercentDecodeHeaderValue("\"a\"b\"").ok());
  EXPECT_FALSE(PercentDecodeHeaderValue("\"ends in backslash\\\"").ok());
}

TEST(PercentEncodingTest, DecodeRejectsMalformedEscapes) {
  for (const char* value : {"%", "%4", "abc%", "%G0", "%0G", "%%", "a%2", "%-1", "% 1"}) {
    StatusOr<std::string> decoded = PercentDecodeHeaderValue(value);
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << value;
  }
}

TEST(PercentEncodingTest, DecodeRejectsInvalidUtf8) {
  for (const char* value : {"%C0%A0", "%E2%82", "%FF", "%ED%A0%80", "%80"}) {
    StatusOr<std::string> decoded = PercentDecodeHeaderValue(value);
    EXPECT_EQ(decoded.status().code(), StatusCode::kInvalidArgument) << value;
    EXPECT_NE(decoded.status().message().find("UTF-8"), std::string::npos) << decoded.status();
  }
}

// ---- mode detection

TEST(DetectModeTest, ContentTypeIgnoresParametersAndCase) {
  EXPECT_EQ(DetectMode({{"content-type", "application/cloudevents+json; charset=utf-8"}}), HttpEventMode::kStructured);
  EXPECT_EQ(DetectMode({{"content-type", "Application/CloudEvents+JSON"}}), HttpEventMode::kStructured);
  EXPECT_EQ(DetectMode({{"content-type", "application/cloudevents-batch+json;charset=UTF-8"}}), HttpEventMode::kBatch);
  EXPECT_EQ(DetectMode({{"content-type", "APPLICATION/CLOUDEVENTS-BATCH+JSON"}}), HttpEventMode::kBatch);
  EXPECT_EQ(DetectMode(BinaryHeaders()), HttpEventMode::kBinary);
  EXPECT_EQ(DetectMode({{"content-type", "application/json"}}), HttpEventMode::kPlain);
  EXPECT_EQ(DetectMode({}), HttpEventMode::kPlain);
  // A structured body with binary-mode headers as well is structured.
  HttpHeaders both = BinaryHeaders();
  both["content-type"] = "application/cloudevents+json";
  EXPECT_EQ(DetectMode(both), HttpEventMode::kStructured);
}

// ---- binary mode

TEST(BinaryModeTest, DecodesHeadersAndBody) {
  HttpHeaders headers = BinaryHeaders();
  headers["ce-subject"] = "order%2042%20%E2%82%AC";
  headers["ce-time"] = "2026-11-27T18:41:43Z";
  headers["ce-partitionkey"] = "customer-7";
  headers["content-type"] = "application/json; charset=utf-8";
  headers["x-other"] = "ignored";
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, "{\"total\":12}");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const CloudEvent& event = (*events)[0];
  EXPECT_EQ(event.id, "42");
  EXPECT_EQ(event.source, "/orders");
  EXPECT_EQ(event.type, "order.created");
  EXPECT_EQ(event.subject, "order 42 \xE2\x82\xAC");
  EXPECT_EQ(event.datacontenttype, "application/json; charset=utf-8");
  EXPECT_EQ(event.extensions, (std::map<std::string, std::string>{{"partitionkey", "customer-7"}}));
  EXPECT_EQ(event.data, "{\"total\":12}");
}

TEST(BinaryModeTest, EncodeThenDecodeRoundTripsWithExtensions) {
  CloudEvent event;
  event.id = "id with spaces";
  event.source = "zroute://orders-app";
  event.type = "order.created";
  event.datacontenttype = "application/octet-stream";
  event.dataschema = "https://schemas.example/order";
  event.subject = "\"quoted\" 100% \xE6\x97\xA5\xE6\x9C\xAC";
  event.time = "2026-11-27T18:41:43.5+01:00";
  event.extensions["partitionkey"] = "k 1";
  event.extensions["traceparent"] = "00-abc-01";
  event.extensions["empty"] = "";
  event.data = std::string("\0\x01\xff", 3);

  HttpHeaders headers = {{"authorization", "kept"}};
  std::string body;
  EncodeBinaryMode(event, &headers, &body);
  EXPECT_EQ(headers.at("authorization"), "kept");
  EXPECT_EQ(headers.at("ce-id"), "id%20with%20spaces");
  EXPECT_EQ(headers.at("content-type"), "application/octet-stream");
  EXPECT_EQ(headers.count("ce-datacontenttype"), 0u);
  EXPECT_EQ(body, event.data);

  headers.erase("authorization");
  StatusOr<std::vector<CloudEvent>> decoded = Decode(headers, body);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->size(), 1u);
  EXPECT_EQ((*decoded)[0], event);
}

TEST(BinaryModeTest, EncodeDropsControlCharactersFromContentType) {
  CloudEvent event;
  event.datacontenttype = "text/plain\r\nX-Injected: 1";
  HttpHeaders headers;
  std::string body;
  EncodeBinaryMode(event, &headers, &body);
  EXPECT_EQ(headers.at("content-type"), "text/plainX-Injected: 1");
}

TEST(BinaryModeTest, EachMissingRequiredHeaderIsNamed) {
  for (const char* name : {"ce-id", "ce-source", "ce-type"}) {
    HttpHeaders headers = BinaryHeaders();
    headers.erase(name);
    StatusOr<std::vector<CloudEvent>> events = Decode(headers, "{}");
    EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(events.status().message().find(std::string("missing required attribute '") + name + "'"),
              std::string::npos)
        << events.status();
  }
  HttpHeaders headers = BinaryHeaders();
  headers["ce-specversion"] = "";
  EXPECT_NE(Decode(headers, "").status().message().find("'ce-specversion'"), std::string::npos);
}

TEST(BinaryModeTest, SpecVersionOtherThanOneIsRejected) {
  HttpHeaders headers = BinaryHeaders();
  headers["ce-specversion"] = "0.3";
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, "");
  EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(events.status().message().find("'specversion'"), std::string::npos) << events.status();
}

TEST(BinaryModeTest, MalformedHeaderValueNamesTheHeader) {
  HttpHeaders headers = BinaryHeaders();
  headers["ce-subject"] = "bad%zz";
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, "");
  EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(events.status().message().find("attribute 'ce-subject'"), std::string::npos) << events.status();
}

TEST(BinaryModeTest, InvalidTimeIsRejected) {
  HttpHeaders headers = BinaryHeaders();
  headers["ce-time"] = "yesterday";
  EXPECT_NE(Decode(headers, "").status().message().find("'time'"), std::string::npos);
}

TEST(BinaryModeTest, ExtensionNameRules) {
  const std::pair<const char*, const char*> cases[] = {
      {"ce-part-key", "lower-case"},
      {"ce-averyveryverylongextension", "longer than"},
      {"ce-part_key", "lower-case"},
  };
  for (const auto& [header, reason] : cases) {
    HttpHeaders headers = BinaryHeaders();
    headers[header] = "v";
    StatusOr<std::vector<CloudEvent>> events = Decode(headers, "");
    EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument) << header;
    EXPECT_NE(events.status().message().find(reason), std::string::npos) << events.status();
  }
  // Header names are case-insensitive: an upper-case header is the lower-case attribute.
  HttpHeaders headers = BinaryHeaders();
  headers["CE-PartitionKey"] = "k";
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, "");
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ((*events)[0].extensions.at("partitionkey"), "k");
}

TEST(BinaryModeTest, DataHeaderIsRejected) {
  HttpHeaders headers = BinaryHeaders();
  headers["ce-data"] = "x";
  EXPECT_NE(Decode(headers, "").status().message().find("'ce-data'"), std::string::npos);
}

TEST(BinaryModeTest, ContentTypeWinsOverCeDataContentType) {
  HttpHeaders headers = BinaryHeaders();
  headers["ce-datacontenttype"] = "text/plain";
  EXPECT_EQ(Decode(headers, "{}")->at(0).datacontenttype, "application/json");
  headers.erase("content-type");
  EXPECT_EQ(Decode(headers, "{}")->at(0).datacontenttype, "text/plain");
}

TEST(BinaryModeTest, OversizeBodyIsTooLarge) {
  DecodeLimits limits;
  limits.max_event_bytes = 1000;
  EXPECT_EQ(Decode(BinaryHeaders(), std::string(1001, 'x'), limits).status().code(), StatusCode::kTooLarge);
  // Attributes count too: data alone under the limit, data + attributes over it.
  StatusOr<std::vector<CloudEvent>> events = Decode(BinaryHeaders(), std::string(990, 'x'), limits);
  EXPECT_EQ(events.status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(Decode(BinaryHeaders(), std::string(900, 'x'), limits).ok());
}

TEST(BinaryModeTest, OversizeAttributeIsTooLarge) {
  DecodeLimits limits;
  limits.max_attribute_bytes = 16;
  HttpHeaders headers = BinaryHeaders();
  headers["ce-subject"] = std::string(17, 's');
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, "", limits);
  EXPECT_EQ(events.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(events.status().message().find("'subject'"), std::string::npos) << events.status();
  headers["ce-subject"] = std::string(1000, 's');  // refused before decoding
  EXPECT_EQ(Decode(headers, "", limits).status().code(), StatusCode::kTooLarge);
}

TEST(BinaryModeTest, TooManyAttributesIsRejected) {
  DecodeLimits limits;
  limits.max_attributes = 7;
  HttpHeaders headers = BinaryHeaders();
  headers["ce-a"] = "1";
  headers["ce-b"] = "2";
  EXPECT_TRUE(Decode(headers, "", limits).ok());  // 4 ce- headers + 2 + datacontenttype = 7 attributes
  limits.max_attributes = 6;
  EXPECT_EQ(Decode(headers, "", limits).status().code(), StatusCode::kInvalidArgument);
}

TEST(BinaryModeTest, RvalueBodyBecomesData) {
  std::string body(4096, 'b');
  StatusOr<std::vector<CloudEvent>> events = DecodeHttpRequest(BinaryHeaders(), std::move(body), {}, Wrap());
  ASSERT_TRUE(events.ok());
  EXPECT_EQ((*events)[0].data, std::string(4096, 'b'));
}

// ---- structured and batched mode

TEST(StructuredModeTest, DecodesJsonEvent) {
  HttpHeaders headers = {{"content-type", "application/cloudevents+json; charset=UTF-8"}};
  json body = {{"specversion", "1.0"}, {"id", "7"},         {"source", "/s"}, {"type", "t"},
               {"datacontenttype", "application/json"},   {"data", {{"a", 1}}}};
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, body.dump());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].id, "7");
  EXPECT_EQ((*events)[0].data, "{\"a\":1}");
}

TEST(StructuredModeTest, UnsupportedFormatIsRejected) {
  HttpHeaders headers = {{"content-type", "application/cloudevents+avro"}};
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, "x");
  EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(events.status().message().find("unsupported event format"), std::string::npos);
}

TEST(StructuredModeTest, MalformedJsonIsRejected) {
  HttpHeaders headers = {{"content-type", "application/cloudevents+json"}};
  EXPECT_EQ(Decode(headers, "{\"id\":").status().code(), StatusCode::kInvalidArgument);
}

TEST(StructuredModeTest, OversizeEventIsTooLarge) {
  HttpHeaders headers = {{"content-type", "application/cloudevents+json"}};
  json body = {{"specversion", "1.0"}, {"id", "7"}, {"source", "/s"}, {"type", "t"},
               {"datacontenttype", "text/plain"}, {"data", std::string(2000, 'x')}};
  DecodeLimits limits;
  limits.max_event_bytes = 1000;
  EXPECT_EQ(Decode(headers, body.dump(), limits).status().code(), StatusCode::kTooLarge);
  limits.max_event_bytes = 1 << 20;
  limits.max_body_bytes = 100;
  EXPECT_EQ(Decode(headers, body.dump(), limits).status().code(), StatusCode::kTooLarge);
}

TEST(BatchModeTest, DecodesEveryEvent) {
  HttpHeaders headers = {{"content-type", "application/cloudevents-batch+json"}};
  json event = {{"specversion", "1.0"}, {"id", "1"}, {"source", "/s"}, {"type", "t"}};
  json batch = json::array({event, event, event});
  batch[2]["id"] = "3";
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, batch.dump());
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 3u);
  EXPECT_EQ((*events)[2].id, "3");
}

TEST(BatchModeTest, EmptyNonArrayNonObjectAndOversizeBatches) {
  HttpHeaders headers = {{"content-type", "application/cloudevents-batch+json"}};
  StatusOr<std::vector<CloudEvent>> empty = Decode(headers, "[]");
  ASSERT_TRUE(empty.ok()) << empty.status();
  EXPECT_TRUE(empty->empty());
  EXPECT_EQ(Decode(headers, "{}").status().code(), StatusCode::kInvalidArgument);
  StatusOr<std::vector<CloudEvent>> element = Decode(headers, "[\"x\"]");
  EXPECT_EQ(element.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(element.status().message().find("batch element 0"), std::string::npos) << element.status();

  json event = {{"specversion", "1.0"}, {"id", "1"}, {"source", "/s"}, {"type", "t"}};
  DecodeLimits limits;
  limits.max_batch_events = 2;
  EXPECT_EQ(Decode(headers, json::array({event, event, event}).dump(), limits).status().code(),
            StatusCode::kTooLarge);
}

TEST(BatchModeTest, OversizeElementNamesTheElement) {
  HttpHeaders headers = {{"content-type", "application/cloudevents-batch+json"}};
  json small = {{"specversion", "1.0"}, {"id", "1"}, {"source", "/s"}, {"type", "t"}};
  json big = small;
  big["subject"] = std::string(5000, 's');
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, json::array({small, big}).dump());
  EXPECT_EQ(events.status().code(), StatusCode::kTooLarge);
  EXPECT_NE(events.status().message().find("batch element 1"), std::string::npos) << events.status();
}

// ---- plain wrap

TEST(PlainModeTest, WrapFillsIdSourceTypeAndTime) {
  StatusOr<std::vector<CloudEvent>> events = Decode({{"content-type", "text/plain"}}, "hello");
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 1u);
  const CloudEvent& event = (*events)[0];
  EXPECT_EQ(event.id, "generated-id");
  EXPECT_EQ(event.source, "zroute://orders-app");
  EXPECT_EQ(event.type, "zroute.published");
  EXPECT_EQ(event.time, "2026-11-27T18:41:43Z");
  EXPECT_EQ(event.specversion, "1.0");
  EXPECT_EQ(event.datacontenttype, "text/plain");
  EXPECT_EQ(event.data, "hello");
}

TEST(PlainModeTest, CeHeadersSentWinOverDefaults) {
  HttpHeaders headers = {{"ce-type", "custom.type"}, {"ce-id", "mine"}, {"ce-partitionkey", "k"}};
  StatusOr<std::vector<CloudEvent>> events = Decode(headers, "");
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ((*events)[0].type, "custom.type");
  EXPECT_EQ((*events)[0].id, "mine");
  EXPECT_EQ((*events)[0].extensions.at("partitionkey"), "k");
  EXPECT_TRUE((*events)[0].datacontenttype.empty());
}

TEST(PlainModeTest, NonAsciiContentTypeIsRejected) {
  StatusOr<std::vector<CloudEvent>> events = Decode({{"content-type", "text/\xba"}}, "x");
  EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(events.status().message().find("'datacontenttype'"), std::string::npos) << events.status();
}

TEST(PlainModeTest, OversizeBodyIsTooLarge) {
  DecodeLimits limits;
  limits.max_event_bytes = 10;
  EXPECT_EQ(Decode({}, std::string(11, 'x'), limits).status().code(), StatusCode::kTooLarge);
}

}  // namespace
}  // namespace zroute
