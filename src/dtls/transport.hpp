// DTLS 1.2 over mbedTLS for one WebRTC transport, sans-IO: datagrams and `now` in;
// datagrams, events and the next retransmission deadline out. The caller demultiplexes
// (RFC 7983: first byte 20..63 is DTLS) and owns sockets and clocks.
//
// Peers use self-signed certificates: the handshake accepts any certificate whose digest
// matches the SDP a=fingerprint and fails otherwise, before our Finished is sent.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/bytes.hpp"
#include "core/result.hpp"
#include "core/time.hpp"
#include "dtls/counters.hpp"
#include "dtls/epoch_keys.hpp"
#include "dtls/events.hpp"
#include "dtls/role.hpp"
#include "srtp/profile.hpp"

namespace umbrella::tls {
class Certificate;
}

namespace umbrella::dtls {

struct DtlsOptions {
  // Largest datagram we send; handshake messages are fragmented to fit. It also bounds
  // application records: see max_application_data_size().
  uint16_t mtu = 1200;
  // Retransmission timer (RFC 6347 4.2.4.1): starts at initial, doubles up to max; the
  // handshake fails with "handshake timed out" when it would exceed max.
  milliseconds initial_retransmit{500};
  milliseconds max_retransmit{16000};
  // Server role: answer the first ClientHello with a HelloVerifyRequest cookie bound to
  // this id (the peer's "ip:port"), so a spoofed source gets no handshake state.
  bool hello_verify = true;
  std::string client_transport_id = "webrtc";
  // Fail the handshake when use_srtp was not negotiated (a data-channel-only peer
  // could set this false).
  bool require_srtp = true;
};

class DtlsTransport {
 public:
  // `certificate` must outlive the transport (mbedTLS keeps pointers to it).
  // `remote_fingerprint` is the SDP a=fingerprint value, e.g. "sha-256 AB:CD:..".
  // Errors: unparsable fingerprint or mbedTLS setup failure.
  static Result<std::unique_ptr<DtlsTransport>, std::string> create(Role role, tls::Certificate& certificate,
                                                                    std::string_view remote_fingerprint,
                                                                    const DtlsOptions& options = {});
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // kNew -> kConnecting. A client sends its ClientHello (poll_datagram); a server waits.
  // A server also starts by itself on its first datagram.
  void start(Instant now);
  void handle_datagram(Bytes datagram, Instant now);
  // Call when now >= next_deadline(); retransmits the last flight or fails on timeout.
  void handle_timeout(Instant now);
  Instant next_deadline() const;

  // Outgoing datagrams, oldest first; each is at most options.mtu bytes.
  std::optional<std::vector<uint8_t>> poll_datagram();
  std::optional<Event> poll_event();

  // Sends one application-data record. False unless connected, or when data is larger
  // than max_application_data_size() or mbedTLS refuses it.
  bool send_application_data(Bytes data);
  size_t max_application_data_size() const;
  // Sends close_notify (when connected) and moves to kClosed.
  void close();

  // Frees mbedTLS (its record buffers, handshake state, the peer's certificate: ~25 KB) and
  // keeps only the epoch-1 keys, with which the peer's alerts are still read (close_notify ends
  // the transport as before) and our close_notify still sent. For a peer that has finished its
  // handshake (it used the SRTP keys, so it had our last flight and will not ask for it again)
  // and a transport that will never carry application data (no data channels). False, with
  // nothing changed, unless connected with an AEAD cipher suite.
  bool release_session();
  bool session_released() const { return released_.has_value(); }

  Role role() const { return role_; }
  State state() const { return state_; }
  const std::string& failure_reason() const { return failure_reason_; }
  const std::optional<srtp::SrtpKeys>& srtp_keys() const { return srtp_keys_; }
  // mbedTLS name of the negotiated cipher suite, or "" before the handshake.
  std::string cipher_suite() const;
  // Records and fragments dropped instead of reaching mbedTLS or ending the association.
  const DtlsCounters& counters() const { return counters_; }

 private:
  struct Impl;
  DtlsTransport(Role role, const DtlsOptions& options);

  void drive();
  void drive_handshake();
  void drive_read();
  void on_handshake_done();
  void fail(std::string reason);
  void restart_server_handshake();
  void collect_bad_mac();
  void handle_released_datagram(Bytes datagram);

  Role role_;
  DtlsOptions options_;
  State state_ = State::kNew;
  std::string failure_reason_;
  std::optional<srtp::SrtpKeys> srtp_keys_;
  DtlsCounters counters_;
  std::vector<std::vector<uint8_t>> out_;
  size_t out_head_ = 0;
  std::vector<Event> events_;
  size_t events_head_ = 0;
  std::unique_ptr<Impl> impl_;  // null once released
  // After release_session(): the keys, our next record's sequence number, the suite's name.
  std::optional<EpochKeys> released_;
  uint64_t released_out_sequence_ = 0;
  const char* released_suite_ = "";
};

}  // namespace umbrella::dtls
