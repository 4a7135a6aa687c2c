// umbrella-loadgen: N publishers and M viewers against a running SFU (HTTP or HTTPS), joining
// by WHIP/WHEP or, with --wsb, through the web app's /wsb signalling; one epoll loop with one
// UDP socket per simulated peer (recvmmsg/sendmmsg through core/udp_socket). Publishers join
// first; viewers join once every publisher is connected (WHEP answers only carry tracks that
// exist). The measurement window opens once every peer is connected, plus --settle (and, with
// --window-on-signal, on SIGUSR1). Progress
// line per second on stderr, summary at the end. --churn: see churn.hpp.
#include <signal.h>
#include <sys/epoll.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <vector>

#include "core/event_loop.hpp"
#include "core/log.hpp"
#include "core/packet_pool.hpp"
#include "sctp/stack.hpp"
#include "churn.hpp"
#include "janus_client.hpp"
#include "options.hpp"
#include "report.hpp"
#include "sim_peer.hpp"
#include "srtp/library.hpp"
#include "tls/certificate.hpp"
#include "tls/client_config.hpp"

using namespace umbrella;
using namespace umbrella::loadgen;

namespace {

double ms(Duration d) { return double(std::chrono::duration_cast<std::chrono::microseconds>(d).count()) / 1000.0; }

struct Run final : Churn::Host {
  Options opt;
  SystemTimeSource clock;
  EventLoop loop{clock};
  std::unique_ptr<PacketPool> pool;
  std::unique_ptr<tls::Certificate> cert;
  std::optional<tls::TlsClientConfig> tls;
  Totals totals;
  DelayHistogram delay, interval_delay, data_delay;
  std::unique_ptr<sctp::Stack> sctp;  // --data-rate
  std::unique_ptr<PeerContext> ctx;
  std::vector<std::unique_ptr<SimPeer>> peers;
  std::vector<std::unique_ptr<SimPeer>> churners;  // --churn: the ones present now
  std::unique_ptr<Churn> churn;
  std::unique_ptr<JanusClient> janus;  // --janus
  uint32_t next_index = 0;  // peer indexes are never reused (SSRCs, probes)
  int joined_publishers = 0, joined_viewers = 0;
  Instant started{}, window_start{}, next_join{}, all_joined{}, all_connected{};
  Totals window_totals, last_totals;
  uint64_t last_expected = 0, last_lost = 0, window_expected = 0, window_lost = 0;
  bool in_window = false;
  bool settled = false, window_signalled = false;
  int second = 0;
  uint64_t ticks = 0;
  Clips clips;
  std::string media;  // what publishers send, for the report

  void join(SimPeer::Role role, Instant now) { start(peers, role, now); }

  SimPeer* start(std::vector<std::unique_ptr<SimPeer>>& into, SimPeer::Role role, Instant now) {
    uint32_t index = next_index++;
    into.push_back(std::make_unique<SimPeer>(*ctx, index, role));
    SimPeer& p = *into.back();
    bool pub = role == SimPeer::Role::kPublisher;
    std::string path = opt.server.prefix + (pub ? "/whip/" : "/whep/") + opt.room;
    auto r = opt.wsb ? p.join_wsb(opt.room, now)
             : janus ? janus->join(p, now)
                     : p.join(path, opt.recv_video, opt.recv_audio, now);
    if (!r) {
      std::fprintf(stderr, "loadgen: %s %u: %s\n", pub ? "publisher" : "viewer", index, r.error().c_str());
      into.pop_back();
      return nullptr;
    }
    if (!loop.watch(p.fd(), EPOLLIN, [this, &p](uint32_t) { p.on_readable(loop.now()); })) {
      std::fprintf(stderr, "loadgen: cannot watch peer %u's socket (fd %d): %s\n", index, p.fd(), std::strerror(errno));
      into.pop_back();
      return nullptr;
    }
    return &p;
  }

  // Churn::Host
  SimPeer* spawn(Instant now) override {
    SimPeer* p = start(churners, SimPeer::Role::kPublisher, now);
    if (p) p->set_ignore_media(true);
    return p;
  }
  void retire(SimPeer& p, Instant now) override {
    p.leave(now);
    p.flush();
    std::erase(ctx->dirty, &p);
    loop.unwatch(p.fd());
    std::erase_if(churners, [&](const std::unique_ptr<SimPeer>& c) { return c.get() == &p; });
  }

  bool all_settled() const {
    for (auto& p : peers)
      if (!p->connected() && !p->failed()) return false;
    return true;
  }

  bool publishers_ready() const {
    for (auto& p : peers)
      if (p->role() == SimPeer::Role::kPublisher && !p->connected() && !p->failed()) return false;
    return true;
  }

