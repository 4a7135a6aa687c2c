#include <doctest/doctest.h>

#include <vector>

#include "server/active_speakers.hpp"

namespace umbrella::server {
namespace {

using S = ActiveSpeakers::Sample;
using Ids = std::vector<std::string>;

// Feeds the same evidence for n intervals; true when any of them changed the speakers.
bool feed(ActiveSpeakers& a, std::vector<S> samples, int n) {
  bool changed = false;
  for (int i = 0; i < n; ++i) changed |= a.update(samples);
  return changed;
}

TEST_CASE("someone who keeps speaking becomes a speaker, a cough does not") {
  ActiveSpeakers a;
  CHECK_FALSE(a.update(std::vector<S>{{"ann", 1000}, {"bob", 0}}));  // one interval: a cough
  CHECK(a.speakers().empty());
  CHECK_FALSE(feed(a, {{"ann", 0}, {"bob", 0}}, 3));
  CHECK(a.speakers().empty());
  CHECK(feed(a, {{"ann", 900}, {"bob", 0}}, 2));
  CHECK(a.speakers() == Ids{"ann"});
  CHECK_FALSE(feed(a, {{"ann", 900}, {"bob", 0}}, 10));  // no change, no news
}

TEST_CASE("a pause between words keeps the speaker, silence ends it") {
  ActiveSpeakers a;
  feed(a, {{"ann", 1000}}, 5);
  CHECK(a.speakers() == Ids{"ann"});
  CHECK_FALSE(feed(a, {{"ann", 0}}, 2));  // 0.4 s pause
  CHECK_FALSE(feed(a, {{"ann", 1000}}, 1));
  CHECK(a.speakers() == Ids{"ann"});
  CHECK(feed(a, {{"ann", 0}}, 6));
  CHECK(a.speakers().empty());
}

TEST_CASE("speakers are ordered by who started last and bounded") {
  ActiveSpeakers a;
  feed(a, {{"ann", 1000}, {"bob", 0}, {"cy", 0}, {"dee", 0}}, 3);
  feed(a, {{"ann", 1000}, {"bob", 1000}, {"cy", 0}, {"dee", 0}}, 3);
  CHECK(a.speakers() == Ids{"bob", "ann"});
  feed(a, {{"ann", 1000}, {"bob", 1000}, {"cy", 1000}, {"dee", 0}}, 3);
  feed(a, {{"ann", 1000}, {"bob", 1000}, {"cy", 1000}, {"dee", 1000}}, 3);
  CHECK(a.speakers() == Ids{"dee", "cy", "bob"});
}

TEST_CASE("someone who leaves is forgotten at once") {
  ActiveSpeakers a;
  feed(a, {{"ann", 1000}, {"bob", 1000}}, 3);
  CHECK(a.speakers().size() == 2);
  CHECK(a.update(std::vector<S>{{"bob", 1000}}));
  CHECK(a.speakers() == Ids{"bob"});
  CHECK(a.update(std::vector<S>{}));
  CHECK(a.speakers().empty());
}

TEST_CASE("out-of-range evidence is clamped") {
  ActiveSpeakers a;
  feed(a, {{"ann", 50000}}, 1);
  CHECK(a.speakers().empty());  // one interval is never enough, however loud
  feed(a, {{"ann", -7}}, 1);
  feed(a, {{"ann", 1000}}, 2);
  CHECK(a.speakers() == Ids{"ann"});
}

}  // namespace
}  // namespace umbrella::server
