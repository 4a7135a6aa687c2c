#include "rtp/rtp_extensions.hpp"

namespace umbrella::rtp {

std::optional<std::string_view> read_sdes_string(Bytes data) {
  while (!data.empty() && data.back() == 0) data = data.first(data.size() - 1);
  if (data.empty()) return std::nullopt;
  return as_string_view(data);
}

std::optional<uint32_t> read_abs_send_time(Bytes data) {
  if (data.size() < 3) return std::nullopt;
  return load_be24(data.data());
}

uint32_t abs_send_time_from(Duration since_epoch) {
  // seconds << 18, computed from microseconds without overflow for any realistic uptime.
  auto us = uint64_t(std::chrono::duration_cast<microseconds>(since_epoch).count());
  return uint32_t(((us << 18) / 1000000) & 0xFFFFFF);
}

Duration abs_send_time_to_duration(uint32_t value) {
  return microseconds((uint64_t(value & 0xFFFFFF) * 1000000) >> 18);
}

bool write_abs_send_time(MutableBytes data, uint32_t value) {
  if (data.size() < 3) return false;
  store_be24(data.data(), value & 0xFFFFFF);
  return true;
}

std::optional<uint16_t> read_transport_cc_seq(Bytes data) {
  if (data.size() < 2) return std::nullopt;
  return load_be16(data.data());
}

bool write_transport_cc_seq(MutableBytes data, uint16_t seq) {
  if (data.size() < 2) return false;
  store_be16(data.data(), seq);
  return true;
}

std::optional<AudioLevel> read_audio_level(Bytes data) {
  if (data.empty()) return std::nullopt;
  return AudioLevel{(data[0] & 0x80) != 0, uint8_t(data[0] & 0x7F)};
}

bool write_audio_level(MutableBytes data, AudioLevel value) {
  if (data.empty()) return false;
  data[0] = encode_audio_level(value)[0];
  return true;
}

std::array<uint8_t, 3> encode_abs_send_time(uint32_t value) {
  std::array<uint8_t, 3> out;
  store_be24(out.data(), value & 0xFFFFFF);
  return out;
}

std::array<uint8_t, 2> encode_transport_cc_seq(uint16_t seq) {
  std::array<uint8_t, 2> out;
  store_be16(out.data(), seq);
  return out;
}

std::array<uint8_t, 1> encode_audio_level(AudioLevel value) {
  return {uint8_t((value.voice ? 0x80 : 0) | (value.level & 0x7F))};
}

}  // namespace umbrella::rtp
