#include "srtp/session.hpp"

#include <srtp2/srtp.h>

#include <climits>
#include <cstring>

#include "srtp/library.hpp"

namespace umbrella::srtp {
namespace {

Error map_status(srtp_err_status_t s) {
  switch (s) {
    case srtp_err_status_fail: return Error::kFail;
    case srtp_err_status_bad_param:
    case srtp_err_status_parse_err: return Error::kBadParam;
    case srtp_err_status_auth_fail: return Error::kAuthFail;
    case srtp_err_status_replay_fail: return Error::kReplayFail;
    case srtp_err_status_replay_old: return Error::kReplayOld;
    case srtp_err_status_cipher_fail: return Error::kCipherFail;
    case srtp_err_status_no_ctx: return Error::kNoContext;
    case srtp_err_status_key_expired: return Error::kKeyExpired;
    case srtp_err_status_init_fail:
    case srtp_err_status_alloc_fail: return Error::kInitFail;
    default: return Error::kOther;
  }
}

void set_policy(Profile profile, srtp_crypto_policy_t* rtp, srtp_crypto_policy_t* rtcp) {
  switch (profile) {
    case Profile::kAeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(rtcp);
      return;
    case Profile::kAes128CmSha1_32:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(rtp);
      break;
    case Profile::kAes128CmSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtp);
      break;
  }
  // SRTCP keeps the 80-bit tag for both AES-CM profiles (RFC 5764 4.1.2).
  srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(rtcp);
}

}  // namespace

Result<SrtpSession, Error> SrtpSession::create(Profile profile, Bytes key, Bytes salt, Direction direction,
                                               size_t replay_window) {
  const size_t salt_len = salt_length(profile);
  if (key.size() != kMasterKeyLength || salt.size() < salt_len) return Err{Error::kBadParam};
  if (replay_window < 64 || replay_window >= 0x8000) return Err{Error::kBadParam};
  if (!ensure_library_initialized()) return Err{Error::kInitFail};

  // libsrtp copies the key during srtp_create; this buffer only needs to live until then.
  uint8_t master[kMasterKeyLength + kMasterSaltLength];
  std::memcpy(master, key.data(), kMasterKeyLength);
  std::memcpy(master + kMasterKeyLength, salt.data(), salt_len);

  srtp_policy_t policy;
  std::memset(&policy, 0, sizeof policy);
  set_policy(profile, &policy.rtp, &policy.rtcp);
  policy.ssrc.type = direction == Direction::kInbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.key = master;
  policy.window_size = replay_window;
  // An SFU may resend an identical packet (NACK without RTX); libsrtp would refuse it
  // as a replay on the sending side otherwise. Same payload, so no keystream reuse issue.
  policy.allow_repeat_tx = direction == Direction::kOutbound ? 1 : 0;
  policy.next = nullptr;

  srtp_t ctx = nullptr;
  srtp_err_status_t status = srtp_create(&ctx, &policy);
  std::memset(master, 0, sizeof master);
  if (status != srtp_err_status_ok) return Err{map_status(status)};
  return SrtpSession(ctx, profile, direction);
}

Result<SrtpSession, Error> SrtpSession::create(const SrtpKeys& keys, Direction direction, size_t replay_window) {
  bool out = direction == Direction::kOutbound;
  return create(keys.profile, out ? Bytes(keys.local_key) : Bytes(keys.remote_key),
                out ? Bytes(keys.local_salt) : Bytes(keys.remote_salt), direction, replay_window);
}

SrtpSession& SrtpSession::operator=(SrtpSession&& o) noexcept {
  if (this != &o) {
    if (ctx_) srtp_dealloc(ctx_);
    ctx_ = std::exchange(o.ctx_, nullptr);
    profile_ = o.profile_;
    direction_ = o.direction_;
  }
  return *this;
}

SrtpSession::~SrtpSession() {
  if (ctx_) srtp_dealloc(ctx_);
}

Result<size_t, Error> SrtpSession::protect_rtp(uint8_t* buf, size_t len, size_t capacity) {
  if (!ctx_ || direction_ != Direction::kOutbound || len > INT_MAX / 2) return Err{Error::kBadParam};
  if (capacity < len || capacity - len < rtp_tag_length(profile_)) return Err{Error::kBufferTooSmall};
  int n = int(len);
  srtp_err_status_t s = srtp_protect(ctx_, buf, &n);
  if (s != srtp_err_status_ok) return Err{map_status(s)};
  return size_t(n);
}

Result<size_t, Error> SrtpSession::unprotect_rtp(uint8_t* buf, size_t len) {
  if (!ctx_ || direction_ != Direction::kInbound || len > INT_MAX / 2) return Err{Error::kBadParam};
  int n = int(len);
  srtp_err_status_t s = srtp_unprotect(ctx_, buf, &n);
  if (s != srtp_err_status_ok) return Err{map_status(s)};
  return size_t(n);
}

Result<size_t, Error> SrtpSession::protect_rtcp(uint8_t* buf, size_t len, size_t capacity) {
  if (!ctx_ || direction_ != Direction::kOutbound || len > INT_MAX / 2) return Err{Error::kBadParam};
  if (capacity < len || capacity - len < rtcp_trailer_length(profile_)) return Err{Error::kBufferTooSmall};
  int n = int(len);
  srtp_err_status_t s = srtp_protect_rtcp(ctx_, buf, &n);
  if (s != srtp_err_status_ok) return Err{map_status(s)};
  return size_t(n);
}

Result<size_t, Error> SrtpSession::unprotect_rtcp(uint8_t* buf, size_t len) {
  if (!ctx_ || direction_ != Direction::kInbound || len > INT_MAX / 2) return Err{Error::kBadParam};
  int n = int(len);
  srtp_err_status_t s = srtp_unprotect_rtcp(ctx_, buf, &n);
  if (s != srtp_err_status_ok) return Err{map_status(s)};
  return size_t(n);
}

}  // namespace umbrella::srtp