  void tick() {
    Instant now = loop.now();
    if (sctp && now >= sctp->next_deadline()) sctp->on_timeout(now);
    // Joins, paced at join_rate (each a non-blocking connect and request).
    Duration gap = std::chrono::nanoseconds(int64_t(1e9 / opt.join_rate));
    if (janus) {
      janus->service(now);
      if (janus->failed()) {
        std::fprintf(stderr, "loadgen: %s\n", janus->failure().c_str());
        return loop.stop();
      }
    }
    if (now >= next_join && (!janus || janus->ready())) {
      if (joined_publishers < opt.publishers) {
        join(SimPeer::Role::kPublisher, now);
        ++joined_publishers;
        next_join = now + gap;
      } else if (joined_viewers < opt.viewers && (publishers_ready() || now - started > seconds(10))) {
        join(SimPeer::Role::kViewer, loop.now());
        ++joined_viewers;
        next_join = now + gap;
      }
    }
    bool joins_done = joined_publishers == opt.publishers && joined_viewers == opt.viewers;
    if (joins_done && all_joined == Instant{}) all_joined = now;
    // The window opens once everyone is connected (or after 10 s, counting the stragglers as
    // they are), plus --settle for /wsb renegotiations and the first keyframes to land.
    if (joins_done && all_connected == Instant{} && (all_settled() || now - all_joined > seconds(10)))
      all_connected = now;
    Duration settle = std::chrono::nanoseconds(int64_t(opt.settle_s * 1e9));
    if (!in_window && !settled && all_connected != Instant{} && now - all_connected >= settle) {
      settled = true;
      if (opt.window_on_signal) {
        std::fprintf(stderr, "loadgen: settled\n");  // tools/bench/run answers with SIGUSR1 once the SFU is calm
        std::fflush(stderr);
      }
    }
    if (!in_window && settled && (!opt.window_on_signal || window_signalled)) {
      in_window = true;
      window_start = now;
      window_totals = totals;
      std::fprintf(stderr, "loadgen: window start\n");  // tools/bench/run samples the SFU here
      std::fflush(stderr);
      // Figures cover the window only: joins (signalling, DTLS handshakes) load the loop.
      delay = DelayHistogram{};
      for (auto& p : peers) {
        window_expected += p->expected();
        window_lost += p->lost();
      }
      if (opt.churn.at_once > 0) {
        std::vector<SimPeer*> long_lived;
        for (auto& p : peers) long_lived.push_back(p.get());
        churn = std::make_unique<Churn>(opt.churn, *this, std::move(long_lived), now);
      }
    }
    // Peers that only receive have nothing due for tens of ms (ICE consent, DTLS retransmits):
    // service them every 10th tick, staggered, so 1000 viewers cost little between packets.
    ++ticks;
    for (auto* list : {&peers, &churners})
      for (auto& p : *list)
        if (p->busy() || !p->connected() || (p->index() + ticks) % 10 == 0) p->service(now);
    bool window_over = in_window && now - window_start >= std::chrono::nanoseconds(int64_t(opt.duration_s * 1e9));
    if (churn) {
      churn->tick(now, !window_over);
      if (churn->done()) loop.stop();
    } else if (window_over) {
      loop.stop();
    }
  }

  void progress() {
    ++second;
    uint64_t expected = 0, lost = 0;
    int conn = 0;
    for (auto& p : peers) {
      expected += p->expected();
      lost += p->lost();
      conn += p->connected();
    }
    uint64_t de = expected - last_expected, dl = lost > last_lost ? lost - last_lost : 0;
    if (!opt.quiet && churn)
      std::fprintf(stderr, "t=%3ds churn: %llu joins, %llu leaves, %d present, %llu reached everyone, %llu missed\n", second,
                   (unsigned long long)churn->summary().joins, (unsigned long long)churn->summary().leaves,
                   churn->live(), (unsigned long long)churn->summary().reached,
                   (unsigned long long)churn->summary().unreached);
    if (!opt.quiet)
      std::fprintf(stderr,
                   "t=%3ds peers %d/%zu connected  sent %6llu pkt/s  recv %7llu pkt/s %7.1f Mbit/s  loss %.3f%%  "
                   "delay p50 %.2f p99 %.2f ms\n",
                   second, conn, peers.size(), (unsigned long long)(totals.sent_packets - last_totals.sent_packets),
                   (unsigned long long)(totals.recv_packets - last_totals.recv_packets),
                   double(totals.recv_bytes - last_totals.recv_bytes) * 8 / 1e6, de ? 100.0 * double(dl) / double(de) : 0.0,
                   interval_delay.quantile_us(0.5) / 1e3, interval_delay.quantile_us(0.99) / 1e3);
    last_totals = totals;
    last_expected = expected;
    last_lost = lost;
    interval_delay = DelayHistogram{};
  }

