// --janus: the load generator's peers join a Janus VideoRoom through Janus's HTTP API instead of
// WHIP/WHEP. One Janus session for the whole run (one long-poll GET carries every handle's
// events, so 1000 viewers do not cost 1000 parked HTTP connections), one plugin handle per
// simulated peer. At start: create the session, attach a control handle, create the room.
// Publishers `joinandconfigure` with their offer (feed id = 1 + their rank) and take Janus's
// answer from the event; subscribers `join` the feeds (every publisher, or in --call mode all
// but their own partner's), get Janus's offer in the event, answer it (SimPeer::answer_offer)
// and `start`. A keepalive every 25 s keeps the session. Janus runs ICE itself (full or lite):
// our controlling agent answers its checks.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/event_loop.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "http_request.hpp"
#include "server_url.hpp"
#include "sim_peer.hpp"

namespace umbrella::loadgen {

class JanusClient {
 public:
  // url: Janus's API root, e.g. http://10.99.0.1:8088/janus (the prefix is the API path).
  JanusClient(EventLoop& loop, const ServerUrl& url, const tls::TlsClientConfig* tls, std::string room, int publishers,
              bool call);
  ~JanusClient();
  // Posts "create"; the session, control handle and room follow from the loop.
  Result<bool, std::string> start(Instant now);
  bool ready() const { return ready_; }  // the room exists: peers may join
  bool failed() const { return !failure_.empty(); }
  const std::string& failure() const { return failure_; }
  uint64_t room() const { return room_; }
  // Binds the peer's socket and starts its attach + join; the rest follows from the loop.
  Result<bool, std::string> join(SimPeer& peer, Instant now);
  // Timeouts, the keepalive, and a long poll that ended.
  void service(Instant now);

 private:
  enum class Step { kCreateSession, kAttach, kCreateRoom, kJoin, kStart, kKeepalive, kIdle };
  // One plugin handle's request in flight: the control handle (peer null) or a peer's.
  struct Member final : HttpRequest::Handler {
    Member(JanusClient& c, SimPeer* p) : client(c), peer(p) {}
    void on_http_done() override { client.on_reply(*this); }
    JanusClient& client;
    SimPeer* peer;
    uint64_t handle = 0;
    uint64_t feed = 0;                // publisher: its feed id
    std::vector<uint64_t> feeds;      // subscriber: what it receives
    Step step = Step::kIdle;
    std::unique_ptr<HttpRequest> request;
    Instant rejoin_at = kNever;  // subscriber: join again then (its feed was not up yet)
    int rejoins = 0;
  };
  struct Poll final : HttpRequest::Handler {
    explicit Poll(JanusClient& c) : client(c) {}
    void on_http_done() override { client.on_poll_done(); }
    JanusClient& client;
    std::unique_ptr<HttpRequest> request;
  };

  void send(Member& m, Step step, const std::string& path, const std::string& body, Instant now);
  void on_reply(Member& m);
  void on_poll_done();
  void poll(Instant now);
  void on_event(const struct JanusMessage& e, Instant now);
  void join_room(Member& m, Instant now);
  void fail_member(Member& m, const std::string& why);
  std::string session_path() const;
  std::string transaction() { return "lg" + std::to_string(++transactions_); }

  EventLoop& loop_;
  ServerUrl url_;
  const tls::TlsClientConfig* tls_;
  std::string room_name_;
  uint64_t room_;
  int publishers_;
  bool call_;
  int publishers_joined_ = 0, subscribers_joined_ = 0;
  uint64_t session_ = 0;
  bool ready_ = false;
  std::string failure_;
  Member control_{*this, nullptr};
  Poll poll_{*this};
  int poll_failures_ = 0;
  Instant next_keepalive_{};
  uint64_t transactions_ = 0;
  std::vector<std::unique_ptr<Member>> members_;
  std::unordered_map<uint64_t, Member*> by_handle_;
};

}  // namespace umbrella::loadgen
