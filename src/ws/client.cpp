#include "ws/client.hpp"

#include <utility>

#include "ws/handshake.hpp"

namespace umbrella::ws {

Client::Client(std::string_view host, std::string_view path, Listener& listener, SessionConfig config, Instant now,
               std::string_view protocol)
    : listener_(listener),
      config_(std::move(config)),
      key_(generate_client_key()),
      protocol_(protocol),
      out_(build_client_handshake(host, path, key_, protocol)),
      handshake_deadline_(now + kHandshakeTimeout) {}

void Client::on_bytes(Bytes data, Instant now) {
  if (failed_) return;
  if (session_) {
    session_->on_bytes(data, now);
    return;
  }
  in_.append(reinterpret_cast<const char*>(data.data()), data.size());
  auto result = validate_server_handshake(as_bytes(in_), key_, protocol_);
  switch (result.status) {
    case ServerHandshakeResult::Status::kNeedMore:
      return;
    case ServerHandshakeResult::Status::kError:
      fail(std::move(result.error));
      return;
    case ServerHandshakeResult::Status::kOk:
      break;
  }
  session_ = std::make_unique<Session>(Role::kClient, &listener_, std::move(config_), now);
  std::string rest = in_.substr(result.consumed);
  std::string().swap(in_);
  listener_.on_open(*session_);
  if (!rest.empty()) session_->on_bytes(as_bytes(rest), now);
}

void Client::fail(std::string why) {
  failed_ = true;
  error_ = std::move(why);
  std::string().swap(in_);
}

std::string Client::take_output() {
  std::string out = std::exchange(out_, std::string());
  if (session_) {
    if (out.empty()) return session_->take_output();
    out += session_->take_output();
  }
  return out;
}

bool Client::has_output() const { return !out_.empty() || (session_ && session_->has_output()); }

Instant Client::next_deadline() const {
  if (failed_) return kNever;
  return session_ ? session_->next_deadline() : handshake_deadline_;
}

void Client::on_timeout(Instant now) {
  if (failed_) return;
  if (session_) {
    session_->on_timeout(now);
  } else if (now >= handshake_deadline_) {
    fail("handshake timed out");
  }
}

void Client::on_transport_closed() {
  if (session_)
    session_->on_transport_closed();
  else if (!failed_)
    fail("transport closed during handshake");
}

bool Client::should_close() const { return failed_ || (session_ && session_->should_close()); }

}  // namespace umbrella::ws
