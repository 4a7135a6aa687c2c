#include "server/http_server.hpp"

#include <sys/epoll.h>
#include <unistd.h>

#include <vector>

#include "core/log.hpp"
#include "server/address_rate.hpp"

namespace umbrella::server {


HttpServer::HttpServer(EventLoop& loop, stream::TcpListener listener, const tls::TlsServerConfig* tls,
                       http::Handler& handler, Limits limits)
    : loop_(loop), listener_(std::move(listener)), tls_(tls), handler_(handler), limits_(limits) {
  // WHIP/WHEP offers for big rooms (a hundred m-lines) exceed the parser's 64 KiB default.
  http_config_.limits.max_body_bytes = 256 * 1024;
  // Pipelined requests wait while the stream has this much to send (see stream::TcpStream).
  http_config_.pause_output_bytes = limits_.stream.low_water;
  http_config_.response_headers = limits_.response_headers;
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
    if (connections_.size() >= limits_.max_connections) {
      ++counters_.refused_too_many;
      close(fd);
      continue;
    }
    SocketAddress key = host_key(peer);
    uint32_t& from_address = per_address_[key];
    if (limits_.max_per_address && from_address >= limits_.max_per_address) {
      ++counters_.refused_per_address;
      close(fd);
      continue;
    }
    ++from_address;
    ++counters_.accepted;
    uint64_t id = next_id_++;
    auto c = std::make_unique<Connection>(*this, id, key);
    c->http = std::make_unique<http::HttpConnection>(handler_, http_config_, loop_.now(), peer);
    Connection& ref = *c;
    connections_.emplace(id, std::move(c));
    std::optional<tls::TlsSession> session;
    if (tls_) session.emplace(tls::TlsSession::server(*tls_));
    ref.stream = std::make_unique<stream::TcpStream>(loop_, ref, fd, peer, std::move(session), limits_.stream);
    if (ref.stream->end() != stream::TcpStream::End::kOpen) {
      LOG_WARN("http", "cannot watch the connection from ", peer.to_string(), ": ", ref.stream->describe());
      close_connection(id);
      continue;
    }
    pump(ref);
  }
}

size_t HttpServer::Connection::on_stream_data(stream::TcpStream&, Bytes data) {
  size_t used = http->on_bytes(data, server.loop_.now());
  server.move_output(*this);
  return used;
}

void HttpServer::Connection::on_stream_eof(stream::TcpStream&) {
  http->on_eof();
  server.move_output(*this);
  stream->close_when_sent();
}

void HttpServer::Connection::on_stream_closed(stream::TcpStream& s) {
  switch (s.end()) {
    case stream::TcpStream::End::kTlsFailed:
      ++server.counters_.tls_failed;
      LOG_DEBUG("http", "TLS from ", s.peer().to_string(), " failed: ", s.describe());
      break;
    case stream::TcpStream::End::kStalled:
    case stream::TcpStream::End::kOverflow:
      ++server.counters_.stalled;
      LOG_DEBUG("http", "closing ", s.peer().to_string(), ": ", s.describe());
      break;
    default:
      break;
  }
  server.close_connection(id);  // deletes this
}

void HttpServer::on_timer(uint64_t id) {
  auto it = connections_.find(id);
  if (it == connections_.end()) return;
  Connection& c = *it->second;
  c.timer = 0;
  c.http->on_timeout(loop_.now());
  pump(c);
}

void HttpServer::move_output(Connection& c) {
  std::string out = c.http->take_output();
  if (!out.empty()) c.stream->write(std::move(out));
  if (c.http->should_close()) c.stream->close_when_sent();
  uint64_t id = c.id;
  loop_.reschedule(c.timer, c.http->next_deadline(), [this, id] { on_timer(id); });
}

bool HttpServer::pump(Connection& c) {
  move_output(c);
  if (c.stream->flush()) return true;
  if (c.stream->end() == stream::TcpStream::End::kStalled || c.stream->end() == stream::TcpStream::End::kOverflow)
    ++counters_.stalled;
  close_connection(c.id);
  return false;
}

void HttpServer::request_flush() {
  if (flush_timer_) return;
  flush_timer_ = loop_.schedule(loop_.now(), [this] {
    flush_timer_ = 0;
    std::vector<uint64_t> ids;
    ids.reserve(connections_.size());
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
  std::unique_ptr<Connection> c = std::move(it->second);
  connections_.erase(it);
  if (auto* up = c->http->upgraded()) up->on_transport_closed();
  counters_.http += c->http->counters();
  if (c->timer) loop_.cancel(c->timer);
  if (auto a = per_address_.find(c->address_key); a != per_address_.end() && --a->second == 0) per_address_.erase(a);
}

}  // namespace umbrella::server
