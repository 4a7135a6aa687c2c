#include "server/http_server.hpp"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/log.hpp"

namespace umbrella::server {

HttpServer::HttpServer(EventLoop& loop, TcpListener listener, const tls::TlsServerConfig* tls,
                       http::Handler& handler, size_t max_connections)
    : loop_(loop), listener_(std::move(listener)), tls_(tls), handler_(handler), max_connections_(max_connections) {
  // WHIP/WHEP offers for big rooms (a hundred m-lines) exceed the parser's 64 KiB default.
  http_config_.limits.max_body_bytes = 256 * 1024;
  loop_.watch(listener_.fd(), EPOLLIN, [this](uint32_t) { on_accept(); });
}

HttpServer::~HttpServer() {
  loop_.unwatch(listener_.fd());
  while (!connections_.empty()) close_connection(connections_.begin()->first);
  if (flush_timer_) loop_.cancel(flush_timer_);
}

http::Counters HttpServer::live_http_counters() const {
  http::Counters sum = counters_.http;
  for (auto& [id, c] : connections_) sum += c->http->counters();
  return sum;
}

void HttpServer::on_accept() {
  for (int i = 0; i < 64; ++i) {
    SocketAddress peer;
    int fd = listener_.accept(peer);
    if (fd < 0) return;
    if (connections_.size() >= max_connections_) {
      ++counters_.refused_too_many;
      close(fd);
      continue;
    }
    ++counters_.accepted;
    auto c = std::make_unique<Connection>();
    c->id = next_id_++;
    c->fd = fd;
    c->peer = peer;
    if (tls_) c->tls.emplace(tls::TlsSession::server(*tls_));
    c->http = std::make_unique<http::HttpConnection>(handler_, http_config_, loop_.now());
    uint64_t id = c->id;
    loop_.watch(fd, EPOLLIN | EPOLLRDHUP, [this, id](uint32_t ev) { on_io(id, ev); });
    Connection& ref = *c;
    connections_.emplace(id, std::move(c));
    pump(ref);
  }
}

void HttpServer::on_io(uint64_t id, uint32_t events) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  Instant now = loop_.now();
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    uint8_t buf[16 * 1024];
    bool eof = false;
    // Bounded: a fast sender cannot monopolise the loop.
    for (int i = 0; i < 16; ++i) {
      ssize_t n = read(c.fd, buf, sizeof(buf));
      if (n > 0) {
        Bytes data(buf, size_t(n));
        if (c.tls) {
          c.tls->feed(data);
          std::string plain;
          auto r = c.tls->read_all(plain);
          if (!r || c.tls->failed()) {
            ++counters_.tls_failed;
            LOG_DEBUG("http", "TLS from ", c.peer.to_string(), " failed: ", c.tls->error());
            // Send the alert mbedTLS produced, then close.
            std::string alert = c.tls->take_output();
            if (!alert.empty()) (void)!write(c.fd, alert.data(), alert.size());
            close_connection(id);
            return;
          }
          if (!plain.empty()) c.http->on_bytes(as_bytes(plain), now);
          if (c.tls->peer_closed()) eof = true;
        } else {
          c.http->on_bytes(data, now);
        }
        if (size_t(n) < sizeof(buf)) break;
      } else if (n == 0) {
        eof = true;
        break;
      } else {
        if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) eof = true;
        break;
      }
    }
    if (eof) {
      c.http->on_eof();
      pump(c);
      close_connection(id);
      return;
    }
  }
  pump(c);
}

void HttpServer::on_timer(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  c.timer = 0;
  c.http->on_timeout(loop_.now());
  pump(c);
}

bool HttpServer::pump(Connection& c) {
  std::string out = c.http->take_output();
  if (!out.empty()) {
    if (c.tls) {
      (void)c.tls->write(as_bytes(out));
    } else {
      c.pending += out;
    }
  }
  if (c.tls) c.pending += c.tls->take_output();
  while (!c.pending.empty()) {
    ssize_t n = send(c.fd, c.pending.data(), c.pending.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.pending.erase(0, size_t(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    close_connection(c.id);
    return false;
  }
  bool want_write = !c.pending.empty();
  if (want_write != c.want_write) {
    loop_.set_events(c.fd, EPOLLIN | EPOLLRDHUP | (want_write ? uint32_t(EPOLLOUT) : 0u));
    c.want_write = want_write;
  }
  if (c.pending.empty() && c.http->should_close()) {
    close_connection(c.id);
    return false;
  }
  uint64_t id = c.id;
  loop_.reschedule(c.timer, c.http->next_deadline(), [this, id] { on_timer(id); });
  return true;
}

void HttpServer::request_flush() {
  if (flush_timer_) return;
  flush_timer_ = loop_.schedule(loop_.now(), [this] {
    flush_timer_ = 0;
    std::vector<uint64_t> ids;
    for (auto& [id, c] : connections_) ids.push_back(id);
    for (uint64_t id : ids) {
      auto it = connections_.find(id);
      if (it != connections_.end()) pump(*it->second);
    }
  });
}

void HttpServer::close_connection(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  if (auto* up = c.http->upgraded()) up->on_transport_closed();
  counters_.http += c.http->counters();
  if (c.timer) loop_.cancel(c.timer);
  loop_.unwatch(c.fd);
  close(c.fd);
  connections_.erase(it);
}

}  // namespace umbrella::server
