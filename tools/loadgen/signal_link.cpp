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

Result<std::unique_ptr<SignalLink>, std::string> SignalLink::open(EventLoop& loop, const ServerUrl& url,
                                                                  const tls::TlsClientConfig* tls, Handler& handler) {
  std::unique_ptr<SignalLink> link(new SignalLink(loop, url, handler));
  auto s = connect_to_server(loop, *link, url, tls);
  if (!s) return Err{s.error()};
  link->stream_ = std::move(*s);
  link->pump();  // the upgrade request, sent once connected
  if (link->closed_) return Err{std::string("WebSocket: connection closed at once")};
  return link;
}

SignalLink::SignalLink(EventLoop& loop, const ServerUrl& url, Handler& handler)
    : loop_(loop), handler_(handler), ws_(host_header(url), url.prefix + "/wsb", *this, session_config(), loop.now()),
      rx_(std::make_unique<umbrella_Envelope>()), now_(loop.now()) {}

SignalLink::~SignalLink() = default;

size_t SignalLink::on_stream_data(stream::TcpStream&, Bytes data) {
  if (closed_) return data.size();
  now_ = loop_.now();
  ws_.on_bytes(data, now_);
  if (closed_) return data.size();
  if (!ws_.session() && !ws_.error().empty()) {
    close("WebSocket handshake: " + ws_.error());
    return data.size();
  }
  pump();
  return data.size();
}

void SignalLink::on_stream_eof(stream::TcpStream&) {
  if (closed_) return;
  ws_.on_transport_closed();
  close("the server closed the connection");
}

void SignalLink::on_stream_closed(stream::TcpStream& stream) { close("signalling connection to the SFU: " + stream.describe()); }

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
  if (!out.empty()) stream_->write(std::move(out));
  // Inside a stream callback this only reports errors; the stream sends when it returns.
  if (!stream_->flush()) return close("signalling connection to the SFU: " + stream_->describe());
  if (ws_.should_close()) close("WebSocket closed");
}

void SignalLink::close(const std::string& why) {
  if (closed_) return;
  closed_ = true;
  handler_.on_signal_closed(why);
}

void SignalLink::on_open(ws::Session&) { handler_.on_signal_open(now_); }

void SignalLink::on_message(ws::Session&, ws::MessageType type, Bytes payload) {
  if (type != ws::MessageType::kBinary || closed_) return;
  auto d = signal::decode(payload, *rx_);
  if (!d) return close(std::string("undecodable frame from the server: ") + d.error().reason);
  handler_.on_signal(*rx_, now_);
}

void SignalLink::on_close(ws::Session&, uint16_t code, std::string_view reason) {
  close("WebSocket closed by the server: " + std::to_string(code) + " " + std::string(reason));
}

}  // namespace umbrella::loadgen
