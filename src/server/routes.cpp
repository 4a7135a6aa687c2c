#include "server/routes.hpp"

#include <vector>

#include "core/log.hpp"
#include "http/gunzip.hpp"
#include "server/access.hpp"
#include "signal/codec.hpp"
#include "signal/status_prometheus.hpp"
#include "web/assets.hpp"
#include "ws/accept.hpp"

namespace umbrella::server {

// One /wsb connection: WebSocket events in, Envelopes out.
class Routes::Bridge final : public ws::Listener, public SignalChannel {
 public:
  Bridge(Routes& routes, const SocketAddress& peer) : routes_(routes), peer_(peer) {}

  void on_open(ws::Session& session) override {
    session_ = &session;
    connection_ = routes_.conference_.open(this, peer_);
    routes_.bridges_[connection_].reset(this);
  }
  void on_message(ws::Session&, ws::MessageType type, Bytes payload) override {
    if (type != ws::MessageType::kBinary) {
      close(ws::close_code::kUnsupportedData, "binary protobuf frames only");
      return;
    }
    routes_.conference_.on_message(connection_, payload, routes_.loop_.now());
  }
  void on_close(ws::Session&, uint16_t, std::string_view) override {
    if (!session_) return;
    session_ = nullptr;
    routes_.conference_.on_closed(connection_);
    uint64_t id = connection_;
    Routes& routes = routes_;
    // The session still references us while it unwinds: delete from the loop.
    routes_.defer_([&routes, id] { routes.bridges_.erase(id); });
  }

  void send(const umbrella_Envelope& env) override {
    if (!session_) return;
    static thread_local std::vector<uint8_t> buf(signal::kMaxEnvelopeSize);  // too big for the stack
    size_t n = signal::encode(env, buf);
    if (n == 0) {
      LOG_WARN("signal", "cannot encode ", signal::body_name(env));
      return;
    }
    session_->send_binary(Bytes(buf.data(), n));
    routes_.flush_();
  }
  void close(uint16_t code, std::string_view reason) override {
    if (session_) session_->close(code, reason, routes_.loop_.now());
    routes_.flush_();
  }

