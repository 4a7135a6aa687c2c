#include "janus_client.hpp"

#include "janus_message.hpp"

namespace umbrella::loadgen {
namespace {

constexpr Duration kRequestTimeout = seconds(10);
constexpr Duration kPollTimeout = seconds(45);  // Janus answers a quiet long poll after 30 s
constexpr Duration kKeepalive = seconds(25);    // Janus's session_timeout defaults to 60 s
// Events per long poll: 1000 viewers joining cause ~4000 events, one round trip each otherwise.
constexpr size_t kMaxEvents = 64;

// VideoRoom ids are numbers: the room name's FNV-1a hash, kept below 2^31.
uint64_t room_number(const std::string& name) {
  uint32_t h = 2166136261u;
  for (unsigned char c : name) h = (h ^ c) * 16777619u;
  return (h & 0x7FFFFFFF) | 1;
}

}  // namespace

JanusClient::JanusClient(EventLoop& loop, const ServerUrl& url, const tls::TlsClientConfig* tls, std::string room,
                         int publishers, bool call)
    : loop_(loop), url_(url), tls_(tls), room_name_(std::move(room)), room_(room_number(room_name_)),
      publishers_(publishers), call_(call) {}

JanusClient::~JanusClient() = default;

std::string JanusClient::session_path() const { return url_.prefix + "/" + std::to_string(session_); }

Result<bool, std::string> JanusClient::start(Instant now) {
  auto r = HttpRequest::post(loop_, url_, tls_, url_.prefix, "application/json", janus_request("create", transaction()),
                             now + kRequestTimeout, control_);
  if (!r) return Err{"Janus at " + host_header(url_) + ": " + r.error()};
  control_.request = std::move(*r);
  control_.step = Step::kCreateSession;
  return true;
}

void JanusClient::send(Member& m, Step step, const std::string& path, const std::string& body, Instant now) {
  m.step = step;
  auto r = HttpRequest::post(loop_, url_, tls_, path, "application/json", body, now + kRequestTimeout, m);
  if (!r) return fail_member(m, r.error());
  m.request = std::move(*r);
}

void JanusClient::fail_member(Member& m, const std::string& why) {
  m.step = Step::kIdle;
  if (m.peer) return m.peer->fail_signalling("Janus: " + why);
  if (failure_.empty()) failure_ = "Janus: " + why;
}

Result<bool, std::string> JanusClient::join(SimPeer& peer, Instant now) {
  if (!ready_) return Err{std::string("Janus: the room is not ready")};
  if (auto p = peer.prepare(now); !p) return p;
  auto m = std::make_unique<Member>(*this, &peer);
  if (peer.role() == SimPeer::Role::kPublisher) {
    m->feed = uint64_t(++publishers_joined_);
  } else {
    int partner = ++subscribers_joined_;  // --call: viewer k is publisher k's other half
    for (int f = 1; f <= publishers_; ++f)
      if (!call_ || f != partner) m->feeds.push_back(uint64_t(f));
  }
  Member& ref = *m;
  members_.push_back(std::move(m));
  send(ref, Step::kAttach, session_path(), janus_attach("janus.plugin.videoroom", transaction()), now);
  return true;
}

void JanusClient::join_room(Member& m, Instant now) {
  std::string room = std::to_string(room_);
  std::string path = session_path() + "/" + std::to_string(m.handle);
  if (m.peer->role() == SimPeer::Role::kPublisher) {
    std::string body = "{\"request\":\"joinandconfigure\",\"ptype\":\"publisher\",\"room\":" + room +
                       ",\"id\":" + std::to_string(m.feed) + ",\"display\":\"loadgen " +
                       std::to_string(m.peer->index()) + "\"}";
    return send(m, Step::kJoin, path, janus_plugin_message(body, transaction(), "offer", m.peer->offer()), now);
  }
  std::string streams;
  for (uint64_t f : m.feeds) {
    if (!streams.empty()) streams += ',';
    streams += "{\"feed\":" + std::to_string(f) + "}";
  }
  std::string body = "{\"request\":\"join\",\"ptype\":\"subscriber\",\"room\":" + room + ",\"streams\":[" + streams + "]}";
  send(m, Step::kJoin, path, janus_plugin_message(body, transaction()), now);
}

void JanusClient::on_reply(Member& m) {
  Instant now = loop_.now();
  auto r = m.request->result();
  m.request.reset();  // may be inside its stream's callback: the stream allows that
  Step step = m.step;
  m.step = Step::kIdle;
  if (!r) return fail_member(m, r.error());
  if (r->status != 200) return fail_member(m, "HTTP " + std::to_string(r->status) + ": " + r->body.substr(0, 200));
  auto msg = parse_janus_message(std::span(reinterpret_cast<const uint8_t*>(r->body.data()), r->body.size()));
  if (!msg) return fail_member(m, msg.error());
  if (msg->janus == "error") return fail_member(m, msg->error + " (" + std::to_string(msg->error_code) + ")");
  switch (step) {
    case Step::kCreateSession:
      if (msg->janus != "success" || msg->id == 0) return fail_member(m, "create: no session id");
      session_ = msg->id;
      next_keepalive_ = now + kKeepalive;
      poll(now);
      return send(m, Step::kAttach, session_path(), janus_attach("janus.plugin.videoroom", transaction()), now);
    case Step::kAttach:
      if (msg->janus != "success" || msg->id == 0) return fail_member(m, "attach: no handle id");
      m.handle = msg->id;
      if (m.peer) {
        by_handle_[m.handle] = &m;
        return join_room(m, now);
      }
      {
        // Room for every publisher; no bitrate cap or REMB games: forward what arrives.
        std::string body = "{\"request\":\"create\",\"room\":" + std::to_string(room_) +
                           ",\"publishers\":" + std::to_string(publishers_ + 1) +
                           ",\"audiocodec\":\"opus\",\"videocodec\":\"vp8\",\"bitrate\":0,\"permanent\":false}";
        return send(m, Step::kCreateRoom, session_path() + "/" + std::to_string(m.handle),
                    janus_plugin_message(body, transaction()), now);
      }
    case Step::kCreateRoom:
      // 427: the room exists already (a second loadgen on the same Janus).
      if (msg->videoroom != "created" && msg->error_code != 427)
        return fail_member(m, "create room: " + (msg->error.empty() ? msg->janus : msg->error));
      ready_ = true;
      return;
    case Step::kJoin:
    case Step::kStart:
    case Step::kKeepalive:
      // "ack": the plugin's answer comes as an event on the long poll.
      if (!msg->error.empty()) return fail_member(m, msg->error);
      return;
    case Step::kIdle:
      return;
  }
}

void JanusClient::poll(Instant now) {
  auto r = HttpRequest::get(loop_, url_, tls_, session_path() + "?maxev=" + std::to_string(kMaxEvents),
                            now + kPollTimeout, poll_);
  if (!r) {
    if (failure_.empty()) failure_ = "Janus long poll: " + r.error();
    return;
  }
  poll_.request = std::move(*r);
}

void JanusClient::on_poll_done() {
  Instant now = loop_.now();
  auto r = poll_.request->result();
  poll_.request.reset();
  if (!r || r->status != 200) {
    // One lost poll is no reason to fail the run; a Janus that keeps refusing is.
    if (++poll_failures_ > 5 && failure_.empty())
      failure_ = "Janus long poll: " + (r ? "HTTP " + std::to_string(r->status) : r.error());
    return poll(now);
  }
  poll_failures_ = 0;
  auto events = parse_janus_events(std::span(reinterpret_cast<const uint8_t*>(r->body.data()), r->body.size()),
                                   kMaxEvents);
  poll(now);  // before handling: a slow answer must not delay the next event
  if (!events) {
    if (failure_.empty()) failure_ = "Janus long poll: " + events.error();
    return;
  }
  for (const JanusMessage& e : *events) on_event(e, now);
}

void JanusClient::on_event(const JanusMessage& e, Instant now) {
  auto it = by_handle_.find(e.sender);
  if (it == by_handle_.end()) return;  // keepalives, the control handle's events
  Member& m = *it->second;
  if (e.janus == "hangup" || e.janus == "detached") return fail_member(m, "hung up: " + e.error);
  if (e.janus != "event") return;  // webrtcup, media, slowlink: nothing to do
  // 428 "No such feed": the publisher's PeerConnection is up on our side a moment before Janus
  // marks it started (our DTLS finishes first); a subscriber tries again shortly, 50 times at most.
  if (e.error_code == 428 && m.peer->role() == SimPeer::Role::kViewer && m.rejoins < 50) {
    ++m.rejoins;
    m.rejoin_at = now + milliseconds(100);
    return;
  }
  if (!e.error.empty()) return fail_member(m, e.error + " (" + std::to_string(e.error_code) + ")");
  if (e.jsep_type == "answer" && m.peer->role() == SimPeer::Role::kPublisher) {
    if (auto a = m.peer->accept_answer(e.jsep_sdp, now); !a) m.peer->fail_signalling("Janus answer: " + a.error());
  } else if (e.jsep_type == "offer" && m.peer->role() == SimPeer::Role::kViewer) {
    auto answer = m.peer->answer_offer(e.jsep_sdp, now);
    if (!answer) return m.peer->fail_signalling("Janus offer: " + answer.error());
    std::string body = "{\"request\":\"start\",\"room\":" + std::to_string(room_) + "}";
    send(m, Step::kStart, session_path() + "/" + std::to_string(m.handle),
         janus_plugin_message(body, transaction(), "answer", *answer), now);
  }
}

void JanusClient::service(Instant now) {
  if (control_.request && control_.request->check_timeout(now)) on_reply(control_);
  if (poll_.request && poll_.request->check_timeout(now)) on_poll_done();
  for (auto& m : members_) {
    if (m->request && m->request->check_timeout(now)) on_reply(*m);
    if (now >= m->rejoin_at && !m->request) {
      m->rejoin_at = kNever;
      join_room(*m, now);
    }
  }
  if (session_ && now >= next_keepalive_ && !control_.request) {
    next_keepalive_ = now + kKeepalive;
    send(control_, Step::kKeepalive, session_path(), janus_request("keepalive", transaction()), now);
  }
}

}  // namespace umbrella::loadgen
