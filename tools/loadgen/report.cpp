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

std::string to_text(const Summary& s) {
  char b[2048];
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
    n = std::snprintf(b, sizeof b, "  delay p50 %.2f ms, p99 %.2f ms, max %.2f ms (%llu samples)\n", s.delay_p50_ms,
                      s.delay_p99_ms, s.delay_max_ms, (unsigned long long)s.delay_samples);
  else
    n = std::snprintf(b, sizeof b, "  delay not measured (--no-decrypt)\n");
  out.append(b, size_t(n));
  n = std::snprintf(b, sizeof b,
                    "  join to connected p50 %.1f ms; receiver join to first packet p50 %.1f ms, max %.1f ms\n"
                    "  signalling %s over %s%s\n",
                    s.join_connected_p50_ms, s.join_first_packet_p50_ms, s.join_first_packet_max_ms,
                    s.wsb ? "/wsb" : "WHIP/WHEP", s.tls ? "HTTPS" : "HTTP",
                    s.wsb ? (", " + std::to_string(s.renegotiations) + " server offers answered").c_str() : "");
  out.append(b, size_t(n));
  return out;
}

std::string to_json(const Summary& s) {
  char b[2048];
  std::string failure;
  for (char c : s.first_failure) failure += (c == '"' || c == '\\') ? '\'' : (unsigned char)c < 0x20 ? ' ' : c;
  int n = std::snprintf(b, sizeof b,
      "{\"publishers\":%d,\"viewers\":%d,\"connected\":%d,\"failed\":%d,\"first_failure\":\"%s\",\"pending\":\"%s\","
      "\"decrypted\":%s,\"window_s\":%.3f,\"sent_pps\":%.1f,\"recv_pps\":%.1f,\"recv_mbps\":%.3f,"
      "\"expected\":%llu,\"lost\":%llu,\"loss_pct\":%.4f,\"rtx\":%llu,\"rtcp\":%llu,\"unprotect_failed\":%llu,\"unprotect_replayed\":%llu,"
      "\"streams_receiving\":%llu,\"streams_announced\":%llu,\"delay_samples\":%llu,"
      "\"delay_p50_ms\":%.3f,\"delay_p99_ms\":%.3f,\"delay_max_ms\":%.3f,"
      "\"join_first_packet_p50_ms\":%.1f,\"join_first_packet_max_ms\":%.1f,\"join_connected_p50_ms\":%.1f,"
      "\"signalling\":\"%s\",\"tls\":%s,\"renegotiations\":%llu}",
      s.publishers, s.viewers, s.connected, s.failed, failure.c_str(), s.pending.c_str(), s.decrypted ? "true" : "false", s.window_s,
      s.sent_pps, s.recv_pps, s.recv_mbps, (unsigned long long)s.expected, (unsigned long long)s.lost,
      s.expected ? 100.0 * double(s.lost) / double(s.expected) : 0.0, (unsigned long long)s.rtx,
      (unsigned long long)s.rtcp, (unsigned long long)s.unprotect_failed, (unsigned long long)s.unprotect_replayed,
      (unsigned long long)s.streams_receiving,
      (unsigned long long)s.streams_announced, (unsigned long long)s.delay_samples, s.delay_p50_ms, s.delay_p99_ms,
      s.delay_max_ms, s.join_first_packet_p50_ms, s.join_first_packet_max_ms, s.join_connected_p50_ms,
      s.wsb ? "wsb" : "whip", s.tls ? "true" : "false", (unsigned long long)s.renegotiations);
  return std::string(b, size_t(n));
}

}  // namespace umbrella::loadgen
