// A site's direct bridges (#18): for each site a rendezvous introduced over a trunk we dialled,
// one DirectBridge (the sans-IO core) on a UDP socket of its own, so its server-reflexive
// address is the mapping of exactly that socket. Setups go to the peer as SiteSignal over the
// trunk to the rendezvous; what comes back is parsed here (refused and counted when it does not
// parse, or is from a site not introduced). Each connected bridge carries a trunk
// (direct_trunk.hpp), and its DirectPath says which way the peer's tracks come in: the host is
// told at each move (and it is logged).
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/event_loop.hpp"
#include "core/packet_pool.hpp"
#include "core/udp_socket.hpp"
#include "server/direct_bridge.hpp"
#include "server/direct_path.hpp"
#include "server/direct_trunk.hpp"
#include "signal/status.hpp"
#include "umbrella.pb.h"

namespace umbrella::server {

struct DirectCounters {
  uint64_t introductions = 0;      // SiteIntroduction taken (bridges started)
  uint64_t refused = 0;            // introductions over the bound or unusable, signals not introduced or malformed
  uint64_t setups_sent = 0, setups_received = 0;
  uint64_t retries = 0;            // fresh sessions after a bridge failed
  uint64_t connected = 0;          // bridges whose DTLS is connected now
  uint64_t bytes_received = 0, bytes_sent = 0;  // on every bridge's socket, as on the wire
  DirectTrunkCounters trunks;      // the trunks over them
};

class DirectBridges {
 public:
  static constexpr size_t kMaxBridges = 16;
  // A NAT opener's hop limit: past this site's own router (often the SFU's own host, an access
  // point) and the next, short of the far site's NAT.
  static constexpr int kOpenerHops = 2;
  // How long an introduction waits for the trunk's transport (whose remote address is the
  // rendezvous's media port, the reflector) before gathering host candidates only.
  static constexpr Duration kReflectorWait = seconds(5);
  // Sends an Envelope over the dialled trunk `key` (false: gone).
  using Send = std::function<bool(uint64_t key, const umbrella_Envelope& env)>;
  // The reflector of trunk `key` (its transport's remote address), once known.
  using Reflector = std::function<std::optional<SocketAddress>(uint64_t key)>;

  DirectBridges(EventLoop& loop, tls::Certificate& certificate, Send send, Reflector reflector);
  ~DirectBridges();

  // Where the trunks over the bridges live, and the moves of each peer's path (null: the
  // bridges carry nothing). sctp runs their signalling channels (null: no trunks either).
  class Host : public DirectTrunkHost {
   public:
    virtual void direct_path(const std::string& peer_site, DirectPath::Path path) = 0;
  };
  void set_host(Host* host, SctpClock* sctp) {
    host_ = host;
    sctp_ = sctp;
  }

  void on_introduction(uint64_t key, const umbrella_SiteIntroduction& intro, Instant now);
  void on_signal(uint64_t key, const umbrella_SiteSignal& signal, Instant now);
  // The trunk to the rendezvous closed: its bridges end (a new introduction starts afresh).
  void trunk_closed(uint64_t key);

  DirectCounters counters() const;
  // Each bridge for the detailed /status.
  void describe(std::vector<signal::status::DirectBridgeState>& out) const;
  // Which way the tracks of `peer` should come in (direct_path.hpp); none without a bridge.
  std::optional<DirectPath::Path> path(const std::string& peer) const;

 private:
  struct Entry {
    uint64_t trunk = 0;
    std::string peer;
    bool controlling = false;
    Instant introduced{};
    std::unique_ptr<DirectTrunk> link;     // the trunk over the bridge: outlives it (told when it goes)
    std::unique_ptr<DirectBridge> bridge;  // null while waiting for the reflector
    std::optional<UdpSocket> socket;
    std::vector<signal::DirectSetupFields> early;  // setups that came before the bridge (bounded)
    DirectPath path;  // fed the bridge's state at each pump
  };
  bool start(Entry& e, Instant now);
  void on_readable(Entry& e);
  void pump(Entry& e, Instant now);
  void rearm();
  void on_timer();
  void remove(const std::string& peer);
  void after_walk();  // ends the walk: trunks that closed during it take their bridges along

  EventLoop& loop_;
  tls::Certificate& certificate_;
  Send send_;
  Reflector reflector_;
  PacketPool pool_{256};
  std::map<std::string, std::unique_ptr<Entry>> bridges_;
  std::array<Datagram, 16> batch_;
  EventLoop::TimerId timer_ = 0;
  bool busy_ = false;  // walking the bridges or sending: trunk_closed waits
  std::vector<uint64_t> closed_trunks_;
  DirectCounters counters_;
  Host* host_ = nullptr;
  SctpClock* sctp_ = nullptr;
  // The loop keeps its flushers: this one's sockets are flushed while this lives.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
  uint64_t closed_bytes_received_ = 0, closed_bytes_sent_ = 0, closed_retries_ = 0;
};

}  // namespace umbrella::server
