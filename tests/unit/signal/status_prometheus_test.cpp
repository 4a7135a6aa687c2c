#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "signal/status_prometheus.hpp"

using namespace umbrella;
using namespace umbrella::signal;

namespace {

// Test-only reader of the exposition text: "# TYPE name type" lines and "series value"
// samples (the series with its labels as written). The integration test parses the same
// output with prometheus_client's parser.
struct Exposition {
  std::map<std::string, std::string> types;
  std::map<std::string, std::string> help;
  std::vector<std::pair<std::string, std::string>> samples;

  std::string value(const std::string& series) const {
    for (auto& [k, v] : samples)
      if (k == series) return v;
    return "(absent)";
  }
};

Exposition parse(const std::string& text) {
  Exposition e;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    REQUIRE(end != std::string::npos);  // every line ends with a newline
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind("# TYPE ", 0) == 0) {
      auto sp = line.find(' ', 7);
      e.types[line.substr(7, sp - 7)] = line.substr(sp + 1);
    } else if (line.rfind("# HELP ", 0) == 0) {
      auto sp = line.find(' ', 7);
      e.help[line.substr(7, sp - 7)] = line.substr(sp + 1);
    } else {
      auto sp = line.rfind(' ');
      REQUIRE(sp != std::string::npos);
      e.samples.emplace_back(line.substr(0, sp), line.substr(sp + 1));
    }
  }
  return e;
}

StatusSnapshot sample() {
  StatusSnapshot s;
  s.site_id = "site \"a\"\\\n";
  s.version = "0.1.0";
  s.uptime_ms = 123456;
  s.rss_bytes = 50u << 20;
  s.rooms = 1;
  s.participants = 2;
  s.tracks = 1;
  s.pool_in_use = 40;
  s.pool_slots = 8192;
  ClientSnapshot c;
  c.participant_id = "p1";
  c.address = "192.0.2.1:5000";
  c.published.push_back({"t1", umbrella_MediaKind_MEDIA_KIND_AUDIO, 1111, 100, 16000, 2, 0, 0, 32000, false});
  c.forwarded.push_back({"t2", umbrella_MediaKind_MEDIA_KIND_VIDEO, 2222, 900, 900000, 5, 3, 1, 1500000, false});
  s.clients.push_back(c);
  ClientSnapshot trunk;
  trunk.participant_id = "trunk-site-c";
  trunk.trunk_site = "site-c";
  trunk.published.push_back({"t3", umbrella_MediaKind_MEDIA_KIND_VIDEO, 3333, 10, 1000, 0, 0, 0, 700000, true});
  trunk.published.push_back({"t4", umbrella_MediaKind_MEDIA_KIND_AUDIO, 4444, 0, 0, 0, 0, 0, 0, false});  // not pulled
  s.clients.push_back(trunk);
  s.trunks.push_back({"wss://b/wsb", umbrella_TrunkState_State_STATE_CONNECTED, "", "site-b"});
  s.trunks.push_back({"wss://d/wsb", umbrella_TrunkState_State_STATE_RETRYING, "refused", ""});
  s.counters["media.bytes_forwarded"] = 900000;
  s.counters["signal.unauthorized"] = 0;
  s.counters["http.connections"] = 3;
  s.counters["odd-area.odd name"] = 7;
  s.counters["media.forward_delay_p50_us"] = 40;
  return s;
}

}  // namespace

TEST_CASE("prometheus: counters end in _total, levels are gauges, names sanitized") {
  DelayHistogram none;
  auto e = parse(to_prometheus(sample(), none));
  CHECK(e.types["umbrella_media_bytes_forwarded_total"] == "counter");
  CHECK(e.value("umbrella_media_bytes_forwarded_total") == "900000");
  CHECK(e.value("umbrella_signal_unauthorized_total") == "0");
  CHECK(e.types["umbrella_http_connections"] == "gauge");
  CHECK(e.value("umbrella_http_connections") == "3");
  CHECK(e.value("umbrella_odd_area_odd_name_total") == "7");
  // The percentiles are not exported: the histogram they come from is.
  CHECK(e.value("umbrella_media_forward_delay_p50_us_total") == "(absent)");
  CHECK(e.types["umbrella_participants"] == "gauge");
  CHECK(e.value("umbrella_participants") == "2");
  CHECK(e.value("umbrella_rooms") == "1");
  CHECK(e.value("umbrella_tracks") == "1");
  CHECK(e.value("umbrella_uptime_seconds") == "123.456");
  CHECK(e.value("umbrella_resident_memory_bytes") == std::to_string(50u << 20));
  CHECK(e.value("umbrella_packet_pool_buffers_in_use") == "40");
  CHECK(e.value("umbrella_packet_pool_buffers") == "8192");
  CHECK(e.value("umbrella_subscriptions") == "1");
  CHECK(e.value("umbrella_receive_bits_per_second") == "732000");  // both publishers, the trunk's too
  CHECK(e.value("umbrella_send_bits_per_second") == "1500000");
  // Every family has HELP and TYPE.
  for (auto& [name, type] : e.types) CHECK_MESSAGE(e.help.count(name) == 1, name);
}

