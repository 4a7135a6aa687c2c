#include "sdp/parse.hpp"

#include <string_view>

#include "sdp/limits.hpp"
#include "sdp/names.hpp"
#include "sdp/parse_attributes.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp {

using namespace detail;

const char* to_string(ParseErrorCode code) {
  switch (code) {
    case ParseErrorCode::kTooLarge: return "sdp too large";
    case ParseErrorCode::kTooManyLines: return "too many lines";
    case ParseErrorCode::kLineTooLong: return "line too long";
    case ParseErrorCode::kTooManyMediaSections: return "too many media sections";
    case ParseErrorCode::kTooManyItems: return "too many items";
    case ParseErrorCode::kMalformedLine: return "malformed line";
    case ParseErrorCode::kBadVersion: return "bad or missing v= line";
    case ParseErrorCode::kBadOrigin: return "bad o= line";
    case ParseErrorCode::kBadTiming: return "bad t= line";
    case ParseErrorCode::kBadConnection: return "bad c= line";
    case ParseErrorCode::kBadMediaLine: return "bad m= line";
    case ParseErrorCode::kBadAttribute: return "bad attribute";
    case ParseErrorCode::kDuplicate: return "duplicate line";
    case ParseErrorCode::kMissingLine: return "missing o= or s= line";
  }
  return "unknown";
}

std::string to_string(const ParseError& error) {
  std::string s = to_string(error.code);
  if (error.line) s += " at line " + std::to_string(error.line);
  return s;
}

std::optional<Fmtp> parse_fmtp_params(std::string_view params) {
  Fmtp f;
  f.raw = std::string(params);
  std::string_view rest = params;
  while (!rest.empty()) {
    auto [item, after] = split_once(rest, ';');
    rest = after;
    item = trim(item);
    if (item.empty()) continue;
    if (f.params.size() >= kMaxTokensPerLine) return std::nullopt;
    auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      f.params.push_back({std::string(item), {}, false});
    } else {
      auto key = trim(item.substr(0, eq));
      if (key.empty()) return std::nullopt;
      f.params.push_back({std::string(key), std::string(trim(item.substr(eq + 1))), true});
    }
  }
  return f;
}

std::string format_fmtp_params(const Fmtp& fmtp) {
  if (fmtp.params.empty()) return fmtp.raw;
  std::string s;
  for (const auto& p : fmtp.params) {
    if (!s.empty()) s += ';';
    s += p.key;
    if (p.has_value) s += '=' + p.value;
  }
  return s;
}

namespace {

std::optional<SimulcastList> parse_simulcast_list(std::string_view text) {
  SimulcastList list;
  size_t streams = 0;
  while (!text.empty()) {
    auto [entry, after] = split_once(text, ';');
    text = after;
    std::vector<SimulcastStream> alternatives;
    while (!entry.empty()) {
      auto [rid, rest] = split_once(entry, ',');
      entry = rest;
      SimulcastStream s;
      if (!rid.empty() && rid[0] == '~') { s.paused = true; rid.remove_prefix(1); }
      if (rid.empty() || !is_token(rid) || rid.find('=') != std::string_view::npos) return std::nullopt;
      if (++streams > kMaxRidsPerMedia) return std::nullopt;
      s.rid = std::string(rid);
      alternatives.push_back(std::move(s));
    }
    if (alternatives.empty()) return std::nullopt;
    list.push_back(std::move(alternatives));
  }
  return list;
}

std::string format_simulcast_list(const SimulcastList& list) {
  std::string s;
  for (size_t i = 0; i < list.size(); ++i) {
    if (i) s += ';';
    for (size_t j = 0; j < list[i].size(); ++j) {
      if (j) s += ',';
      if (list[i][j].paused) s += '~';
      s += list[i][j].rid;
    }
  }
  return s;
}

}  // namespace

