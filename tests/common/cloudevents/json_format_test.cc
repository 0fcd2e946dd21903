#include "common/cloudevents/json_format.h"

#include <random>

#include <nlohmann/json.hpp>

#include <gtest/gtest.h>

namespace zroute {
namespace {

using nlohmann::json;
using namespace std::string_literals;

json Minimal() { return json{{"specversion", "1.0"}, {"id", "1"}, {"source", "/s"}, {"type", "t"}}; }

StatusOr<CloudEvent> Parse(const json& object) { return ParseStructuredEvent(object.dump()); }

TEST(JsonFormatTest, ParsesAllCoreAttributesAndExtensions) {
  json j = Minimal();
  j["datacontenttype"] = "text/plain";
  j["dataschema"] = "https://schema";
  j["subject"] = "sub";
  j["time"] = "2026-11-27T18:41:43Z";
  j["partitionkey"] = "k";
  StatusOr<CloudEvent> event = Parse(j);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->id, "1");
  EXPECT_EQ(event->source, "/s");
  EXPECT_EQ(event->type, "t");
  EXPECT_EQ(event->datacontenttype, "text/plain");
  EXPECT_EQ(event->dataschema, "https://schema");
  EXPECT_EQ(event->subject, "sub");
  EXPECT_EQ(event->time, "2026-11-27T18:41:43Z");
  EXPECT_EQ(event->extensions, (std::map<std::string, std::string>{{"partitionkey", "k"}}));
}

TEST(JsonFormatTest, JsonDataIsKeptAsCompactSerialization) {
  json j = Minimal();
  j["datacontenttype"] = "application/json; charset=utf-8";
  j["data"] = json{{"total", 12}, {"items", json::array({1, 2})}};
  StatusOr<CloudEvent> event = Parse(j);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(json::parse(event->data), j["data"]);
  EXPECT_EQ(event->data.find(' '), std::string::npos);
}

TEST(JsonFormatTest, StringDataIsContentsForTextAndJsonForJson) {
  json j = Minimal();
  j["datacontenttype"] = "text/plain";
  j["data"] = "hello \"world\"";
  EXPECT_EQ(Parse(j)->data, "hello \"world\"");
  j["datacontenttype"] = "application/json";
  EXPECT_EQ(Parse(j)->data, "\"hello \\\"world\\\"\"");
  j.erase("datacontenttype");  // absent means JSON
  EXPECT_EQ(Parse(j)->data, "\"hello \\\"world\\\"\"");
}

TEST(JsonFormatTest, DataBase64IsDecoded) {
  json j = Minimal();
  j["datacontenttype"] = "application/octet-stream";
  j["data_base64"] = "AAEC/w==";
  StatusOr<CloudEvent> event = Parse(j);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->data, std::string("\x00\x01\x02\xff", 4));
}

TEST(JsonFormatTest, DataAndDataBase64TogetherAreRejected) {
  json j = Minimal();
  j["data"] = "x";
  j["data_base64"] = "eA==";
  StatusOr<CloudEvent> event = Parse(j);
  EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(event.status().message().find("data_base64"), std::string::npos);
}

TEST(JsonFormatTest, InvalidBase64IsRejectedNamingTheAttribute) {
  json j = Minimal();
  j["data_base64"] = "not base64!";
  StatusOr<CloudEvent> event = Parse(j);
  EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(event.status().message().find("'data_base64'"), std::string::npos) << event.status();
  j["data_base64"] = 12;
  EXPECT_EQ(Parse(j).status().code(), StatusCode::kInvalidArgument);
}

TEST(JsonFormatTest, ExtensionNumbersAndBooleansBecomeCanonicalStrings) {
  json j = Minimal();
  j["count"] = 42;
  j["negative"] = -7;
  j["big"] = 18446744073709551615ull;
  j["ratio"] = 1.5;
  j["flag"] = true;
  j["off"] = false;
  StatusOr<CloudEvent> event = Parse(j);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->extensions.at("count"), "42");
  EXPECT_EQ(event->extensions.at("negative"), "-7");
  EXPECT_EQ(event->extensions.at("big"), "18446744073709551615");
  EXPECT_EQ(event->extensions.at("ratio"), "1.5");
  EXPECT_EQ(event->extensions.at("flag"), "true");
  EXPECT_EQ(event->extensions.at("off"), "false");
}

