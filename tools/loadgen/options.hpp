// Command line of umbrella-loadgen.
#pragma once

#include <cstdint>
#include <string>

#include "media_source.hpp"

namespace umbrella::loadgen {

struct Options {
  std::string host = "127.0.0.1";  // the SFU's HTTP address (plain HTTP: UMBRELLA_CLOUD=1)
  uint16_t port = 8081;
  std::string prefix;              // UMBRELLA_HTTP_PREFIX
  std::string bind_ip = "127.0.0.1";
  std::string room = "load";
  int publishers = 1;
  int viewers = 1;
  int recv_video = -1, recv_audio = -1;  // m-lines per viewer; -1: one per publisher
  bool call = false;               // --call N: N publishers + N viewers, each viewing N-1
  MediaConfig media;
  double duration_s = 10;          // after the last viewer joined
  double join_rate = 50;           // joins per second
  bool decrypt = true;
  bool json = false;
  bool quiet = false;
};

// Parses argv; on error or --help prints usage and returns false (exit_code set).
bool parse_options(int argc, char** argv, Options& o, int& exit_code);

}  // namespace umbrella::loadgen
