// Two DtlsTransports wired back to back with fake time, for tests: datagrams are
// shuttled by hand so a test can drop, reorder or corrupt them.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <memory>
#include <vector>

#include "core/time.hpp"
#include "dtls/transport.hpp"
#include "tls/certificate.hpp"

namespace umbrella::dtls::test {

inline tls::Certificate make_certificate(const char* name) {
  auto c = tls::Certificate::generate_self_signed(name, {}, {}, 30);
  REQUIRE_MESSAGE(c.ok(), c.error());
  return std::move(c).value();
}

struct Pair {
  tls::Certificate client_cert = make_certificate("client");
  tls::Certificate server_cert = make_certificate("server");
  std::unique_ptr<DtlsTransport> client;
  std::unique_ptr<DtlsTransport> server;
  Instant now = Instant{} + seconds(1000);
  std::vector<Event> client_events;
  std::vector<Event> server_events;
  // Return false to drop the datagram; `to_server` says the direction.
  std::function<bool(bool to_server, std::vector<uint8_t>& datagram)> filter;
  size_t delivered = 0;
  size_t dropped = 0;

  explicit Pair(const DtlsOptions& options = {}, std::string client_expects = "", std::string server_expects = "") {
    if (client_expects.empty()) client_expects = "sha-256 " + server_cert.fingerprint_sha256();
    if (server_expects.empty()) server_expects = "sha-256 " + client_cert.fingerprint_sha256();
    auto c = DtlsTransport::create(Role::kClient, client_cert, client_expects, options);
    auto s = DtlsTransport::create(Role::kServer, server_cert, server_expects, options);
    REQUIRE_MESSAGE(c.ok(), c.error());
    REQUIRE_MESSAGE(s.ok(), s.error());
    client = std::move(c).value();
    server = std::move(s).value();
  }

  // Moves every queued datagram once in each direction; true if any moved.
  bool shuttle() {
    bool moved = false;
    while (auto d = client->poll_datagram()) {
      moved = true;
      if (filter && !filter(true, *d)) { ++dropped; continue; }
      ++delivered;
      server->handle_datagram(*d, now);
    }
    while (auto d = server->poll_datagram()) {
      moved = true;
      if (filter && !filter(false, *d)) { ++dropped; continue; }
      ++delivered;
      client->handle_datagram(*d, now);
    }
    while (auto e = client->poll_event()) client_events.push_back(std::move(*e));
    while (auto e = server->poll_event()) server_events.push_back(std::move(*e));
    return moved;
  }

  bool settled() const {
    auto done = [](State s) { return s == State::kConnected || s == State::kFailed || s == State::kClosed; };
    return done(client->state()) && done(server->state());
  }

  // Runs until both sides settle (or the time budget runs out), advancing fake time to
  // the next deadline whenever no datagram is in flight.
  void run(Duration budget = seconds(60)) {
    Instant end = now + budget;
    if (client->state() == State::kNew) client->start(now);
    if (server->state() == State::kNew) server->start(now);
    for (int steps = 0; steps < 10000 && now < end; ++steps) {
      while (shuttle()) {}
      if (settled()) return;
      Instant next = std::min(client->next_deadline(), server->next_deadline());
      if (next == kNever) return;
      now = std::max(now, next);
      client->handle_timeout(now);
      server->handle_timeout(now);
    }
  }
};

template <typename T>
const T* find_event(const std::vector<Event>& events) {
  for (const auto& e : events) {
    if (const T* t = std::get_if<T>(&e)) return t;
  }
  return nullptr;
}

}  // namespace umbrella::dtls::test
