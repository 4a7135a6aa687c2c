// Which way the tracks of a directly bridged site come in (#18), sans-IO. Two sites that a
// rendezvous introduced see each other's tracks twice: through the cloud trunk, and over the
// direct bridge once it carries a trunk. The rule "first arrival wins" becomes a preference:
// while the bridge is up (and has stayed up for `settle`), a track whose origin is the peer
// site is pulled over the direct trunk and left out of the wants toward the cloud, so the
// cloud stops forwarding it; its cloud announcement stays as the standby copy. When the bridge
// fails or its consent lapses, the wants flip back to the cloud at once; moving back waits for
// a hold-down that doubles while the bridge keeps flapping (a direct period shorter than
// `stable_after`) and resets once it held. Each move is reported once (take_move()), so the
// owner re-points the peer's streams once (TrunkHub::direct_path) and the call sees no more
// than a keyframe.
#pragma once

#include <cstdint>
#include <optional>
#include <utility>

#include "core/time.hpp"

namespace umbrella::server {

struct DirectPathConfig {
  Duration settle = seconds(1);          // the bridge up this long before media moves onto it
  Duration hold_down_first = seconds(5);  // after a fallback, the earliest move back
  Duration hold_down_max = seconds(60);
  Duration stable_after = seconds(30);   // a direct period this long resets the hold-down
};

struct DirectPathCounters {
  uint64_t to_direct = 0, to_cloud = 0;  // moves of the peer's tracks
};

class DirectPath {
 public:
  enum class Path { kCloud, kDirect };

  explicit DirectPath(DirectPathConfig config = {}) : config_(config), hold_down_(config.hold_down_first) {}

  // The bridge's transport connected (DTLS up, the direct trunk usable) or went down.
  void bridge_up(Instant now);
  void bridge_down(Instant now);
  Instant next_deadline() const;
  void on_timeout(Instant now);

  Path path() const { return path_; }
  static const char* path_name(Path p) { return p == Path::kDirect ? "direct" : "cloud"; }
  // The path the peer's tracks moved to since the last call, once per move.
  std::optional<Path> take_move() { return std::exchange(moved_, std::nullopt); }
  Duration hold_down() const { return hold_down_; }
  const DirectPathCounters& counters() const { return counters_; }

 private:
  void move(Path to, Instant now);

  DirectPathConfig config_;
  Path path_ = Path::kCloud;
  bool up_ = false;
  Instant eligible_at_ = kNever;  // while up and on the cloud: when media may move direct
  Instant direct_since_{};
  Instant fell_back_at_{};
  bool fell_back_ = false;
  Duration hold_down_;
  std::optional<Path> moved_;
  DirectPathCounters counters_;
};

}  // namespace umbrella::server