TEST(JsonFormatTest, ObjectOrArrayExtensionIsRejected) {
  for (const json& value : {json::object(), json::array()}) {
    json j = Minimal();
    j["nested"] = value;
    StatusOr<CloudEvent> event = Parse(j);
    EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(event.status().message().find("'nested'"), std::string::npos) << event.status();
  }
}

TEST(JsonFormatTest, NonStringCoreAttributeIsRejected) {
  for (const char* name : {"id", "source", "specversion", "type", "subject", "time", "datacontenttype"}) {
    json j = Minimal();
    j[name] = 1;
    StatusOr<CloudEvent> event = Parse(j);
    EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(event.status().message().find(std::string("attribute '") + name + "' must be a string"),
              std::string::npos)
        << event.status();
  }
}

TEST(JsonFormatTest, NullOptionalAttributeIsAbsentAndNullRequiredIsMissing) {
  json j = Minimal();
  j["subject"] = nullptr;
  j["partitionkey"] = nullptr;
  StatusOr<CloudEvent> event = Parse(j);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_TRUE(event->subject.empty());
  EXPECT_TRUE(event->extensions.empty());
  j["id"] = nullptr;
  EXPECT_NE(Parse(j).status().message().find("missing required attribute 'id'"), std::string::npos);
}

TEST(JsonFormatTest, EachMissingRequiredAttributeIsNamed) {
  for (const char* name : {"id", "source", "specversion", "type"}) {
    json j = Minimal();
    j.erase(name);
    StatusOr<CloudEvent> event = Parse(j);
    EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(event.status().message().find(std::string("missing required attribute '") + name + "'"),
              std::string::npos)
        << event.status();
  }
}

TEST(JsonFormatTest, SpecVersionOtherThanOneIsRejected) {
  json j = Minimal();
  j["specversion"] = "0.3";
  EXPECT_NE(Parse(j).status().message().find("'specversion'"), std::string::npos);
}

TEST(JsonFormatTest, ExtensionNameRulesApply) {
  for (const char* name : {"PartitionKey", "part-key", "averyveryverylongextensionname"}) {
    json j = Minimal();
    j[name] = "v";
    StatusOr<CloudEvent> event = Parse(j);
    EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_NE(event.status().message().find(name), std::string::npos) << event.status();
  }
}

TEST(JsonFormatTest, MalformedAndNonObjectTextIsRejected) {
  for (const char* text : {"", "{", "{\"id\":", "[]", "\"event\"", "42", "{\"id\":\"1\"} trailing", "nul"}) {
    EXPECT_EQ(ParseStructuredEvent(text).status().code(), StatusCode::kInvalidArgument) << text;
  }
}

TEST(JsonFormatTest, DeepNestingIsRejectedBeforeParsing) {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  StatusOr<CloudEvent> event = ParseStructuredEvent(deep);
  EXPECT_EQ(event.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(event.status().message().find("nested"), std::string::npos);
  // Brackets inside strings do not count.
  json j = Minimal();
  j["subject"] = std::string(1000, '[');
  EXPECT_TRUE(Parse(j).ok());
}

TEST(JsonFormatTest, SerializeChoosesDataRepresentationByContentType) {
  CloudEvent event = Parse(Minimal()).value();
  event.datacontenttype = "application/json";
  event.data = "{\"a\":[1,2]}";
  json j = json::parse(SerializeStructuredEvent(event));
  EXPECT_EQ(j["data"], json::parse(event.data));
  EXPECT_FALSE(j.contains("data_base64"));

  event.datacontenttype = "application/json";
  event.data = "not json";
  j = json::parse(SerializeStructuredEvent(event));
  EXPECT_EQ(j["data_base64"], "bm90IGpzb24=");

  event.datacontenttype = "text/plain; charset=utf-8";
  event.data = "h\xC3\xA9llo";
  j = json::parse(SerializeStructuredEvent(event));
  EXPECT_EQ(j["data"], "h\xC3\xA9llo");

  event.datacontenttype = "text/plain";
  event.data = "\xff\xfe";  // not UTF-8: cannot be a JSON string
  j = json::parse(SerializeStructuredEvent(event));
  EXPECT_EQ(j["data_base64"], "//4=");

  event.datacontenttype = "application/octet-stream";
  event.data = std::string("\0\1", 2);
  j = json::parse(SerializeStructuredEvent(event));
  EXPECT_EQ(j["data_base64"], "AAE=");
  EXPECT_FALSE(j.contains("data"));
}

TEST(JsonFormatTest, JsonDataTooDeepToNestInABatchIsWrittenAsBase64) {
  CloudEvent event = Parse(Minimal()).value();
  event.datacontenttype = "application/json";
  event.data = std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']');
  json j = json::parse(SerializeStructuredEvent(event));
  EXPECT_TRUE(j.contains("data_base64"));
  StatusOr<std::vector<CloudEvent>> back = ParseEventBatch(SerializeEventBatch({event}), 1);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->at(0), event);

  event.data = std::string(kMaxJsonDepth - 2, '[') + std::string(kMaxJsonDepth - 2, ']');
  j = json::parse(SerializeStructuredEvent(event));
  EXPECT_TRUE(j.contains("data"));
  back = ParseEventBatch(SerializeEventBatch({event}), 1);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->at(0), event);
}

