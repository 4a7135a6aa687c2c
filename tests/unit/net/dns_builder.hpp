// Hand-assembles DNS messages for the net tests (big-endian fields, raw labels, pointers).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"

namespace umbrella::net::test {

struct Msg {
  std::vector<uint8_t> b;
  Msg& u8(uint8_t v) { b.push_back(v); return *this; }
  Msg& u16(uint16_t v) { b.push_back(uint8_t(v >> 8)); b.push_back(uint8_t(v)); return *this; }
  Msg& u32(uint32_t v) { u16(uint16_t(v >> 16)); return u16(uint16_t(v)); }
  Msg& header(uint16_t id, uint16_t flags, uint16_t qd, uint16_t an, uint16_t ns = 0, uint16_t ar = 0) {
    return u16(id).u16(flags).u16(qd).u16(an).u16(ns).u16(ar);
  }
  // Labels of a dotted name, then the root label unless `then_pointer` follows.
  Msg& labels(std::string_view name, bool terminate = true) {
    while (!name.empty()) {
      auto dot = name.find('.');
      auto label = name.substr(0, dot);
      u8(uint8_t(label.size()));
      for (char c : label) u8(uint8_t(c));
      name = dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
    }
    if (terminate) u8(0);
    return *this;
  }
  Msg& pointer(uint16_t offset) { return u16(uint16_t(0xC000 | offset)); }
  Msg& question(std::string_view name, uint16_t type, uint16_t klass = 1) {
    return labels(name).u16(type).u16(klass);
  }
  // Fixed part of a record after its name; rdata follows.
  Msg& rr(uint16_t type, uint32_t ttl, uint16_t rdlength, uint16_t klass = 1) {
    return u16(type).u16(klass).u32(ttl).u16(rdlength);
  }
  size_t size() const { return b.size(); }
  Bytes bytes() const { return Bytes(b); }
};

}  // namespace umbrella::net::test
