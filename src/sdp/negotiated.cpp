// negotiated_state() and apply_answer(): what was agreed, per mid.
#include <algorithm>

#include "sdp/helpers.hpp"
#include "sdp/names.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp {
namespace {

NegotiatedMedia describe(const SessionDescription& s, const MediaSection& m) {
  NegotiatedMedia n;
  n.mid = m.mid;
  n.kind = m.kind;
  n.media = m.media;
  n.proto = m.proto;
  n.rejected = is_rejected(s, m);
  n.formats = m.formats;
  n.rtcp_rsize = m.rtcp_rsize;
  if (!n.rejected) {
    n.codecs = m.codecs;
    n.extmaps = m.extmaps;
  }
  return n;
}

std::vector<std::string> rids_with(const MediaSection& m, RidDirection d) {
  std::vector<std::string> out;
  for (const auto& r : m.rids) if (r.direction == d) out.push_back(r.id);
  return out;
}

std::string check_answer_codecs(const MediaSection& offered, const MediaSection& answered,
                                std::vector<Codec>& out) {
  for (const auto& a : answered.codecs) {
    if (!a.has_rtpmap) continue;
    const Codec* o = find_codec_by_pt(offered, a.pt);
    if (!o || !detail::iequals(o->name, a.name) || o->clock_rate != a.clock_rate)
      return "answer m-line " + answered.mid + " has payload type " + std::to_string(a.pt) + " not in the offer";
    Codec c = *o;  // our definition, with only the feedback both sides agreed on
    c.feedback.clear();
    for (const auto& fb : o->feedback)
      if (std::find(a.feedback.begin(), a.feedback.end(), fb) != a.feedback.end() ||
          std::find(answered.feedback_all.begin(), answered.feedback_all.end(), fb) != answered.feedback_all.end())
        c.feedback.push_back(fb);
    out.push_back(std::move(c));
  }
  for (const auto& c : out)  // RTX is only usable with its media codec
    if (is_rtx(c) && std::none_of(out.begin(), out.end(), [&](const Codec& x) { return rtx_apt(c) == x.pt; }))
      return "answer m-line " + answered.mid + " has RTX without its codec";
  return {};
}

}  // namespace

NegotiatedState negotiated_state(const SessionDescription& remote_offer, const SessionDescription& local_answer) {
  NegotiatedState state;
  state.extmap_allow_mixed = local_answer.extmap_allow_mixed;
  for (const auto& m : local_answer.media) {
    NegotiatedMedia n = describe(local_answer, m);
    if (m.kind == MediaKind::kApplication && !n.rejected)
      if (const MediaSection* offered = find_media(remote_offer, m.mid)) {
        n.local_max_message_size = m.max_message_size.value_or(0);
        n.remote_sctp_port = sctp_port_of(*offered).value_or(5000);
        n.remote_max_message_size = max_message_size_of(*offered);
      }
    n.direction = n.rejected ? Direction::kInactive : m.direction;
    if (n.direction == Direction::kUnspecified) n.direction = Direction::kSendRecv;
    if (!n.rejected) n.recv_rids = rids_with(m, RidDirection::kRecv);
    state.media.push_back(std::move(n));
  }
  return state;
}

std::optional<std::string> bundle_tag(const SessionDescription& s) {
  const Group* g = find_group(s, "BUNDLE");
  if (!g) return std::nullopt;
  for (const auto& mid : g->mids)
    if (const MediaSection* m = find_media(s, mid); m && m->port != 0) return mid;
  return std::nullopt;
}

std::optional<RemoteTransport> remote_transport(const SessionDescription& remote, std::string_view mid) {
  const MediaSection* line = find_media(remote, mid);
  if (!line) return std::nullopt;
  const MediaSection* m = &transport_line(remote, *line);  // a bundle-only line: the tag's
  const Fingerprint* fp = effective_fingerprint(remote, *m);
  RemoteTransport t;
  t.ice_ufrag = std::string(effective_ice_ufrag(remote, *m));
  t.ice_pwd = std::string(effective_ice_pwd(remote, *m));
  if (t.ice_ufrag.empty() || t.ice_pwd.empty() || !fp) return std::nullopt;
  t.fingerprint = *fp;
  t.setup = effective_setup(remote, *m);
  t.candidates = m->candidates;
  t.ice_lite = remote.ice_lite;
  return t;
}

