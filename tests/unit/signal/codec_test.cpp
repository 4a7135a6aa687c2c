#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "signal/codec.hpp"
#include "signal/messages.hpp"
#include "signal/proto_writer.hpp"
#include "signal/strings.hpp"

using namespace umbrella;
using namespace umbrella::signal;

namespace {

// Envelopes are ~17 KiB: keep them off the test's stack.
std::unique_ptr<umbrella_Envelope> envelope() { return std::make_unique<umbrella_Envelope>(); }

std::vector<uint8_t> encoded(const umbrella_Envelope& env) {
  std::vector<uint8_t> buf(kMaxEnvelopeSize);
  size_t n = encode(env, buf);
  buf.resize(n);
  return buf;
}

// A decoded Envelope with the frame it was decoded from (a description's SDP is a view into it).
struct Decoded {
  std::vector<uint8_t> frame;
  std::unique_ptr<umbrella_Envelope> env;
  umbrella_Envelope* operator->() const { return env.get(); }
};

// Encode, decode, re-encode: the bytes must be identical and the body type preserved.
Decoded round_trip(const umbrella_Envelope& env) {
  Decoded back{encoded(env), envelope()};
  REQUIRE(back.frame.size() >= 2);
  auto r = decode(back.frame, *back.env);
  REQUIRE(r.ok());
  CHECK(back->which_body == env.which_body);
  CHECK(encoded(*back.env) == back.frame);
  return back;
}

Bytes as_frame(const std::string& s) { return as_bytes(s); }

std::string wrap(uint32_t body_field, const std::string& body) {
  ProtoWriter w;
  w.message(body_field, body);
  return w.take();
}

}  // namespace

TEST_CASE("signal: client messages round trip") {
  auto env = envelope();
  reset(*env, umbrella_Envelope_join_tag);
  copy_string(env->body.join.room, "lobby");
  copy_string(env->body.join.display_name, "Zoë");
  env->body.join.role = umbrella_Role_ROLE_TRUNK;
  copy_string(env->body.join.token, "secret");
  copy_string(env->body.join.site_id, "site-a");
  env->body.join.path_count = 2;
  copy_string(env->body.join.path[0], "site-b");
  copy_string(env->body.join.path[1], "site-c");
  auto back = round_trip(*env);
  CHECK(view(back->body.join.room) == "lobby");
  CHECK(view(back->body.join.display_name) == "Zoë");
  CHECK(back->body.join.role == umbrella_Role_ROLE_TRUNK);
  CHECK(back->body.join.path_count == 2);
  CHECK(view(back->body.join.path[1]) == "site-c");

  reset(*env, umbrella_Envelope_leave_tag);
  round_trip(*env);

  reset(*env, umbrella_Envelope_set_mute_tag);
  env->body.set_mute.video_muted = true;
  back = round_trip(*env);
  CHECK_FALSE(back->body.set_mute.audio_muted);
  CHECK(back->body.set_mute.video_muted);

  reset(*env, umbrella_Envelope_ping_tag);
  env->body.ping.nonce = 0xFFFFFFFFFFFFFFFFull;
  CHECK(round_trip(*env)->body.ping.nonce == 0xFFFFFFFFFFFFFFFFull);

  reset(*env, umbrella_Envelope_set_trunks_tag);
  env->body.set_trunks.urls_count = 1;
  copy_string(env->body.set_trunks.urls[0], "wss://b.example/wsb");
  CHECK(view(round_trip(*env)->body.set_trunks.urls[0]) == "wss://b.example/wsb");

  reset(*env, umbrella_Envelope_get_trunks_tag);
  round_trip(*env);
}

