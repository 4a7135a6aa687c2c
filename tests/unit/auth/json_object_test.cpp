// The flat JSON reader's raw_value(): a nested value handed to its own reader (Janus's replies
// in the load generator), and the refusals that keep it bounded.
#include <doctest/doctest.h>

#include <string>
#include <string_view>

#include "auth/json_object.hpp"

namespace umbrella::auth {
namespace {

std::span<const uint8_t> bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

TEST_CASE("raw_value returns a nested object that its own reader reads") {
  JsonObjectReader r(bytes(R"({"janus":"event","jsep":{"type":"offer","sdp":"v=0\r\n"} ,"sender":7})"));
  REQUIRE(r.begin());
  CHECK(r.next_key(16) == "janus");
  CHECK(r.string_value(16) == "event");
  CHECK(r.next_key(16) == "jsep");
  auto inner = r.raw_value();
  REQUIRE(inner);
  CHECK(std::string_view(reinterpret_cast<const char*>(inner->data()), inner->size()) ==
        R"({"type":"offer","sdp":"v=0\r\n"})");
  JsonObjectReader j(*inner);
  REQUIRE(j.begin());
  CHECK(j.next_key(16) == "type");
  CHECK(j.string_value(16) == "offer");
  CHECK(j.next_key(16) == "sdp");
  CHECK(j.string_value(16) == "v=0\r\n");
  CHECK_FALSE(j.next_key(16));
  CHECK(j.done());
  CHECK(r.next_key(16) == "sender");  // the outer reader continues after the nested value
  CHECK(r.integer_value() == 7);
  CHECK_FALSE(r.next_key(16));
  CHECK(r.done());
}

TEST_CASE("raw_value refuses what skip_value refuses") {
  for (std::string_view text : {R"({"a":{"b":)", R"({"a":[[[[[[[[[[1]]]]]]]]]]})", R"({"a":{"b" 1}})"}) {
    JsonObjectReader r(bytes(text));
    REQUIRE(r.begin());
    REQUIRE(r.next_key(8) == "a");
    CHECK_FALSE(r.raw_value());
    CHECK(r.failed());
  }
}

}  // namespace
}  // namespace umbrella::auth