std::optional<Simulcast> parse_simulcast(std::string_view value) {
  auto t = split_ws(value, 4);
  if (!t || (t->size() != 2 && t->size() != 4)) return std::nullopt;
  Simulcast s;
  bool have_send = false, have_recv = false;
  for (size_t i = 0; i < t->size(); i += 2) {
    auto list = parse_simulcast_list((*t)[i + 1]);
    if (!list) return std::nullopt;
    if ((*t)[i] == "send" && !have_send) {
      s.send = std::move(*list);
      have_send = true;
      if (i == 0) s.send_first = true;
    } else if ((*t)[i] == "recv" && !have_recv) {
      s.recv = std::move(*list);
      have_recv = true;
      if (i == 0) s.send_first = false;
    } else {
      return std::nullopt;
    }
  }
  return s;
}

std::string format_simulcast(const Simulcast& s) {
  std::string send = s.send.empty() ? "" : "send " + format_simulcast_list(s.send);
  std::string recv = s.recv.empty() ? "" : "recv " + format_simulcast_list(s.recv);
  if (send.empty()) return recv;
  if (recv.empty()) return send;
  return s.send_first ? send + ' ' + recv : recv + ' ' + send;
}

namespace {

std::optional<Connection> parse_connection(std::string_view v) {
  auto t = split_ws(v, 3);
  if (!t || t->size() != 3) return std::nullopt;
  return Connection{std::string((*t)[0]), std::string((*t)[1]), std::string((*t)[2])};
}

std::optional<Origin> parse_origin(std::string_view v) {
  auto t = split_ws(v, 6);
  if (!t || t->size() != 6) return std::nullopt;
  auto version = parse_uint<uint64_t>((*t)[2]);
  if (!version) return std::nullopt;
  return Origin{std::string((*t)[0]), std::string((*t)[1]), *version,
                std::string((*t)[3]), std::string((*t)[4]), std::string((*t)[5])};
}

// nullopt on success.
std::optional<ParseErrorCode> media_line(std::string_view v, MediaSection& m) {
  auto t = split_ws(v, kMaxFormatsPerMedia + 3);
  if (!t) return ParseErrorCode::kTooManyItems;
  if (t->size() < 4) return ParseErrorCode::kBadMediaLine;
  auto [port_text, count_text] = split_once((*t)[1], '/');
  auto port = parse_uint<uint16_t>(port_text);
  if (!port) return ParseErrorCode::kBadMediaLine;
  if (!count_text.empty()) {
    auto count = parse_uint<uint16_t>(count_text);
    if (!count) return ParseErrorCode::kBadMediaLine;
    m.port_count = *count;
  }
  m.media = std::string((*t)[0]);
  m.kind = media_kind(m.media);
  m.port = *port;
  m.proto = std::string((*t)[2]);
  for (size_t i = 3; i < t->size(); ++i) m.formats.emplace_back((*t)[i]);
  return std::nullopt;
}

bool is_known_type(char c) {
  return std::string_view("vosiuepcbtrzkam").find(c) != std::string_view::npos;
}

bool has_control_chars(std::string_view line) {
  for (char c : line) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\t') || u == 0x7f) return true;
  }
  return false;
}

AttrStatus attribute(std::string_view value, SessionDescription& s, MediaSection* m) {
  auto colon = value.find(':');
  std::string_view name = colon == std::string_view::npos ? value : value.substr(0, colon);
  std::string_view val = colon == std::string_view::npos ? std::string_view{} : value.substr(colon + 1);
  if (!is_token(name)) return AttrStatus::kBad;
  bool has_value = colon != std::string_view::npos;
  return m ? parse_media_attribute(*m, name, val, has_value)
           : parse_session_attribute(s, name, val, has_value);
}

}  // namespace

