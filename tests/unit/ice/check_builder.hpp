// Builds connectivity checks the way a browser (full, controlling agent) sends them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "stun/builder.hpp"

namespace umbrella::ice::test {

struct CheckOptions {
  bool use_candidate = false;
  bool controlled = false;  // ICE-CONTROLLED instead of ICE-CONTROLLING
  bool with_integrity = true;
  bool with_username = true;
  uint16_t extra_attribute = 0;  // e.g. an unknown comprehension-required type
  uint16_t method = stun::method::kBinding;
  uint8_t tid_seed = 1;
};

inline std::vector<uint8_t> make_check(std::string_view username, std::string_view pwd, CheckOptions o = {}) {
  std::vector<uint8_t> out(512);
  stun::TransactionId tid{};
  for (size_t i = 0; i < tid.size(); ++i) tid[i] = uint8_t(o.tid_seed + i);
  stun::MessageBuilder b(out, o.method, stun::MessageClass::kRequest, tid);
  if (o.with_username) b.add_username(username);
  b.add_priority(0x6E7F1EFF);
  if (o.controlled) b.add_ice_controlled(0x1234);
  else b.add_ice_controlling(0x1234);
  if (o.use_candidate) b.add_use_candidate();
  if (o.extra_attribute) b.add_bytes(o.extra_attribute, as_bytes("abcd"));
  if (o.with_integrity) b.add_message_integrity(as_bytes(pwd));
  b.add_fingerprint();
  out.resize(b.finish());
  return out;
}

}  // namespace umbrella::ice::test
