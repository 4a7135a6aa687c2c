#include "signal_link.hpp"

#include "signal/codec.hpp"

namespace umbrella::loadgen {
namespace {

ws::SessionConfig session_config() {
  ws::SessionConfig c;
  c.max_message_bytes = signal::kMaxEnvelopeSize + 64;
  return c;
}

}  // namespace

Result<std::unique_ptr<SignalLink>, std::string> SignalLink::open(const ServerUrl& url,
                                                                  const tls::TlsClientConfig* tls, Handler& handler,
                                                                  Instant now) {
  auto c = Connection::open(url, tls);
  if (!c) return Err{c.error()};
  std::unique_ptr<SignalLink> link(new SignalLink(std::move(*c), url, handler, now));
  link->pump();
  if (link->closed_) return Err{std::string("WebSocket: connection closed at once")};
  return link;
}

SignalLink::SignalLink(Connection conn, const ServerUrl& url, Handler& handler, Instant now)
    : conn_(std::move(conn)), handler_(handler), ws_(host_header(url), url.prefix + "/wsb", *this, session_config(), now),
      rx_(std::make_unique<umbrella_Envelope>()), now_(now) {}

SignalLink::~SignalLink() = default;

void SignalLink::on_readable(Instant now) {
  if (closed_) return;
  now_ = now;
  std::string plain;
  bool eof = false;
  auto r = conn_.read(plain, eof);
  if (!plain.empty()) ws_.on_bytes(as_bytes(plain), now);
  if (!r) return close(r.error());
  if (!ws_.session() && !ws_.error().empty()) return close("WebSocket handshake: " + ws_.error());
  if (eof) {
    ws_.on_transport_closed();
    return close("the server closed the connection");
  }
  pump();
}

void SignalLink::service(Instant now) {
  if (closed_) return;
  now_ = now;
  if (now >= ws_.next_deadline()) ws_.on_timeout(now);
  if (!ws_.session() && !ws_.error().empty()) return close("WebSocket handshake: " + ws_.error());
  pump();
}

bool SignalLink::send(const umbrella_Envelope& env) {
  if (closed_ || !ws_.session()) return false;
  std::string buf(signal::kMaxEnvelopeSize, '\0');
  size_t n = signal::encode(env, MutableBytes(reinterpret_cast<uint8_t*>(buf.data()), buf.size()));
  if (n == 0 || !ws_.session()->send_binary(Bytes(reinterpret_cast<const uint8_t*>(buf.data()), n))) return false;
  pump();
  return true;
}

void SignalLink::pump() {
  if (closed_) return;
  std::string out = ws_.take_output();
  auto r = out.empty() ? conn_.flush() : conn_.write(out);
  if (!r) return close(r.error());
  if (ws_.should_close()) close("WebSocket closed");
}

void SignalLink::close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  handler_.on_signal_closed(why);
}

void SignalLink::on_open(ws::Session&) { handler_.on_signal_open(now_); }

void SignalLink::on_message(ws::Session&, ws::MessageType type, Bytes payload) {
  if (type != ws::MessageType::kBinary) return;
  auto d = signal::decode(payload, *rx_);
  if (!d) return close(std::string("undecodable frame from the server: ") + d.error().reason);
  handler_.on_signal(*rx_, now_);
}

void SignalLink::on_close(ws::Session&, uint16_t code, std::string_view reason) {
  close("WebSocket closed by the server: " + std::to_string(code) + " " + std::string(reason));
}

}  // namespace umbrella::loadgen
