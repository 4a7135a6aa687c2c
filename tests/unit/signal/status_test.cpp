#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "signal/status.hpp"

using namespace umbrella::signal;

namespace {

// Test-only protobuf reader: field number -> list of raw values (varints as numbers,
// length-delimited as strings). Enough to check what to_protobuf wrote.
struct Fields {
  std::map<uint32_t, std::vector<uint64_t>> ints;
  std::map<uint32_t, std::vector<std::string>> strs;
  bool ok = true;
};

bool read_varint(const std::string& s, size_t& i, uint64_t& v) {
  v = 0;
  for (int shift = 0; shift < 64 && i < s.size(); shift += 7) {
    uint8_t b = static_cast<uint8_t>(s[i++]);
    v |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

Fields parse(const std::string& s) {
  Fields f;
  size_t i = 0;
  while (i < s.size()) {
    uint64_t key = 0, v = 0;
    if (!read_varint(s, i, key) || !read_varint(s, i, v)) return f.ok = false, f;
    uint32_t field = uint32_t(key >> 3);
    if ((key & 7) == 0) {
      f.ints[field].push_back(v);
    } else if ((key & 7) == 2 && v <= s.size() - i) {
      f.strs[field].push_back(s.substr(i, v));
      i += v;
    } else {
      return f.ok = false, f;
    }
  }
  return f;
}

StatusSnapshot sample() {
  StatusSnapshot s;
  s.site_id = "site-a";
  s.version = "0.1.0";
  s.uptime_ms = 123456;
  s.rss_bytes = 50u << 20;
  ClientSnapshot c;
  c.participant_id = "p1";
  c.display_name = "Ann \"the\" <admin>\n";
  c.room = "lobby";
  c.address = "192.0.2.1:5000";
  c.ice_state = "connected";
  c.dtls_state = "connected";
  c.published.push_back({"t1", umbrella_MediaKind_MEDIA_KIND_AUDIO, 1111, 100, 16000, 2, 0, 0, 32000, false});
  c.forwarded.push_back({"t2", umbrella_MediaKind_MEDIA_KIND_VIDEO, 2222, 900, 900000, 5, 3, 1, 1500000, false});
  s.clients.push_back(c);
  s.trunks.push_back({"wss://b/wsb", umbrella_TrunkState_State_STATE_CONNECTED, "", "site-b"});
  s.counters["rtp_in"] = 1000;
  s.counters["zero"] = 0;
  return s;
}

}  // namespace

TEST_CASE("status: JSON string escaping") {
  auto j = [](std::string_view s) {
    std::string out;
    append_json_string(out, s);
    return out;
  };
  CHECK(j("plain") == "\"plain\"");
  CHECK(j("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(j("\n\r\t\b\f") == "\"\\n\\r\\t\\b\\f\"");
  CHECK(j(std::string_view("\x01\x1f\x7f", 3)) == "\"\\u0001\\u001f\\u007f\"");
  CHECK(j(std::string_view("\0", 1)) == "\"\\u0000\"");
  CHECK(j("Zoë 日本 😀") == "\"Zoë 日本 😀\"");             // valid UTF-8 passes through
  CHECK(j("a\xff" "b") == "\"a\\ufffdb\"");                 // invalid byte
  CHECK(j("\xc3") == "\"\\ufffd\"");                         // truncated sequence
  CHECK(j("\xc0\xaf") == "\"\\ufffd\\ufffd\"");              // overlong '/'
  CHECK(j("\xed\xa0\x80") == "\"\\ufffd\\ufffd\\ufffd\"");   // UTF-16 surrogate
  CHECK(j("</script>") == "\"</script>\"");
}

// The whole document, so any change of name, order or shape of status.json shows here (the
// web app, the integration tests and tools/bench read it).
TEST_CASE("status: to_json writes every field, in .proto order") {
  CHECK(to_json(sample()) ==
        "{\"site_id\":\"site-a\",\"version\":\"0.1.0\",\"uptime_ms\":123456,\"rss_bytes\":52428800,"
        "\"clients\":[{\"participant_id\":\"p1\",\"display_name\":\"Ann \\\"the\\\" <admin>\\n\",\"room\":\"lobby\","
        "\"address\":\"192.0.2.1:5000\",\"ice_state\":\"connected\",\"dtls_state\":\"connected\","
        "\"published\":[{\"track_id\":\"t1\",\"kind\":\"audio\",\"ssrc\":1111,\"packets\":100,\"bytes\":16000,"
        "\"packets_lost\":2,\"nacks\":0,\"plis\":0,\"bitrate_bps\":32000,\"pulled\":false,\"layer\":0,\"layers\":0,\"layer_reason\":\"\",\"layer_switches\":0,\"temporal_layer\":0,\"temporal_layers\":0}],"
        "\"forwarded\":[{\"track_id\":\"t2\",\"kind\":\"video\",\"ssrc\":2222,\"packets\":900,\"bytes\":900000,"
        "\"packets_lost\":5,\"nacks\":3,\"plis\":1,\"bitrate_bps\":1500000,\"pulled\":false,\"layer\":0,\"layers\":0,\"layer_reason\":\"\",\"layer_switches\":0,\"temporal_layer\":0,\"temporal_layers\":0}],\"trunk_site\":\"\","
        "\"bandwidth_estimate_bps\":0,\"video_paused\":false,\"bytes_received\":0,\"bytes_sent\":0}],"
        "\"trunks\":[{\"url\":\"wss://b/wsb\",\"state\":\"connected\",\"last_error\":\"\",\"peer_site_id\":\"site-b\"}],"
        "\"counters\":{\"rtp_in\":1000,\"zero\":0},\"rooms\":0,\"participants\":0,\"tracks\":0,\"detail\":false,"
        "\"pool_in_use\":0,\"pool_slots\":0,\"recordings\":[],\"recording_available\":false,\"direct_bridges\":[]}");

  StatusSnapshot empty;
  CHECK(to_json(empty) ==
        "{\"site_id\":\"\",\"version\":\"\",\"uptime_ms\":0,\"rss_bytes\":0,\"clients\":[],\"trunks\":[],"
        "\"counters\":{},\"rooms\":0,\"participants\":0,\"tracks\":0,\"detail\":false,"
        "\"pool_in_use\":0,\"pool_slots\":0,\"recordings\":[],\"recording_available\":false,\"direct_bridges\":[]}");
}

TEST_CASE("status: enums by their short lower-case name") {
  StatusSnapshot s;
  s.trunks.push_back({"u", umbrella_TrunkState_State_STATE_RETRYING, "refused", ""});
  ClientSnapshot c;
  c.forwarded.push_back({"t", umbrella_MediaKind_MEDIA_KIND_UNSPECIFIED, 0, 0, 0, 0, 0, 0, 0, false});
  s.clients.push_back(c);
  std::string json = to_json(s);
  CHECK(json.find("\"state\":\"retrying\"") != std::string::npos);
  CHECK(json.find("\"kind\":\"unspecified\"") != std::string::npos);
  CHECK(json.find("\"published\":[],\"forwarded\":[{") != std::string::npos);
}

TEST_CASE("status: protobuf decodes back") {
  auto s = sample();
  Fields top = parse(to_protobuf(s));
  REQUIRE(top.ok);
  CHECK(top.strs[umbrella_Status_site_id_tag] == std::vector<std::string>{"site-a"});
  CHECK(top.strs[umbrella_Status_version_tag] == std::vector<std::string>{"0.1.0"});
  CHECK(top.ints[umbrella_Status_uptime_ms_tag] == std::vector<uint64_t>{123456});
  CHECK(top.ints[umbrella_Status_rss_bytes_tag] == std::vector<uint64_t>{50u << 20});
  REQUIRE(top.strs[umbrella_Status_clients_tag].size() == 1);
  REQUIRE(top.strs[umbrella_Status_trunks_tag].size() == 1);
  REQUIRE(top.strs[umbrella_Status_counters_tag].size() == 2);

  Fields client = parse(top.strs[umbrella_Status_clients_tag][0]);
  REQUIRE(client.ok);
  CHECK(client.strs[umbrella_ClientStatus_display_name_tag][0] == s.clients[0].display_name);
  CHECK(client.strs[umbrella_ClientStatus_address_tag][0] == "192.0.2.1:5000");
  REQUIRE(client.strs[umbrella_ClientStatus_forwarded_tag].size() == 1);
  Fields fwd = parse(client.strs[umbrella_ClientStatus_forwarded_tag][0]);
  CHECK(fwd.strs[umbrella_TrackCounters_track_id_tag][0] == "t2");
  CHECK(fwd.ints[umbrella_TrackCounters_kind_tag][0] == umbrella_MediaKind_MEDIA_KIND_VIDEO);
  CHECK(fwd.ints[umbrella_TrackCounters_ssrc_tag][0] == 2222);
  CHECK(fwd.ints[umbrella_TrackCounters_nacks_tag][0] == 3);
  CHECK(fwd.ints[umbrella_TrackCounters_bitrate_bps_tag][0] == 1500000);

  REQUIRE(client.strs[umbrella_ClientStatus_published_tag].size() == 1);
  Fields pub = parse(client.strs[umbrella_ClientStatus_published_tag][0]);
  CHECK(pub.strs[umbrella_TrackCounters_track_id_tag] == std::vector<std::string>{"t1"});
  CHECK(pub.ints[umbrella_TrackCounters_kind_tag] == std::vector<uint64_t>{umbrella_MediaKind_MEDIA_KIND_AUDIO});
  CHECK(pub.ints[umbrella_TrackCounters_ssrc_tag] == std::vector<uint64_t>{1111});
  CHECK(pub.ints[umbrella_TrackCounters_packets_tag] == std::vector<uint64_t>{100});
  CHECK(pub.ints[umbrella_TrackCounters_bytes_tag] == std::vector<uint64_t>{16000});
  CHECK(pub.ints[umbrella_TrackCounters_packets_lost_tag] == std::vector<uint64_t>{2});
  CHECK(pub.ints.count(umbrella_TrackCounters_nacks_tag) == 0);  // zero: left out, as proto3 does
  CHECK(pub.ints[umbrella_TrackCounters_bitrate_bps_tag] == std::vector<uint64_t>{32000});

  Fields trunk = parse(top.strs[umbrella_Status_trunks_tag][0]);
  CHECK(trunk.ints[umbrella_TrunkState_state_tag][0] == umbrella_TrunkState_State_STATE_CONNECTED);
  CHECK(trunk.strs[umbrella_TrunkState_peer_site_id_tag][0] == "site-b");
  CHECK(trunk.strs.count(umbrella_TrunkState_last_error_tag) == 0);  // empty string: left out

  Fields zero = parse(top.strs[umbrella_Status_counters_tag][1]);
  CHECK(zero.strs[umbrella_Status_CountersEntry_key_tag][0] == "zero");
  CHECK(zero.ints[umbrella_Status_CountersEntry_value_tag] == std::vector<uint64_t>{0});

  CHECK(to_protobuf(StatusSnapshot{}).empty());
}
