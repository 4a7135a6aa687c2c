// The protocol that takes over a connection after "101 Switching Protocols" (in practice a
// ws::Session). HttpConnection forwards bytes and timers to it; http does not depend on ws.
#pragma once

#include <memory>
#include <string>

#include "core/bytes.hpp"
#include "core/time.hpp"
#include "http/response.hpp"

namespace umbrella::http {

class UpgradedStream {
 public:
  virtual ~UpgradedStream() = default;
  virtual void on_bytes(Bytes data, Instant now) = 0;
  // Bytes to send; empties the stream's buffer.
  virtual std::string take_output() = 0;
  virtual bool has_output() const = 0;
  virtual Instant next_deadline() const = 0;
  virtual void on_timeout(Instant now) = 0;
  // Once take_output() has been sent, the transport should be closed.
  virtual bool should_close() const = 0;
  // The transport closed under the stream (EOF or error).
  virtual void on_transport_closed() {}
};

struct UpgradeResult {
  Response response;                       // the 101, or a refusal (400/426/403...)
  std::unique_ptr<UpgradedStream> stream;  // set exactly when response.status == 101
};

}  // namespace umbrella::http
