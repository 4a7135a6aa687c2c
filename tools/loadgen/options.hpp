// Command line of umbrella-loadgen.
#pragma once

#include <cstdint>
#include <string>

#include "churn.hpp"
#include "media_source.hpp"
#include "server_url.hpp"

namespace umbrella::loadgen {

struct Options {
  ServerUrl server;                // --server http(s)://HOST:PORT[/prefix] (resolved in main)
  std::string ca_file;             // https: trust this CA (PEM) instead of the system's
  std::string pin;                 // https: the server certificate's SHA-256 (self-signed)
  bool insecure = false;           // https: no certificate check (self-signed test servers)
  bool wsb = false;                // signal over /wsb as the web app, not WHIP/WHEP
  bool janus = false;              // --janus URL: a Janus VideoRoom through its HTTP API (server)
  std::string bind_ip = "127.0.0.1";
  std::string room = "load";
  int publishers = 1;
  int viewers = 1;
  int recv_video = -1, recv_audio = -1;  // m-lines per viewer; -1: one per publisher
  bool call = false;               // --call N: N publishers + N viewers, each viewing N-1
  MediaConfig media;
  ChurnOptions churn;              // --churn K with --wsb --call N
  double duration_s = 10;          // measurement window
  double settle_s = 1;             // from every peer connected to the window's start
  bool window_on_signal = false;   // and then until SIGUSR1 (tools/bench/run: once the SFU is calm)
  double join_rate = 50;           // joins per second
  int coalesce_us = 0;             // sleep between loop iterations (batching at high fan-out)
  bool decrypt = true;
  double drop_pct = 0;             // receivers drop this share of incoming RTP (emulated loss)
  double data_rate = 0;            // data channel messages per second per publisher (0: no data channels)
  size_t data_bytes = 200;         // each message's size
  bool json = false;
  bool quiet = false;
};

// Parses argv; on error or --help prints usage and returns false (exit_code set).
bool parse_options(int argc, char** argv, Options& o, int& exit_code);

}  // namespace umbrella::loadgen
