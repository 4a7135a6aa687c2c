#include "signal/status_prometheus.hpp"

#include <map>

namespace umbrella::signal {
namespace {

// Keys of the counters map that are levels, not running totals.
constexpr std::string_view kGaugeCounters[] = {"http.connections",     "record.active",
                                               "bwe.paused_subscribers", "media.load_level",
                                               "trunk.direct_connected", "trunk.direct_tracks"};
// Percentiles of forward_delays, which is exported whole instead.
constexpr std::string_view kForwardDelayPrefix = "media.forward_delay_";

// Metric names are [a-zA-Z_:][a-zA-Z0-9_:]*; ':' is kept for recording rules, so '_' here.
std::string metric_name(std::string_view key) {
  std::string out = "umbrella_";
  for (char c : key) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += ok ? c : '_';
  }
  return out;
}

// A label value in double quotes: backslash, quote and newline escaped, as the format wants.
std::string label(std::string_view name, std::string_view value) {
  std::string out(name);
  out += "=\"";
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  out += '"';
  return out;
}

// Microseconds as decimal seconds, exactly ("0.000016", "1.5", "2").
std::string seconds(uint64_t us) {
  std::string out = std::to_string(us / 1000000);
  uint64_t frac = us % 1000000;
  if (frac == 0) return out;
  std::string digits = std::to_string(frac);
  digits.insert(0, 6 - digits.size(), '0');
  digits.erase(digits.find_last_not_of('0') + 1);
  return out + "." + digits;
}

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  // # HELP and # TYPE once per family, then its samples.
  void family(std::string_view name, std::string_view type, std::string_view help) {
    out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
  }
  void sample(std::string_view name, std::string_view labels, std::string_view value) {
    out_.append(name);
    if (!labels.empty()) out_.append("{").append(labels).append("}");
    out_.append(" ").append(value).append("\n");
  }
  void sample(std::string_view name, std::string_view labels, uint64_t value) {
    sample(name, labels, std::to_string(value));
  }
  void single(std::string_view name, std::string_view type, std::string_view help, uint64_t value) {
    family(name, type, help);
    sample(name, "", value);
  }

 private:
  std::string& out_;
};

struct TrunkFigures {
  bool has_state = false;
  umbrella_TrunkState_State state = umbrella_TrunkState_State_STATE_IDLE;
  uint64_t receive_bps = 0, send_bps = 0;
  uint64_t receive_tracks = 0, send_tracks = 0;  // crossing now (pull)
};

void write_trunks(Writer& w, const StatusSnapshot& s) {
  // By far site id; a dialled trunk not joined yet has none and is named by its URL.
  std::map<std::string, TrunkFigures> trunks;
  for (const auto& t : s.trunks) {
    auto& f = trunks[t.peer_site_id.empty() ? t.url : t.peer_site_id];
    if (f.has_state) continue;  // the same URL twice: the first one's state
    f.has_state = true;
    f.state = t.state;
  }
  for (const auto& c : s.clients) {
    if (c.trunk_site.empty()) continue;
    auto& f = trunks[c.trunk_site];
    if (!f.has_state) {  // a trunk the far SFU dialled: it is here, so it is connected
      f.has_state = true;
      f.state = umbrella_TrunkState_State_STATE_CONNECTED;
    }
    for (const auto& t : c.published) {
      f.receive_bps += t.bitrate_bps;
      f.receive_tracks += t.pulled;
    }
    for (const auto& t : c.forwarded) f.send_bps += t.bitrate_bps;
    f.send_tracks += c.forwarded.size();
  }
  if (trunks.empty()) return;
  constexpr umbrella_TrunkState_State kStates[] = {umbrella_TrunkState_State_STATE_IDLE, umbrella_TrunkState_State_STATE_CONNECTING,
                                           umbrella_TrunkState_State_STATE_CONNECTED,
                                           umbrella_TrunkState_State_STATE_RETRYING};
  w.family("umbrella_trunk_state", "gauge", "1 for the state each trunk to another SFU is in, else 0");
  for (const auto& [name, f] : trunks)
    for (auto st : kStates)
      w.sample("umbrella_trunk_state", label("trunk", name) + "," + label("state", status::json_name(st)),
               f.state == st ? 1 : 0);
  w.family("umbrella_trunk_receive_bits_per_second", "gauge", "media bitrate the trunk brings in from the far SFU");
  for (const auto& [name, f] : trunks) w.sample("umbrella_trunk_receive_bits_per_second", label("trunk", name), f.receive_bps);
  w.family("umbrella_trunk_send_bits_per_second", "gauge", "media bitrate sent to the far SFU over the trunk");
  for (const auto& [name, f] : trunks) w.sample("umbrella_trunk_send_bits_per_second", label("trunk", name), f.send_bps);
  w.family("umbrella_trunk_tracks", "gauge", "tracks crossing the trunk now, by direction (only what the far side pulls)");
  for (const auto& [name, f] : trunks)
    for (bool in : {true, false})
      w.sample("umbrella_trunk_tracks", label("trunk", name) + "," + label("direction", in ? "receive" : "send"),
               in ? f.receive_tracks : f.send_tracks);
}

