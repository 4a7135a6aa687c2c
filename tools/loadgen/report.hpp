// The load generator's summary: a text block for people and one JSON object for scripts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace umbrella::loadgen {

struct Summary {
  int publishers = 0, viewers = 0, connected = 0, failed = 0;
  std::string first_failure;
  std::string pending;  // peers neither connected nor failed, by stage ("0 signalling, 3 ICE, 2 DTLS")
  bool decrypted = true;
  bool wsb = false, tls = false;  // /wsb signalling instead of WHIP/WHEP; https
  uint64_t renegotiations = 0;     // /wsb: server offers answered
  double window_s = 0;
  double sent_pps = 0, recv_pps = 0, recv_mbps = 0;
  uint64_t expected = 0, lost = 0, rtx = 0, rtcp = 0, unprotect_failed = 0, unprotect_replayed = 0;
  uint64_t streams_receiving = 0, streams_announced = 0;
  uint64_t delay_samples = 0;
  double delay_p50_ms = 0, delay_p99_ms = 0, delay_max_ms = 0;
  double join_first_packet_p50_ms = 0, join_first_packet_max_ms = 0;  // viewers
  double join_connected_p50_ms = 0;                                   // everyone: HTTP+ICE+DTLS
};

// Median and maximum of a list of durations in ms (0, 0 when empty).
void median_max(std::vector<double> v, double& median, double& max);
std::string to_text(const Summary& s);
std::string to_json(const Summary& s);

}  // namespace umbrella::loadgen