  Summary summarize(Instant now) {
    Summary s;
    s.publishers = opt.publishers;
    s.viewers = opt.viewers;
    s.decrypted = opt.decrypt;
    s.wsb = opt.wsb;
    s.janus = opt.janus;
    s.tls = opt.server.tls;
    s.window_s = in_window ? std::chrono::duration<double>(now - window_start).count() : 0;
    double w = s.window_s > 0 ? s.window_s : 1;
    s.sent_pps = double(totals.sent_packets - window_totals.sent_packets) / w;
    s.recv_pps = double(totals.recv_packets - window_totals.recv_packets) / w;
    s.recv_mbps = double(totals.recv_bytes - window_totals.recv_bytes) * 8 / 1e6 / w;
    s.rtx = totals.recv_rtx;
    s.rtcp = totals.recv_rtcp;
    s.rtcp_sent = totals.rtcp_sent;
    s.nacks_sent = totals.nacks_sent;
    s.plis_sent = totals.plis_sent;
    s.twcc_sent = totals.twcc_sent;
    s.twcc_received = totals.twcc_received;
    s.keyframe_requests = totals.keyframe_requests;
    s.keyframes_sent = totals.keyframes_sent;
    s.media = media;
    s.dropped = totals.dropped;
    s.simulcast = opt.media.simulcast;
    s.sent_frames = totals.sent_frames - window_totals.sent_frames;
    s.sent_audio = totals.sent_audio - window_totals.sent_audio;
    s.recv_frames = totals.recv_frames - window_totals.recv_frames;
    s.recv_audio = totals.recv_audio - window_totals.recv_audio;
    s.unprotect_failed = totals.unprotect_failed;
    s.unprotect_replayed = totals.unprotect_replayed;
    std::vector<double> first, conn;
    int stuck_signalling = 0, stuck_ice = 0, stuck_dtls = 0;
    for (auto& p : peers) {
      if (!p->connected() && !p->failed()) {
        std::string st = p->stage();
        ++(st == "signalling" ? stuck_signalling : st == "ice" ? stuck_ice : stuck_dtls);
      }
      s.connected += p->connected();
      if (p->failed()) {
        ++s.failed;
        if (s.first_failure.empty()) s.first_failure = p->failure();
      }
      s.expected += p->expected();
      s.lost += p->lost();
      if (auto d = p->join_to_connected()) conn.push_back(ms(*d));
      s.renegotiations += p->renegotiations();
      if (p->role() == SimPeer::Role::kViewer || opt.wsb) {  // /wsb publishers receive too
        s.streams_receiving += p->streams_receiving();
        s.streams_announced += p->streams_announced();
        if (auto d = p->join_to_first_packet()) first.push_back(ms(*d));
      }
    }
    s.expected -= std::min(s.expected, window_expected);
    s.lost -= std::min(s.lost, window_lost);
    s.failed += int(opt.publishers + opt.viewers - int(peers.size()));
    if (stuck_signalling + stuck_ice + stuck_dtls)
      s.pending = std::to_string(stuck_signalling) + " signalling, " + std::to_string(stuck_ice) + " ICE, " +
                  std::to_string(stuck_dtls) + " DTLS";
    double unused;
    median_max(conn, s.join_connected_p50_ms, unused);
    median_max(first, s.join_first_packet_p50_ms, s.join_first_packet_max_ms);
    s.delay_samples = delay.count();
    s.delay_p50_ms = delay.quantile_us(0.5) / 1e3;
    s.delay_p99_ms = delay.quantile_us(0.99) / 1e3;
    s.delay_max_ms = double(delay.max_us()) / 1e3;
    s.data_rate = opt.data_rate;
    s.data_sent = totals.data_sent;
    s.data_received = totals.data_received;
    s.data_send_failed = totals.data_send_failed;
    s.data_delay_p50_ms = data_delay.quantile_us(0.5) / 1e3;
    s.data_delay_p99_ms = data_delay.quantile_us(0.99) / 1e3;
    if (churn) s.churn = churn->summary();
    return s;
  }
};

}  // namespace

