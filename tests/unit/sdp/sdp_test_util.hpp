// Shared helpers for the SDP tests: sample files and a server transport.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "sdp/candidate.hpp"
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

}  // namespace umbrella::sdp::test
