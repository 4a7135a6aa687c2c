#include "sctp/association.hpp"

#include <arpa/inet.h>
#include <usrsctp.h>

#include <cerrno>
#include <cstring>

#include "core/log.hpp"
#include "sctp/dcep.hpp"

namespace umbrella::sctp {
namespace {

sockaddr_conn conn_address(uintptr_t id, uint16_t port) {
  sockaddr_conn a{};
  a.sconn_family = AF_CONN;
  a.sconn_port = htons(port);
  a.sconn_addr = reinterpret_cast<void*>(id);
  return a;
}

// Called inside usrsctp (a timer made something readable): only note it.
void on_upcall(struct socket* /*sock*/, void* arg, int /*flags*/) { Stack::note_ready(reinterpret_cast<uintptr_t>(arg)); }

template <typename T>
bool set_option(struct socket* s, int level, int name, const T& value) {
  return usrsctp_setsockopt(s, level, name, &value, socklen_t(sizeof(value))) == 0;
}

}  // namespace

const char* to_string(SendResult r) {
  switch (r) {
    case SendResult::kOk: return "sent";
    case SendResult::kNotConnected: return "association not up";
    case SendResult::kTooLarge: return "message larger than the peer accepts";
    case SendResult::kBufferFull: return "send buffer full";
    case SendResult::kFailed: return "send failed";
  }
  return "?";
}

Result<std::unique_ptr<Association>, std::string> Association::create(Stack& stack, const AssociationConfig& config,
                                                                       AssociationListener* listener) {
  stack.check_thread();
  std::unique_ptr<Association> a(new Association(stack, config, listener));
  if (auto r = a->open(); !r) return Err{r.error()};
  return a;
}

Association::Association(Stack& stack, const AssociationConfig& config, AssociationListener* listener)
    : stack_(stack), config_(config), listener_(listener) {
  id_ = stack_.add(this);
  usrsctp_register_address(reinterpret_cast<void*>(id_));
}

Association::~Association() {
  stack_.check_thread();
  if (socket_) {
    // SO_LINGER 0: close() aborts at once, so usrsctp frees the association now; the ABORT
    // it sends is still delivered to our outbox, which goes away with us.
    usrsctp_close(socket_);
  }
  usrsctp_deregister_address(reinterpret_cast<void*>(id_));
  stack_.remove(id_);
}

Result<bool, std::string> Association::open() {
  socket_ = usrsctp_socket(AF_CONN, SOCK_STREAM, IPPROTO_SCTP, nullptr, nullptr, 0, nullptr);
  if (!socket_) return Err{std::string("usrsctp_socket failed: ") + std::strerror(errno)};
  usrsctp_set_upcall(socket_, on_upcall, reinterpret_cast<void*>(id_));
  if (usrsctp_set_non_blocking(socket_, 1) != 0) return Err{std::string("cannot make the SCTP socket non-blocking")};

  linger no_linger{1, 0};
  sctp_assoc_value reset{};
  reset.assoc_id = SCTP_ALL_ASSOC;
  reset.assoc_value = SCTP_ENABLE_RESET_STREAM_REQ;
  int on = 1, interleave = 0;
  int send_buffer = int(config_.send_buffer), receive_buffer = int(config_.receive_buffer);
  sctp_initmsg init{};
  init.sinit_num_ostreams = config_.streams;
  init.sinit_max_instreams = config_.streams;
  sctp_paddrparams path{};
  path.spp_flags = SPP_HB_ENABLE | SPP_PMTUD_DISABLE;
  // SCTP over DTLS must not rely on IP fragmentation (RFC 8261 5): one packet, one record.
  path.spp_pathmtu = config_.path_mtu;
  bool ok = set_option(socket_, SOL_SOCKET, SO_LINGER, no_linger) &&
            set_option(socket_, IPPROTO_SCTP, SCTP_ENABLE_STREAM_RESET, reset) &&
            set_option(socket_, IPPROTO_SCTP, SCTP_RECVRCVINFO, on) &&
            set_option(socket_, IPPROTO_SCTP, SCTP_NODELAY, on) &&
            set_option(socket_, IPPROTO_SCTP, SCTP_FRAGMENT_INTERLEAVE, interleave) &&
            set_option(socket_, IPPROTO_SCTP, SCTP_INITMSG, init) &&
            set_option(socket_, IPPROTO_SCTP, SCTP_PEER_ADDR_PARAMS, path) &&
            set_option(socket_, SOL_SOCKET, SO_SNDBUF, send_buffer) &&
            set_option(socket_, SOL_SOCKET, SO_RCVBUF, receive_buffer);
  for (uint16_t type : {SCTP_ASSOC_CHANGE, SCTP_STREAM_RESET_EVENT}) {
    sctp_event e{};
    e.se_assoc_id = SCTP_ALL_ASSOC;
    e.se_type = type;
    e.se_on = 1;
    ok = ok && set_option(socket_, IPPROTO_SCTP, SCTP_EVENT, e);
  }
  if (!ok) return Err{std::string("cannot set SCTP socket options: ") + std::strerror(errno)};

  sockaddr_conn local = conn_address(id_, config_.local_port);
  if (usrsctp_bind(socket_, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0)
    return Err{std::string("cannot bind the SCTP socket: ") + std::strerror(errno)};
  sockaddr_conn remote = conn_address(id_, config_.remote_port);
  if (usrsctp_connect(socket_, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0 && errno != EINPROGRESS)
    return Err{std::string("cannot start the SCTP association: ") + std::strerror(errno)};
  return true;
}

void Association::queue_packet(Bytes packet) {
  if (outbox_.size() >= config_.max_outbox_packets) {
    ++counters_.outbox_dropped;
    return;
  }
  outbox_.emplace_back(packet.begin(), packet.end());
  ++counters_.packets_sent;
  stack_.mark_ready(id_);
}

void Association::receive(Bytes packet) {
  stack_.check_thread();
  if (!socket_ || down_) return;
  // usrsctp copies the packet into its own buffers (mbufs) before parsing it.
  if (packet.empty() || packet.size() > 65535) {
    ++counters_.packets_refused;
    return;
  }
  ++counters_.packets_received;
  usrsctp_conninput(reinterpret_cast<void*>(id_), packet.data(), packet.size(), 0);
  drain();
}

void Association::after_timers() {
  drain();
  if (has_output() && listener_) listener_->on_association_ready();
}

void Association::drain() {
  std::vector<uint8_t>& buffer = stack_.receive_buffer();
  while (socket_) {
    sctp_rcvinfo info{};
    socklen_t info_length = sizeof(info);
    unsigned int info_type = 0;
    int flags = 0;
    sockaddr_conn from{};
    socklen_t from_length = sizeof(from);
    ssize_t n = usrsctp_recvv(socket_, buffer.data(), buffer.size(), reinterpret_cast<sockaddr*>(&from), &from_length,
                              &info, &info_length, &info_type, &flags);
    if (n < 0) {
      if (errno != EWOULDBLOCK && errno != EAGAIN && errno != ENOTCONN) down(std::string("SCTP receive failed: ") + std::strerror(errno));
      return;
    }
    if (n == 0) return;  // nothing more (the association ended: a notification said so)
    Bytes chunk(buffer.data(), size_t(n));
    if (flags & MSG_NOTIFICATION) {
      // Notifications are small and never interleaved with data (fragment interleave 0).
      on_notification(chunk);
      continue;
    }
    if (info_type != SCTP_RECVV_RCVINFO) continue;
    if (!partial_active_) {
      partial_ = StreamMessage{info.rcv_sid, ntohl(info.rcv_ppid), (info.rcv_flags & SCTP_UNORDERED) != 0, {}};
      partial_active_ = true;
      partial_discarding_ = false;
    }
    if (!partial_discarding_) {
      if (partial_.data.size() + chunk.size() > config_.max_message_size) {
        partial_discarding_ = true;
        partial_.data = {};
        ++counters_.messages_too_large;
      } else {
        partial_.data.insert(partial_.data.end(), chunk.begin(), chunk.end());
      }
    }
    if (flags & MSG_EOR) {
      if (!partial_discarding_) events_.emplace_back(std::move(partial_));
      partial_ = {};
      partial_active_ = false;
    }
  }
}

void Association::on_notification(Bytes n) {
  if (n.size() < sizeof(sctp_notification::sn_header)) return;
  sctp_notification notification{};
  std::memcpy(&notification, n.data(), std::min(n.size(), sizeof(notification)));
  if (notification.sn_header.sn_length != n.size()) return;
  switch (notification.sn_header.sn_type) {
    case SCTP_ASSOC_CHANGE: {
      const sctp_assoc_change& change = notification.sn_assoc_change;
      if (change.sac_state == SCTP_COMM_UP || change.sac_state == SCTP_RESTART) {
        negotiated_streams_ = std::min(change.sac_inbound_streams, change.sac_outbound_streams);
        if (!up_) {
          up_ = true;
          events_.emplace_back(AssociationUp{});
        }
      } else if (change.sac_state == SCTP_COMM_LOST) {
        down("SCTP association lost");
      } else if (change.sac_state == SCTP_SHUTDOWN_COMP) {
        down("SCTP association shut down");
      } else if (change.sac_state == SCTP_CANT_STR_ASSOC) {
        down("SCTP association could not start");
      }
      break;
    }
    case SCTP_STREAM_RESET_EVENT: {
      // The event's stream list follows its fixed part; read it from the bytes.
      const sctp_stream_reset_event& reset = notification.sn_strreset_event;
      if (reset.strreset_flags & (SCTP_STREAM_RESET_DENIED | SCTP_STREAM_RESET_FAILED)) break;
      if (!(reset.strreset_flags & SCTP_STREAM_RESET_INCOMING_SSN)) break;
      size_t fixed = offsetof(sctp_stream_reset_event, strreset_stream_list);
      for (size_t off = fixed; off + 2 <= n.size(); off += 2) {
        uint16_t stream;
        std::memcpy(&stream, n.data() + off, 2);  // host order, as usrsctp writes it
        events_.emplace_back(StreamClosed{stream});
      }
      break;
    }
    default: break;
  }
}

void Association::down(std::string reason) {
  if (down_) return;
  down_ = true;
  up_ = false;
  events_.emplace_back(AssociationDown{std::move(reason)});
}

SendResult Association::send(uint16_t stream, uint32_t ppid, Bytes data, const SendOptions& options) {
  stack_.check_thread();
  if (!up_ || down_) return SendResult::kNotConnected;
  if (data.size() > config_.remote_max_message_size) return SendResult::kTooLarge;
  sctp_sendv_spa spa{};
  spa.sendv_flags = SCTP_SEND_SNDINFO_VALID;
  spa.sendv_sndinfo.snd_sid = stream;
  spa.sendv_sndinfo.snd_ppid = htonl(ppid);
  spa.sendv_sndinfo.snd_flags = SCTP_EOR | (options.unordered ? SCTP_UNORDERED : 0);
  if (options.reliability != 0) {
    spa.sendv_flags |= SCTP_SEND_PRINFO_VALID;
    spa.sendv_prinfo.pr_policy = options.reliability == 1 ? SCTP_PR_SCTP_RTX : SCTP_PR_SCTP_TTL;
    spa.sendv_prinfo.pr_value = options.reliability_parameter;
  }
  // SCTP cannot carry an empty message: the empty PPIDs carry one ignored byte (RFC 8831 6.6).
  static const uint8_t kOneByte = 0;
  const void* payload = data.empty() ? &kOneByte : data.data();
  size_t length = data.empty() ? 1 : data.size();
  ssize_t n = usrsctp_sendv(socket_, payload, length, nullptr, 0, &spa, sizeof(spa), SCTP_SENDV_SPA, 0);
  if (n >= 0) return SendResult::kOk;
  if (errno == EWOULDBLOCK || errno == EAGAIN) return SendResult::kBufferFull;
  if (errno == EMSGSIZE) return SendResult::kTooLarge;
  return SendResult::kFailed;
}

bool Association::reset_stream(uint16_t stream) {
  stack_.check_thread();
  if (!up_ || down_) return false;
  alignas(sctp_reset_streams) uint8_t storage[sizeof(sctp_reset_streams) + sizeof(uint16_t)] = {};
  auto* srs = reinterpret_cast<sctp_reset_streams*>(storage);
  srs->srs_assoc_id = SCTP_ALL_ASSOC;
  srs->srs_flags = SCTP_STREAM_RESET_OUTGOING;
  srs->srs_number_streams = 1;
  srs->srs_stream_list[0] = stream;
  return usrsctp_setsockopt(socket_, IPPROTO_SCTP, SCTP_RESET_STREAMS, srs, socklen_t(sizeof(storage))) == 0;
}

std::vector<std::vector<uint8_t>> Association::take_packets() {
  std::vector<std::vector<uint8_t>> out(std::make_move_iterator(outbox_.begin()),
                                        std::make_move_iterator(outbox_.end()));
  outbox_.clear();
  return out;
}

std::vector<AssociationEvent> Association::take_events() {
  std::vector<AssociationEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace umbrella::sctp