int main(int argc, char** argv) {
  auto run = std::make_unique<Run>();
  int code = 0;
  if (!parse_options(argc, argv, run->opt, code)) return code;
  ::signal(SIGPIPE, SIG_IGN);
  // rtc::Transport logs each connect and close at info: a thousand peers' worth is noise here
  // (failures reach the report through SimPeer::failure()).
  set_log_level(LogLevel::kWarn);
  if (!srtp::ensure_library_initialized()) {
    std::fprintf(stderr, "loadgen: libsrtp init failed\n");
    return 1;
  }
  auto cert = tls::Certificate::generate_self_signed("umbrella-loadgen", {}, {}, 30);
  if (!cert) {
    std::fprintf(stderr, "loadgen: certificate: %s\n", cert.error().c_str());
    return 1;
  }
  run->cert = std::make_unique<tls::Certificate>(std::move(*cert));
  Options& o = run->opt;
  if (auto r = resolve_server(o.server); !r) {
    std::fprintf(stderr, "loadgen: %s\n", r.error().c_str());
    return 2;
  }
  if (o.server.tls) {
    // The same precedence as the SFU's trunks: insecure, then pin, then a CA file, else the system's.
    auto c = o.insecure ? tls::TlsClientConfig::insecure()
             : !o.pin.empty() ? tls::TlsClientConfig::with_pinned_fingerprint(o.pin)
             : !o.ca_file.empty() ? tls::TlsClientConfig::with_ca_file(o.ca_file)
                                  : tls::TlsClientConfig::with_system_ca();
    if (!c) {
      std::fprintf(stderr, "loadgen: TLS: %s (use --ca FILE, --pin SHA256 or --insecure)\n", c.error().c_str());
      return 2;
    }
    run->tls.emplace(std::move(*c));
  }
  auto bind_ip = SocketAddress::parse(run->opt.bind_ip);
  if (!bind_ip) {
    std::fprintf(stderr, "loadgen: bad --bind %s\n", run->opt.bind_ip.c_str());
    return 2;
  }
  if (auto r = load_clips(run->opt.media, run->clips, run->media); !r) {
    std::fprintf(stderr, "loadgen: %s\n", r.error().c_str());
    return 2;
  }
  size_t peers = size_t(run->opt.publishers + run->opt.viewers);
  run->pool = std::make_unique<PacketPool>(4096 + (peers + size_t(run->opt.churn.at_once)) * 2 * UdpSocket::kBatch);
  run->ctx.reset(new PeerContext{*run->pool, *run->cert, *bind_ip, run->totals, run->delay, run->interval_delay,
                                 run->opt.decrypt, run->opt.drop_pct, run->opt.media, run->clips, run->opt.server,
                                 run->tls ? &*run->tls : nullptr, run->loop});
  if (run->opt.data_rate > 0) {
    auto st = sctp::Stack::create(run->loop.now());
    if (!st) {
      std::fprintf(stderr, "loadgen: data channels: %s\n", st.error().c_str());
      return 2;
    }
    run->sctp = std::move(*st);
    run->ctx->sctp = run->sctp.get();
    run->ctx->data_rate = run->opt.data_rate;
    run->ctx->data_bytes = run->opt.data_bytes;
    run->ctx->data_delay = &run->data_delay;
  }
  Run& r = *run;
  r.started = r.next_join = r.loop.now();
  if (o.janus) {
    r.janus = std::make_unique<JanusClient>(r.loop, o.server, r.tls ? &*r.tls : nullptr, o.room, o.publishers, o.call);
    if (auto j = r.janus->start(r.loop.now()); !j) {
      std::fprintf(stderr, "loadgen: %s\n", j.error().c_str());
      return 2;
    }
  }
  // Publishers are serviced every tick (2 ms); one timer drives joins, timers and media.
  std::function<void()> tick = [&] {
    r.tick();
    r.loop.schedule(r.loop.now() + milliseconds(2), tick);
  };
  std::function<void()> progress = [&] {
    r.progress();
    r.loop.schedule(r.loop.now() + seconds(1), progress);
  };
  r.loop.schedule(r.loop.now(), tick);
  r.loop.schedule(r.loop.now() + seconds(1), progress);
  r.loop.add_flusher([&] {
    for (SimPeer* p : r.ctx->dirty) p->flush();
    r.ctx->dirty.clear();
  });
  r.loop.on_signal(SIGINT, [&] { r.loop.stop(); });
  r.loop.on_signal(SIGTERM, [&] { r.loop.stop(); });
  if (!r.loop.on_signal(SIGUSR1, [&] { r.window_signalled = true; }) && r.opt.window_on_signal) {
    std::fprintf(stderr, "umbrella-loadgen: cannot take SIGUSR1 for --window-on-signal: %s\n", std::strerror(errno));
    return 2;
  }
  // --coalesce-us: sleep between loop iterations so packets pile up in the sockets and each
  // epoll_wait / recvmmsg returns more of them (fewer syscalls per packet at high fan-out).
  timespec pause{0, long(r.opt.coalesce_us) * 1000};
  while (!r.loop.stopped()) {
    r.loop.run_once(seconds(1));
    if (r.opt.coalesce_us > 0) ::nanosleep(&pause, nullptr);
  }
  Summary s = r.summarize(r.loop.now());
  if (r.opt.json) std::printf("%s\n", to_json(s).c_str());
  else std::printf("%s", to_text(s).c_str());
  if (s.churn.on && (!s.churn.final_ok || s.churn.unreached || s.churn.churner_failures)) return 1;
  return s.connected == int(peers) ? 0 : 1;
}
