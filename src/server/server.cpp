#include "server/server.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "core/log.hpp"
#include "net/interface_addresses.hpp"
#include "server/admin_secret.hpp"
#include "server/https_certificate.hpp"
#include "server/media_candidates.hpp"
#include "signal/status_prometheus.hpp"
#include "tls/local_ca.hpp"

namespace umbrella::server {
namespace {

std::string default_site_id() {
  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  std::string s = host[0] ? host : "umbrella";
  for (auto& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s.substr(0, 40);
}

uint64_t resident_bytes() {
  // "size resident ..." in pages. Read by hand: ifstream (or fscanf) would pull libstdc++'s
  // locale machinery (or glibc's scanf), ~60-380 KB, into the static OpenWrt binary.
  char buf[128];
  uint64_t resident = 0;
  int fd = ::open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = ::read(fd, buf, sizeof(buf));
  ::close(fd);
  const char* space = n > 0 ? static_cast<const char*>(std::memchr(buf, ' ', size_t(n))) : nullptr;
  if (space) std::from_chars(space + 1, buf + n, resident);
  return resident * uint64_t(sysconf(_SC_PAGESIZE));
}

}  // namespace

std::vector<http::Header> security_headers(const Config& config) {
  // The web app loads only its own script, style and WebSocket; nothing may frame it.
  std::vector<http::Header> h = {
      {"Content-Security-Policy",
       "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
       "media-src 'self' blob:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"},
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},
      {"X-Frame-Options", "DENY"},
  };
  // Only with a public name: HSTS on an address or a .local name (a LAN's self-signed or local
  // CA certificate) would pin browsers to HTTPS, with no way past a certificate warning, for
  // a name that may later be another machine.
  const std::string& host = config.public_host;
  bool local = host.size() >= 6 && host.compare(host.size() - 6, 6, ".local") == 0;
  if (!host.empty() && !local && !SocketAddress::parse_ip(host))
    h.push_back({"Strict-Transport-Security", "max-age=31536000"});
  return h;
}

Server::Server(EventLoop& loop, const Config& config) : loop_(loop), config_(config), started_(loop.now()) {}

Server::~Server() {
  if (deferred_timer_) loop_.cancel(deferred_timer_);
  http_.reset();  // closes connections, which tells the conference
  recordings_.reset();  // finishes every file (cues, duration), SIGTERM included
  trunks_.reset();
  routes_.reset();
  trunk_hub_.reset();
  direct_.reset();
  conference_.reset();  // its transports leave the media plane
  load_.reset();
  plane_.reset();
  media_.reset();
}

void Server::defer(std::function<void()> fn) {
  deferred_.push_back(std::move(fn));
  if (deferred_timer_) return;
  deferred_timer_ = loop_.schedule(loop_.now(), [this] {
    deferred_timer_ = 0;
    auto fns = std::move(deferred_);
    deferred_.clear();
    for (auto& f : fns) f();
  });
}

Result<std::unique_ptr<Server>, std::string> Server::create(EventLoop& loop, const Config& config) {
  std::unique_ptr<Server> s(new Server(loop, config));
  if (s->config_.site_id.empty()) s->config_.site_id = default_site_id();

  // Bound to the announced address when it is the one address and ours, so replies leave from
  // the address the client checked (ICE drops responses from another source). Otherwise (behind
  // NAT, several addresses, or none given) one dual-stack socket on "::" for both families.
  SocketAddress bind_ip = *SocketAddress::parse_ip("::");
  auto ours = net::interface_addresses();
  if (config.public_ips.size() == 1 &&
      std::find(ours.begin(), ours.end(), config.public_ips[0].ip_string()) != ours.end())
    bind_ip = config.public_ips[0];
  auto udp = UdpSocket::bind(bind_ip, config.min_port, config.max_port);
  if (!udp) return Err{udp.error()};
  // 16 MiB of address space; pages are touched only as packets are in flight or cached
  // (256 per published video stream), so RSS follows the load.
  s->media_ = std::make_unique<MediaPort>(loop, std::move(*udp), 8192, config.media_threads);

  if (!config.cloud) {
    auto cert = load_or_create_https_certificate(config);
    if (!cert) return Err{cert.error()};
    auto tls = tls::TlsServerConfig::create(std::move(*cert));
    if (!tls) return Err{"cannot set up TLS: " + tls.error()};
    s->https_.emplace(std::move(*tls));
  }

  auto admin = load_or_create_admin_secret(config);
  if (!admin) return Err{admin.error()};
  s->access_ = std::make_unique<Access>(std::move(*admin), config.room_key);
  s->access_->set_metrics_token(config.metrics_token);
  if (config.room_key.empty()) {
    if (config.cloud)
      LOG_WARN("main", "WARNING: rooms are open: anyone who reaches this server can join any room and publish; set "
                       "UMBRELLA_ROOM_KEY and hand out tokens (umbrella token) to close them");
    else
      LOG_INFO("main", "rooms are open (no UMBRELLA_ROOM_KEY): anyone on this network can join");
  } else {
    LOG_INFO("main", "rooms need an access token signed with UMBRELLA_ROOM_KEY (umbrella token)");
  }

  auto listener = stream::TcpListener::listen(config.http_host, config.http_port, "UMBRELLA_HTTP_SERVE_ADDR");
  if (!listener) return Err{listener.error()};

  Server* self = s.get();
  auto dtls_cert = tls::Certificate::generate_self_signed("umbrella", {}, {}, 30);
  if (!dtls_cert) return Err{"cannot generate the DTLS certificate: " + dtls_cert.error()};
  s->dtls_cert_.emplace(std::move(*dtls_cert));
  std::vector<std::string> candidates = media_candidates(config.public_ips, ours, s->media_->reaches_ipv6());
  if (candidates.empty())
    return Err{std::string("UMBRELLA_PUBLIC_IP lists only IPv6 addresses, but this kernel has no IPv6; add an IPv4 one")};
  s->plane_ = std::make_unique<media::MediaPlane>(loop, s->media_->pool());
  s->load_ = std::make_unique<LoadWatch>(loop, *s->media_, *s->plane_);
  s->media_context_ =
      std::make_unique<MediaContext>(MediaContext{loop, *s->media_, *s->plane_, *s->dtls_cert_, candidates, {}});
  // Per-address rates are off by default in cloud mode unless the proxy is trusted to name the
  // client: otherwise every client has the proxy's address.
  bool shared_address = config.cloud && !config.trusted_proxy;
  AdmissionLimits admission;
  admission.max_participants = config.max_participants.value_or(200);
  admission.max_room_participants = config.max_room_participants.value_or(32);
  admission.joins_per_minute = uint32_t(config.joins_per_minute.value_or(shared_address ? 0 : 30));
  admission.sessions_per_minute = uint32_t(config.sessions_per_minute.value_or(shared_address ? 0 : 30));
  admission.messages_per_second = uint32_t(config.messages_per_second.value_or(50));
  auto sctp = SctpClock::create(loop);
  if (!sctp) return Err{"cannot start SCTP for data channels: " + sctp.error()};
  s->sctp_ = std::move(*sctp);
  s->media_context_->sctp = s->sctp_.get();
  s->conference_ = std::make_unique<Conference>(s->config_.site_id, *s->media_context_, admission);
  s->trunk_hub_ = std::make_unique<TrunkHub>(*s->conference_, config.trunk_secret);
  s->conference_->set_trunk_acceptor(s->trunk_hub_.get());
  s->direct_ = std::make_unique<DirectBridges>(
      loop, *s->dtls_cert_, [self](uint64_t key, const umbrella_Envelope& env) { return self->trunk_hub_->send_to(key, env); },
      [self](uint64_t key) { return self->trunk_hub_->media_address(key); });
  s->trunk_hub_->set_direct_bridges(s->direct_.get());
  s->direct_->set_host(s->trunk_hub_.get(), s->sctp_.get());
  if (config.rendezvous) {
    s->trunk_hub_->enable_rendezvous();
    LOG_INFO("main", "rendezvous: introducing trunked sites that share a room to each other");
  }
  s->conference_->set_access(s->access_.get());
  auto recordings = Recordings::create(loop, *s->plane_, *s->conference_,
                                       {config.record_dir, config.record_rooms,
                                        uint64_t(config.record_min_free_mb) << 20});
  if (!recordings) return Err{recordings.error()};
  s->recordings_ = std::move(*recordings);
  s->routes_ = std::make_unique<Routes>(
      loop, s->config_, *s->access_, *s->conference_, [self] { return self->status(); },
      [self] { return signal::to_prometheus(self->status(), self->media_->forward_delays()); },
      // While ~Server closes the connections (http_ already null), a trunk that leaves tells
      // the other trunks over their connections: nothing to flush any more.
      [self] {
        if (self->http_) self->http_->request_flush();
      },
      [self](std::function<void()> fn) { self->defer(std::move(fn)); });
  s->routes_->set_recordings(s->recordings_.get());
  HttpServer::Limits http_limits;
  // Behind the cloud proxy every connection comes from the proxy's address.
  http_limits.max_per_address = config.http_max_per_ip.value_or(config.cloud ? 0 : 32);
  http_limits.response_headers = security_headers(config);
  s->http_ = std::make_unique<HttpServer>(loop, std::move(*listener), s->https_ ? &*s->https_ : nullptr, *s->routes_,
                                          http_limits);

  s->trunks_ = std::make_unique<Trunks>(loop, s->config_, *s->trunk_hub_,
                                        [self](std::function<void()> fn) { self->defer(std::move(fn)); });
  s->conference_->set_trunk_control(s->trunks_.get());

  std::string host = config.http_host.empty() ? "*"
                     : config.http_host.find(':') != std::string::npos ? "[" + config.http_host + "]"
                                                                         : config.http_host;
  LOG_INFO("main", "media on UDP port ", s->media_->port(), " (", s->media_->threads(), " threads), announcing ",
           [&] {
             std::string list;
             for (auto& c : candidates) list += (list.empty() ? "" : ", ") + c;
             return list;
           }(),
           config.public_ips.empty() ? " (interface addresses)" : "");
  LOG_INFO("main", "ready: ", config.cloud ? "http" : "https", "://", host, ":", s->http_->port(), config.http_prefix,
           "/sfu (site ", s->config_.site_id, ")");
  return s;
}

signal::StatusSnapshot Server::status() const {
  signal::StatusSnapshot s;
  s.site_id = config_.site_id;
  s.version = UMBRELLA_VERSION;
  s.uptime_ms = uint64_t(to_millis(loop_.now() - started_));
  s.rss_bytes = resident_bytes();
  conference_->snapshot(s);
  trunks_->describe(s.trunks);
  direct_->describe(s.direct_bridges);
  std::vector<std::string_view> rooms;
  for (auto& c : s.clients) {
    if (std::find(rooms.begin(), rooms.end(), c.room) == rooms.end() && !c.room.empty()) rooms.push_back(c.room);
    s.tracks += uint32_t(c.published.size());
  }
  s.rooms = uint32_t(rooms.size());
  s.participants = uint32_t(s.clients.size());
  s.detail = true;
  s.pool_in_use = uint32_t(media_->pool().in_use());
  s.pool_slots = uint32_t(media_->pool().capacity());
  auto http = http_->live_http_counters();
  const auto& hs = http_->counters();
  const auto& mp = media_->counters();
  const auto& udp = media_->udp_counters();
  const auto& sig = conference_->counters();
  const auto& adm = conference_->admission_counters();
  auto delays = media_->forward_delays();
  const auto& dtls = media_context_->dtls_counters;
  const auto& data = conference_->data_counters();
  const auto& sctp_drops = media_context_->sctp_drops;
  const auto& router = plane_->router().counters();
  DirectCounters direct = direct_->counters();
  RendezvousCounters rv = trunk_hub_->rendezvous() ? trunk_hub_->rendezvous()->counters() : RendezvousCounters{};
  s.counters = {
      {"http.connections", http_->connections()},
      {"http.accepted", hs.accepted},
      {"http.refused_too_many", hs.refused_too_many},
      {"http.refused_per_address", hs.refused_per_address},
      {"http.stalled", hs.stalled},
      {"http.tls_failed", hs.tls_failed},
      {"http.requests", http.requests},
      {"http.bad_request", http.bad_request},
      {"http.uri_too_long", http.uri_too_long},
      {"http.body_too_large", http.body_too_large},
      {"http.headers_too_large", http.headers_too_large},
      {"http.header_timeout", http.header_timeout},
      {"http.idle_timeout", http.idle_timeout},
      {"http.upgrades", http.upgrades},
      {"signal.messages", sig.messages},
      {"signal.malformed", sig.malformed},
      {"signal.unexpected", sig.unexpected},
      {"signal.offers_sent", sig.offers_sent},
      {"signal.description_failed", sig.description_failed},
      {"signal.glare", sig.glare},
      {"signal.tracks_refused", sig.tracks_refused},
      {"signal.trunk_refused", sig.trunk_refused},
      {"signal.trunk_auth_failed", sig.trunk_auth_failed},
      {"signal.trunk_auth_throttled", sig.trunk_auth_throttled},
      {"signal.refused_server_full", adm.server_full},
      {"signal.refused_room_full", adm.room_full},
      {"signal.refused_join_rate", adm.join_rate},
      {"signal.refused_session_rate", adm.session_rate},
      {"signal.refused_message_rate", adm.message_rate},
      {"signal.unauthorized", sig.unauthorized},
      {"trunk.direct_introductions", direct.introductions},
      {"trunk.direct_refused", direct.refused},
      {"trunk.direct_setups_sent", direct.setups_sent},
      {"trunk.direct_setups_received", direct.setups_received},
      {"trunk.direct_retries", direct.retries},
      {"trunk.direct_connected", direct.connected},
      {"trunk.direct_bytes_received", direct.bytes_received},
      {"trunk.direct_bytes_sent", direct.bytes_sent},
      {"trunk.direct_trunks", direct.trunks.trunks},
      {"trunk.direct_tracks", trunk_hub_->direct_tracks()},
      {"trunk.direct_send_failed", direct.trunks.send_failed},
      {"trunk.direct_channels_refused", direct.trunks.refused},
      {"trunk.site_messages_refused", trunk_hub_->site_messages_refused()},
      {"rendezvous.introductions", rv.introductions},
      {"rendezvous.endings", rv.endings},
      {"rendezvous.signals_relayed", rv.signals_relayed},
      {"rendezvous.refused_not_introduced", rv.refused_not_introduced},
      {"rendezvous.refused_unauthenticated", rv.refused_unauthenticated},
      {"rendezvous.refused_too_large", rv.refused_too_large},
      {"rendezvous.refused_rate", rv.refused_rate},
      {"rendezvous.refused_sites", rv.refused_sites},
      {"udp.received", udp.received},
      {"udp.sent", udp.sent},
      {"udp.send_dropped", udp.send_dropped},
      {"udp.pool_exhausted", udp.receive_pool_exhausted},
      {"media.stun_unknown_ufrag", mp.stun_unknown_ufrag},
      {"media.stun_malformed", mp.stun_malformed},
      {"media.stun_reflexive_answered", mp.stun_reflexive_answered},
      {"media.unknown_source", mp.unknown_source},
      {"media.not_demuxable", mp.not_demuxable},
      {"media.stale_dropped", mp.stale_dropped},
      {"media.load_level", uint64_t(load_->governor().level())},
      {"media.load_raises", load_->governor().raises()},
      {"media.load_shed", router.load_shed},
      {"media.layer_switches", router.layer_switches},
      {"media.layer_keyframes", router.layer_keyframes},
      {"media.packets_received", router.packets_received},
      {"media.bytes_received", router.bytes_received},
      {"media.packets_forwarded", router.packets_forwarded},
      {"media.bytes_forwarded", router.bytes_forwarded},
      {"media.nacks_sent", router.nacks_sent},
      {"media.nacks_received", router.nacks_received},
      {"media.plis_sent", router.plis_sent},
      {"media.plis_received", router.plis_received},
      {"media.rtx_received", router.rtx_received},
      {"media.retransmitted", router.retransmitted},
      {"media.unknown_ssrc", router.unknown_ssrc_packets},
      {"media.unknown_ssrc_named", router.unknown_ssrc_named},
      {"media.ssrc_changes_deferred", router.ssrc_changes_deferred},
      {"media.ssrc_changes", router.ssrc_changes},
      {"media.malformed_rtp", router.malformed_rtp},
      {"media.malformed_payload", router.malformed_payload},
      {"media.svc_dropped", router.svc_dropped},
      {"media.malformed_rtcp", router.malformed_rtcp},
      {"bwe.feedback", router.transport_feedback},
      {"bwe.probe_packets", router.probe_packets},
      {"bwe.pauses", router.bandwidth_pauses},
      {"bwe.resumes", router.bandwidth_resumes},
      {"bwe.paused_subscribers", plane_->router().paused_subscribers()},
      {"dtls.invalid_records", dtls.invalid_records},
      {"dtls.bad_mac", dtls.bad_mac},
      {"dtls.stray_handshake", dtls.stray_handshake},
      {"dtls.stray_alerts", dtls.stray_alerts},
      {"dtls.hello_fragments_ignored", dtls.hello_fragments_ignored},
      {"dtls.sessions_released", media_context_->dtls_sessions_released},
      {"srtp.gcm_sessions", media_context_->srtp_gcm_sessions},
      {"srtp.rtp_auth_failed", media_context_->srtp_drops.rtp_auth_failed},
      {"srtp.rtcp_auth_failed", media_context_->srtp_drops.rtcp_auth_failed},
      {"srtp.replayed", media_context_->srtp_drops.replayed},
      {"srtp.unprotect_failed", media_context_->srtp_drops.other_failed},
      {"srtp.before_keys", media_context_->srtp_drops.before_keys},
      {"srtp.aes_cm_sessions", media_context_->srtp_aes_cm_sessions},
      {"data.associations", media_context_->sctp_associations},
      {"data.channels_opened", data.channels_opened},
      {"data.relay_channels", data.relay_channels},
      {"data.messages_received", data.messages_received},
      {"data.messages_relayed", data.messages_relayed},
      {"data.bytes_relayed", data.bytes_relayed},
      {"data.refused_rate", data.refused_rate},
      {"data.refused_channel", data.refused_channel},
      {"data.send_failed", data.send_failed},
      {"data.trunk_received", data.trunk_received},
      {"data.trunk_sent", data.trunk_sent},
      {"data.trunk_duplicates", data.trunk_duplicates},
      {"data.trunk_refused", data.trunk_refused},
      // Inside associations (src/sctp): what SCTP or DCEP refused or could not send.
      {"data.outbox_dropped", sctp_drops.outbox_dropped},
      {"data.messages_too_large", sctp_drops.messages_too_large},
      {"data.packets_refused", sctp_drops.packets_refused},
      {"data.dcep_refused", sctp_drops.dcep_refused},
      {"data.unknown_channel", sctp_drops.unknown_channel},
      {"data.unknown_ppid", sctp_drops.unknown_ppid},
      {"data.packets_unsent", sctp_drops.packets_unsent},
      {"data.stray_application_data", sctp_drops.stray_application_data},
      // Since start, from the kernel's receive timestamp to the send call of each copy.
      {"media.forward_delay_p50_us", delays.quantile_us(0.5)},
      {"media.forward_delay_p99_us", delays.quantile_us(0.99)},
      {"media.forward_delay_max_us", delays.max_us()},
  };
  recordings_->snapshot(s);
  return s;
}

int make_certs_command(const std::vector<std::string>& args) {
  std::string dir = args.size() > 1 ? args[1] : ".";
  auto names = tls::default_names();
  std::string host = args.size() > 2 ? args[2] : names.common_name;
  auto r = tls::make_local_ca_and_server_cert(dir, host, names.ip_addresses);
  if (!r) {
    std::fprintf(stderr, "umbrella: make-certs: %s\n", r.error().c_str());
    return 1;
  }
  std::printf("wrote %s/ca.crt, ca.key, service.crt, service.key for %s\n", dir.c_str(), host.c_str());
  std::printf("trust ca.crt on each device (keep ca.key private), then run umbrella where service.crt is\n");
  return 0;
}

}  // namespace umbrella::server
