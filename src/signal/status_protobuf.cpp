// umbrella.Status by hand: its fields are FT_CALLBACK in umbrella.options (unbounded lists),
// and streaming through nanopb callbacks would be longer than writing the wire format. The
// field numbers come from the generated header so they cannot drift from the .proto.
#include "signal/proto_writer.hpp"
#include "signal/status.hpp"

namespace umbrella::signal {
namespace {

std::string track(const TrackStats& t) {
  ProtoWriter w;
  w.bytes(umbrella_TrackCounters_track_id_tag, t.track_id);
  w.uint(umbrella_TrackCounters_kind_tag, static_cast<uint64_t>(t.kind));
  w.uint(umbrella_TrackCounters_ssrc_tag, t.ssrc);
  w.uint(umbrella_TrackCounters_packets_tag, t.packets);
  w.uint(umbrella_TrackCounters_bytes_tag, t.bytes);
  w.uint(umbrella_TrackCounters_packets_lost_tag, t.packets_lost);
  w.uint(umbrella_TrackCounters_nacks_tag, t.nacks);
  w.uint(umbrella_TrackCounters_plis_tag, t.plis);
  w.uint(umbrella_TrackCounters_bitrate_bps_tag, t.bitrate_bps);
  return w.take();
}

std::string client(const ClientSnapshot& c) {
  ProtoWriter w;
  w.bytes(umbrella_ClientStatus_participant_id_tag, c.participant_id);
  w.bytes(umbrella_ClientStatus_display_name_tag, c.display_name);
  w.bytes(umbrella_ClientStatus_room_tag, c.room);
  w.bytes(umbrella_ClientStatus_address_tag, c.address);
  w.bytes(umbrella_ClientStatus_ice_state_tag, c.ice_state);
  w.bytes(umbrella_ClientStatus_dtls_state_tag, c.dtls_state);
  for (const auto& t : c.published) w.message(umbrella_ClientStatus_published_tag, track(t));
  for (const auto& t : c.forwarded) w.message(umbrella_ClientStatus_forwarded_tag, track(t));
  return w.take();
}

std::string trunk(const TrunkSnapshot& t) {
  ProtoWriter w;
  w.bytes(umbrella_TrunkState_url_tag, t.url);
  w.uint(umbrella_TrunkState_state_tag, static_cast<uint64_t>(t.state));
  w.bytes(umbrella_TrunkState_last_error_tag, t.last_error);
  w.bytes(umbrella_TrunkState_peer_site_id_tag, t.peer_site_id);
  return w.take();
}

}  // namespace

std::string to_protobuf(const StatusSnapshot& s) {
  ProtoWriter w;
  w.bytes(umbrella_Status_site_id_tag, s.site_id);
  w.bytes(umbrella_Status_version_tag, s.version);
  w.uint(umbrella_Status_uptime_ms_tag, s.uptime_ms);
  w.uint(umbrella_Status_rss_bytes_tag, s.rss_bytes);
  for (const auto& c : s.clients) w.message(umbrella_Status_clients_tag, client(c));
  for (const auto& t : s.trunks) w.message(umbrella_Status_trunks_tag, trunk(t));
  for (const auto& [k, v] : s.counters) {
    ProtoWriter entry;  // map entries are written in full, zero value included
    entry.message(umbrella_Status_CountersEntry_key_tag, k);
    entry.varint(uint64_t{umbrella_Status_CountersEntry_value_tag} << 3 | 0);
    entry.varint(v);
    w.message(umbrella_Status_counters_tag, entry.str());
  }
  return w.take();
}

}  // namespace umbrella::signal