Result<SessionDescription, ParseError> parse(std::string_view text) {
  if (text.size() > kMaxSdpBytes) return Err{ParseError{ParseErrorCode::kTooLarge, 0}};
  SessionDescription s;
  MediaSection* m = nullptr;
  bool have_v = false, have_o = false, have_s = false, have_t = false;
  size_t line_no = 0;
  auto fail = [&](ParseErrorCode c) { return Err{ParseError{c, line_no}}; };

  while (!text.empty()) {
    auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (++line_no > kMaxLines) return fail(ParseErrorCode::kTooManyLines);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > kMaxLineLength) return fail(ParseErrorCode::kLineTooLong);
    if (line.empty()) continue;
    if (line.size() < 2 || line[1] != '=' || !is_known_type(line[0]) || has_control_chars(line))
      return fail(ParseErrorCode::kMalformedLine);
    char type = line[0];
    std::string_view value = line.substr(2);

    if (!have_v) {
      if (type != 'v' || value != "0") return fail(ParseErrorCode::kBadVersion);
      have_v = true;
      continue;
    }
    switch (type) {
      case 'v': return fail(ParseErrorCode::kDuplicate);
      case 'o': {
        if (have_o || m) return fail(ParseErrorCode::kDuplicate);
        auto o = parse_origin(value);
        if (!o) return fail(ParseErrorCode::kBadOrigin);
        s.origin = std::move(*o);
        have_o = true;
        break;
      }
      case 's':
        if (have_s || m) return fail(ParseErrorCode::kDuplicate);
        s.session_name = std::string(value);
        have_s = true;
        break;
      case 't': {
        if (m) return fail(ParseErrorCode::kMalformedLine);
        if (have_t) { s.extra_lines.push_back({type, std::string(value)}); break; }
        auto t = split_ws(value, 2);
        std::optional<uint64_t> start, stop;
        if (t && t->size() == 2) { start = parse_uint<uint64_t>((*t)[0]); stop = parse_uint<uint64_t>((*t)[1]); }
        if (!start || !stop) return fail(ParseErrorCode::kBadTiming);
        s.start_time = *start;
        s.stop_time = *stop;
        have_t = true;
        break;
      }
      case 'c': {
        auto c = parse_connection(value);
        if (!c) return fail(ParseErrorCode::kBadConnection);
        (m ? m->connection : s.connection) = std::move(*c);
        break;
      }
      case 'm': {
        if (!have_o || !have_s) return fail(ParseErrorCode::kMissingLine);
        if (s.media.size() >= kMaxMediaSections) return fail(ParseErrorCode::kTooManyMediaSections);
        if (m) finish_media(*m);
        MediaSection section;
        if (auto code = media_line(value, section)) return fail(*code);
        s.media.push_back(std::move(section));
        m = &s.media.back();
        break;
      }
      case 'a': {
        auto st = attribute(value, s, m);
        if (st == AttrStatus::kBad) return fail(ParseErrorCode::kBadAttribute);
        if (st == AttrStatus::kTooMany) return fail(ParseErrorCode::kTooManyItems);
        if (st == AttrStatus::kDuplicate) return fail(ParseErrorCode::kDuplicate);
        break;
      }
      default: {
        auto& extras = m ? m->extra_lines : s.extra_lines;
        if (extras.size() >= kMaxAttributesPerSection) return fail(ParseErrorCode::kTooManyItems);
        extras.push_back({type, std::string(value)});
        break;
      }
    }
  }
  line_no = 0;
  if (!have_v) return fail(ParseErrorCode::kBadVersion);
  if (!have_o || !have_s) return fail(ParseErrorCode::kMissingLine);
  if (m) finish_media(*m);
  // Unified plan: a mid names one m-line.
  for (size_t i = 0; i < s.media.size(); ++i)
    for (size_t j = i + 1; j < s.media.size(); ++j)
      if (!s.media[i].mid.empty() && s.media[i].mid == s.media[j].mid) return fail(ParseErrorCode::kDuplicate);
  return s;
}

}  // namespace umbrella::sdp
