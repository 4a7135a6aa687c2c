// From negotiated SDP to media-plane entries, for every participant kind: what a publisher's
// m-line becomes (sfu::PublishedStream) and what a receiving m-line becomes (sfu::Subscription).
#pragma once

#include <optional>
#include <random>
#include <string>
#include <vector>

#include "media/media_plane.hpp"
#include "sdp/negotiation.hpp"
#include "sdp/session_description.hpp"
#include "server/participant.hpp"
#include "sfu/types.hpp"

namespace umbrella::server {

sfu::ExtensionIds extension_ids(const sdp::NegotiatedMedia& m);

// The stream a publisher sends on track.mid, with SSRCs as signalled in `remote` (what the
// publisher sent: its offer, or the answer of an SFU we dialled). nullopt: not negotiated.
std::optional<sfu::PublishedStream> published_stream(const PublisherTrack& track, const sdp::NegotiatedState& negotiated,
                                                     const sdp::SessionDescription* remote);

// The simulcast layers a publisher sends on track.mid, at most sfu::kMaxLayers: by rid
// (a=simulcast, RFC 8853) or by SSRC (a=ssrc-group:SIM, as libwebrtc without rids); empty when
// it sends one stream.
std::vector<media::SimulcastLayer> simulcast_layers(const PublisherTrack& track, const sdp::NegotiatedState& negotiated,
                                                    const sdp::SessionDescription* remote);

// The subscription of `transport` to `source` on out.mid, if the subscriber's m-line sends and
// shares a codec with the publisher.
std::optional<sfu::Subscription> subscription_for(const SubscribedTrack& out, const PublisherTrack& source,
                                                  const sdp::NegotiatedState& negotiated, sfu::TransportId transport);

// How well a viewer's offered m-line fits publisher track t: 2 when it lists the codec t sends
// (the first of t's answer, which senders use), 1 when it shares another of t's codecs, 0 when
// it cannot receive t at all.
int codec_fit(const PublisherTrack& t, const sdp::MediaSection& offered);

// A new output of track t on mid (fresh SSRCs) for a participant that receives it; with
// all_layers (a trunk), SSRCs for each of t's simulcast layers.
SubscribedTrack output_for(const PublisherTrack& t, std::string mid, bool all_layers = false);

// The media plane subscriptions of `transport` to `source` through out: one for a participant
// (the router moves it between layers), one per layer for a trunk (out.more_layers).
std::vector<sfu::Subscription> subscriptions_for(const SubscribedTrack& out, const PublisherTrack& source,
                                                 const sdp::NegotiatedState& negotiated, sfu::TransportId transport);

umbrella_MediaKind to_proto(sfu::Kind k);

}  // namespace umbrella::server
