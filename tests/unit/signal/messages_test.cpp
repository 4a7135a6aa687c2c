#include <doctest/doctest.h>

#include <memory>
#include <string>

#include "signal/messages.hpp"
#include "signal/strings.hpp"

using namespace umbrella::signal;

TEST_CASE("signal: copy_string truncates on a UTF-8 boundary") {
  char buf[6];
  CHECK(copy_string(buf, "abc"));
  CHECK(view(buf) == "abc");
  CHECK_FALSE(copy_string(buf, "abcdefgh"));
  CHECK(view(buf) == "abcde");
  // "abcd" + "é" (2 bytes) would need 6 bytes + NUL: the whole é is dropped.
  CHECK_FALSE(copy_string(buf, "abcd\xC3\xA9"));
  CHECK(view(buf) == "abcd");
  CHECK(copy_string(buf, ""));
  CHECK(view(buf).empty());
}

TEST_CASE("signal: copy_string_exact refuses instead of truncating") {
  char buf[4];
  CHECK(copy_string_exact(buf, "abc"));
  CHECK_FALSE(copy_string_exact(buf, "abcd"));
  CHECK(view(buf).empty());
}

TEST_CASE("signal: view stops at the array end without a NUL") {
  char buf[3] = {'x', 'y', 'z'};
  CHECK(view(buf) == "xyz");
}

TEST_CASE("signal: builders reset the previous body") {
  auto env = std::make_unique<umbrella_Envelope>();
  REQUIRE(make_joined(*env, "p1", "room", "site"));
  REQUIRE(add_participant(env->body.joined, {"p2", "B", false, false, "site"}));
  make_error(*env, umbrella_Error_Code_CODE_BAD_MESSAGE, std::string(1000, 'x'));
  CHECK(env->which_body == umbrella_Envelope_error_tag);
  CHECK(view(env->body.error.message).size() == sizeof(env->body.error.message) - 1);
  // Display names are truncated, ids are refused.
  umbrella_Participant p;
  CHECK(fill_participant(p, {"p1", std::string(200, 'n'), false, false, ""}));
  CHECK(view(p.display_name).size() == 63);
  CHECK_FALSE(fill_participant(p, {std::string(64, 'i'), "n", false, false, ""}));
  CHECK_FALSE(make_joined(*env, "p1", std::string(64, 'r'), "site"));
}
