#include "dtls/srtp_keying.hpp"

#include <cstring>

namespace umbrella::dtls {

srtp::SrtpKeys split_srtp_keying_material(const SrtpKeyingMaterial& m, srtp::Profile profile, Role role) {
  constexpr size_t k = srtp::kMasterKeyLength;
  const size_t s = srtp::salt_length(profile);  // GCM: the same layout with 12-byte salts
  const uint8_t* client_key = m.data();
  const uint8_t* server_key = m.data() + k;
  const uint8_t* client_salt = m.data() + 2 * k;
  const uint8_t* server_salt = m.data() + 2 * k + s;
  bool client = role == Role::kClient;

  srtp::SrtpKeys keys;
  keys.profile = profile;
  std::memcpy(keys.local_key.data(), client ? client_key : server_key, k);
  std::memcpy(keys.local_salt.data(), client ? client_salt : server_salt, s);
  std::memcpy(keys.remote_key.data(), client ? server_key : client_key, k);
  std::memcpy(keys.remote_salt.data(), client ? server_salt : client_salt, s);
  return keys;
}

}  // namespace umbrella::dtls
