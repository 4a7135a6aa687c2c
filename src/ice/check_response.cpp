#include "ice/check_response.hpp"

#include "ice/username.hpp"
#include "stun/builder.hpp"
#include "stun/constants.hpp"
#include "stun/integrity.hpp"

namespace umbrella::ice {
namespace {

bool username_matches(const stun::Message& msg, const Credentials& local, std::string_view remote_ufrag) {
  auto ours = local_ufrag_of(msg);
  if (!ours || *ours != local.ufrag) return false;
  if (remote_ufrag.empty()) return true;
  auto theirs = remote_ufrag_of(msg);
  return theirs && *theirs == remote_ufrag;
}

}  // namespace

CheckVerdict check_request(const stun::Message& msg, Bytes packet, const Credentials& local,
                           std::string_view remote_ufrag, bool controlling) {
  if (msg.method != stun::method::kBinding) return {stun::error::kBadRequest};
  if (!msg.username || !msg.integrity_offset) return {stun::error::kBadRequest};
  if (!username_matches(msg, local, remote_ufrag) || !stun::verify_message_integrity(packet, msg, as_bytes(local.pwd)))
    return {stun::error::kUnauthorized};
  if (msg.unknown_count > 0) return {stun::error::kUnknownAttribute, true};
  if (msg.ice_controlling && msg.ice_controlled) return {stun::error::kBadRequest, true};
  if (controlling ? msg.ice_controlling : msg.ice_controlled) return {stun::error::kRoleConflict, true};
  return {0, true};
}

size_t build_check_response(const stun::Message& msg, CheckVerdict verdict, const SocketAddress& from,
                            const Credentials& local, std::string_view software, MutableBytes out) {
  uint16_t error = verdict.error;
  auto cls = error ? stun::MessageClass::kErrorResponse : stun::MessageClass::kSuccessResponse;
  stun::MessageBuilder b(out, msg.method, cls, msg.transaction_id);
  if (!error) {
    b.add_xor_mapped_address(from);
  } else {
    b.add_error_code(error, stun::default_reason(error));
    if (error == stun::error::kUnknownAttribute) b.add_unknown_attributes(msg.unknown_attributes());
  }
  if (!software.empty()) b.add_software(software);
  if (verdict.authenticated) b.add_message_integrity(as_bytes(local.pwd));
  b.add_fingerprint();
  return b.finish();
}

}  // namespace umbrella::ice
