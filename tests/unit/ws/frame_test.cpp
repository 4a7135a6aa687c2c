#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "ws/frame.hpp"
#include "ws/utf8.hpp"

using namespace umbrella;
using namespace umbrella::ws;

namespace {

std::string hex_bytes(std::initializer_list<int> v) {
  std::string s;
  for (int b : v) s.push_back(char(b));
  return s;
}

struct Parsed {
  FrameHeader header;
  std::string payload;  // unmasked
  bool complete = false;
  const char* error = nullptr;
};

// Parses exactly one frame, feeding `step` bytes at a time.
Parsed parse_one(std::string_view wire, size_t step = 1 << 30) {
  FrameParser p;
  Parsed out;
  size_t pos = 0;
  while (pos < wire.size() && !out.complete && !out.error) {
    Bytes in = as_bytes(wire.substr(pos, std::min(step, wire.size() - pos)));
    while (!in.empty() && !out.complete && !out.error) {
      auto piece = p.next(in);
      in = in.subspan(piece.consumed);
      pos += piece.consumed;
      if (piece.kind == FrameParser::Kind::kError) out.error = piece.error;
      if (piece.kind == FrameParser::Kind::kHeader) out.header = p.header();
      if (piece.kind == FrameParser::Kind::kPayload) {
        std::string chunk(as_string_view(piece.data));
        if (p.header().masked)
          apply_mask(MutableBytes(reinterpret_cast<uint8_t*>(chunk.data()), chunk.size()), p.header().mask,
                     piece.offset);
        out.payload += chunk;
      }
      if (piece.frame_end) out.complete = true;
      if (piece.kind == FrameParser::Kind::kNeedMore) break;
    }
  }
  return out;
}

}  // namespace

