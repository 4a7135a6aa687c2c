// Seeds for fuzz/corpus/dtls_record and dtls_transport: real handshake records captured from an
// in-memory handshake, split ClientHellos, issue 12's fragment and forged records. Written when
// UMBRELLA_WRITE_FUZZ_SEEDS names the fuzz/corpus directory; otherwise only built and checked.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "dtls_pair.hpp"
#include "forge.hpp"

namespace umbrella::dtls {
namespace {

using Datagrams = std::vector<std::vector<uint8_t>>;

std::vector<uint8_t> seed(uint8_t first, const Datagrams& datagrams) {
  std::vector<uint8_t> out{first};
  for (auto& d : datagrams) {
    out.push_back(uint8_t(d.size() >> 8));
    out.push_back(uint8_t(d.size()));
    out.insert(out.end(), d.begin(), d.end());
  }
  return out;
}

// The ClientHello record of `d` re-sent as `parts` fragments, one datagram each.
Datagrams split_hello(const std::vector<uint8_t>& d, uint32_t parts) {
  uint32_t length = load_be24(&d[14]);
  uint16_t seq = load_be16(&d[17]);
  Datagrams out;
  uint32_t step = length / parts;
  for (uint32_t i = 0; i < parts; ++i) {
    uint32_t off = i * step, n = i + 1 == parts ? length - off : step;
    std::vector<uint8_t> frag(d.begin() + 25 + off, d.begin() + 25 + off + n);
    out.push_back(test::record(22, 0, i, test::handshake_fragment(1, length, seq, off, frag)));
  }
  return out;
}

}  // namespace

TEST_CASE("dtls fuzz seeds") {
  test::Pair p;
  Datagrams to_server, to_client;
  p.filter = [&](bool to_srv, std::vector<uint8_t>& d) {
    (to_srv ? to_server : to_client).push_back(d);
    return true;
  };
  p.run();
  REQUIRE(p.server->state() == State::kConnected);
  REQUIRE(to_server.size() >= 3);  // ClientHello, ClientHello with cookie, final flight
  REQUIRE(p.client->send_application_data(as_bytes("application data")));
  auto app = p.client->poll_datagram();
  REQUIRE(app);

  std::mt19937 rng(2026);
  Datagrams forged = {test::issue12_fragment(),
                      test::junk_record(rng, 22, 0, 60),
                      test::record(22, 0, 5, test::handshake_fragment(11, 300, 2, 0, test::random_bytes(rng, 100))),
                      test::record(21, 0, 6, {2, 40}),
                      test::record(20, 0, 7, {1}),
                      test::junk_record(rng, 22, 1, 48),
                      test::junk_record(rng, 23, 1, 48),
                      test::junk_record(rng, 23, 2, 48)};
  Datagrams hello_parts = split_hello(to_server[1], 3);
  Datagrams hello_with_forgery = hello_parts;
  auto contradicting = hello_parts[1];
  contradicting.back() ^= 0xff;
  hello_with_forgery.insert(hello_with_forgery.begin() + 1, contradicting);

  std::map<std::string, std::vector<uint8_t>> record_seeds = {
      {"issue12_awaiting_hello", seed(0, {test::issue12_fragment()})},
      {"issue12_connected", seed(4, {test::issue12_fragment()})},
      {"client_flights_handshake", seed(2, to_server)},
      {"server_flights_as_client", seed(3, to_client)},
      {"connected_application_data", seed(4 | 8, {*app})},
      {"hello_in_three_fragments", seed(0, hello_parts)},
      {"hello_fragments_with_forgery", seed(0, hello_with_forgery)},
      {"hello_accepted_then_retransmitted", seed(16 | 2, {to_server[1], to_server[1], hello_parts[0]})},
      {"forgeries_handshake", seed(2, forged)},
      {"forgeries_connected", seed(4 | 8, forged)},
  };
  std::map<std::string, std::vector<uint8_t>> transport_seeds = {
      {"awaiting_hello_issue12", seed(0, {test::issue12_fragment()})},
      {"awaiting_hello_split_hello", seed(0, split_hello(to_server[0], 4))},
      {"awaiting_hello_forgeries", seed(0, forged)},
      {"mid_handshake_forgeries", seed(1, forged)},
      {"mid_handshake_replayed_hello", seed(1, {to_server[1], to_server[0]})},
      {"connected_server_forgeries", seed(2, forged)},
      {"connected_server_replayed_flight", seed(2, to_server)},
      {"connected_server_replayed_data", seed(2, {*app})},
      {"released_server_forgeries", seed(4, forged)},
      {"released_server_replayed_flight", seed(4, to_server)},
      {"released_server_replayed_data", seed(4, {*app})},
      {"released_client_replayed_flight", seed(5, to_client)},
      {"connected_client_forgeries", seed(3, forged)},
      {"connected_client_replayed_flight", seed(3, to_client)},
  };
  for (auto& [name, bytes] : record_seeds) CHECK(bytes.size() > 1);
  const char* dir = std::getenv("UMBRELLA_WRITE_FUZZ_SEEDS");
  if (!dir) return;
  namespace fs = std::filesystem;
  for (auto& [sub, seeds] : {std::pair{"dtls_record", &record_seeds}, std::pair{"dtls_transport", &transport_seeds}}) {
    fs::create_directories(fs::path(dir) / sub);
    for (auto& [name, bytes] : *seeds) {
      std::ofstream out(fs::path(dir) / sub / (name + ".bin"), std::ios::binary);
      out.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    }
  }
  MESSAGE("wrote " << record_seeds.size() << " + " << transport_seeds.size() << " seeds under " << dir);
}

}  // namespace umbrella::dtls