Result<NegotiatedState, std::string> apply_answer(const SessionDescription& offer, const SessionDescription& answer) {
  if (answer.media.size() != offer.media.size()) return Err{std::string("answer m-line count differs from offer")};
  NegotiatedState state;
  state.extmap_allow_mixed = offer.extmap_allow_mixed && answer.extmap_allow_mixed;
  bool have_transport = false;
  for (size_t i = 0; i < offer.media.size(); ++i) {
    const MediaSection& o = offer.media[i];
    const MediaSection& a = answer.media[i];
    if (o.mid != a.mid) return Err{"answer m-line " + std::to_string(i) + " mid differs from offer"};
    if (o.media != a.media) return Err{"answer m-line " + a.mid + " media type differs from offer"};
    NegotiatedMedia n = describe(offer, o);
    // A line the answerer bundles may carry port 0 (RFC 8843 7.3.1); it is rejected only
    // when it is also left out of the answer's BUNDLE group.
    n.rejected = n.rejected || is_rejected(answer, a);
    if (n.rejected) {
      n.codecs.clear();
      n.extmaps.clear();
      n.direction = Direction::kInactive;
      state.media.push_back(std::move(n));
      continue;
    }
    if (a.proto != o.proto) return Err{"answer m-line " + a.mid + " proto differs from offer"};
    const MediaSection& t = transport_line(answer, a);
    if (effective_ice_ufrag(answer, t).empty() || effective_ice_pwd(answer, t).empty() ||
        !effective_fingerprint(answer, t))
      return Err{"answer m-line " + a.mid + " lacks ICE or DTLS parameters"};
    Setup setup = effective_setup(answer, t);
    if (setup == Setup::kActpass || setup == Setup::kHoldconn)
      return Err{"answer m-line " + a.mid + " has an invalid setup role"};
    have_transport = true;
    if (o.kind == MediaKind::kAudio || o.kind == MediaKind::kVideo) {
      n.codecs.clear();
      if (auto e = check_answer_codecs(o, a, n.codecs); !e.empty()) return Err{e};
      if (std::none_of(n.codecs.begin(), n.codecs.end(), [](const Codec& c) { return !is_rtx(c); }))
        return Err{"answer m-line " + a.mid + " accepts no codec"};
      n.extmaps.clear();
      for (const auto& e : a.extmaps) {
        auto id = find_extmap_id(o, e.uri);
        if (id != e.id) return Err{"answer m-line " + a.mid + " has extension " + e.uri + " not offered with that id"};
        n.extmaps.push_back(e);
      }
      n.rtcp_rsize = o.rtcp_rsize && a.rtcp_rsize;
    } else if (o.kind == MediaKind::kApplication && o.max_message_size) {
      // Our data channel line again (a renegotiation keeps it): the answer's SCTP terms.
      n.local_max_message_size = *o.max_message_size;
      n.remote_sctp_port = sctp_port_of(a).value_or(5000);
      n.remote_max_message_size = max_message_size_of(a);
      n.direction = Direction::kSendRecv;
      state.media.push_back(std::move(n));
      continue;
    } else {
      return Err{"answer m-line " + a.mid + " is neither audio nor video; the SFU offers no other media"};
    }
    // The SFU's direction: what it offered, limited by what the answerer accepted.
    n.direction = make_direction(sends(o.direction) && receives(a.direction), receives(o.direction) && sends(a.direction));
    n.recv_rids = rids_with(a, RidDirection::kSend);
    state.media.push_back(std::move(n));
  }
  if (!have_transport) return Err{std::string("answer rejects every m-line")};
  return state;
}

}  // namespace umbrella::sdp
