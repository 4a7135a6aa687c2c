// Drives one ICE-lite agent with a sequence of datagrams, checks and timeouts from several
// source addresses. Raw operations feed arbitrary bytes; built operations sign well-formed
// checks (right or wrong password, username, role, method) so the authenticated paths are
// reached. Invariants: every response parses, echoes the transaction and is signed exactly
// when it should be; only a correctly authenticated USE-CANDIDATE check moves the selection;
// consent expires at the deadline and a failed agent stays silent.
#include <array>
#include <string>

#include "fuzz_input.hpp"
#include "fuzz_target.hpp"
#include "ice/lite_agent.hpp"
#include "stun/builder.hpp"
#include "stun/integrity.hpp"

using namespace umbrella;
using namespace umbrella::ice;
using umbrella::fuzz::check;

namespace {

const Credentials kLocal{"srvU", "server-password-0123456789"};
const Credentials kRemote{"cliU", "client-password-0123456789"};

const std::array<SocketAddress, 4> kFrom = {
    SocketAddress::ipv4({192, 0, 2, 10}, 50000), SocketAddress::ipv4({192, 0, 2, 10}, 50001),
    SocketAddress::ipv4({198, 51, 100, 7}, 40000),
    SocketAddress::ipv6({0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7}, 40000)};

// What a built check looks like; the harness knows whether it must be accepted.
struct Built {
  std::array<uint8_t, 512> bytes{};
  size_t size = 0;
  bool authentic = false;   // right USERNAME and password on a binding request
  bool acceptable = false;  // authentic and nothing the agent must refuse
  bool use_candidate = false;
};

Built build_check(umbrella::fuzz::FuzzInput& in, const std::string& remote_ufrag) {
  uint16_t f = in.u16();
  stun::TransactionId tid{};
  auto t = in.bytes(tid.size());
  std::copy(t.begin(), t.end(), tid.begin());
  bool binding = (f & 0x0003) != 0x0003;
  auto cls = (f & 0x0004) ? stun::MessageClass::kIndication : stun::MessageClass::kRequest;
  int user = (f >> 3) & 0x7;       // 0-2 right, 3 wrong local, 4 wrong remote, 5 none, 6 no colon, 7 empty remote
  int integrity = (f >> 6) & 0x3;  // 0-1 right password, 2 wrong, 3 none
  bool use_candidate = f & 0x0100;
  bool controlling = f & 0x0200;
  bool controlled = f & 0x0400;
  bool unknown_required = f & 0x0800;
  bool unknown_optional = f & 0x1000;
  bool software = f & 0x2000;

  Built b;
  stun::MessageBuilder mb(b.bytes, binding ? stun::method::kBinding : uint16_t(0x003), cls, tid);
  std::string username;
  switch (user) {
    case 3: username = "other:" + kRemote.ufrag; break;
    case 4: username = kLocal.ufrag + ":other"; break;
    case 5: break;
    case 6: username = kLocal.ufrag; break;
    case 7: username = kLocal.ufrag + ":"; break;
    default: username = kLocal.ufrag + ":" + kRemote.ufrag; break;
  }
  if (user != 5) mb.add_username(username);
  mb.add_priority(in.u32());
  if (controlling) mb.add_ice_controlling(0x1234);
  if (controlled) mb.add_ice_controlled(0x5678);
  if (use_candidate) mb.add_use_candidate();
  if (unknown_required) mb.add_bytes(0x7F01, as_bytes("abcd"));
  if (unknown_optional) mb.add_bytes(0xC001, as_bytes("xyz"));
  if (software) mb.add_software("fuzz");
  if (integrity <= 1) mb.add_message_integrity(as_bytes(kLocal.pwd));
  if (integrity == 2) mb.add_message_integrity(as_bytes(kRemote.pwd));
  mb.add_fingerprint();
  b.size = mb.finish();
  check(b.size > 0);
  // The sender part is only checked once the remote ufrag is known.
  bool user_ok = user <= 2 ? (remote_ufrag.empty() || remote_ufrag == kRemote.ufrag)
                 : user == 4 ? remote_ufrag.empty() || remote_ufrag == "other"
                 : user == 7 ? remote_ufrag.empty()
                             : false;
  b.authentic = binding && cls == stun::MessageClass::kRequest && user_ok && integrity <= 1;
  b.acceptable = b.authentic && !unknown_required && !controlled;
  b.use_candidate = use_candidate;
  return b;
}

struct Harness {
  IceLiteAgent agent;
  std::array<uint8_t, 512> out{};

