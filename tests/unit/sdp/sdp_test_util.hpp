// Shared helpers for the SDP tests: sample files and a server transport.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <string>

#include "sdp/candidate.hpp"
#include "sdp/helpers.hpp"
#include "sdp/limits.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/parse.hpp"

namespace umbrella::sdp::test {

inline std::string read_sample(const std::string& name) {
  std::ifstream in(std::string(TEST_DATA_DIR) + "/sdp/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// A sample parsed; the test stops if it is missing or does not parse.
inline SessionDescription parsed_sample(const std::string& name) {
  auto text = read_sample(name);
  REQUIRE_MESSAGE(!text.empty(), name);
  auto r = parse(text);
  REQUIRE_MESSAGE(r.ok(), name);
  return std::move(r).value();
}

inline LocalTransport server_transport() {
  LocalTransport t;
  t.ice_ufrag = "srvUfrag";
  t.ice_pwd = "serverIcePasswordXXXXXXXX";
  t.fingerprint = {"sha-256",
                   "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF"};
  t.candidates = host_candidates({"198.18.0.1", "2001:db8::1"}, 40000);
  t.session_id = "7001";
  t.session_version = 3;
  return t;
}

// The remote's answer to an SFU offer, produced by the same machinery with another transport.
inline SessionDescription remote_answer(const SessionDescription& offer) {
  auto remote = server_transport();
  remote.ice_ufrag = "remoteUfrag";
  AnswerOptions options;
  options.default_direction = Direction::kSendRecv;
  options.max_media_sections = kMaxMediaSections;  // the SFU's offers: not a browser's bounds
  options.max_published_tracks = kMaxMediaSections;
  auto a = answer_offer(offer, remote, options);
  REQUIRE(a.ok());
  for (auto& m : a->media) if (m.port) m.setup = Setup::kActive;
  return std::move(a).value();
}

// What the strictest parsers we meet demand of every m-line, accepted or rejected: a c= line
// (Firefox: "c= connection line not specified for every media level", RFC 8866 5.7), and
// mid, ice-ufrag, ice-pwd, a=setup and a fingerprint (webrtcbin's validate_sdp and
// _check_sdp_crypto). Checked on the text as sent.
inline void check_every_stack_parses(const std::string& text) {
  auto r = parse(text);
  REQUIRE(r.ok());
  const auto& s = *r;
  for (const auto& m : s.media) {
    INFO(m.mid);
    CHECK((m.connection || s.connection));
    CHECK_FALSE(m.mid.empty());
    CHECK_FALSE(effective_ice_ufrag(s, m).empty());
    CHECK_FALSE(effective_ice_pwd(s, m).empty());
    CHECK(m.setup != Setup::kUnspecified);
    CHECK(effective_fingerprint(s, m));
    CHECK_FALSE(is_bundle_only(m));  // the SFU never writes bundle-only (answers must not)
    if (m.port == 0) {
      CHECK(m.candidates.empty());
      CHECK_FALSE(in_bundle_group(s, m.mid));  // a rejected line is never in the group
    }
  }
  // The group names only m-lines that exist, each once.
  if (const Group* g = find_group(s, "BUNDLE")) {
    for (const auto& mid : g->mids) {
      CHECK(find_media(s, mid));
      CHECK(std::count(g->mids.begin(), g->mids.end(), mid) == 1);
    }
  }
}

}  // namespace umbrella::sdp::test
