#include "options.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace umbrella::loadgen {
namespace {

void usage(FILE* f) {
  std::fprintf(f,
      "usage: umbrella-loadgen [options]\n"
      "  --server URL         the SFU: https://HOST:PORT[/prefix], http://... (UMBRELLA_CLOUD=1), or\n"
      "                       HOST:PORT for plain HTTP [127.0.0.1:8081]\n"
      "  --prefix PATH        HTTP prefix (UMBRELLA_HTTP_PREFIX), if not in --server\n"
      "  --ca FILE            https: trust this CA (e.g. ca.crt from umbrella make-certs) [system CAs]\n"
      "  --pin SHA256         https: accept only this certificate fingerprint (self-signed server)\n"
      "  --insecure           https: skip certificate checks (self-signed test servers)\n"
      "  --wsb                join through the /wsb WebSocket as the web app does: each publisher\n"
      "                       also receives everyone else on its one transport; viewers join as viewers\n"
      "  --janus URL          drive a Janus VideoRoom instead (http://HOST:8088/janus, its HTTP API):\n"
      "                       publishers joinandconfigure, viewers subscribe to every feed (--call N:\n"
      "                       all but their partner's) and answer Janus's offer\n"
      "  --bind IP            local address of the simulated peers [127.0.0.1]\n"
      "  --room NAME          room [load]\n"
      "  --publishers N       WHIP publishers, audio+video each [1]\n"
      "  --viewers M          WHEP viewers [1]\n"
      "  --call N             N-person call. WHIP/WHEP: N publishers and N viewers, each viewer\n"
      "                       receives N-1; --wsb: N participants, each publishes and receives N-1\n"
      "  --recv-video K       video m-lines per viewer [one per publisher]\n"
      "  --recv-audio K       audio m-lines per viewer [one per publisher]\n"
      "  --video-kbps K       video bitrate per publisher [1000]\n"
      "  --fps F              video frame rate [30]\n"
      "  --audio-ms MS        audio packet interval [20]\n"
      "  --no-audio, --no-video\n"
      "  --simulcast          publishers send three VP8 layers by rid: q, h, f at ~1/8, 1/3 and all of\n"
      "                       --video-kbps (the SFU picks one per viewer)\n"
      "  --simulcast-ssrc     the same three layers signalled by SSRC (a=ssrc-group:SIM), no rids\n"
      "  --duration S         seconds of measurement [10]\n"
      "  --settle S           wait from every peer connected to the measurement's start [1]\n"
      "  --window-on-signal   after --settle, print \"loadgen: settled\" and start measuring on SIGUSR1\n"
      "  --join-rate R        joins per second [50]\n"
      "  --churn K            with --wsb --call N: once the N are connected, K more participants at\n"
      "                       once join, stay until their media reached all N, then --stay-min..max\n"
      "                       seconds, and leave, each replaced, for --duration seconds (or --churn-joins);\n"
      "                       then every one of the N must receive the others afresh (per-participant\n"
      "                       figures, joins/leaves, offer sizes in the summary)\n"
      "  --churn-joins J      stop churning after J joins [0: at the end of --duration]\n"
      "  --stay-min S, --stay-max S  a churner's stay once its media reached everyone [1, 3]\n"
      "  --reach-timeout S    a churner whose media has not reached everyone by then counts as a miss [30]\n"
      "  --drop-pct P         receivers drop P%% of the RTP reaching them, as a lossy link would: their\n"
      "                       NACKs and the SFU's retransmissions then repair it [0]\n"
      "  --data-rate R        every peer negotiates a data channel; publishers send R messages a second\n"
      "                       on the room channel, which the SFU relays to everyone (rate, delay in the summary) [0]\n"
      "  --data-bytes B       each message's size [200]\n"
      "  --no-decrypt         viewers skip SRTP: count and check sequences from the clear header only\n"
      "                       (no delay figures)\n"
      "  --coalesce-us U      sleep U microseconds between loop iterations so each wake-up reads\n"
      "                       more packets per socket (batching for 500+ viewers) [0]\n"
      "  --json               print the summary as one JSON object on stdout\n"
      "  --quiet              no progress lines\n");
}

}  // namespace

