// Fuzzes the rendezvous (src/server/rendezvous.hpp) with sequences of sites joining, leaving,
// changing rooms and signalling (see fuzz/seeds/direct.py for the encoding). Checks after
// every step: a signal is relayed only to another site introduced to the sender and within the
// payload bound, introductions go to sites that are here, and nothing grows without bound.
#include "fuzz_target.hpp"

#include <map>
#include <set>
#include <string>

#include "server/rendezvous.hpp"

using namespace umbrella;
using namespace umbrella::server;

UMBRELLA_FUZZ_TARGET(rendezvous) {
  RendezvousLimits limits;
  limits.max_sites = 6;
  limits.max_payload = 64;
  Rendezvous r(limits);
  std::map<uint64_t, std::string> here;                 // key -> site, as the harness sees it
  std::set<std::pair<std::string, std::string>> pairs;  // introduced, as the messages say
  Instant now = Instant{} + seconds(1);
  size_t i = 0;
  auto next = [&]() -> uint8_t { return i < size ? data[i++] : 0; };
  while (i + 3 <= size) {
    uint8_t op = next(), a = next() % 8, b = next();
    uint64_t key = a + 1;
    switch (op % 4) {
      case 0: {
        std::string site = "s" + std::to_string(b % 4);
        if (r.site_joined(key, site)) here[key] = site;
        break;
      }
      case 1:
        r.site_left(key);
        here.erase(key);
        break;
      case 2: {
        std::set<std::string> rooms;
        for (int bit = 0; bit < 4; ++bit)
          if (b & (1 << bit)) rooms.insert("r" + std::to_string(bit));
        r.set_rooms(key, rooms);
        break;
      }
      default: {
        size_t len = next();
        if (len > size - i) len = size - i;
        (void)r.on_signal(key, "s" + std::to_string(b % 4), Bytes(data + i, len), now);
        i += len;
        break;
      }
    }
    now += milliseconds(100);
    auto out = r.take();
    if (out.size() > 2 * limits.max_sites * limits.max_sites) __builtin_trap();
    for (auto& m : out) {
      if (m.kind == RendezvousMessage::Kind::kSignal) {
        if (m.payload.empty() || m.payload.size() > limits.max_payload) __builtin_trap();
        auto to = here.find(m.to);
        if (to == here.end() || to->second == m.site) __builtin_trap();
        auto p = to->second < m.site ? std::pair{to->second, m.site} : std::pair{m.site, to->second};
        if (!pairs.count(p)) __builtin_trap();
      } else {
        auto to = here.find(m.to);
        if (to == here.end()) __builtin_trap();
        auto p = to->second < m.site ? std::pair{to->second, m.site} : std::pair{m.site, to->second};
        if (m.kind == RendezvousMessage::Kind::kIntroduce) {
          if (m.controlling != (to->second < m.site)) __builtin_trap();
          pairs.insert(p);
        } else {
          pairs.erase(p);
        }
      }
    }
    if (r.introduced_pairs() > limits.max_sites * limits.max_sites) __builtin_trap();
  }
  return 0;
}
