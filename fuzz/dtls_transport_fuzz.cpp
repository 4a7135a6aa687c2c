// Feeds arbitrary datagrams, as from a stranger spoofing the peer's address, into a DtlsTransport:
// a server waiting for its first ClientHello, a server halfway through the handshake, or either
// side of a connected association. Input: one mode byte, then datagrams as [u16 length][bytes]
// (a remainder that does not fit is the last one). A connected association must stay connected
// and still carry data both ways: nothing unauthenticated may end it; a server that got them
// before any ClientHello must still complete the real handshake. Once the handshake is under way the
// forgeries may at worst fail it (a well-formed forged message of the expected sequence number
// is indistinguishable from the peer's until Finished); then the real flights are delivered too.
// Modes 4 and 5: a connected server or client that has released its session (only its epoch
// keys left) takes the forgeries, stays connected, and still closes on the peer's close_notify.
#include "fuzz_target.hpp"

#include <memory>
#include <vector>

#include "dtls/transport.hpp"
#include "tls/certificate.hpp"

using namespace umbrella;
using namespace umbrella::dtls;

namespace {

tls::Certificate& certificate(int which) {
  static tls::Certificate client = std::move(tls::Certificate::generate_self_signed("client", {}, {}, 30)).value();
  static tls::Certificate server = std::move(tls::Certificate::generate_self_signed("server", {}, {}, 30)).value();
  return which == 0 ? client : server;
}

struct Pair {
  std::unique_ptr<DtlsTransport> client, server;
  Instant now = Instant{} + seconds(1000);

  Pair() {
    client = std::move(DtlsTransport::create(Role::kClient, certificate(0),
                                             "sha-256 " + certificate(1).fingerprint_sha256()))
                 .value();
    server = std::move(DtlsTransport::create(Role::kServer, certificate(1),
                                             "sha-256 " + certificate(0).fingerprint_sha256()))
                 .value();
  }
  // Moves queued datagrams both ways; `server_limit` stops after that many to the server.
  bool shuttle(int& server_limit) {
    bool moved = false;
    while (server_limit != 0) {
      auto d = client->poll_datagram();
      if (!d) break;
      moved = true;
      --server_limit;
      server->handle_datagram(*d, now);
    }
    while (auto d = server->poll_datagram()) {
      moved = true;
      client->handle_datagram(*d, now);
    }
    while (client->poll_event()) {}
    while (server->poll_event()) {}
    return moved;
  }
  void run(int server_limit = -1) {
    if (client->state() == State::kNew) client->start(now);
    for (int i = 0; i < 200; ++i) {
      while (shuttle(server_limit)) {}
      if (client->state() != State::kConnecting && server->state() != State::kConnecting) return;
      if (server_limit == 0) return;
      Instant next = std::min(client->next_deadline(), server->next_deadline());
      if (next == kNever) return;
      now = std::max(now, next);
      client->handle_timeout(now);
      server->handle_timeout(now);
    }
  }
};

std::vector<Bytes> split_datagrams(Bytes in) {
  std::vector<Bytes> out;
  while (in.size() >= 2 && out.size() < 64) {
    size_t n = load_be16(in.data());
    if (n > in.size() - 2) break;
    out.push_back(in.subspan(2, n));
    in = in.subspan(2 + n);
  }
  if (!in.empty() && out.size() < 64) out.push_back(in);
  return out;
}

bool data_flows(Pair& p) {
  if (!p.client->send_application_data(as_bytes("ping")) || !p.server->send_application_data(as_bytes("pong")))
    return false;
  bool at_server = false, at_client = false;
  while (auto d = p.client->poll_datagram()) p.server->handle_datagram(*d, p.now);
  while (auto d = p.server->poll_datagram()) p.client->handle_datagram(*d, p.now);
  while (auto e = p.server->poll_event()) at_server |= std::holds_alternative<ApplicationData>(*e);
  while (auto e = p.client->poll_event()) at_client |= std::holds_alternative<ApplicationData>(*e);
  return at_server && at_client;
}

}  // namespace

UMBRELLA_FUZZ_TARGET(dtls_transport) {
  if (size < 1) return 0;
  int mode = data[0] % 6;
  auto datagrams = split_datagrams(Bytes(data + 1, size - 1));
  Pair p;
  switch (mode) {
    case 0:  // server before any ClientHello: without the cookie nothing forged can take hold
      for (Bytes d : datagrams) p.server->handle_datagram(d, p.now);
      while (p.server->poll_datagram()) {}  // answers went to the forger
      p.run();
      if (p.client->state() != State::kConnected || p.server->state() != State::kConnected) __builtin_trap();
      break;
    case 1: {  // server after the cookie exchange and the accepted ClientHello
      p.run(2);
      for (Bytes d : datagrams) p.server->handle_datagram(d, p.now);
      p.run();
      break;
    }
    case 2:  // connected, forgeries to the server
    case 3: {  // connected, forgeries to the client
      p.run();
      if (p.client->state() != State::kConnected || p.server->state() != State::kConnected) __builtin_trap();
      DtlsTransport& target = mode == 2 ? *p.server : *p.client;
      for (Bytes d : datagrams) target.handle_datagram(d, p.now);
      while (target.poll_datagram()) {}  // nothing it says to a forger matters to the peer
      if (target.state() != State::kConnected) __builtin_trap();
      if (!data_flows(p)) __builtin_trap();
      break;
    }
    case 4:    // released server
    case 5: {  // released client
      p.run();
      if (p.client->state() != State::kConnected || p.server->state() != State::kConnected) __builtin_trap();
      DtlsTransport& target = mode == 4 ? *p.server : *p.client;
      DtlsTransport& peer = mode == 4 ? *p.client : *p.server;
      if (!target.release_session()) __builtin_trap();
      for (Bytes d : datagrams) target.handle_datagram(d, p.now);
      if (target.poll_datagram() || target.poll_event() || target.state() != State::kConnected) __builtin_trap();
      peer.close();
      while (auto d = peer.poll_datagram()) target.handle_datagram(*d, p.now);
      if (target.state() != State::kClosed) __builtin_trap();
      break;
    }
  }
  return 0;
}
