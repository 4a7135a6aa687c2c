// What /status shows, as a plain struct the server fills once per request, and its two
// encodings: JSON (status.json, read by the web page) and protobuf (umbrella.Status).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "umbrella.pb.h"

namespace umbrella::signal {

struct TrackStats {
  std::string track_id;
  umbrella_MediaKind kind = umbrella_MediaKind_MEDIA_KIND_UNSPECIFIED;
  uint32_t ssrc = 0;
  uint64_t packets = 0;
  uint64_t bytes = 0;
  uint64_t packets_lost = 0;
  uint64_t nacks = 0;
  uint64_t plis = 0;
  uint64_t bitrate_bps = 0;
};

struct ClientSnapshot {
  std::string participant_id;
  std::string display_name;
  std::string room;
  std::string address;  // "ip:port" of the selected candidate pair's remote side
  std::string ice_state;
  std::string dtls_state;
  std::vector<TrackStats> published;  // tracks this client sends to us
  std::vector<TrackStats> forwarded;  // tracks we send to this client
};

struct TrunkSnapshot {
  std::string url;
  umbrella_TrunkState_State state = umbrella_TrunkState_State_STATE_IDLE;
  std::string last_error;
  std::string peer_site_id;
};

struct StatusSnapshot {
  std::string site_id;
  std::string version;
  uint64_t uptime_ms = 0;
  uint64_t rss_bytes = 0;
  std::vector<ClientSnapshot> clients;
  std::vector<TrunkSnapshot> trunks;
  std::map<std::string, uint64_t> counters;
};

// Lower-case names used in JSON: "audio"/"video"/"unspecified", "idle"/"connecting"/...
std::string_view kind_name(umbrella_MediaKind kind);
std::string_view trunk_state_name(umbrella_TrunkState_State state);

// Appends `s` as a JSON string literal (quotes included). Control characters are escaped
// and invalid UTF-8 becomes U+FFFD, so any byte string yields valid JSON.
void append_json_string(std::string& out, std::string_view s);

std::string to_json(const StatusSnapshot& status);
// Serialized umbrella.Status (application/x-protobuf).
std::string to_protobuf(const StatusSnapshot& status);

}  // namespace umbrella::signal