TEST_CASE("prometheus: label values escaped; nothing per client") {
  DelayHistogram none;
  std::string text = to_prometheus(sample(), none);
  auto e = parse(text);
  CHECK(e.value(R"(umbrella_info{site="site \"a\"\\\n",version="0.1.0"})") == "1");
  CHECK(text.find("192.0.2.1") == std::string::npos);
  CHECK(text.find("p1") == std::string::npos);
}

TEST_CASE("prometheus: trunks by far site id, or URL before it joins; state as a set") {
  DelayHistogram none;
  auto e = parse(to_prometheus(sample(), none));
  CHECK(e.value(R"(umbrella_trunk_state{trunk="site-b",state="connected"})") == "1");
  CHECK(e.value(R"(umbrella_trunk_state{trunk="site-b",state="retrying"})") == "0");
  CHECK(e.value(R"(umbrella_trunk_state{trunk="wss://d/wsb",state="retrying"})") == "1");
  CHECK(e.value(R"(umbrella_trunk_state{trunk="wss://d/wsb",state="idle"})") == "0");
  // Accepted from site-c: present, so connected, with its bitrate.
  CHECK(e.value(R"(umbrella_trunk_state{trunk="site-c",state="connected"})") == "1");
  CHECK(e.value(R"(umbrella_trunk_receive_bits_per_second{trunk="site-c"})") == "700000");
  CHECK(e.value(R"(umbrella_trunk_send_bits_per_second{trunk="site-c"})") == "0");
  // Pull: of the two tracks site-c announced only the pulled one crosses; nothing goes to it.
  CHECK(e.value(R"(umbrella_trunk_tracks{trunk="site-c",direction="receive"})") == "1");
  CHECK(e.value(R"(umbrella_trunk_tracks{trunk="site-c",direction="send"})") == "0");
  CHECK(e.types["umbrella_trunk_state"] == "gauge");
}

TEST_CASE("prometheus: no trunk series without trunks") {
  StatusSnapshot s;
  DelayHistogram none;
  std::string text = to_prometheus(s, none);
  CHECK(text.find("umbrella_trunk") == std::string::npos);
}

TEST_CASE("prometheus: forward delays as a cumulative histogram in seconds") {
  DelayHistogram h;
  for (uint64_t us : {10, 20, 20, 100, 5000, 3000000}) h.add(us);
  auto e = parse(to_prometheus(StatusSnapshot{}, h));
  CHECK(e.types["umbrella_forward_delay_seconds"] == "histogram");
  const std::string b = "umbrella_forward_delay_seconds_bucket";
  CHECK(e.value(b + R"({le="0.000016"})") == "1");
  CHECK(e.value(b + R"({le="0.000032"})") == "3");
  CHECK(e.value(b + R"({le="0.000128"})") == "4");
  CHECK(e.value(b + R"({le="0.008192"})") == "5");
  CHECK(e.value(b + R"({le="1.048576"})") == "5");
  CHECK(e.value(b + R"({le="+Inf"})") == "6");
  CHECK(e.value("umbrella_forward_delay_seconds_count") == "6");
  CHECK(e.value("umbrella_forward_delay_seconds_sum") == "3.00515");
  // Cumulative: never decreasing, from the first bucket to +Inf.
  uint64_t last = 0;
  size_t buckets = 0;
  for (auto& [series, value] : e.samples) {
    if (series.rfind(b, 0) != 0) continue;
    uint64_t v = std::stoull(value);
    CHECK(v >= last);
    last = v;
    ++buckets;
  }
  CHECK(buckets == 18);  // 16 us .. 2^20 us, and +Inf
  CHECK(e.samples.back().first.rfind("umbrella_forward_delay_seconds_count", 0) == 0);  // no trunks after it
}
