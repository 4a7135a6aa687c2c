// The load generator's summary: a text block for people and one JSON object for scripts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace umbrella::loadgen {

// --churn: one long-lived participant at the end (churn.cpp's final check).
struct ParticipantFigures {
  uint32_t index = 0;
  std::string id;            // the server's participant id
  std::string failure;       // its own failure, if any
  uint64_t renegotiations = 0;
  size_t announced = 0;      // streams the last server offer announced
  size_t receiving = 0;      // of those, received since the final check began
  int peers_heard = 0, peers_expected = 0;  // other long-lived ones heard (video and audio) then
  int missed_churners = 0;   // churners whose media never reached it
  size_t baseline_offer_bytes = 0, baseline_offer_mlines = 0;  // the last offer before churn
  size_t last_offer_bytes = 0, last_offer_mlines = 0, max_offer_bytes = 0, max_offer_mlines = 0;
  bool ok = false;
};

struct ChurnSummary {
  bool on = false;
  int at_once = 0;
  uint64_t joins = 0, leaves = 0;  // churners'
  uint64_t reached = 0;            // churners whose media reached every long-lived participant
  uint64_t unreached = 0;          // churners that gave up (reach timeout)
  uint64_t churner_failures = 0;   // churners that failed (signalling, ICE, DTLS) or did not start
  std::string first_unreached, first_churner_failure;
  double reach_max_ms = 0;         // join to its media at every long-lived participant
  double churn_s = 0;
  bool final_ok = false;
  std::vector<ParticipantFigures> participants;
};

struct Summary {
  int publishers = 0, viewers = 0, connected = 0, failed = 0;
  std::string first_failure;
  std::string pending;  // peers neither connected nor failed, by stage ("0 signalling, 3 ICE, 2 DTLS")
  bool decrypted = true;
  bool wsb = false, janus = false, tls = false;  // /wsb signalling instead of WHIP/WHEP; https
  uint64_t renegotiations = 0;     // /wsb: server offers answered
  double window_s = 0;
  double sent_pps = 0, recv_pps = 0, recv_mbps = 0;
  uint64_t expected = 0, lost = 0, rtx = 0, rtcp = 0, unprotect_failed = 0, unprotect_replayed = 0;
  uint64_t rtcp_sent = 0, nacks_sent = 0, plis_sent = 0;  // by the receivers (decrypting mode only)
  uint64_t twcc_sent = 0;      // receivers' transport-wide feedback packets
  uint64_t twcc_received = 0;  // publishers': the SFU read their transport-wide sequence numbers
  uint64_t keyframe_requests = 0, keyframes_sent = 0;  // PLI/FIR reaching publishers; taken
  std::string media;       // what the publishers sent ("VP8 640x360 ... + Opus ...")
  double data_rate = 0;    // --data-rate (0: no data channels)
  uint64_t data_sent = 0, data_received = 0, data_send_failed = 0;  // messages, whole run
  double data_delay_p50_ms = 0, data_delay_p99_ms = 0;
  uint64_t dropped = 0;  // by the receivers on purpose (--drop-pct)
  bool simulcast = false;
  // In the window: publishers' video frames (of one layer) and audio packets, and what the
  // receivers got of them (complete frames counted by their marker packet).
  uint64_t sent_frames = 0, sent_audio = 0, recv_frames = 0, recv_audio = 0;
  uint64_t streams_receiving = 0, streams_announced = 0;
  uint64_t delay_samples = 0;
  double delay_p50_ms = 0, delay_p99_ms = 0, delay_max_ms = 0;
  double join_first_packet_p50_ms = 0, join_first_packet_max_ms = 0;  // viewers
  double join_connected_p50_ms = 0;                                   // everyone: HTTP+ICE+DTLS
  ChurnSummary churn;
};

// Median and maximum of a list of durations in ms (0, 0 when empty).
void median_max(std::vector<double> v, double& median, double& max);
std::string to_text(const Summary& s);
std::string to_json(const Summary& s);

}  // namespace umbrella::loadgen