bool parse_options(int argc, char** argv, Options& o, int& exit_code) {
  exit_code = 2;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> const char* {
      if (i + 1 >= argc) return nullptr;
      return argv[++i];
    };
    auto num = [&](double& out) {
      const char* v = value();
      if (!v) return false;
      char* end = nullptr;
      out = std::strtod(v, &end);
      return end && *end == 0;
    };
    double d = 0;
    if (a == "--help" || a == "-h") {
      usage(stdout);
      exit_code = 0;
      return false;
    } else if (a == "--server") {
      const char* v = value();
      if (!v) break;
      auto u = parse_server_url(v);
      if (!u) {
        std::fprintf(stderr, "umbrella-loadgen: %s\n", u.error().c_str());
        return false;
      }
      std::string prefix = o.server.prefix;
      o.server = std::move(*u);
      if (o.server.prefix.empty()) o.server.prefix = prefix;
      continue;
    } else if (a == "--janus") {
      const char* v = value();
      if (!v) break;
      auto u = parse_server_url(v);
      if (!u) {
        std::fprintf(stderr, "umbrella-loadgen: %s\n", u.error().c_str());
        return false;
      }
      o.server = std::move(*u);
      if (o.server.prefix.empty()) o.server.prefix = "/janus";
      o.janus = true;
      continue;
    } else if (a == "--prefix") {
      const char* v = value();
      if (!v) break;
      o.server.prefix = v;
      continue;
    } else if (a == "--bind" || a == "--room" || a == "--ca" || a == "--pin") {
      const char* v = value();
      if (!v) break;
      (a == "--bind" ? o.bind_ip : a == "--room" ? o.room : a == "--ca" ? o.ca_file : o.pin) = v;
      continue;
    } else if (a == "--insecure") {
      o.insecure = true;
      continue;
    } else if (a == "--wsb") {
      o.wsb = true;
      continue;
    } else if (a == "--no-audio") {
      o.media.audio = false;
      continue;
    } else if (a == "--simulcast" || a == "--simulcast-ssrc") {
      o.media.simulcast = true;
      o.media.simulcast_by_ssrc = a == "--simulcast-ssrc";
      continue;
    } else if (a == "--no-video") {
      o.media.video = false;
      continue;
    } else if (a == "--no-decrypt") {
      o.decrypt = false;
      continue;
    } else if (a == "--json") {
      o.json = true;
      continue;
    } else if (a == "--window-on-signal") {
      o.window_on_signal = true;
      continue;
    } else if (a == "--quiet") {
      o.quiet = true;
      continue;
    } else if (num(d)) {
      if (a == "--publishers") o.publishers = int(d);
      else if (a == "--viewers") o.viewers = int(d);
      else if (a == "--call") o.call = true, o.publishers = o.viewers = int(d);
      else if (a == "--recv-video") o.recv_video = int(d);
      else if (a == "--recv-audio") o.recv_audio = int(d);
      else if (a == "--video-kbps") o.media.video_bps = uint32_t(d * 1000);
      else if (a == "--fps") o.media.fps = uint32_t(d);
      else if (a == "--audio-ms") o.media.audio_ms = uint32_t(d);
      else if (a == "--churn") o.churn.at_once = int(d);
      else if (a == "--churn-joins") o.churn.joins = int(d);
      else if (a == "--stay-min") o.churn.stay_min_s = d;
      else if (a == "--stay-max") o.churn.stay_max_s = d;
      else if (a == "--reach-timeout") o.churn.reach_timeout_s = d;
      else if (a == "--duration") o.duration_s = d;
      else if (a == "--settle") o.settle_s = d;
      else if (a == "--coalesce-us") o.coalesce_us = int(d);
      else if (a == "--join-rate") o.join_rate = d > 0 ? d : 1;
      else if (a == "--drop-pct") o.drop_pct = d;
      else if (a == "--data-rate") o.data_rate = d;
      else if (a == "--data-bytes") o.data_bytes = size_t(std::max(d, double(kProbePadding)));
      else break;
      continue;
    }
    std::fprintf(stderr, "umbrella-loadgen: bad argument %s\n", a.c_str());
    usage(stderr);
    return false;
  }
  if (o.churn.at_once > 0 && (!o.wsb || !o.call || !o.media.audio || !o.media.video || !o.decrypt)) {
    std::fprintf(stderr, "umbrella-loadgen: --churn needs --wsb --call N, audio, video and decryption\n");
    return false;
  }
  if (o.janus && (o.wsb || o.churn.at_once > 0)) {
    std::fprintf(stderr, "umbrella-loadgen: --janus speaks Janus's API: not with --wsb or --churn\n");
    return false;
  }
  if (o.call && o.wsb) o.viewers = 0;  // the participants are the viewers
  if (o.call) {
    if (o.recv_video < 0) o.recv_video = o.publishers - 1;
    if (o.recv_audio < 0) o.recv_audio = o.publishers - 1;
  }
  if (o.recv_video < 0) o.recv_video = o.media.video ? o.publishers : 0;
  if (o.recv_audio < 0) o.recv_audio = o.media.audio ? o.publishers : 0;
  if (o.publishers < 0 || o.viewers < 0 || o.publishers + o.viewers == 0) {
    std::fprintf(stderr, "umbrella-loadgen: nothing to simulate\n");
    return false;
  }
  return true;
}

}  // namespace umbrella::loadgen
