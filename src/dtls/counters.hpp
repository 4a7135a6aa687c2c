// What a DtlsTransport refused, per transport; the rtc layer copies them into its
// TransportCounters and adds them to the server-wide totals shown in /status.json.
#pragma once

#include <cstdint>

namespace umbrella::dtls {

struct DtlsCounters {
  uint64_t invalid_records = 0;   // records that do not frame (type, version, lengths, epoch, fragments)
  uint64_t bad_mac = 0;           // protected records that failed authentication
  uint64_t stray_handshake = 0;   // well-framed records that cannot belong here now (e.g. epoch 0 after the handshake)
  uint64_t stray_alerts = 0;      // unauthenticated (epoch 0) alerts: never fatal
  uint64_t hello_fragments_ignored = 0;  // ClientHello fragments that do not fit the message being assembled

  DtlsCounters& operator+=(const DtlsCounters& o) {
    invalid_records += o.invalid_records;
    bad_mac += o.bad_mac;
    stray_handshake += o.stray_handshake;
    stray_alerts += o.stray_alerts;
    hello_fragments_ignored += o.hello_fragments_ignored;
    return *this;
  }
  DtlsCounters operator-(const DtlsCounters& o) const {
    return {invalid_records - o.invalid_records, bad_mac - o.bad_mac, stray_handshake - o.stray_handshake,
            stray_alerts - o.stray_alerts, hello_fragments_ignored - o.hello_fragments_ignored};
  }
  uint64_t total() const { return invalid_records + bad_mac + stray_handshake + stray_alerts + hello_fragments_ignored; }
};

// Copies a transport's counters into `seen` and adds what moved since the last call to
// `totals` (a server-wide sum, optional).
inline void publish(const DtlsCounters& current, DtlsCounters& seen, DtlsCounters* totals) {
  if (totals) *totals += current - seen;
  seen = current;
}

}  // namespace umbrella::dtls