// The writer behind SerializeStructuredEvent / SerializeEventBatch builds the text directly; the
// JSON tree of CloudEventToJson, dumped, is its reference, byte for byte.
std::string TreeDump(const CloudEvent& event) {
  return CloudEventToJson(event).dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(JsonFormatTest, SerializedTextIsTheJsonTreesDumpByteForByte) {
  std::vector<CloudEvent> events;
  CloudEvent base = Parse(Minimal()).value();
  auto add = [&](auto change) {
    CloudEvent e = base;
    change(e);
    events.push_back(e);
  };
  add([](CloudEvent&) {});
  add([](CloudEvent& e) { e.subject = "quote \" backslash \\ slash / tab \t nl \n cr \r bs \b ff \f"; });
  add([](CloudEvent& e) { e.subject = "\0\x01\x1f\x7f \xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"s; });
  add([](CloudEvent& e) { e.subject = "bad \xff\xfe utf-8 \xC3 \xED\xA0\x80 \xF4\x90\x80\x80"; });
  add([](CloudEvent& e) { e.extensions["zzz"] = "last"; e.extensions["aaa"] = "first"; e.extensions["Id"] = "upper"; });
  add([](CloudEvent& e) { e.extensions["id"] = "shadowed by the attribute"; e.extensions["data"] = "an extension"; });
  add([](CloudEvent& e) { e.extensions["\xff\x01"] = "hostile name"; });
  add([](CloudEvent& e) { e.datacontenttype = "application/json"; e.data = "{ \"b\" : [1, 2.50, 1e3, \"\\u0041\"], \"a\": null }"; });
  add([](CloudEvent& e) { e.datacontenttype = "application/json"; e.data = "not json"; });
  add([](CloudEvent& e) { e.datacontenttype = ""; e.data = "[true,false]"; });
  add([](CloudEvent& e) { e.datacontenttype = "text/plain"; e.data = "line 1\nline \"2\"\x01"; });
  add([](CloudEvent& e) { e.datacontenttype = "text/plain"; e.data = "\xff not utf-8"; });
  add([](CloudEvent& e) {
    e.datacontenttype = "application/octet-stream";
    e.data = std::string("\0\xff\x10", 3);
    e.extensions["data"] = "kept beside data_base64";
  });
  add([](CloudEvent& e) { e.datacontenttype = "application/json"; e.data = std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']'); });
  add([](CloudEvent& e) { e.specversion.clear(); e.id.clear(); e.time = "2026-11-27T18:41:43Z"; e.dataschema = "https://x/s"; });
  std::string batch = "[";
  for (size_t i = 0; i < events.size(); ++i) {
    EXPECT_EQ(SerializeStructuredEvent(events[i]), TreeDump(events[i])) << "event " << i;
    batch += (i > 0 ? "," : "") + TreeDump(events[i]);
  }
  EXPECT_EQ(SerializeEventBatch(events), batch + "]");
  EXPECT_EQ(SerializeEventBatch({}), "[]");
}

