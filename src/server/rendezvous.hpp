// The rendezvous (#18): an SFU that sites trunk to introduces two of them when they share a
// room, so they can connect directly, and relays their set-up messages (SiteSignal) between
// them. Sans-IO: trunks that passed the handshake, the rooms each one's own people are in,
// and the sites' signals go in; the messages to send (by trunk key) come out of take(). It
// never looks inside a payload. Refusals are counted, never fatal to the trunk.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "server/address_rate.hpp"

namespace umbrella::server {

struct RendezvousLimits {
  size_t max_payload = 1024;        // as umbrella.options bounds SiteSignal.payload
  double signals_per_second = 10;   // per sending site; a set-up takes a handful
  double signal_burst = 20;
  size_t max_sites = 64;            // sites introduced at once; more are not introduced
};

struct RendezvousCounters {
  uint64_t introductions = 0;        // SiteIntroduction sent (each pair counts twice: one per side)
  uint64_t endings = 0;              // SiteIntroduction with ended sent
  uint64_t signals_relayed = 0;
  uint64_t refused_not_introduced = 0;  // to a site unknown, itself, or not introduced to the sender
  uint64_t refused_unauthenticated = 0; // from a trunk that has not passed the handshake
  uint64_t refused_too_large = 0;
  uint64_t refused_rate = 0;
  uint64_t refused_sites = 0;        // a site over max_sites, or its name here twice: not introduced
};

// One message for the trunk `to`.
struct RendezvousMessage {
  enum class Kind { kIntroduce, kEnd, kSignal };
  uint64_t to = 0;
  Kind kind = Kind::kIntroduce;
  std::string site;              // kIntroduce/kEnd: the peer; kSignal: the sender
  bool controlling = false;      // kIntroduce: the receiver's role (its site id sorts first)
  std::vector<uint8_t> payload;  // kSignal
};

class Rendezvous {
 public:
  explicit Rendezvous(RendezvousLimits limits = {}) : limits_(limits) {}

  // A trunk passed the handshake with far site `site`. False (and counted in refused_sites):
  // over max_sites, or a site of that name is here already (the hub keeps one link per site).
  bool site_joined(uint64_t key, const std::string& site);
  // It left (closed): its introductions end.
  void site_left(uint64_t key);
  // The rooms where the site's own people are now (the whole set).
  void set_rooms(uint64_t key, std::set<std::string> rooms);
  // A SiteSignal from trunk `from` for `to_site`: relayed, or refused and counted (false).
  bool on_signal(uint64_t from, std::string_view to_site, Bytes payload, Instant now);

  // The messages to send since the last call, in order.
  std::vector<RendezvousMessage> take() { return std::exchange(out_, {}); }
  const RendezvousCounters& counters() const { return counters_; }
  size_t introduced_pairs() const { return pairs_.size(); }
  bool knows(uint64_t key) const { return sites_.count(key) > 0; }

 private:
  struct Site {
    std::string id;
    std::set<std::string> rooms;
    TokenBucket signals;
  };
  using Pair = std::pair<std::string, std::string>;  // site ids, the smaller first
  static Pair pair_of(const std::string& a, const std::string& b) { return a < b ? Pair{a, b} : Pair{b, a}; }
  const Site* site_named(std::string_view id, uint64_t* key = nullptr) const;
  bool share_room(const Site& a, const Site& b) const;
  // Introduces the pairs that share a room now and ends those that no longer do.
  void update();
  void tell(const Pair& pair, RendezvousMessage::Kind kind);

  RendezvousLimits limits_;
  std::map<uint64_t, Site> sites_;
  std::set<Pair> pairs_;
  std::vector<RendezvousMessage> out_;
  RendezvousCounters counters_;
};

}  // namespace umbrella::server