 private:
  Routes& routes_;
  SocketAddress peer_;
  ws::Session* session_ = nullptr;
  uint64_t connection_ = 0;
};

Routes::Routes(EventLoop& loop, const Config& config, const Access& access, Conference& conference, StatusSource status,
               MetricsSource metrics, std::function<void()> flush, std::function<void(std::function<void()>)> defer)
    : loop_(loop), config_(config), access_(access), conference_(conference), status_(std::move(status)),
      metrics_(std::move(metrics)), flush_(std::move(flush)), defer_(std::move(defer)) {}

Routes::~Routes() = default;

std::optional<std::string> Routes::route_path(const http::Request& request) const {
  const std::string& prefix = config_.http_prefix;
  if (request.path.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  std::string rest = request.path.substr(prefix.size());
  if (rest.empty()) rest = "/";
  if (rest.front() != '/') return std::nullopt;
  return rest;
}

std::optional<http::UpgradeResult> Routes::upgrade(const http::Request& request, Instant now) {
  auto path = route_path(request);
  if (!path || *path != "/wsb") return std::nullopt;
  auto bridge = std::make_unique<Bridge>(*this, http::client_address(request, config_.trusted_proxy));
  ws::SessionConfig cfg;
  cfg.max_message_bytes = signal::kMaxEnvelopeSize + 64;
  auto result = ws::accept_upgrade(request, *bridge, cfg, now);
  // on_open() adopted the bridge into bridges_ when the upgrade succeeded.
  if (result.stream) (void)bridge.release();
  return result;
}

http::Response Routes::handle(const http::Request& request) {
  auto path = route_path(request);
  if (!path) return http::Response::error(404);
  bool get = request.method == "GET" || request.method == "HEAD";
  if (*path == "/healthz") return get ? http::Response::text(200, "ok\n") : http::Response::error(405);
  if (path->rfind("/whip", 0) == 0 || path->rfind("/whep", 0) == 0 || path->rfind("/resource/", 0) == 0)
    return handle_whip(request, *path);
  if (*path == "/token") return request.method == "POST" ? issue_token(request) : http::Response::error(405);
  if (*path == "/record") return request.method == "POST" ? control_recording(request) : http::Response::error(405);
  if (!get) return http::Response::error(405);
  if (*path == "/") {
    http::Response r;
    r.status = 302;
    r.headers.push_back({"Location", config_.http_prefix + "/sfu"});
    return r;
  }
  if (*path == "/status.json") return serve_status(request, false);
  if (*path == "/status.pb") return serve_status(request, true);
  if (*path == "/metrics") return serve_metrics(request);
  if (*path == "/status" && request.header("accept").value_or("").find("application/x-protobuf") != std::string_view::npos)
    return serve_status(request, true);
  if (*path == "/sfu" || *path == "/trunk" || *path == "/status") return serve_asset(request, web::kAppShellPath);
  if (path->rfind("/static/", 0) == 0) return serve_asset(request, *path);
  if (*path == "/wsb") return http::Response::text(426, "WebSocket upgrade required\n");
  return http::Response::error(404);
}

namespace {

// 401 asks for a credential (RFC 6750), 403 says the one given does not allow this.
http::Response refusal(Conference& conference, const AccessRefusal& r) {
  ++conference.signal_counters().unauthorized;
  http::Response out = http::Response::text(r.http_status, r.reason + "\n");
  if (r.http_status == 401) out.headers.push_back({"WWW-Authenticate", "Bearer"});
  return out;
}

// What anyone may see: counts and counters, no client, address or trunk URL.
void keep_aggregates(signal::StatusSnapshot& s) {
  s.clients.clear();
  s.trunks.clear();
  s.recordings.clear();
  s.direct_bridges.clear();
  s.detail = false;
}

}  // namespace

// The status page's invite link: POST /token?room=R&identity=I[&name=N][&ttl=1h][&viewer=1]
// with the administrator secret answers one room access token, as `umbrella token` prints.
http::Response Routes::issue_token(const http::Request& request) const {
  if (!access_.is_admin(bearer_token(request)))
    return refusal(conference_, {401, "only the administrator may make access tokens (Authorization: Bearer "
                                      "the administrator secret)"});
  auth::RoomClaims claims;
  claims.room = request.query_param("room").value_or("");
  claims.identity = request.query_param("identity").value_or("");
  claims.name = request.query_param("name").value_or("");
  claims.can_publish = request.query_param("viewer").value_or("") != "1";
  int64_t ttl = parse_lifetime(request.query_param("ttl").value_or("1h"));
  if (ttl <= 0) return http::Response::text(400, "ttl: expected a duration such as 90s, 15m, 1h or 7d\n");
  auto token = access_.issue(claims, ttl);
  if (!token) return http::Response::text(access_.rooms_open() ? 409 : 400, token.error() + "\n");
  LOG_INFO("access", "token issued for ", claims.identity, " in room ", claims.room, claims.can_publish ? "" : " (viewer)");
  return http::Response::text(200, *token + "\n");
}

// The status page's recording switch: POST /record?room=R&on=1 (or on=0) with the
// administrator secret starts or stops recording room R.
http::Response Routes::control_recording(const http::Request& request) {
  if (!access_.is_admin(bearer_token(request)))
    return refusal(conference_, {401, "only the administrator may start or stop recordings (Authorization: Bearer "
                                      "the administrator secret)"});
  std::string on = std::string(request.query_param("on").value_or(""));
  if (on != "1" && on != "0") return http::Response::text(400, "on: expected 1 (start) or 0 (stop)\n");
  if (!recordings_ || !recordings_->available())
    return http::Response::text(409, "recording is unavailable: set UMBRELLA_RECORD_DIR to the folder recordings go to\n");
  std::string room(request.query_param("room").value_or(""));
  if (auto e = recordings_->set(room, on == "1")) return http::Response::text(e->rfind("expected", 0) == 0 ? 400 : 409, *e + "\n");
  return http::Response::text(200, std::string(on == "1" ? "recording " : "not recording ") + room + "\n");
}

// WHIP (RFC 9725) and WHEP: POST an SDP offer to /whip/<room> or /whep/<room>, get the answer
// and a Location to DELETE when done.
http::Response Routes::handle_whip(const http::Request& request, const std::string& path) {
  std::string credential(request.header("authorization").value_or(""));
  if (path.rfind("/resource/", 0) == 0) {
    // Trickle ICE and ICE restarts (PATCH) are not supported: the server is ICE-lite.
    if (request.method != "DELETE") return http::Response::error(405);
    switch (conference_.end_http_session(path.substr(10), credential, access_.is_admin(bearer_token(request)))) {
      case Conference::EndResult::kEnded: return http::Response::text(200, "");
      case Conference::EndResult::kNotFound: return http::Response::error(404);
      case Conference::EndResult::kForbidden:
        return http::Response::text(403, "only the credential that created this session may end it\n");
    }
  }
  if (request.method == "OPTIONS") {
    http::Response r;
    r.status = 204;
    r.headers.push_back({"Accept-Post", "application/sdp"});
    return r;
  }
  if (request.method != "POST") return http::Response::error(405);
  if (request.header("content-type").value_or("").find("application/sdp") == std::string_view::npos)
    return http::Response::text(415, "expected Content-Type: application/sdp\n");
  bool publish = path.rfind("/whip", 0) == 0;
  std::string room = path.size() > 6 ? path.substr(6) : "";
  if (room.find('/') != std::string::npos || room.size() > 64) return http::Response::error(404);
  auto grant = access_.admit(bearer_token(request), room.empty() ? "default" : room);
  if (!grant) return refusal(conference_, grant.error());
  if (publish && !grant->can_publish)
    return refusal(conference_, {403, "this access token may not publish (a viewer token): use WHEP to watch"});
  if (!publish && !grant->can_subscribe) return refusal(conference_, {403, "this access token may not subscribe"});
  if (auto refused = conference_.admit_http(http::client_address(request, config_.trusted_proxy), room, loop_.now())) {
    http::Response r = http::Response::text(refused->over_rate ? 429 : 503, refused->reason + "\n");
    r.headers.push_back({"Retry-After", refused->over_rate ? "60" : "30"});
    return r;
  }
  auto session = publish ? conference_.whip(room, request.body, loop_.now(), *grant, credential)
                         : conference_.whep(room, request.body, loop_.now(), *grant, credential);
  if (!session) return http::Response::text(400, session.error() + "\n");
  http::Response r;
  r.status = 201;
  r.content_type = "application/sdp";
  r.body = session->answer;
  r.headers.push_back({"Location", config_.http_prefix + "/resource/" + session->resource});
  flush_();
  return r;
}

http::Response Routes::serve_asset(const http::Request& request, std::string_view path) const {
  const web::Asset* asset = web::find_asset(path);
  if (!asset) return http::Response::error(404);
  http::Response r;
  std::string etag(asset->etag);
  r.headers.push_back({"ETag", etag});
  // HTML is the entry point and must be revalidated; hashed assets may be cached.
  r.headers.push_back({"Cache-Control", path == web::kAppShellPath ? "no-cache" : "public, max-age=3600"});
  if (request.header("if-none-match") == std::optional<std::string_view>(etag)) {
    r.status = 304;
    return r;
  }
  r.content_type = std::string(asset->content_type);
  r.headers.push_back({"Vary", "Accept-Encoding"});
  auto send = [&](std::span<const uint8_t> body) { r.body.assign(reinterpret_cast<const char*>(body.data()), body.size()); };
  if (asset->gzip_body.empty()) {
    send(asset->body);
  } else if (request.header("accept-encoding").value_or("").find("gzip") != std::string_view::npos) {
    r.headers.push_back({"Content-Encoding", "gzip"});
    send(asset->gzip_body);
  } else if (auto raw = http::gunzip(asset->gzip_body, asset->size)) {
    send(*raw);  // a client without gzip: rare, so the binary keeps no raw copy
  } else {
    return http::Response::error(500);  // cannot happen: web-assets checks every asset at build time
  }
  return r;
}

http::Response Routes::serve_status(const http::Request& request, bool protobuf) const {
  bool asked = request.header("authorization").has_value();
  if (asked && !access_.is_admin(bearer_token(request)))
    return refusal(conference_, {401, "wrong administrator secret (see admin.secret beside the certificate, or "
                                      "UMBRELLA_ADMIN_SECRET); without Authorization the status shows only totals"});
  signal::StatusSnapshot s = status_();
  if (!asked) keep_aggregates(s);
  http::Response r;
  r.headers.push_back({"Cache-Control", "no-store"});
  if (protobuf) {
    r.content_type = "application/x-protobuf";
    r.body = signal::to_protobuf(s);
  } else {
    r.content_type = "application/json";
    r.body = signal::to_json(s);
  }
  return r;
}

// Prometheus scrapes: the internals need the administrator secret or UMBRELLA_METRICS_TOKEN.
http::Response Routes::serve_metrics(const http::Request& request) const {
  if (!access_.may_scrape(bearer_token(request)))
    return refusal(conference_, {401, "/metrics needs Authorization: Bearer with UMBRELLA_METRICS_TOKEN or the "
                                      "administrator secret"});
  http::Response r;
  r.headers.push_back({"Cache-Control", "no-store"});
  r.content_type = std::string(signal::kPrometheusContentType);
  r.body = metrics_();
  return r;
}

}  // namespace umbrella::server
