// Assembles the SFU from its parts: HTTPS/WebSocket control plane, the media UDP port,
// the conference. Owns every socket through HttpServer and MediaPort.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "media/media_plane.hpp"
#include "server/access.hpp"
#include "server/conference.hpp"
#include "server/config.hpp"
#include "server/http_server.hpp"
#include "server/load_watch.hpp"
#include "server/media_port.hpp"
#include "server/recordings.hpp"
#include "server/routes.hpp"
#include "server/sctp_clock.hpp"
#include "server/trunk_hub.hpp"
#include "server/trunks.hpp"
#include "tls/certificate.hpp"
#include "tls/server_config.hpp"

namespace umbrella::server {

class Server {
 public:
  static Result<std::unique_ptr<Server>, std::string> create(EventLoop& loop, const Config& config);
  ~Server();

  uint16_t http_port() const { return http_->port(); }
  uint16_t media_port() const { return media_->port(); }
  signal::StatusSnapshot status() const;

 private:
  Server(EventLoop& loop, const Config& config);
  void defer(std::function<void()> fn);

  EventLoop& loop_;
  Config config_;
  Instant started_;
  std::optional<tls::TlsServerConfig> https_;
  std::optional<tls::Certificate> dtls_cert_;  // one per process, made at start
  std::unique_ptr<Access> access_;
  std::unique_ptr<media::MediaPlane> plane_;
  std::unique_ptr<SctpClock> sctp_;  // outlives every transport (data channels)
  std::unique_ptr<MediaContext> media_context_;
  std::unique_ptr<Conference> conference_;
  std::unique_ptr<Recordings> recordings_;
  std::unique_ptr<TrunkHub> trunk_hub_;
  std::unique_ptr<DirectBridges> direct_;  // this site's direct bridges to introduced sites (#18)
  std::unique_ptr<Routes> routes_;
  std::unique_ptr<Trunks> trunks_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<MediaPort> media_;
  std::unique_ptr<LoadWatch> load_;
  std::vector<std::function<void()>> deferred_;
  EventLoop::TimerId deferred_timer_ = 0;
};

// Headers on every HTTP(S) response: CSP, nosniff, no referrer, no framing, HSTS with a public host.
std::vector<http::Header> security_headers(const Config& config);

// "make-certs [DIR] [HOSTNAME]": a local CA and a server certificate signed by it.
int make_certs_command(const std::vector<std::string>& args);

}  // namespace umbrella::server
