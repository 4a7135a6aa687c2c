#include "sdp/build.hpp"

#include "sdp/names.hpp"
#include "sdp/parse.hpp"

namespace umbrella::sdp {
namespace {

class Writer {
 public:
  void line(char type, std::string_view value) {
    out_ += type;
    out_ += '=';
    out_ += value;
    out_ += "\r\n";
  }
  void attr(std::string_view name) { line('a', name); }
  void attr(std::string_view name, std::string_view value) {
    out_ += "a=";
    out_ += name;
    out_ += ':';
    out_ += value;
    out_ += "\r\n";
  }
  void extras(const std::vector<ExtraLine>& lines, char type) {
    for (const auto& l : lines) if (l.type == type) line(l.type, l.value);
  }
  void others(const std::vector<Attribute>& attrs) {
    for (const auto& a : attrs) a.has_value ? attr(a.name, a.value) : attr(a.name);
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string connection_text(const Connection& c) { return c.net_type + ' ' + c.addr_type + ' ' + c.address; }

void write_transport(Writer& w, const std::string& ufrag, const std::string& pwd, const std::string& options,
                     const std::optional<Fingerprint>& fp, Setup setup) {
  if (!ufrag.empty()) w.attr("ice-ufrag", ufrag);
  if (!pwd.empty()) w.attr("ice-pwd", pwd);
  if (!options.empty()) w.attr("ice-options", options);
  if (fp) w.attr("fingerprint", fp->algorithm + ' ' + fp->value);
  if (setup != Setup::kUnspecified) w.attr("setup", to_string(setup));
}

void write_codec(Writer& w, const Codec& c) {
  std::string pt = std::to_string(c.pt);
  if (c.has_rtpmap) {
    std::string map = pt + ' ' + c.name + '/' + std::to_string(c.clock_rate);
    if (c.channels) map += '/' + std::to_string(c.channels);
    w.attr("rtpmap", map);
  }
  for (const auto& fb : c.feedback)
    w.attr("rtcp-fb", pt + ' ' + fb.type + (fb.subtype.empty() ? "" : ' ' + fb.subtype));
  if (!c.fmtp.empty()) w.attr("fmtp", pt + ' ' + format_fmtp_params(c.fmtp));
}

void write_media(Writer& w, const MediaSection& m) {
  std::string mline = m.media.empty() ? std::string(to_string(m.kind)) : m.media;
  mline += ' ' + std::to_string(m.port);
  if (m.port_count) mline += '/' + std::to_string(m.port_count);
  mline += ' ' + m.proto;
  for (const auto& f : m.formats) mline += ' ' + f;
  w.line('m', mline);
  w.extras(m.extra_lines, 'i');
  if (m.connection) w.line('c', connection_text(*m.connection));
  w.extras(m.extra_lines, 'b');
  w.extras(m.extra_lines, 'k');
  if (m.rtcp) w.attr("rtcp", *m.rtcp);
  for (const auto& c : m.candidates) w.attr("candidate", format_candidate(c));
  if (m.end_of_candidates) w.attr("end-of-candidates");
  write_transport(w, m.ice_ufrag, m.ice_pwd, m.ice_options, m.fingerprint, m.setup);
  if (!m.mid.empty()) w.attr("mid", m.mid);
  for (const auto& e : m.extmaps) {
    std::string v = std::to_string(e.id);
    if (e.direction != Direction::kUnspecified) v += '/' + std::string(to_string(e.direction));
    v += ' ' + e.uri;
    if (!e.attributes.empty()) v += ' ' + e.attributes;
    w.attr("extmap", v);
  }
  if (m.direction != Direction::kUnspecified) w.attr(to_string(m.direction));
  for (const auto& id : m.msids) w.attr("msid", id.track_id.empty() ? id.stream_id : id.stream_id + ' ' + id.track_id);
  if (m.rtcp_mux) w.attr("rtcp-mux");
  if (m.rtcp_mux_only) w.attr("rtcp-mux-only");
  if (m.rtcp_rsize) w.attr("rtcp-rsize");
  for (const auto& c : m.codecs) write_codec(w, c);
  for (const auto& fb : m.feedback_all)
    w.attr("rtcp-fb", "* " + fb.type + (fb.subtype.empty() ? "" : ' ' + fb.subtype));
  for (const auto& g : m.ssrc_groups) {
    std::string v = g.semantics;
    for (auto ssrc : g.ssrcs) v += ' ' + std::to_string(ssrc);
    w.attr("ssrc-group", v);
  }
  for (const auto& s : m.ssrcs)
    w.attr("ssrc", std::to_string(s.ssrc) + ' ' + s.attribute + (s.value.empty() ? "" : ':' + s.value));
  for (const auto& r : m.rids)
    w.attr("rid", r.id + (r.direction == RidDirection::kSend ? " send" : " recv") +
                      (r.params.empty() ? "" : ' ' + r.params));
  if (m.simulcast) w.attr("simulcast", format_simulcast(*m.simulcast));
  if (m.sctp_port) w.attr("sctp-port", std::to_string(*m.sctp_port));
  if (m.max_message_size) w.attr("max-message-size", std::to_string(*m.max_message_size));
  w.others(m.other_attributes);
}

}  // namespace

std::string build(const SessionDescription& s) {
  Writer w;
  w.line('v', std::to_string(s.version));
  const Origin& o = s.origin;
  w.line('o', o.username + ' ' + o.session_id + ' ' + std::to_string(o.session_version) + ' ' + o.net_type +
                  ' ' + o.addr_type + ' ' + o.address);
  w.line('s', s.session_name.empty() ? "-" : s.session_name);
  for (char t : std::string_view("iuep")) w.extras(s.extra_lines, t);
  if (s.connection) w.line('c', connection_text(*s.connection));
  w.extras(s.extra_lines, 'b');
  w.line('t', std::to_string(s.start_time) + ' ' + std::to_string(s.stop_time));
  for (char t : std::string_view("trzk")) w.extras(s.extra_lines, t);
  for (const auto& g : s.groups) {
    std::string v = g.semantics;
    for (const auto& mid : g.mids) v += ' ' + mid;
    w.attr("group", v);
  }
  if (s.extmap_allow_mixed) w.attr("extmap-allow-mixed");
  if (s.msid_semantic) {
    std::string v = s.msid_semantic->semantic;
    for (const auto& id : s.msid_semantic->ids) v += ' ' + id;
    w.attr("msid-semantic", v);
  }
  if (s.ice_lite) w.attr("ice-lite");
  write_transport(w, s.ice_ufrag, s.ice_pwd, s.ice_options, s.fingerprint, s.setup);
  w.others(s.other_attributes);
  for (const auto& m : s.media) write_media(w, m);
  return w.take();
}

}  // namespace umbrella::sdp
