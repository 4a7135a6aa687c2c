#include <cstdio>

#include "signal/status.hpp"

namespace umbrella::signal {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is invalid (overlong, surrogate,
// beyond U+10FFFF, truncated).
size_t utf8_sequence_length(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && b(1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && b(1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(1) >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

void key(std::string& out, std::string_view k) {
  append_json_string(out, k);
  out += ':';
}

void field(std::string& out, std::string_view k, std::string_view v) {
  key(out, k);
  append_json_string(out, v);
  out += ',';
}

void field(std::string& out, std::string_view k, uint64_t v) {
  key(out, k);
  out += std::to_string(v);
  out += ',';
}

// Replaces the trailing ',' left by field() with the closing bracket.
void close(std::string& out, char bracket) {
  if (!out.empty() && out.back() == ',') out.back() = bracket;
  else out += bracket;
}

void tracks(std::string& out, std::string_view k, const std::vector<TrackStats>& list) {
  key(out, k);
  out += '[';
  for (const auto& t : list) {
    out += '{';
    field(out, "track_id", t.track_id);
    field(out, "kind", kind_name(t.kind));
    field(out, "ssrc", uint64_t{t.ssrc});
    field(out, "packets", t.packets);
    field(out, "bytes", t.bytes);
    field(out, "packets_lost", t.packets_lost);
    field(out, "nacks", t.nacks);
    field(out, "plis", t.plis);
    field(out, "bitrate_bps", t.bitrate_bps);
    close(out, '}');
    out += ',';
  }
  close(out, ']');
  out += ',';
}

}  // namespace

std::string_view kind_name(umbrella_MediaKind kind) {
  switch (kind) {
    case umbrella_MediaKind_MEDIA_KIND_AUDIO: return "audio";
    case umbrella_MediaKind_MEDIA_KIND_VIDEO: return "video";
    default: return "unspecified";
  }
}

std::string_view trunk_state_name(umbrella_TrunkState_State state) {
  switch (state) {
    case umbrella_TrunkState_State_STATE_IDLE: return "idle";
    case umbrella_TrunkState_State_STATE_CONNECTING: return "connecting";
    case umbrella_TrunkState_State_STATE_CONNECTED: return "connected";
    case umbrella_TrunkState_State_STATE_RETRYING: return "retrying";
    default: return "unknown";
  }
}

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = utf8_sequence_length(s, i);
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string to_json(const StatusSnapshot& s) {
  std::string out;
  out.reserve(512 + s.clients.size() * 512);
  out += '{';
  field(out, "site_id", s.site_id);
  field(out, "version", s.version);
  field(out, "uptime_ms", s.uptime_ms);
  field(out, "rss_bytes", s.rss_bytes);
  key(out, "clients");
  out += '[';
  for (const auto& c : s.clients) {
    out += '{';
    field(out, "participant_id", c.participant_id);
    field(out, "display_name", c.display_name);
    field(out, "room", c.room);
    field(out, "address", c.address);
    field(out, "ice_state", c.ice_state);
    field(out, "dtls_state", c.dtls_state);
    tracks(out, "published", c.published);
    tracks(out, "forwarded", c.forwarded);
    close(out, '}');
    out += ',';
  }
  close(out, ']');
  out += ',';
  key(out, "trunks");
  out += '[';
  for (const auto& t : s.trunks) {
    out += '{';
    field(out, "url", t.url);
    field(out, "state", trunk_state_name(t.state));
    field(out, "last_error", t.last_error);
    field(out, "peer_site_id", t.peer_site_id);
    close(out, '}');
    out += ',';
  }
  close(out, ']');
  out += ',';
  key(out, "counters");
  out += '{';
  for (const auto& [k, v] : s.counters) field(out, k, v);
  close(out, '}');
  close(out, '}');  // no trailing ',' here: appends the final brace
  return out;
}

}  // namespace umbrella::signal
