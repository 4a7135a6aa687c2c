#include "signal/direct_setup.hpp"

#include <pb_decode.h>
#include <pb_encode.h>

#include <cstring>

#include "umbrella.pb.h"

namespace umbrella::signal {
namespace {
template <size_t N>
bool put(char (&dst)[N], const std::string& s) {
  if (s.size() >= N) return false;
  std::memcpy(dst, s.data(), s.size());
  dst[s.size()] = 0;
  return true;
}
}  // namespace

std::optional<DirectSetupFields> parse_direct_setup(Bytes payload) {
  umbrella_DirectSetup m = umbrella_DirectSetup_init_zero;
  pb_istream_t in = pb_istream_from_buffer(payload.data(), payload.size());
  if (!pb_decode(&in, umbrella_DirectSetup_fields, &m)) return std::nullopt;
  DirectSetupFields s;
  s.session = m.session;
  s.ufrag = m.ufrag;
  s.pwd = m.pwd;
  s.fingerprint = m.fingerprint;
  if (s.ufrag.empty() || s.pwd.empty() || s.fingerprint.empty() || m.candidates_count == 0) return std::nullopt;
  for (pb_size_t i = 0; i < m.candidates_count; ++i) {
    auto a = SocketAddress::parse(m.candidates[i]);
    if (!a || a->port() == 0) return std::nullopt;
    s.candidates.push_back(*a);
  }
  return s;
}

size_t build_direct_setup(const DirectSetupFields& s, MutableBytes out) {
  umbrella_DirectSetup m = umbrella_DirectSetup_init_zero;
  m.session = s.session;
  if (!put(m.ufrag, s.ufrag) || !put(m.pwd, s.pwd) || !put(m.fingerprint, s.fingerprint)) return 0;
  if (s.candidates.size() > sizeof m.candidates / sizeof m.candidates[0]) return 0;
  for (const auto& c : s.candidates)
    if (!put(m.candidates[m.candidates_count++], c.to_string())) return 0;
  pb_ostream_t o = pb_ostream_from_buffer(out.data(), out.size());
  if (!pb_encode(&o, umbrella_DirectSetup_fields, &m)) return 0;
  return o.bytes_written;
}

}  // namespace umbrella::signal