// RFC 6455 section 5.7 examples.
TEST_CASE("ws frame: RFC 6455 5.7 single-frame unmasked text") {
  std::string wire = hex_bytes({0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  std::string out;
  encode_frame(Opcode::kText, as_bytes("Hello"), true, std::nullopt, out);
  CHECK(out == wire);
  auto p = parse_one(wire, 1);
  CHECK(p.complete);
  CHECK(p.header.fin);
  CHECK(p.header.opcode == Opcode::kText);
  CHECK_FALSE(p.header.masked);
  CHECK(p.payload == "Hello");
}

TEST_CASE("ws frame: RFC 6455 5.7 single-frame masked text") {
  std::string wire = hex_bytes({0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  std::string out;
  encode_frame(Opcode::kText, as_bytes("Hello"), true, MaskKey{0x37, 0xfa, 0x21, 0x3d}, out);
  CHECK(out == wire);
  for (size_t step : {1, 2, 3, 100}) {
    auto p = parse_one(wire, step);
    CHECK(p.complete);
    CHECK(p.header.masked);
    CHECK(p.payload == "Hello");
  }
}

TEST_CASE("ws frame: RFC 6455 5.7 fragmented unmasked text") {
  std::string first = hex_bytes({0x01, 0x03, 0x48, 0x65, 0x6c});
  std::string second = hex_bytes({0x80, 0x02, 0x6c, 0x6f});
  std::string out;
  encode_frame(Opcode::kText, as_bytes("Hel"), false, std::nullopt, out);
  encode_frame(Opcode::kContinuation, as_bytes("lo"), true, std::nullopt, out);
  CHECK(out == first + second);
  auto a = parse_one(first);
  CHECK_FALSE(a.header.fin);
  CHECK(a.header.opcode == Opcode::kText);
  CHECK(a.payload == "Hel");
  auto b = parse_one(second);
  CHECK(b.header.fin);
  CHECK(b.header.opcode == Opcode::kContinuation);
  CHECK(b.payload == "lo");
}

TEST_CASE("ws frame: RFC 6455 5.7 ping and masked pong") {
  std::string ping = hex_bytes({0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f});
  std::string pong = hex_bytes({0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58});
  std::string out;
  encode_frame(Opcode::kPing, as_bytes("Hello"), true, std::nullopt, out);
  CHECK(out == ping);
  out.clear();
  encode_frame(Opcode::kPong, as_bytes("Hello"), true, MaskKey{0x37, 0xfa, 0x21, 0x3d}, out);
  CHECK(out == pong);
  CHECK(parse_one(pong).payload == "Hello");
  CHECK(parse_one(ping).header.opcode == Opcode::kPing);
}

TEST_CASE("ws frame: RFC 6455 5.7 256-byte and 64 KiB binary lengths") {
  std::string payload256(256, '\x5a');
  std::string out;
  encode_frame(Opcode::kBinary, as_bytes(payload256), true, std::nullopt, out);
  CHECK(out.substr(0, 4) == hex_bytes({0x82, 0x7E, 0x01, 0x00}));
  CHECK(out.size() == 4 + 256);
  auto p = parse_one(out, 7);
  CHECK(p.header.payload_length == 256);
  CHECK(p.payload == payload256);

  std::string payload64k(65536, '\x11');
  out.clear();
  encode_frame(Opcode::kBinary, as_bytes(payload64k), true, std::nullopt, out);
  CHECK(out.substr(0, 10) == hex_bytes({0x82, 0x7F, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}));
  CHECK(out.size() == 10 + 65536);
  auto q = parse_one(out, 1000);
  CHECK(q.header.payload_length == 65536);
  CHECK(q.payload == payload64k);

  // 125 / 126 / 65535 boundaries use the minimal form.
  for (size_t n : {size_t(125), size_t(126), size_t(65535)}) {
    out.clear();
    encode_frame(Opcode::kBinary, as_bytes(std::string(n, 'x')), true, std::nullopt, out);
    CHECK(out.size() == n + (n <= 125 ? 2 : 4));
  }
}

TEST_CASE("ws frame: parser rejects bad headers") {
  CHECK(parse_one(hex_bytes({0xC1, 0x00})).error != nullptr);              // RSV1
  CHECK(parse_one(hex_bytes({0x83, 0x00})).error != nullptr);              // reserved data opcode
  CHECK(parse_one(hex_bytes({0x8B, 0x00})).error != nullptr);              // reserved control opcode
  CHECK(parse_one(hex_bytes({0x09, 0x00})).error != nullptr);              // fragmented ping
  CHECK(parse_one(hex_bytes({0x89, 0x7E, 0x00, 0x7E})).error != nullptr);  // control > 125
  CHECK(parse_one(hex_bytes({0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0})).error != nullptr);  // 2^63
  auto empty = parse_one(hex_bytes({0x88, 0x00}));
  CHECK(empty.complete);
  CHECK(empty.error == nullptr);
}

TEST_CASE("ws utf8 validator") {
  CHECK(is_valid_utf8(as_bytes("plain ascii")));
  CHECK(is_valid_utf8(as_bytes("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5")));  // "κόσμε"
  CHECK(is_valid_utf8(as_bytes("\xF4\x8F\xBF\xBF")));                            // U+10FFFF
  CHECK_FALSE(is_valid_utf8(as_bytes("\xF4\x90\x80\x80")));                      // > U+10FFFF
  CHECK_FALSE(is_valid_utf8(as_bytes("\xED\xA0\x80")));                          // surrogate
  CHECK_FALSE(is_valid_utf8(as_bytes("\xC0\xAF")));                              // overlong
  CHECK_FALSE(is_valid_utf8(as_bytes("\xE0\x80\xAF")));                          // overlong
  CHECK_FALSE(is_valid_utf8(as_bytes("\xCE")));                                  // truncated
  CHECK_FALSE(is_valid_utf8(as_bytes("\xFF")));
  Utf8Validator v;  // split across pieces
  CHECK(v.feed(as_bytes("\xE2\x82")));
  CHECK_FALSE(v.complete());
  CHECK(v.feed(as_bytes("\xAC")));
  CHECK(v.complete());
}
