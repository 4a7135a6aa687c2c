// Listening TCP socket: bind with a clear error, accept non-blocking connections.
#pragma once

#include <string>

#include "core/result.hpp"
#include "core/socket_address.hpp"

namespace umbrella::stream {

class TcpListener {
 public:
  TcpListener() = default;
  ~TcpListener();
  TcpListener(TcpListener&& o) noexcept;
  TcpListener& operator=(TcpListener&& o) noexcept;

  // host "" = all interfaces. `what` names the setting in the error (e.g. UMBRELLA_HTTP_SERVE_ADDR).
  static Result<TcpListener, std::string> listen(const std::string& host, uint16_t port, const char* what);
  int fd() const { return fd_; }
  uint16_t port() const { return port_; }
  // A non-blocking, close-on-exec connected socket, or -1 when none is pending.
  int accept(SocketAddress& peer);

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace umbrella::stream