  // Checks one handle_stun() result against the request and the agent's state change.
  void handled(Bytes request, const SocketAddress& from, const HandleResult& r,
               State before, std::optional<SocketAddress> selected_before) {
    if (before == State::kFailed) {
      check(r.response_size == 0 && r.event == Event::kNone);
      check(agent.state() == State::kFailed);
      return;
    }
    bool success = false;
    if (r.response_size > 0) {
      Bytes resp(out.data(), r.response_size);
      auto req = stun::parse(request);
      auto m = stun::parse(resp);
      check(req.ok() && m.ok());
      check(m->transaction_id == req->transaction_id && m->method == req->method && m->has_fingerprint);
      success = m->cls == stun::MessageClass::kSuccessResponse;
      if (success) {
        check(r.event != Event::kRefused);
        check(m->xor_mapped_address == from);
        check(m->integrity_offset && stun::verify_message_integrity(resp, *m, as_bytes(kLocal.pwd)));
      } else {
        check(m->cls == stun::MessageClass::kErrorResponse && m->error_code);
        check(r.event == Event::kRefused && m->error_code->code == r.error_code);
        // Refusals to an unauthenticated sender carry no MESSAGE-INTEGRITY.
        bool unauthenticated = r.error_code == stun::error::kBadRequest || r.error_code == stun::error::kUnauthorized;
        if (r.error_code == stun::error::kUnauthorized) check(!m->integrity_offset);
        if (!unauthenticated) check(m->integrity_offset.has_value());
      }
    } else {
      check(r.event == Event::kNone);
    }
    if (r.event == Event::kNominated) check(!selected_before);
    if (r.event == Event::kAddressChanged) check(selected_before && !(*selected_before == from));
    if (r.event == Event::kNominated || r.event == Event::kAddressChanged) {
      check(success && agent.selected_address() == from && agent.state() == State::kConnected);
    } else {
      check(agent.selected_address() == selected_before && agent.state() == before);
    }
  }
};

}  // namespace

UMBRELLA_FUZZ_TARGET(ice_lite) {
  umbrella::fuzz::FuzzInput in(data, size);
  Instant now = Instant{} + seconds(1000);
  uint8_t setup = in.u8();
  LiteAgentConfig config;
  config.consent_timeout = seconds(1 + setup % 30);
  if (setup & 0x80) config.software = "umbrella-fuzz";
  Credentials remote = (setup & 0x40) ? Credentials{} : kRemote;
  Harness h{IceLiteAgent(kLocal, remote, now, config), {}};

  while (!in.empty()) {
    uint8_t op = in.u8();
    now += in.time_step();
    const SocketAddress& from = kFrom[(op >> 2) & 3];
    State before = h.agent.state();
    auto selected = h.agent.selected_address();
    Instant deadline = h.agent.next_deadline();
    switch (op & 3) {
      case 0: {  // raw datagram
        Bytes raw = in.sized_bytes16(1500);
        auto r = h.agent.handle_stun(raw, from, now, h.out);
        if (r.response_size > 0 || r.event != Event::kNone) h.handled(raw, from, r, before, selected);
        else check(h.agent.selected_address() == selected && h.agent.state() == before);
        break;
      }
      case 1: {  // a well-formed check, signed or not
        Built b = build_check(in, remote.ufrag);
        Bytes req(b.bytes.data(), b.size);
        auto r = h.agent.handle_stun(req, from, now, h.out);
        h.handled(req, from, r, before, selected);
        if (before != State::kFailed) {
          if (!b.authentic) check(r.event == Event::kRefused || r.event == Event::kNone);
          if (b.acceptable) check(r.response_size > 0 && r.event != Event::kRefused);
          if (b.acceptable && b.use_candidate) check(h.agent.selected_address() == from);
        }
        break;
      }
      case 2: {  // timer: at the deadline when asked to, else whenever
        if ((op & 0x10) && deadline != kNever && deadline > now) now = deadline;
        Event e = h.agent.handle_timeout(now);
        if (before == State::kFailed || now < deadline) {
          check(e == Event::kNone && h.agent.state() == before);
        } else {
          check(e == Event::kConsentExpired && h.agent.state() == State::kFailed);
          check(!h.agent.selected_address() && h.agent.next_deadline() == kNever);
        }
        break;
      }
      default:  // remote description (re)learned, maybe with other credentials
        remote = (op & 0x10) ? Credentials{} : (op & 0x20) ? Credentials{"other", "p"} : kRemote;
        h.agent.set_remote_credentials(remote);
        break;
    }
  }
  return 0;
}
