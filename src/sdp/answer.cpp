// answer_offer(): the SFU answering a remote (browser) offer.
#include <algorithm>
#include <map>

#include "sdp/helpers.hpp"
#include "sdp/names.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/negotiation_common.hpp"
#include "sdp/text.hpp"

namespace umbrella::sdp {
namespace {

using detail::iequals;

// Feedback both sides do, in the offer's order (per-codec lines plus rtcp-fb:*).
std::vector<RtcpFb> common_feedback(const MediaSection& offered, const Codec& c, const CodecCapability& cap) {
  std::vector<RtcpFb> out;
  auto consider = [&](const RtcpFb& fb) {
    if (std::find(cap.feedback.begin(), cap.feedback.end(), fb) != cap.feedback.end() &&
        std::find(out.begin(), out.end(), fb) == out.end())
      out.push_back(fb);
  };
  for (const auto& fb : c.feedback) consider(fb);
  for (const auto& fb : offered.feedback_all) consider(fb);
  return out;
}

// Offered codecs we forward, one payload type per codec family, each followed by its RTX,
// in our order of preference (VP8 first): a sender sends the answer's first codec, and VP8 is
// the one every WebRTC stack decodes, so a publisher that prefers H264 (Safari, some Android)
// still sends what Firefox without OpenH264 can watch. Payload type numbers are the offerer's.
std::vector<Codec> accept_codecs(const MediaSection& offered, const Capabilities& caps) {
  std::vector<Codec> out;
  for (const auto& cap : caps.codecs) {
    if (cap.kind != offered.kind) continue;
    auto c = std::find_if(offered.codecs.begin(), offered.codecs.end(),
                          [&](const Codec& o) { return o.has_rtpmap && !is_rtx(o) && codec_matches(cap, o); });
    if (c == offered.codecs.end()) continue;
    auto rtx_pt = cap.rtx ? rtx_payload_type(offered, c->pt) : std::nullopt;
    auto accepted = codecs_for(cap, c->pt, rtx_pt.value_or(0));
    accepted[0].name = c->name;  // the offerer's spelling
    accepted[0].channels = c->channels;
    accepted[0].feedback = common_feedback(offered, *c, cap);
    if (!rtx_pt && accepted.size() > 1) accepted.pop_back();
    for (auto& a : accepted) out.push_back(std::move(a));
  }
  return out;
}

std::vector<Extmap> accept_extmaps(const MediaSection& offered, const Capabilities& caps) {
  std::vector<Extmap> out;
  for (const auto& e : offered.extmaps) {
    if (!find_extension(caps, e.uri, offered.kind)) continue;
    if (std::any_of(out.begin(), out.end(), [&](const Extmap& x) { return x.uri == e.uri || x.id == e.id; }))
      continue;
    Extmap a;
    a.id = e.id;
    a.uri = e.uri;
    if (e.direction != Direction::kUnspecified && e.direction != Direction::kSendRecv) a.direction = reverse(e.direction);
    out.push_back(std::move(a));
  }
  return out;
}

// Simulcast the remote sends: we receive the same rids.
void accept_simulcast(const MediaSection& offered, MediaSection& m) {
  if (!offered.simulcast || offered.simulcast->send.empty()) return;
  Simulcast s;
  for (const auto& alternatives : offered.simulcast->send) {
    std::vector<SimulcastStream> kept;
    for (const auto& stream : alternatives) {
      bool declared = std::any_of(offered.rids.begin(), offered.rids.end(), [&](const Rid& r) {
        return r.id == stream.rid && r.direction == RidDirection::kSend;
      });
      if (!declared) continue;
      kept.push_back(stream);
      m.rids.push_back({stream.rid, RidDirection::kRecv, {}});
    }
    if (!kept.empty()) s.recv.push_back(std::move(kept));
  }
  if (!s.recv.empty()) m.simulcast = std::move(s);
}

std::optional<MediaSection> accept_rtp(const MediaSection& offered, const Capabilities& caps,
                                       const AnswerOptions& options) {
  if (offered.kind != MediaKind::kAudio && offered.kind != MediaKind::kVideo) return std::nullopt;
  if (!is_rtp_savpf(offered.proto) || !offered.rtcp_mux) return std::nullopt;
  auto codecs = accept_codecs(offered, caps);
  if (codecs.empty()) return std::nullopt;
  MediaSection m;
  m.kind = offered.kind;
  m.media = offered.media;
  m.proto = offered.proto;
  m.mid = offered.mid;
  set_codecs(m, std::move(codecs));
  m.extmaps = accept_extmaps(offered, caps);
  m.rtcp_rsize = offered.rtcp_rsize;

  auto policy_it = options.per_mid.find(offered.mid);
  const MidPolicy* policy = policy_it == options.per_mid.end() ? nullptr : &policy_it->second;
  Direction wanted = policy ? policy->direction : options.default_direction;
  Direction offer_dir = offered.direction;
  bool send = sends(wanted) && receives(offer_dir);
  bool recv = receives(wanted) && sends(offer_dir);
  m.direction = make_direction(send, recv);
  if (send && policy && policy->track) detail::add_track(m, *policy->track);
  if (recv) accept_simulcast(offered, m);
  return m;
}

std::optional<MediaSection> accept_data_channel(const MediaSection& offered, const AnswerOptions& options) {
  if (options.data_channel_max_message_size == 0 || offered.kind != MediaKind::kApplication) return std::nullopt;
  bool modern = (offered.proto == "UDP/DTLS/SCTP" || offered.proto == "DTLS/SCTP") &&
                std::find(offered.formats.begin(), offered.formats.end(), "webrtc-datachannel") != offered.formats.end();
  bool legacy = offered.proto == "DTLS/SCTP" && sctp_port_of(offered) &&
                std::any_of(offered.other_attributes.begin(), offered.other_attributes.end(),
                            [](const Attribute& a) { return a.name == "sctpmap" && a.value.find("webrtc-datachannel") != std::string::npos; });
  if (!modern && !legacy) return std::nullopt;
  return detail::data_channel_media(offered.mid, legacy ? "DTLS/SCTP" : "UDP/DTLS/SCTP",
                                    options.data_channel_max_message_size);
}

std::string check_offer(const SessionDescription& offer, const AnswerOptions& options) {
  if (offer.media.empty()) return "offer has no m-lines";
  if (offer.media.size() > options.max_media_sections)
    return "offer has " + std::to_string(offer.media.size()) + " m-lines; a session may have at most " +
           std::to_string(options.max_media_sections);
  size_t publishing = 0;
  for (const auto& m : offer.media)
    if (!is_rejected(offer, m) && (m.kind == MediaKind::kAudio || m.kind == MediaKind::kVideo) &&
        sends(m.direction))
      ++publishing;
  if (publishing > options.max_published_tracks)
    return "offer publishes " + std::to_string(publishing) + " tracks; a participant may publish at most " +
           std::to_string(options.max_published_tracks);
  for (const auto& m : offer.media)
    if (!is_rejected(offer, m) && m.mid.empty()) return "offer m-line without a=mid (unified plan required)";
  return {};
}

// The ICE/DTLS attributes that apply to an accepted m-line: its own, or for a bundle-only
// line those of the offerer's BUNDLE tag (RFC 8843 7.2).
std::string check_transport(const SessionDescription& offer, const MediaSection& offered) {
  const MediaSection& m = transport_line(offer, offered);
  if (effective_ice_ufrag(offer, m).empty() || effective_ice_pwd(offer, m).empty())
    return "offer m-line " + m.mid + " has no ice-ufrag/ice-pwd";
  if (!effective_fingerprint(offer, m)) return "offer m-line " + m.mid + " has no fingerprint";
  Setup setup = effective_setup(offer, m);
  if (setup == Setup::kPassive || setup == Setup::kHoldconn)
    return "offer m-line " + m.mid + " wants setup:passive; the SFU is always the DTLS server";
  return {};
}

}  // namespace

Result<SessionDescription, std::string> answer_offer(const SessionDescription& offer, const LocalTransport& local,
                                                     const AnswerOptions& options) {
  if (auto e = detail::check_local(local); !e.empty()) return Err{e};
  if (auto e = check_offer(offer, options); !e.empty()) return Err{e};
  const Capabilities& caps = detail::capabilities_of(local);
  const Group* offered_bundle = find_group(offer, "BUNDLE");

  SessionDescription answer = detail::base_description(local);
  answer.extmap_allow_mixed = offer.extmap_allow_mixed;
  std::vector<std::string> accepted_mids;
  // In one BUNDLE transport an extension id means one URI (RFC 8843 9.1). Some offerers
  // (aiortc 1.4) reuse an id for different URIs across m-lines and then parse every packet
  // with one map; answering only the first use keeps each id unambiguous.
  std::map<uint16_t, std::string> bundle_extension_ids;
  bool data_channel_accepted = false;
  for (const auto& offered : offer.media) {
    // One transport: only m-lines the offerer bundles (or a lone m-line) can be served.
    bool bundled = offered_bundle
                       ? std::find(offered_bundle->mids.begin(), offered_bundle->mids.end(), offered.mid) !=
                             offered_bundle->mids.end()
                       : accepted_mids.empty();
    // A bundle-only m-line (port 0 inside the offer's BUNDLE group) is accepted like any
    // other. One data channel line at most (one SCTP association per transport).
    std::optional<MediaSection> m;
    if (!is_rejected(offer, offered) && bundled) {
      m = accept_rtp(offered, caps, options);
      if (!m && !data_channel_accepted) {
        m = accept_data_channel(offered, options);
        data_channel_accepted = m.has_value();
      }
    }
    if (m) {
      std::erase_if(m->extmaps, [&](const Extmap& e) {
        auto [it, inserted] = bundle_extension_ids.emplace(e.id, e.uri);
        return !inserted && it->second != e.uri;
      });
      if (auto e = check_transport(offer, offered); !e.empty()) return Err{e};
      detail::add_transport(*m, local, Setup::kPassive);
      accepted_mids.push_back(m->mid);
      answer.media.push_back(std::move(*m));
    } else {
      answer.media.push_back(detail::rejected_media(offered.kind, offered.media, offered.proto, offered.formats,
                                                    offered.mid, local, Setup::kPassive));
    }
  }
  if (accepted_mids.empty()) return Err{std::string("no acceptable m-line in offer")};
  // The offerer's BUNDLE tag goes first when it was accepted (RFC 8843 7.3.1).
  Group bundle{"BUNDLE", {}};
  if (offered_bundle)
    for (const auto& mid : offered_bundle->mids)
      if (std::find(accepted_mids.begin(), accepted_mids.end(), mid) != accepted_mids.end() &&
          std::find(bundle.mids.begin(), bundle.mids.end(), mid) == bundle.mids.end())
        bundle.mids.push_back(mid);
  for (const auto& mid : accepted_mids)  // a lone m-line accepted without an offered group
    if (std::find(bundle.mids.begin(), bundle.mids.end(), mid) == bundle.mids.end()) bundle.mids.push_back(mid);
  answer.groups.push_back(std::move(bundle));
  return answer;
}

}  // namespace umbrella::sdp
