// Janus's replies and long-poll events as the load generator's --janus mode reads them
// (tools/loadgen/janus_message.cpp), alone or in a long poll's list. Whatever parses stays within its bounds, and a JSEP it
// read survives the request builder: the answer we send back parses to the same type and SDP.
#include <span>

#include "fuzz_target.hpp"
#include "janus_message.hpp"
#include "sdp/limits.hpp"

UMBRELLA_FUZZ_TARGET(janus_message) {
  using namespace umbrella;
  auto list = loadgen::parse_janus_events(std::span(data, size), 8);
  if (list && list->size() > 8) __builtin_trap();
  auto m = loadgen::parse_janus_message(std::span(data, size));
  if (!m) return 0;
  if (m->janus.empty() || m->jsep_sdp.size() > sdp::kMaxSdpBytes || m->error.size() > 4096) __builtin_trap();
  if (m->jsep_type.empty()) return 0;
  std::string sent = loadgen::janus_plugin_message("{}", "t", m->jsep_type, m->jsep_sdp);
  auto back = loadgen::parse_janus_message(std::span(reinterpret_cast<const uint8_t*>(sent.data()), sent.size()));
  if (!back || back->janus != "message" || back->jsep_type != m->jsep_type || back->jsep_sdp != m->jsep_sdp)
    __builtin_trap();
  return 0;
}
