#include <doctest/doctest.h>

#include <vector>

#include "sctp/dcep.hpp"

using namespace umbrella;
using namespace umbrella::sctp;

TEST_CASE("DATA_CHANNEL_OPEN as RFC 8832 5.1 lays it out") {
  DcepOpen open{{false, Reliability::kMaxRetransmits, 3, 256}, "chat", "json"};
  std::vector<uint8_t> out(dcep_open_size(open));
  REQUIRE(build_dcep_open(open, out) == 20);
  const std::vector<uint8_t> expected = {0x03, 0x81, 0x01, 0x00, 0, 0, 0, 3, 0, 4, 0, 4,
                                         'c', 'h', 'a', 't', 'j', 's', 'o', 'n'};
  CHECK(out == expected);
  auto parsed = parse_dcep_open(out);
  REQUIRE(parsed);
  CHECK_FALSE(parsed->parameters.ordered);
  CHECK(parsed->parameters.reliability == Reliability::kMaxRetransmits);
  CHECK(parsed->parameters.reliability_parameter == 3);
  CHECK(parsed->label == "chat");
  CHECK(parsed->protocol == "json");
}

TEST_CASE("DCEP refusals: truncated, wrong type, unknown channel type, trailing bytes") {
  std::vector<uint8_t> good = {0x03, 0x00, 0x01, 0x00, 0, 0, 0, 0, 0, 1, 0, 0, 'x'};
  CHECK(parse_dcep_open(good));
  for (size_t n = 0; n < good.size(); ++n)
    CHECK(parse_dcep_open(Bytes(good.data(), n)).error() == DcepError::kTruncated);
  auto wrong = good;
  wrong[0] = 0x02;
  CHECK(parse_dcep_open(wrong).error() == DcepError::kUnknownType);
  auto bad_type = good;
  bad_type[1] = 0x03;
  CHECK(parse_dcep_open(bad_type).error() == DcepError::kBadChannelType);
  auto trailing = good;
  trailing.push_back(0);
  CHECK(parse_dcep_open(trailing).error() == DcepError::kTrailingBytes);
  // A reliable channel's parameter is ignored.
  auto reliable = good;
  reliable[7] = 9;
  CHECK(parse_dcep_open(reliable)->parameters.reliability_parameter == 0);
  CHECK(is_dcep_ack(std::vector<uint8_t>{0x02}));
  CHECK_FALSE(is_dcep_ack(std::vector<uint8_t>{0x02, 0}));
  CHECK_FALSE(dcep_message_type({}));
  // A buffer too small is refused, not overrun.
  std::vector<uint8_t> small(5);
  CHECK(build_dcep_open(DcepOpen{{}, "label", ""}, small) == 0);
}