TEST(JsonFormatTest, SerializedTextMatchesTheTreeForRandomBytes) {
  std::mt19937 rng(20261202);
  auto bytes = [&](size_t max) {
    std::string s(rng() % (max + 1), '\0');
    for (char& c : s) {
      // Mostly text, some control bytes and UTF-8 lead and continuation bytes.
      const unsigned pick = rng() % 10;
      c = static_cast<char>(pick < 6 ? 0x20 + rng() % 0x5f : pick < 8 ? rng() % 0x20 : 0x80 + rng() % 0x80);
    }
    return s;
  };
  const char* content_types[] = {"", "text/plain", "application/json", "application/octet-stream", "text/x+json"};
  for (int i = 0; i < 2000; ++i) {
    CloudEvent e;
    e.id = bytes(12);
    e.source = bytes(12);
    e.type = bytes(8);
    e.subject = bytes(8);
    e.datacontenttype = content_types[rng() % 5];
    e.data = rng() % 4 == 0 ? "{\"k\":[" + std::to_string(rng()) + "]}" : bytes(40);
    for (unsigned n = rng() % 4; n > 0; --n) e.extensions[bytes(6)] = bytes(10);
    ASSERT_EQ(SerializeStructuredEvent(e), TreeDump(e)) << "case " << i;
  }
}

TEST(JsonFormatTest, StructuredRoundTripKeepsEveryField) {
  CloudEvent event;
  event.id = "id-1";
  event.source = "zroute://a";
  event.type = "t";
  event.subject = "s\n\"q\"";
  event.time = "2026-11-27T18:41:43Z";
  event.extensions["partitionkey"] = "k";
  event.extensions["empty"] = "";
  for (const char* content_type : {"application/json", "text/plain", "application/octet-stream", ""}) {
    event.datacontenttype = content_type;
    event.data = event.datacontenttype == "application/octet-stream" ? std::string("\0\xff", 2)
                 : event.datacontenttype == "text/plain"             ? "plain text"
                                                                     : "{\"x\":1}";
    StatusOr<CloudEvent> back = ParseStructuredEvent(SerializeStructuredEvent(event));
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(*back, event) << content_type;
  }
}

TEST(JsonFormatTest, BatchParsesArrayOfEvents) {
  json batch = json::array({Minimal(), Minimal()});
  batch[1]["id"] = "2";
  StatusOr<std::vector<CloudEvent>> events = ParseEventBatch(batch.dump(), 10);
  ASSERT_TRUE(events.ok()) << events.status();
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].id, "2");
  StatusOr<std::vector<CloudEvent>> back = ParseEventBatch(SerializeEventBatch(*events), 10);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, *events);
}

TEST(JsonFormatTest, EmptyBatchIsAccepted) {
  StatusOr<std::vector<CloudEvent>> events = ParseEventBatch("[]", 10);
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_TRUE(events->empty());
}

TEST(JsonFormatTest, BatchMustBeArrayOfObjects) {
  EXPECT_NE(ParseEventBatch(Minimal().dump(), 10).status().message().find("array"), std::string::npos);
  StatusOr<std::vector<CloudEvent>> events = ParseEventBatch(json::array({Minimal(), 7}).dump(), 10);
  EXPECT_EQ(events.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(events.status().message().find("batch element 1"), std::string::npos) << events.status();
}

TEST(JsonFormatTest, BatchOverMaxEventsIsTooLarge) {
  json batch = json::array({Minimal(), Minimal(), Minimal()});
  EXPECT_EQ(ParseEventBatch(batch.dump(), 2).status().code(), StatusCode::kTooLarge);
  EXPECT_TRUE(ParseEventBatch(batch.dump(), 3).ok());
}

TEST(JsonFormatTest, InvalidElementInBatchNamesElementAndAttribute) {
  json batch = json::array({Minimal(), Minimal()});
  batch[1].erase("type");
  StatusOr<std::vector<CloudEvent>> events = ParseEventBatch(batch.dump(), 10);
  EXPECT_NE(events.status().message().find("batch element 1: missing required attribute 'type'"),
            std::string::npos)
      << events.status();
}

TEST(JsonFormatTest, CloudEventFromJsonRejectsNonObject) {
  EXPECT_EQ(CloudEventFromJson(json::array()).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(CloudEventFromJson(json("x")).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace zroute
