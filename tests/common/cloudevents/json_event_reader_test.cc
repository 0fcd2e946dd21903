// The JSON event reader against its reference (json_tree_oracle.h) on inputs chosen to sit on the
// edges of the JSON grammar and of the event format, and a few properties of its own.
#include "common/cloudevents/json_event_reader.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/cloudevents/json_format.h"
#include "tests/common/cloudevents/json_tree_oracle.h"

namespace zroute {
namespace {

using namespace std::string_literals;

const std::string kEvent = R"({"specversion":"1.0","id":"1","source":"/s","type":"t")";

// Each input as a structured event and inside a batch of up to 2, through the reader and the oracle.
void ExpectSameAsTheTree(const std::string& text) {
  SCOPED_TRACE(text.size() > 200 ? text.substr(0, 200) + "..." : text);
  StatusOr<CloudEvent> event = ParseStructuredEvent(text);
  StatusOr<CloudEvent> want_event = testing::OracleStructuredEvent(text);
  ASSERT_EQ(event.status().code(), want_event.status().code()) << event.status() << " / " << want_event.status();
  if (event.ok()) {
    EXPECT_EQ(*event, *want_event);
  }
  for (const std::string& batch_text : {text, "[" + text + "]", "[" + text + "," + text + "]"}) {
    StatusOr<std::vector<CloudEvent>> batch = ParseEventBatch(batch_text, 1);
    StatusOr<std::vector<CloudEvent>> want_batch = testing::OracleEventBatch(batch_text, 1);
    ASSERT_EQ(batch.status().code(), want_batch.status().code()) << batch.status() << " / " << want_batch.status();
    if (batch.ok()) {
      EXPECT_EQ(*batch, *want_batch);
    }
  }
}

TEST(JsonEventReaderTest, AgreesWithTheTreeOnEventsAndTheirAttributes) {
  for (const std::string& members : std::vector<std::string>{
           "}",
           R"(,"subject":"a\"b\\c\/d\b\f\n\r\t"})",
           R"(,"subject":"\u0041\u00e9\u20AC\ud83d\ude00\u0000"})",
           R"(,"subject":"\ud83d"})",                // high surrogate alone
           R"(,"subject":"\ude00"})",                // low surrogate alone
           R"(,"subject":"\ud83d\u0041"})",          // high surrogate, then no low one
           R"(,"subject":"\u00G1"})",
           R"(,"subject":"\x"})",
           ",\"subject\":\"tab\tinside\"}",          // raw control character
           ",\"subject\":\"del\x7f ok\"}",
           ",\"subject\":\"\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80\"}",
           ",\"subject\":\"\xC3\"}",                 // truncated UTF-8
           ",\"subject\":\"\xED\xA0\x80\"}",         // encoded surrogate
           ",\"subject\":\"\xC0\xAF\"}",             // overlong
           ",\"subject\":\"\xF4\x90\x80\x80\"}",     // above U+10FFFF
           R"(,"subject":null})",
           R"(,"id":null})",
           R"(,"id":2})",
           R"(,"id":"first","id":"second"})",       // a repeated name: the last one counts
           R"(,"id":5,"id":"fine"})",
           R"(,"id":"fine","id":5})",
           R"(,"zext":true,"aext":false,"mext":null})",
           R"(,"n1":0,"n2":-0,"n3":12345678901234567890,"n4":-9223372036854775808,"n5":1.5,"n6":1e3,"n7":-2.5E-3})",
           R"(,"big":123456789012345678901234567890})",
           R"(,"big":1e400})",
           R"(,"tiny":1e-400})",
           R"(,"bad":01})",
           R"(,"bad":1.})",
           R"(,"bad":.5})",
           R"(,"bad":+1})",
           R"(,"bad":-})",
           R"(,"bad":1e})",
           R"(,"bad":tru})",
           R"(,"bad":nul})",
           R"(,"obj":{"a":1}})",
           R"(,"arr":[1,2]})",
           R"(,"data":{"b":[1,2.50,1e3,"\u0041"],"a":null,"b":2}})",
           R"(,"datacontenttype":"application/json","data":"a \"string\" / é"})",
           R"(,"datacontenttype":"text/plain","data":"plain \n text"})",
           R"(,"data":true})",
           R"(,"data":false})",
           R"(,"data":null})",
           R"(,"data":-12.5e2})",
           R"(,"data":[]})",
           R"(,"data":{}})",
           R"(,"data_base64":"AAE="})",
           R"(,"data_base64":"!!"})",
           R"(,"data_base64":7})",
           R"(,"data":1,"data_base64":"AAE="})",
           R"(,"specversion":"0.3"})",
           R"(  ,  "x"  :  "y"  }  )",
           R"(,})",
           R"(,"x":"y",})",
           R"(,"x" "y"})",
           R"(,"x":"y")",
           R"(,"x":"y"}})",
           R"(,"x":"y"} trailing)",
           R"(,"x":"y"}/* comment */)",
       }) {
    ExpectSameAsTheTree(kEvent + members);
  }
}

