#include "http/connection.hpp"

#include <utility>

namespace umbrella::http {

Counters& Counters::operator+=(const Counters& o) {
  requests += o.requests;
  bad_request += o.bad_request;
  uri_too_long += o.uri_too_long;
  body_too_large += o.body_too_large;
  headers_too_large += o.headers_too_large;
  not_supported += o.not_supported;
  header_timeout += o.header_timeout;
  body_timeout += o.body_timeout;
  idle_timeout += o.idle_timeout;
  upgrades += o.upgrades;
  upgrades_refused += o.upgrades_refused;
  return *this;
}

HttpConnection::HttpConnection(Handler& handler, const ConnectionConfig& config, Instant now, SocketAddress peer)
    : handler_(handler),
      config_(config),
      parser_(std::make_unique<RequestParser>(config.limits)),
      peer_(peer),
      idle_deadline_(now + config.first_request_timeout) {}

size_t HttpConnection::on_bytes(Bytes data, Instant now) {
  const size_t total = data.size();
  if (closing_) return total;
  if (upgraded_) {
    upgraded_->on_bytes(data, now);
    return total;
  }
  while (!closing_) {
    auto result = parser_->feed(data);
    data = data.subspan(result.consumed);
    bool started = parser_->in_message() || result.state == RequestParser::State::kRequest ||
                   result.state == RequestParser::State::kUpgrade;
    if (started && request_started_ == kNever) request_started_ = now;
    if (parser_->headers_complete() && headers_done_at_ == kNever) headers_done_at_ = now;
    if (parser_->take_expect_continue()) out_ += "HTTP/1.1 100 Continue\r\n\r\n";
    switch (result.state) {
      case RequestParser::State::kNeedMore:
        return total;
      case RequestParser::State::kRequest:
        handle_request(parser_->take_request(), now);
        if (!closing_ && out_.size() >= config_.pause_output_bytes) return total - data.size();
        break;  // pipelined requests may follow in data
      case RequestParser::State::kUpgrade:
        handle_upgrade(parser_->take_request(), data, now);
        return total;
      case RequestParser::State::kError:
        refuse(parser_->error().status);
        return total;
    }
  }
  return total;
}

void HttpConnection::on_eof() {
  if (upgraded_) upgraded_->on_transport_closed();
  closing_ = true;
}

void HttpConnection::handle_request(Request&& request, Instant now) {
  ++counters_.requests;
  request.peer = peer_;
  Response response = handler_.handle(request);
  bool keep_alive = request.keep_alive && !response.close;
  respond(std::move(response), keep_alive, request.method == "HEAD");
  if (!keep_alive) closing_ = true;
  arm_idle(now, config_.idle_timeout);
}

void HttpConnection::handle_upgrade(Request&& request, Bytes rest, Instant now) {
  ++counters_.requests;
  request.peer = peer_;
  std::optional<UpgradeResult> result = handler_.upgrade(request, now);
  if (!result) {
    // Not an upgrade we speak: answer as a plain request, then close, since what follows
    // on the wire may belong to the other protocol.
    respond(handler_.handle(request), false, request.method == "HEAD");
    closing_ = true;
    return;
  }
  if (result->response.status != 101 || !result->stream) {
    ++counters_.upgrades_refused;
    if (result->response.status == 101) result->response = Response::error(500);
    respond(std::move(result->response), false, false);
    closing_ = true;
    return;
  }
  ++counters_.upgrades;
  serialize_to(out_, result->response, true);
  upgraded_ = std::move(result->stream);
  parser_.reset();
  if (!rest.empty()) upgraded_->on_bytes(rest, now);
}

void HttpConnection::respond(Response r, bool keep_alive, bool head_request) {
  r.headers.insert(r.headers.end(), config_.response_headers.begin(), config_.response_headers.end());
  serialize_to(out_, r, keep_alive, head_request);
}

void HttpConnection::refuse(int status) {
  switch (status) {
    case 413: ++counters_.body_too_large; break;
    case 414: ++counters_.uri_too_long; break;
    case 431: ++counters_.headers_too_large; break;
    case 501:
    case 505: ++counters_.not_supported; break;
    default: ++counters_.bad_request; break;
  }
  respond(Response::error(status), false, false);
  closing_ = true;
}

void HttpConnection::arm_idle(Instant now, Duration timeout) {
  request_started_ = kNever;
  headers_done_at_ = kNever;
  idle_deadline_ = now + timeout;
}

std::string HttpConnection::take_output() {
  std::string out = std::exchange(out_, std::string());
  if (upgraded_) {
    if (out.empty()) return upgraded_->take_output();
    out += upgraded_->take_output();
  }
  return out;
}

bool HttpConnection::has_output() const {
  return !out_.empty() || (upgraded_ && upgraded_->has_output());
}

Instant HttpConnection::next_deadline() const {
  if (closing_) return kNever;
  if (upgraded_) return upgraded_->next_deadline();
  if (headers_done_at_ != kNever) return headers_done_at_ + config_.body_timeout;
  if (request_started_ != kNever) return request_started_ + config_.header_timeout;
  return idle_deadline_;
}

void HttpConnection::on_timeout(Instant now) {
  if (closing_) return;
  if (upgraded_) {
    upgraded_->on_timeout(now);
    return;
  }
  if (now < next_deadline()) return;
  if (headers_done_at_ != kNever) {
    ++counters_.body_timeout;
    respond(Response::error(408), false, false);
  } else if (request_started_ != kNever) {
    ++counters_.header_timeout;  // slowloris: headers trickling in
    respond(Response::error(408), false, false);
  } else {
    ++counters_.idle_timeout;
  }
  closing_ = true;
}

bool HttpConnection::should_close() const {
  return closing_ || (upgraded_ && upgraded_->should_close());
}

}  // namespace umbrella::http
