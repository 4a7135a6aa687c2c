// Fuzzes the STUN parser and integrity check, and feeds what parses back through the
// builder: a response echoing the decoded attributes must itself parse and verify.
#include "fuzz_target.hpp"

#include <array>

#include "stun/builder.hpp"
#include "stun/integrity.hpp"
#include "stun/message.hpp"

using namespace umbrella;

UMBRELLA_FUZZ_TARGET(stun) {
  Bytes input(data, size);
  bool looks = stun::looks_like_stun(input);
  auto msg = stun::parse(input);
  if (!msg.ok()) return 0;
  if (!looks) __builtin_trap();  // parse() never accepts what the demultiplexer rejects

  static constexpr std::string_view kPassword = "VOkJxbRl1RmTxUk/WvJxBt";
  (void)stun::verify_message_integrity(input, *msg, as_bytes(kPassword));

  std::array<uint8_t, 4096> out{};
  stun::MessageBuilder b(out, msg->method, stun::MessageClass::kErrorResponse, msg->transaction_id);
  if (msg->username) b.add_username(*msg->username);
  if (msg->realm) b.add_realm(*msg->realm);
  if (msg->nonce) b.add_nonce(*msg->nonce);
  if (msg->software) b.add_software(*msg->software);
  if (msg->priority) b.add_priority(*msg->priority);
  if (msg->use_candidate) b.add_use_candidate();
  if (msg->ice_controlling) b.add_ice_controlling(*msg->ice_controlling);
  if (msg->ice_controlled) b.add_ice_controlled(*msg->ice_controlled);
  if (msg->xor_mapped_address) b.add_xor_mapped_address(*msg->xor_mapped_address);
  if (msg->mapped_address) b.add_mapped_address(*msg->mapped_address);
  b.add_error_code(msg->error_code ? msg->error_code->code : 420,
                   msg->error_code ? msg->error_code->reason : "Unknown Attribute");
  b.add_unknown_attributes(msg->unknown_attributes());
  b.add_message_integrity(as_bytes(kPassword));
  b.add_fingerprint();
  size_t n = b.finish();
  if (n == 0) __builtin_trap();  // everything parsed fits in 4 KiB again

  Bytes echoed = Bytes(out).first(n);
  auto again = stun::parse(echoed);
  if (!again.ok() || !stun::verify_message_integrity(echoed, *again, as_bytes(kPassword))) __builtin_trap();
  if (again->username != msg->username || again->xor_mapped_address != msg->xor_mapped_address ||
      again->ice_controlling != msg->ice_controlling || again->use_candidate != msg->use_candidate)
    __builtin_trap();
  return 0;
}