TEST(JsonEventReaderTest, AgreesWithTheTreeOnDocumentsThatAreNotEvents) {
  for (const std::string& text : std::vector<std::string>{
           "", " ", "[]", " [ ] ", "{}", "null", "true", "1", "\"s\"", "[1]", "[[]]", "[{}]", "[" + kEvent + "},2]",
           "[" + kEvent + "},]", "[,]", "[", "{", "]", "}", "\xEF\xBB\xBF" + kEvent + "}", "\xEF\xBB" + kEvent + "}",
           " \xEF\xBB\xBF" + kEvent + "}", "\t\r\n" + kEvent + "}\n", "\f" + kEvent + "}",
           // A NUL byte where a token would start ends the text for nlohmann-json.
           kEvent + "} \0 trailing"s, "[]\0]"s, "[\0]"s, kEvent + ",\0}"s, "\0"s}) {
    ExpectSameAsTheTree(text);
  }
}

TEST(JsonEventReaderTest, NestingIsRefusedPastTheLimitAndAcceptedUpToIt) {
  // The event object is level 1 (2 inside a batch); data adds its own levels.
  for (size_t levels : {kMaxJsonDepth - 3, kMaxJsonDepth - 2, kMaxJsonDepth - 1, kMaxJsonDepth, kMaxJsonDepth + 5}) {
    const std::string data = std::string(levels, '[') + std::string(levels, ']');
    ExpectSameAsTheTree(kEvent + R"(,"data":)" + data + "}");
    ExpectSameAsTheTree(kEvent + R"(,"data":)" + std::string(levels, '[') + "}");  // and unclosed
  }
  StatusOr<CloudEvent> deep = ParseStructuredEvent(kEvent + R"(,"data":)" + std::string(100000, '[') + "}");
  EXPECT_EQ(deep.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(deep.status().message().find("nested deeper"), std::string::npos) << deep.status();
}

TEST(JsonEventReaderTest, BatchOverTheLimitIsTooLargeAfterTheWholeTextIsChecked) {
  const std::string event = kEvent + "}";
  EXPECT_EQ(ParseEventBatch("[" + event + "," + event + "," + event + "]", 2).status().code(), StatusCode::kTooLarge);
  // A syntax error anywhere comes first, as with the tree.
  EXPECT_EQ(ParseEventBatch("[" + event + "," + event + "," + event + ",]", 2).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(JsonEventReaderTest, MembersComeSortedWithTheLastOfARepeatedName) {
  StatusOr<json_event_reader::Document> doc = json_event_reader::ReadDocument(R"({"b":1,"a":"x","b":"y","c":[1, 2]})");
  ASSERT_TRUE(doc.ok()) << doc.status();
  ASSERT_EQ(doc->top, json_event_reader::Document::Top::kObject);
  const json_event_reader::Members& m = *doc->objects.at(0);
  ASSERT_EQ(m.size(), 3u);
  EXPECT_EQ(m[0].name, "a");
  EXPECT_EQ(m[1].name, "b");
  EXPECT_EQ(m[1].kind, json_event_reader::Member::Kind::kString);
  EXPECT_EQ(m[1].text, "y");
  EXPECT_EQ(m[2].kind, json_event_reader::Member::Kind::kArray);
  EXPECT_EQ(m[2].text, "[1, 2]") << "a nested value's text as it came";
}

TEST(JsonEventReaderTest, ErrorsSayWhereTheTextWentWrong) {
  StatusOr<json_event_reader::Document> doc = json_event_reader::ReadDocument(R"({"a":"b" "c":1})");
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(doc.status().message().find("at byte 9"), std::string::npos) << doc.status();
}

}  // namespace
}  // namespace zroute
