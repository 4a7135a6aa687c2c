// Janus's HTTP API (janus.conf.meetecho.com/docs/rest): the requests the load generator sends
// (JSON text built here) and what it reads from every reply or long-poll event: the message
// kind, the sender handle, `data.id` of a create/attach success, the VideoRoom plugin's
// `videoroom`/`error` fields and the JSEP. A pure parser over the reply's bytes.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace umbrella::loadgen {

struct JanusMessage {
  std::string janus;        // "success", "ack", "event", "error", "keepalive", "webrtcup", ...
  uint64_t sender = 0;      // the handle an event is about (0: none)
  uint64_t id = 0;          // data.id of a "success" (the new session or handle)
  std::string error;        // error.reason, or the plugin's data.error
  int64_t error_code = 0;   // error.code, or the plugin's data.error_code
  std::string videoroom;    // plugindata.data.videoroom: "created", "joined", "attached", "event", ...
  std::string jsep_type;    // "offer" or "answer"
  std::string jsep_sdp;
};

// One JSON object as Janus sends it. Unknown members are skipped; an SDP over the project's
// SDP bound is refused.
Result<JanusMessage, std::string> parse_janus_message(std::span<const uint8_t> text);
// A long poll's answer with maxev > 1: a JSON array of such objects (or one object). At most
// max_events are read; the first malformed one ends the list with an error.
Result<std::vector<JanusMessage>, std::string> parse_janus_events(std::span<const uint8_t> text, size_t max_events);

// Request bodies. body_json is the plugin message's `body` object, written by the caller.
std::string janus_request(std::string_view verb, std::string_view transaction);
std::string janus_attach(std::string_view plugin, std::string_view transaction);
std::string janus_plugin_message(std::string_view body_json, std::string_view transaction,
                                 std::string_view jsep_type = {}, std::string_view jsep_sdp = {});

}  // namespace umbrella::loadgen
