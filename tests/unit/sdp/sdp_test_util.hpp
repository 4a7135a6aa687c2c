// Shared helpers for the SDP tests: sample files and a server transport.
#pragma once

#include <doctest/doctest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "sdp/candidate.hpp"
#include "sdp/limits.hpp"
#include "sdp/negotiation.hpp"

namespace umbrella::sdp::test {

inline std::string read_sample(const std::string& name) {
  std::ifstream in(std::string(TEST_DATA_DIR) + "/sdp/" + name, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
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

}  // namespace umbrella::sdp::test
