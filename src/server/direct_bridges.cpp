#include "server/direct_bridges.hpp"

#include <sys/epoll.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/log.hpp"
#include "net/interface_addresses.hpp"
#include "server/sctp_clock.hpp"
#include "signal/messages.hpp"
#include "signal/strings.hpp"

namespace umbrella::server {

DirectBridges::DirectBridges(EventLoop& loop, tls::Certificate& certificate, Send send, Reflector reflector)
    : loop_(loop), certificate_(certificate), send_(std::move(send)), reflector_(std::move(reflector)) {
  // Media over a bridge is sent from the media plane's calls: flushed once per loop iteration.
  loop_.add_flusher([this, alive = std::weak_ptr<bool>(alive_)] {
    if (alive.expired()) return;
    for (auto& [peer, e] : bridges_)
      if (e->socket) e->socket->flush();
  });
}

DirectBridges::~DirectBridges() {
  if (timer_) loop_.cancel(timer_);
  for (auto& [peer, e] : bridges_) e->bridge.reset();  // their trunks end while the rest is here
  for (auto& [peer, e] : bridges_)
    if (e->socket) loop_.unwatch(e->socket->fd());
}

void DirectBridges::on_introduction(uint64_t key, const umbrella_SiteIntroduction& intro, Instant now) {
  std::string peer = intro.peer_site;
  if (intro.ended) {
    auto it = bridges_.find(peer);
    if (it != bridges_.end() && it->second->trunk == key) {
      LOG_INFO("direct", "the rendezvous says ", peer, " no longer shares a room with us");
      remove(peer);
    }
    return;
  }
  // The bound counts other sites: one introduced afresh replaces its own entry.
  if (peer.empty() || (bridges_.size() >= kMaxBridges && !bridges_.count(peer))) {
    ++counters_.refused;
    return;
  }
  if (bridges_.count(peer)) remove(peer);  // introduced afresh (another rendezvous, or again)
  ++counters_.introductions;
  auto e = std::make_unique<Entry>();
  e->trunk = key;
  e->peer = peer;
  e->controlling = intro.controlling;
  e->introduced = now;
  Entry& ref = *e;
  bridges_.emplace(peer, std::move(e));
  LOG_INFO("direct", "introduced to ", peer, ": bridging directly (", intro.controlling ? "controlling" : "controlled",
           ")");
  busy_ = true;
  bool ok = start(ref, now);
  busy_ = false;
  if (!ok) remove(peer);
  after_walk();
  rearm();
}

bool DirectBridges::start(Entry& e, Instant now) {
  std::optional<SocketAddress> reflector = reflector_(e.trunk);
  if (!reflector && now < e.introduced + kReflectorWait) return true;  // the timer asks again
  // Dual stack: IPv6 host candidates too (often no NAT between sites there), IPv4 alone
  // where the kernel has no IPv6.
  auto socket = UdpSocket::bind(*SocketAddress::parse_ip("::"), 0, 0);
  if (!socket) {
    LOG_WARN("direct", "no socket for the bridge to ", e.peer, ": ", socket.error());
    ++counters_.refused;
    return false;
  }
  e.socket.emplace(std::move(*socket));
  DirectBridgeConfig config;
  config.peer_site = e.peer;
  config.controlling = e.controlling;
  if (reflector && reflector->is_ipv4()) config.reflector = reflector;
  // IPv4 first (checked first), then IPv6; link-local ones need a zone we do not track.
  for (bool v4 : {true, false})
    for (const std::string& ip : net::interface_addresses()) {
      auto a = SocketAddress::parse_ip(ip);
      if (!a || a->is_ipv4() != v4 || a->is_loopback() || a->is_link_local()) continue;
      if (!v4 && !e.socket->dual_stack()) continue;
      a->set_port(e.socket->local_port());
      config.host_candidates.push_back(*a);
    }
  if (host_ && sctp_) config.sctp = &sctp_->stack();
  e.bridge = std::make_unique<DirectBridge>(std::move(config), certificate_, pool_, now);
  UdpSocket* socket_ptr = &*e.socket;
  e.bridge->set_output([socket_ptr](Packet packet, const SocketAddress& to) { socket_ptr->send(std::move(packet), to); });
  if (host_ && sctp_) {
    e.link = std::make_unique<DirectTrunk>(loop_, *host_, sctp_, e.peer, e.controlling, counters_.trunks);
    e.bridge->set_media(e.link.get());
  }
  Entry* p = &e;
  loop_.watch(e.socket->fd(), EPOLLIN, [this, p](uint32_t events) {
    if (events & EPOLLIN) on_readable(*p);
  });
  for (auto& s : e.early) e.bridge->on_setup(s, now);
  e.early.clear();
  pump(e, now);
  return true;
}

void DirectBridges::on_signal(uint64_t key, const umbrella_SiteSignal& signal, Instant now) {
  auto it = bridges_.find(signal.site_id);
  auto setup = signal::parse_direct_setup(Bytes(signal.payload.bytes, signal.payload.size));
  if (it == bridges_.end() || it->second->trunk != key || !setup) {
    ++counters_.refused;
    return;
  }
  ++counters_.setups_received;
  Entry& e = *it->second;
  if (!e.bridge) {
    if (e.early.size() < 2) e.early.push_back(*setup);
    return;
  }
  e.bridge->on_setup(*setup, now);
  busy_ = true;
  pump(e, now);
  after_walk();
  rearm();
}

void DirectBridges::trunk_closed(uint64_t key) {
  // Sending a setup over a trunk can close it, and bring us here while we walk the bridges:
  // the removal then waits until that walk is done.
  if (busy_) {
    closed_trunks_.push_back(key);
    return;
  }
  std::vector<std::string> gone;
  for (auto& [peer, e] : bridges_)
    if (e->trunk == key) gone.push_back(peer);
  for (auto& p : gone) remove(p);
}

void DirectBridges::remove(const std::string& peer) {
  auto it = bridges_.find(peer);
  if (it == bridges_.end()) return;
  Entry& e = *it->second;
  if (e.bridge) {
    closed_bytes_received_ += e.bridge->counters().bytes_received;
    closed_bytes_sent_ += e.bridge->counters().bytes_sent;
    closed_retries_ += e.bridge->counters().retries;
  }
  if (e.socket) loop_.unwatch(e.socket->fd());
  e.bridge.reset();  // its trunk ends while the socket it sends on is still here
  bridges_.erase(it);
}

void DirectBridges::on_readable(Entry& e) {
  for (int pass = 0; pass < 4; ++pass) {
    size_t n = e.socket->receive_batch(pool_, batch_);
    Instant now = loop_.now();
    for (size_t i = 0; i < n; ++i) e.bridge->on_datagram(std::move(batch_[i].packet), batch_[i].peer, now);
    if (n < batch_.size()) break;
  }
  busy_ = true;
  pump(e, loop_.now());
  after_walk();
  rearm();
}

void DirectBridges::pump(Entry& e, Instant now) {
  if (!e.bridge) return;
  static constexpr uint8_t kOpener[1] = {0};  // ignored (counted stray) should it arrive
  for (const SocketAddress& to : e.bridge->take_openers()) (void)e.socket->send_limited(kOpener, to, kOpenerHops);
  e.socket->flush();
  if (e.bridge->state() == DirectBridge::State::kConnected) e.path.bridge_up(now);
  else e.path.bridge_down(now);
  if (e.path.next_deadline() <= now) e.path.on_timeout(now);
  if (auto moved = e.path.take_move()) {
    if (*moved == DirectPath::Path::kDirect) LOG_INFO("direct", "path to ", e.peer, ": direct");
    else LOG_INFO("direct", "path to ", e.peer, ": cloud (the bridge is down; back no sooner than ",
                  std::chrono::duration_cast<std::chrono::seconds>(e.path.hold_down()).count(), " s)");
    if (host_) host_->direct_path(e.peer, *moved);
  }
  if (auto setup = e.bridge->take_setup()) {
    auto env = signal::new_envelope();
    signal::reset(*env, umbrella_Envelope_site_signal_tag);
    auto& s = env->body.site_signal;
    signal::copy_string(s.site_id, e.peer);
    size_t n = signal::build_direct_setup(*setup, MutableBytes(s.payload.bytes, sizeof s.payload.bytes));
    s.payload.size = pb_size_t(n);
    if (n && send_(e.trunk, *env)) ++counters_.setups_sent;
  }
}

void DirectBridges::after_walk() {
  busy_ = false;
  for (uint64_t key : std::exchange(closed_trunks_, {})) trunk_closed(key);
}

void DirectBridges::on_timer() {
  timer_ = 0;
  busy_ = true;
  Instant now = loop_.now();
  std::vector<std::string> failed;
  for (auto& [peer, e] : bridges_) {
    if (!e->bridge) {
      if (!start(*e, now)) failed.push_back(peer);
      continue;
    }
    if (e->bridge->next_deadline() <= now) e->bridge->on_timeout(now);
    pump(*e, now);
  }
  for (auto& p : failed) remove(p);
  after_walk();
  rearm();
}

void DirectBridges::rearm() {
  Instant next = kNever;
  for (auto& [peer, e] : bridges_)
    next = std::min({next, e->bridge ? e->bridge->next_deadline() : loop_.now() + milliseconds(250),
                     e->path.next_deadline()});
  loop_.reschedule(timer_, next, [this] { on_timer(); });
}

DirectCounters DirectBridges::counters() const {
  DirectCounters c = counters_;
  c.bytes_received = closed_bytes_received_;
  c.bytes_sent = closed_bytes_sent_;
  c.retries = closed_retries_;
  for (auto& [peer, e] : bridges_) {
    if (!e->bridge) continue;
    if (e->bridge->state() == DirectBridge::State::kConnected) ++c.connected;
    c.bytes_received += e->bridge->counters().bytes_received;
    c.bytes_sent += e->bridge->counters().bytes_sent;
    c.retries += e->bridge->counters().retries;
  }
  return c;
}

std::optional<DirectPath::Path> DirectBridges::path(const std::string& peer) const {
  auto it = bridges_.find(peer);
  if (it == bridges_.end()) return std::nullopt;
  return it->second->path.path();
}

void DirectBridges::describe(std::vector<signal::status::DirectBridgeState>& out) const {
  for (auto& [peer, e] : bridges_) {
    signal::status::DirectBridgeState d;
    d.peer_site = peer;
    d.controlling = e->controlling;
    d.state = e->bridge ? DirectBridge::state_name(e->bridge->state()) : "waiting";
    if (e->bridge) {
      if (auto remote = e->bridge->remote_address()) d.remote = remote->to_string();
      d.last_error = e->bridge->last_error();
      d.bytes_received = e->bridge->counters().bytes_received;
      d.bytes_sent = e->bridge->counters().bytes_sent;
    }
    out.push_back(std::move(d));
  }
}

}  // namespace umbrella::server