TEST_CASE("signal: server messages round trip") {
  auto env = envelope();
  make_pong(*env, 42);
  CHECK(round_trip(*env)->body.pong.nonce == 42);

  make_error(*env, umbrella_Error_Code_CODE_ROOM_FULL, "room is full");
  auto back = round_trip(*env);
  CHECK(back->body.error.code == umbrella_Error_Code_CODE_ROOM_FULL);
  CHECK(view(back->body.error.message) == "room is full");

  REQUIRE(make_joined(*env, "p1", "lobby", "site-a"));
  for (int i = 0; i < 32; ++i) {
    std::string id = "p" + std::to_string(i + 2);
    REQUIRE(add_participant(env->body.joined, {id, "name " + id, i % 2 == 0, i % 3 == 0, "site-a"}));
  }
  CHECK_FALSE(add_participant(env->body.joined, {"p99", "one too many", false, false, ""}));
  back = round_trip(*env);
  CHECK(back->body.joined.participants_count == 32);
  CHECK(view(back->body.joined.participants[31].participant_id) == "p33");
  CHECK(back->body.joined.participants[30].audio_muted);

  REQUIRE(make_participant_event(*env, umbrella_Envelope_participant_joined_tag, {"p2", "Bo", true, false, "s"}));
  back = round_trip(*env);
  CHECK(back->body.participant_joined.has_participant);
  CHECK(view(back->body.participant_joined.participant.display_name) == "Bo");
  REQUIRE(make_participant_event(*env, umbrella_Envelope_participant_updated_tag, {"p2", "Bo", false, true, "s"}));
  CHECK(round_trip(*env)->body.participant_updated.participant.video_muted);
  CHECK_FALSE(make_participant_event(*env, umbrella_Envelope_pong_tag, {"p2", "Bo", false, true, "s"}));

  REQUIRE(make_participant_left(*env, "p2"));
  CHECK(view(round_trip(*env)->body.participant_left.participant_id) == "p2");

  std::string sdp = "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n";
  REQUIRE(make_description(*env, umbrella_SessionDescription_Type_TYPE_OFFER, sdp, 7));
  back = round_trip(*env);
  CHECK(sdp_of(back->body.description) == sdp);
  CHECK(back->body.description.revision == 7);
  CHECK(back->body.description.type == umbrella_SessionDescription_Type_TYPE_OFFER);

  REQUIRE(make_track_added(*env, {"t1", umbrella_MediaKind_MEDIA_KIND_VIDEO, "p2", "3", "p2", "site-b"}));
  back = round_trip(*env);
  CHECK(back->body.track_added.track.kind == umbrella_MediaKind_MEDIA_KIND_VIDEO);
  CHECK(view(back->body.track_added.track.mid) == "3");
  CHECK(view(back->body.track_added.track.origin_site) == "site-b");

  REQUIRE(make_track_removed(*env, "t1"));
  CHECK(view(round_trip(*env)->body.track_removed.track_id) == "t1");

  auto& trunks = make_trunks(*env);
  for (int i = 0; i < 8; ++i)
    REQUIRE(add_trunk(trunks, "wss://x" + std::to_string(i) + "/wsb", umbrella_TrunkState_State_STATE_RETRYING,
                      "connection refused", ""));
  CHECK_FALSE(add_trunk(trunks, "wss://x9/wsb", umbrella_TrunkState_State_STATE_IDLE, "", ""));
  back = round_trip(*env);
  CHECK(back->body.trunks.trunks_count == 8);
  CHECK(view(back->body.trunks.trunks[7].last_error) == "connection refused");
}