// Bucket bounds at powers of two microseconds (16 us .. about 1 s): each is a boundary of
// DelayHistogram's buckets, so every cumulative count is exact, not interpolated.
void write_forward_delays(Writer& w, const DelayHistogram& h) {
  constexpr std::string_view name = "umbrella_forward_delay_seconds";
  w.family(name, "histogram",
           "time a forwarded packet spent in the SFU, from the kernel's receive timestamp to the send call");
  std::string bucket = std::string(name) + "_bucket";
  for (uint64_t bound = 16; bound <= (uint64_t(1) << 20); bound *= 2)
    w.sample(bucket, label("le", seconds(bound)), h.count_below(bound));
  w.sample(bucket, label("le", "+Inf"), h.count());
  w.sample(std::string(name) + "_sum", "", seconds(h.sum_us()));
  w.sample(std::string(name) + "_count", "", h.count());
}

}  // namespace

std::string to_prometheus(const StatusSnapshot& s, const DelayHistogram& forward_delays) {
  std::string out;
  out.reserve(8192);
  Writer w(out);
  w.family("umbrella_info", "gauge", "always 1; the labels name this SFU and its version");
  w.sample("umbrella_info", label("site", s.site_id) + "," + label("version", s.version), 1);
  w.family("umbrella_uptime_seconds", "gauge", "time since the server started");
  w.sample("umbrella_uptime_seconds", "", seconds(s.uptime_ms * 1000));
  w.single("umbrella_resident_memory_bytes", "gauge", "resident set size of the process", s.rss_bytes);
  w.single("umbrella_rooms", "gauge", "rooms with someone in them", s.rooms);
  w.single("umbrella_participants", "gauge", "participants joined, trunks to other SFUs included", s.participants);
  w.single("umbrella_tracks", "gauge", "published tracks being forwarded", s.tracks);
  w.single("umbrella_packet_pool_buffers_in_use", "gauge",
           "packet buffers held now (received, queued to send, cached for retransmission)", s.pool_in_use);
  w.single("umbrella_packet_pool_buffers", "gauge", "size of the packet buffer pool", s.pool_slots);

  // Bitrates of the tracks live now, summed (per track they would be a label per client).
  uint64_t receive_bps = 0, send_bps = 0, subscriptions = 0;
  for (const auto& c : s.clients) {
    for (const auto& t : c.published) receive_bps += t.bitrate_bps;
    for (const auto& t : c.forwarded) send_bps += t.bitrate_bps;
    subscriptions += c.forwarded.size();
  }
  w.single("umbrella_subscriptions", "gauge", "tracks being forwarded to a subscriber (one per track and subscriber)",
           subscriptions);
  w.single("umbrella_receive_bits_per_second", "gauge", "media bitrate received on published tracks", receive_bps);
  w.single("umbrella_send_bits_per_second", "gauge", "media bitrate forwarded to subscribers", send_bps);

  for (const auto& [key, value] : s.counters) {
    if (key.starts_with(kForwardDelayPrefix)) continue;
    bool gauge = false;
    for (auto g : kGaugeCounters) gauge = gauge || key == g;
    std::string name = metric_name(key) + (gauge ? "" : "_total");
    std::string help = "the status counter " + key + (gauge ? " (a level)" : " since the server started");
    w.single(name, gauge ? "gauge" : "counter", help, value);
  }
  write_forward_delays(w, forward_delays);
  write_trunks(w, s);
  return out;
}

}  // namespace umbrella::signal
