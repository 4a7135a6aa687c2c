#include "janus_message.hpp"

#include "auth/json_object.hpp"
#include "sdp/limits.hpp"
#include "signal/status.hpp"

namespace umbrella::loadgen {
namespace {

constexpr size_t kMaxField = 1024;  // names and error reasons

bool read_u64(auth::JsonObjectReader& r, uint64_t& out) {
  auto v = r.integer_value();
  if (!v) return false;
  out = uint64_t(*v);
  return true;
}

// plugindata.data: the VideoRoom's answer ({"videoroom": "...", "error_code": n, "error": "..."}).
bool read_plugin_data(std::span<const uint8_t> text, JanusMessage& m) {
  auth::JsonObjectReader r(text);
  if (!r.begin()) return false;
  while (auto key = r.next_key(kMaxField)) {
    if (*key == "data") {
      auto data = r.raw_value();
      if (!data) return false;
      auth::JsonObjectReader d(*data);
      if (!d.begin()) return false;
      while (auto k = d.next_key(kMaxField)) {
        if (*k == "videoroom") {
          auto v = d.string_value(kMaxField);
          if (!v) return false;
          m.videoroom = *v;
        } else if (*k == "error") {
          auto v = d.string_value(kMaxField);
          if (!v) return false;
          m.error = *v;
        } else if (*k == "error_code") {
          auto v = d.integer_value();
          if (!v) return false;
          m.error_code = *v;
        } else if (!d.skip_value()) {
          return false;
        }
      }
      if (!d.done()) return false;
    } else if (!r.skip_value()) {
      return false;
    }
  }
  return r.done();
}

}  // namespace

Result<JanusMessage, std::string> parse_janus_message(std::span<const uint8_t> text) {
  JanusMessage m;
  auth::JsonObjectReader r(text);
  auto bad = [] { return Err{std::string("Janus sent JSON that is not one of its messages")}; };
  if (!r.begin()) return bad();
  while (auto key = r.next_key(kMaxField)) {
    bool ok = true;
    if (*key == "janus") {
      auto v = r.string_value(kMaxField);
      ok = v.has_value();
      if (ok) m.janus = *v;
    } else if (*key == "sender") {
      ok = read_u64(r, m.sender);
    } else if (*key == "data" || *key == "error" || *key == "jsep") {
      auto inner = r.raw_value();
      if (!inner) return bad();
      auth::JsonObjectReader o(*inner);
      if (!o.begin()) return bad();
      while (auto k = o.next_key(kMaxField)) {
        if (*key == "data" && *k == "id") {
          if (!read_u64(o, m.id)) return bad();
        } else if (*key == "error" && *k == "code") {
          auto v = o.integer_value();
          if (!v) return bad();
          m.error_code = *v;
        } else if ((*key == "error" && *k == "reason") || (*key == "jsep" && (*k == "type" || *k == "sdp"))) {
          auto v = o.string_value(*k == "sdp" ? sdp::kMaxSdpBytes : kMaxField);
          if (!v) return bad();
          (*k == "reason" ? m.error : *k == "type" ? m.jsep_type : m.jsep_sdp) = std::move(*v);
        } else if (!o.skip_value()) {
          return bad();
        }
      }
      ok = o.done();
    } else if (*key == "plugindata") {
      auto inner = r.raw_value();
      ok = inner && read_plugin_data(*inner, m);
    } else {
      ok = r.skip_value();
    }
    if (!ok) return bad();
  }
  if (!r.done() || m.janus.empty()) return bad();
  return m;
}

Result<std::vector<JanusMessage>, std::string> parse_janus_events(std::span<const uint8_t> text, size_t max_events) {
  auto ws = [&](size_t i) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    return i;
  };
  size_t i = ws(0);
  std::vector<JanusMessage> out;
  if (i >= text.size() || text[i] != '[') {
    auto m = parse_janus_message(text);
    if (!m) return Err{m.error()};
    out.push_back(std::move(*m));
    return out;
  }
  i = ws(i + 1);
  if (i < text.size() && text[i] == ']') return out;
  for (;;) {
    if (out.size() == max_events) return Err{std::string("Janus sent more events than asked for")};
    // One element: its extent from the JSON reader, then parsed alone.
    auth::JsonObjectReader r(text.subspan(i));
    auto element = r.raw_value();
    if (!element) return Err{std::string("Janus sent a malformed event list")};
    auto m = parse_janus_message(*element);
    if (!m) return Err{m.error()};
    out.push_back(std::move(*m));
    i = ws(size_t(element->data() + element->size() - text.data()));
    if (i < text.size() && text[i] == ',') {
      i = ws(i + 1);
      continue;
    }
    if (i < text.size() && text[i] == ']' && ws(i + 1) == text.size()) return out;
    return Err{std::string("Janus sent a malformed event list")};
  }
}

std::string janus_request(std::string_view verb, std::string_view transaction) {
  std::string s = "{\"janus\":";
  signal::append_json_string(s, verb);
  s += ",\"transaction\":";
  signal::append_json_string(s, transaction);
  return s + "}";
}

std::string janus_attach(std::string_view plugin, std::string_view transaction) {
  std::string s = "{\"janus\":\"attach\",\"plugin\":";
  signal::append_json_string(s, plugin);
  s += ",\"transaction\":";
  signal::append_json_string(s, transaction);
  return s + "}";
}

std::string janus_plugin_message(std::string_view body_json, std::string_view transaction, std::string_view jsep_type,
                                 std::string_view jsep_sdp) {
  std::string s = "{\"janus\":\"message\",\"transaction\":";
  signal::append_json_string(s, transaction);
  s += ",\"body\":";
  s += body_json;
  if (!jsep_type.empty()) {
    s += ",\"jsep\":{\"type\":";
    signal::append_json_string(s, jsep_type);
    s += ",\"sdp\":";
    signal::append_json_string(s, jsep_sdp);
    s += "}";
  }
  return s + "}";
}

}  // namespace umbrella::loadgen
