#include "report.hpp"

#include <algorithm>
#include <cstdio>

namespace umbrella::loadgen {

void median_max(std::vector<double> v, double& median, double& max) {
  median = max = 0;
  if (v.empty()) return;
  std::sort(v.begin(), v.end());
  median = v[v.size() / 2];
  max = v.back();
}

namespace {

std::string clean(const std::string& in) {
  std::string out;
  for (char c : in) out += (c == '"' || c == '\\') ? '\'' : (unsigned char)c < 0x20 ? ' ' : c;
  return out;
}

std::string churn_text(const ChurnSummary& c) {
  char b[1024];
  int n = std::snprintf(b, sizeof b,
      "churn: %llu joins, %llu leaves (%llu joins+leaves) in %.1f s, %d at once; %llu reached every long-lived "
      "participant (slowest %.0f ms), %llu never did, %llu churners failed%s%s%s%s\n"
      "final check: %s\n",
      (unsigned long long)c.joins, (unsigned long long)c.leaves, (unsigned long long)(c.joins + c.leaves), c.churn_s,
      c.at_once, (unsigned long long)c.reached, c.reach_max_ms, (unsigned long long)c.unreached,
      (unsigned long long)c.churner_failures, c.first_unreached.empty() ? "" : "; first: ", c.first_unreached.c_str(),
      c.first_churner_failure.empty() ? "" : "; first failure: ", c.first_churner_failure.c_str(),
      c.final_ok ? "every long-lived participant receives everyone" : "FAILED");
  std::string out(b, size_t(n));
  for (auto& p : c.participants) {
    n = std::snprintf(b, sizeof b,
        "  long-lived %u %s: %s, %zu/%zu announced streams receiving, %d/%d others heard, %d churners missed, "
        "%llu offers; offer bytes (m-lines) before churn %zu (%zu), max %zu (%zu), last %zu (%zu)%s%s\n",
        p.index, p.id.c_str(), p.ok ? "ok" : "FAILED", p.receiving, p.announced, p.peers_heard, p.peers_expected,
        p.missed_churners, (unsigned long long)p.renegotiations, p.baseline_offer_bytes, p.baseline_offer_mlines,
        p.max_offer_bytes, p.max_offer_mlines, p.last_offer_bytes, p.last_offer_mlines,
        p.failure.empty() ? "" : ": ", p.failure.c_str());
    out.append(b, size_t(n));
  }
  return out;
}

std::string churn_json(const ChurnSummary& c) {
  char b[1024];
  int n = std::snprintf(b, sizeof b,
      ",\"churn\":{\"at_once\":%d,\"joins\":%llu,\"leaves\":%llu,\"reached\":%llu,\"unreached\":%llu,"
      "\"churner_failures\":%llu,\"first_unreached\":\"%s\",\"first_churner_failure\":\"%s\","
      "\"reach_max_ms\":%.1f,\"churn_s\":%.3f,\"final_ok\":%s,\"participants\":[",
      c.at_once, (unsigned long long)c.joins, (unsigned long long)c.leaves, (unsigned long long)c.reached,
      (unsigned long long)c.unreached, (unsigned long long)c.churner_failures, clean(c.first_unreached).c_str(),
      clean(c.first_churner_failure).c_str(), c.reach_max_ms, c.churn_s, c.final_ok ? "true" : "false");
  std::string out(b, size_t(n));
  for (size_t i = 0; i < c.participants.size(); ++i) {
    const ParticipantFigures& p = c.participants[i];
    n = std::snprintf(b, sizeof b,
        "%s{\"index\":%u,\"id\":\"%s\",\"failure\":\"%s\",\"ok\":%s,\"renegotiations\":%llu,\"announced\":%zu,"
        "\"receiving\":%zu,\"peers_heard\":%d,\"peers_expected\":%d,\"missed_churners\":%d,"
        "\"baseline_offer_bytes\":%zu,\"baseline_offer_mlines\":%zu,\"max_offer_bytes\":%zu,\"max_offer_mlines\":%zu,"
        "\"last_offer_bytes\":%zu,\"last_offer_mlines\":%zu}",
        i ? "," : "", p.index, clean(p.id).c_str(), clean(p.failure).c_str(), p.ok ? "true" : "false",
        (unsigned long long)p.renegotiations, p.announced, p.receiving, p.peers_heard, p.peers_expected,
        p.missed_churners, p.baseline_offer_bytes, p.baseline_offer_mlines, p.max_offer_bytes, p.max_offer_mlines,
        p.last_offer_bytes, p.last_offer_mlines);
    out.append(b, size_t(n));
  }
  return out + "]}";
}

}  // namespace

std::string to_text(const Summary& s) {
  char b[2304];
  double loss = s.expected ? 100.0 * double(s.lost) / double(s.expected) : 0;
  int n = std::snprintf(b, sizeof b,
      "summary: %d publishers, %d viewers, %d connected, %d failed%s%s%s%s\n"
      "  window %.1f s: sent %.0f pkt/s, received %.0f pkt/s (%.1f Mbit/s), %llu/%llu streams receiving\n"
      "  loss %.3f%% (%llu of %llu), rtx %llu, rtcp %llu, unprotect failures %llu (+%llu replayed)\n",
      s.publishers, s.viewers, s.connected, s.failed, s.first_failure.empty() ? "" : ": ",
      s.first_failure.c_str(), s.pending.empty() ? "" : "; still connecting: ", s.pending.c_str(), s.window_s, s.sent_pps, s.recv_pps, s.recv_mbps,
      (unsigned long long)s.streams_receiving, (unsigned long long)s.streams_announced, loss,
      (unsigned long long)s.lost, (unsigned long long)s.expected, (unsigned long long)s.rtx,
      (unsigned long long)s.rtcp, (unsigned long long)s.unprotect_failed, (unsigned long long)s.unprotect_replayed);
  std::string out(b, size_t(n));
  if (s.decrypted)
    n = std::snprintf(b, sizeof b,
                      "  delay p50 %.2f ms, p99 %.2f ms, max %.2f ms (%llu samples)\n"
                      "  receivers sent %llu RTCP (reports every second, %llu NACKed packets, %llu PLIs)\n",
                      s.delay_p50_ms, s.delay_p99_ms, s.delay_max_ms, (unsigned long long)s.delay_samples,
                      (unsigned long long)s.rtcp_sent, (unsigned long long)s.nacks_sent, (unsigned long long)s.plis_sent);
  else
    n = std::snprintf(b, sizeof b, "  delay not measured, receivers send no RTCP (--no-decrypt: counting mode)\n");
  out.append(b, size_t(n));
  n = std::snprintf(b, sizeof b,
                    "  join to connected p50 %.1f ms; receiver join to first packet p50 %.1f ms, max %.1f ms\n"
                    "  signalling %s over %s%s\n"
                    "  media: %s; publishers got %llu keyframe requests (%llu keyframes sent); receivers sent %llu transport-wide feedback, publishers got %llu\n",
                    s.join_connected_p50_ms, s.join_first_packet_p50_ms, s.join_first_packet_max_ms,
                    s.wsb ? "/wsb" : s.janus ? "Janus VideoRoom API" : "WHIP/WHEP", s.tls ? "HTTPS" : "HTTP",
                    s.wsb ? (", " + std::to_string(s.renegotiations) + " server offers answered").c_str() : "",
                    s.media.c_str(), (unsigned long long)s.keyframe_requests, (unsigned long long)s.keyframes_sent,
                    (unsigned long long)s.twcc_sent, (unsigned long long)s.twcc_received);
  out.append(b, size_t(n));
  n = std::snprintf(b, sizeof b,
                    "  per kind in the window: publishers sent %llu video frames%s and %llu audio packets; "
                    "receivers got %llu complete frames and %llu audio packets\n",
                    (unsigned long long)s.sent_frames, s.simulcast ? " per layer (simulcast)" : "",
                    (unsigned long long)s.sent_audio, (unsigned long long)s.recv_frames,
                    (unsigned long long)s.recv_audio);
  out.append(b, size_t(n));
  if (s.data_rate > 0) {
    n = std::snprintf(b, sizeof b,
                      "  data channels: %.1f messages/s per publisher; %llu sent (%llu refused by SCTP), %llu received "
                      "through the SFU's relay; delay p50 %.2f ms, p99 %.2f ms\n",
                      s.data_rate, (unsigned long long)s.data_sent, (unsigned long long)s.data_send_failed,
                      (unsigned long long)s.data_received, s.data_delay_p50_ms, s.data_delay_p99_ms);
    out.append(b, size_t(n));
  }
  if (s.churn.on) out += churn_text(s.churn);
  return out;
}

std::string to_json(const Summary& s) {
  char b[2304];
  std::string failure = clean(s.first_failure);
  int n = std::snprintf(b, sizeof b,
      "{\"publishers\":%d,\"viewers\":%d,\"connected\":%d,\"failed\":%d,\"first_failure\":\"%s\",\"pending\":\"%s\","
      "\"decrypted\":%s,\"window_s\":%.3f,\"sent_pps\":%.1f,\"recv_pps\":%.1f,\"recv_mbps\":%.3f,"
      "\"expected\":%llu,\"lost\":%llu,\"loss_pct\":%.4f,\"rtx\":%llu,\"rtcp\":%llu,\"unprotect_failed\":%llu,\"unprotect_replayed\":%llu,"
      "\"streams_receiving\":%llu,\"streams_announced\":%llu,\"delay_samples\":%llu,"
      "\"delay_p50_ms\":%.3f,\"delay_p99_ms\":%.3f,\"delay_max_ms\":%.3f,"
      "\"join_first_packet_p50_ms\":%.1f,\"join_first_packet_max_ms\":%.1f,\"join_connected_p50_ms\":%.1f,"
      "\"signalling\":\"%s\",\"tls\":%s,\"renegotiations\":%llu,"
      "\"rtcp_sent\":%llu,\"nacks_sent\":%llu,\"plis_sent\":%llu,\"dropped\":%llu,\"twcc_sent\":%llu,\"twcc_received\":%llu,"
      "\"keyframe_requests\":%llu,\"keyframes_sent\":%llu,\"media\":\"%s\"}",
      s.publishers, s.viewers, s.connected, s.failed, failure.c_str(), s.pending.c_str(), s.decrypted ? "true" : "false", s.window_s,
      s.sent_pps, s.recv_pps, s.recv_mbps, (unsigned long long)s.expected, (unsigned long long)s.lost,
      s.expected ? 100.0 * double(s.lost) / double(s.expected) : 0.0, (unsigned long long)s.rtx,
      (unsigned long long)s.rtcp, (unsigned long long)s.unprotect_failed, (unsigned long long)s.unprotect_replayed,
      (unsigned long long)s.streams_receiving,
      (unsigned long long)s.streams_announced, (unsigned long long)s.delay_samples, s.delay_p50_ms, s.delay_p99_ms,
      s.delay_max_ms, s.join_first_packet_p50_ms, s.join_first_packet_max_ms, s.join_connected_p50_ms,
      s.wsb ? "wsb" : s.janus ? "janus" : "whip", s.tls ? "true" : "false", (unsigned long long)s.renegotiations,
      (unsigned long long)s.rtcp_sent, (unsigned long long)s.nacks_sent, (unsigned long long)s.plis_sent,
      (unsigned long long)s.dropped, (unsigned long long)s.twcc_sent, (unsigned long long)s.twcc_received, (unsigned long long)s.keyframe_requests,
      (unsigned long long)s.keyframes_sent, clean(s.media).c_str());
  std::string out(b, size_t(n - 1));  // without the closing brace
  n = std::snprintf(b, sizeof b,
                    ",\"data_rate\":%.3f,\"data_sent\":%llu,\"data_received\":%llu,\"data_send_failed\":%llu,"
                    "\"data_delay_p50_ms\":%.3f,\"data_delay_p99_ms\":%.3f,\"simulcast\":%s,\"sent_frames\":%llu,"
                    "\"sent_audio\":%llu,\"recv_frames\":%llu,\"recv_audio\":%llu",
                    s.data_rate, (unsigned long long)s.data_sent, (unsigned long long)s.data_received,
                    (unsigned long long)s.data_send_failed, s.data_delay_p50_ms, s.data_delay_p99_ms,
                    s.simulcast ? "true" : "false", (unsigned long long)s.sent_frames, (unsigned long long)s.sent_audio,
                    (unsigned long long)s.recv_frames, (unsigned long long)s.recv_audio);
  out.append(b, size_t(n));
  if (s.churn.on) out += churn_json(s.churn);
  return out + "}";
}

}  // namespace umbrella::loadgen