TEST_CASE("signal: a full-size SDP fits, one byte more is refused") {
  auto env = envelope();
  std::string sdp(kMaxSdpBytes, 'a');
  REQUIRE(make_description(*env, umbrella_SessionDescription_Type_TYPE_ANSWER, sdp, 1));
  auto bytes = encoded(*env);
  CHECK(bytes.size() > kMaxSdpBytes);
  CHECK(bytes.size() <= kMaxEnvelopeSize);
  CHECK(sdp_of(round_trip(*env)->body.description) == sdp);
  // At every bound at once (all 64 MidTracks too) it still fits kMaxEnvelopeSize.
  auto& d = env->body.description;
  d.receive_count = sizeof(d.receive) / sizeof(d.receive[0]);
  for (pb_size_t i = 0; i < d.receive_count; ++i) {
    copy_string(d.receive[i].mid, std::string(sizeof(d.receive[i].mid) - 1, 'm'));
    copy_string(d.receive[i].track_id, std::string(sizeof(d.receive[i].track_id) - 1, 't'));
  }
  d.revision = 0xFFFFFFFFu;
  CHECK(encoded(*env).size() > 0);

  // Over the bound, or empty: refused, and the Envelope is left unsendable.
  std::string big = sdp + "a";
  CHECK_FALSE(make_description(*env, umbrella_SessionDescription_Type_TYPE_ANSWER, big, 1));
  CHECK(env->which_body == 0);
  CHECK(encoded(*env).empty());
  CHECK_FALSE(make_description(*env, umbrella_SessionDescription_Type_TYPE_OFFER, "", 2));
  CHECK(encoded(*env).empty());

  ProtoWriter over;
  over.bytes(umbrella_SessionDescription_sdp_tag, big);
  CHECK_FALSE(decode(as_frame(wrap(umbrella_Envelope_description_tag, over.str())), *env).ok());
  // The SDP field sent as a number or a fixed-size value is not a string: refused.
  ProtoWriter number;
  number.uint(umbrella_SessionDescription_sdp_tag, 12345);
  CHECK_FALSE(decode(as_frame(wrap(umbrella_Envelope_description_tag, number.str())), *env).ok());
  std::string fixed64 = std::string(1, char((umbrella_SessionDescription_sdp_tag << 3) | 1)) + std::string(8, 'x');
  CHECK_FALSE(decode(as_frame(wrap(umbrella_Envelope_description_tag, fixed64)), *env).ok());
  // A well-formed one decodes to a view of the frame, no copy.
  ProtoWriter ok;
  ok.bytes(umbrella_SessionDescription_sdp_tag, "v=0");
  std::string frame = wrap(umbrella_Envelope_description_tag, ok.str());
  REQUIRE(decode(as_frame(frame), *env).ok());
  CHECK(sdp_of(env->body.description) == "v=0");
  CHECK(env->body.description.sdp.data >= frame.data());
  CHECK(env->body.description.sdp.data < frame.data() + frame.size());
}

TEST_CASE("signal: oversize strings and repeated fields are refused") {
  auto env = envelope();
  auto refused = [&](uint32_t body, const ProtoWriter& w) { return !decode(as_frame(wrap(body, w.str())), *env).ok(); };

  ProtoWriter room_ok, room_big;
  room_ok.bytes(umbrella_Join_room_tag, std::string(63, 'r'));
  room_big.bytes(umbrella_Join_room_tag, std::string(64, 'r'));
  CHECK_FALSE(refused(umbrella_Envelope_join_tag, room_ok));
  CHECK(refused(umbrella_Envelope_join_tag, room_big));

  ProtoWriter path;
  for (int i = 0; i < 9; ++i) path.bytes(umbrella_Join_path_tag, "site");
  CHECK(refused(umbrella_Envelope_join_tag, path));

  ProtoWriter urls;
  for (int i = 0; i < 9; ++i) urls.bytes(umbrella_SetTrunks_urls_tag, "wss://a/wsb");
  CHECK(refused(umbrella_Envelope_set_trunks_tag, urls));

  ProtoWriter joined;
  ProtoWriter participant;
  participant.bytes(umbrella_Participant_participant_id_tag, "p");
  for (int i = 0; i < 33; ++i) joined.message(umbrella_Joined_participants_tag, participant.str());
  CHECK(refused(umbrella_Envelope_joined_tag, joined));

  ProtoWriter error;
  error.bytes(umbrella_Error_message_tag, std::string(300, 'e'));
  CHECK(refused(umbrella_Envelope_error_tag, error));
}

TEST_CASE("signal: garbage is refused, unknown fields are skipped") {
  auto env = envelope();
  const std::vector<std::vector<uint8_t>> bad = {
      {0x0a},                    // tag with no length
      {0x0a, 0x05, 0x0a},        // length past the end
      {0x0a, 0x80},              // truncated varint length
      {0x0b},                    // wire type 3 (start group)
      {0x0a, 0x02, 0x0a, 0x7f},  // nested string longer than its message
      {0x28, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},  // varint > 10 bytes
      {0x00},                    // field number 0
      // Enum values outside their enum (loading them would be undefined behaviour):
      {0x0a, 0x03, 0x18, 0xfa, 0x01},        // Join.role 250
      {0x0a, 0x02, 0x18, 0x03},              // Join.role 3
      {0x22, 0x02, 0x08, 0x02},              // SessionDescription.type 2
      {0x22, 0x0b, 0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01},  // type -1
      {0x72, 0x04, 0x0a, 0x02, 0x10, 0x07},  // TrackAdded.track.kind 7
      {0x82, 0x01, 0x02, 0x08, 0x09},        // Error.code 9
      {0xb2, 0x01, 0x04, 0x0a, 0x02, 0x10, 0x04},  // Trunks.trunks[0].state 4
  };
  for (const auto& b : bad) {
    INFO("frame size " << b.size());
    CHECK_FALSE(decode(b, *env).ok());
  }
  // The largest value of each is fine.
  const std::vector<uint8_t> trunk_join = {0x0a, 0x02, 0x18, 0x02};
  REQUIRE(decode(trunk_join, *env).ok());
  CHECK(env->body.join.role == umbrella_Role_ROLE_TRUNK);
  // Field 99 (unknown, varint) then a Ping: proto3 readers skip what they do not know.
  const std::vector<uint8_t> unknown = {0x98, 0x06, 0x01, 0x2a, 0x02, 0x08, 0x05};
  REQUIRE(decode(unknown, *env).ok());
  CHECK(env->which_body == umbrella_Envelope_ping_tag);
  CHECK(env->body.ping.nonce == 5);

  // Empty frame: valid protobuf, but no body.
  REQUIRE(decode(Bytes{}, *env).ok());
  CHECK(env->which_body == 0);
  CHECK(std::string(body_name(*env)) == "none");
}

TEST_CASE("signal: encode refuses a buffer that is too small and an empty body") {
  auto env = envelope();
  make_error(*env, umbrella_Error_Code_CODE_INTERNAL, "boom");
  std::vector<uint8_t> small(4);
  CHECK(encode(*env, small) == 0);
  std::vector<uint8_t> big(64);
  CHECK(encode(*env, big) > 0);
  reset(*env, 0);
  CHECK(encode(*env, big) == 0);
}

TEST_CASE("signal: corpus frames written by python3-protobuf decode as expected") {
  namespace fs = std::filesystem;
  auto env = envelope();
  size_t valid = 0, broken = 0;
  const std::vector<std::string> must_fail = {"broken_truncated_offer", "broken_bad_wire_type",
                                              "broken_length_past_end", "broken_varint_too_long",
                                              "broken_room_too_long", "broken_too_many_paths",
                                              "broken_too_many_participants", "broken_sdp_not_string",
                                              "broken_sdp_too_large"};
  for (const auto& entry : fs::directory_iterator(fs::path(FUZZ_CORPUS_DIR) / "signal")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::string name = entry.path().stem().string();
    INFO(name);
    bool ok = decode(data, *env).ok();
    if (name.rfind("valid_", 0) == 0) {
      CHECK(ok);
      CHECK(env->which_body != 0);
      ++valid;
    } else if (std::find(must_fail.begin(), must_fail.end(), name) != must_fail.end()) {
      CHECK_FALSE(ok);
      ++broken;
    }
  }
  CHECK(valid >= 16);
  CHECK(broken == must_fail.size());
}
