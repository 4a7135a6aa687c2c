// TcpStream over a socketpair (and once over loopback TCP) on the real event loop, with a
// manual clock: back pressure, the output bound, the stall timeout, EOF and connect.
#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <functional>
#include <memory>
#include <string>

#include "core/event_loop.hpp"
#include "stream/tcp_listener.hpp"
#include "stream/tcp_stream.hpp"
#include "tls/certificate.hpp"
#include "tls/client_config.hpp"
#include "tls/server_config.hpp"

using namespace umbrella;
using umbrella::stream::TcpStream;

namespace {

struct TestOwner final : TcpStream::Owner {
  std::function<size_t(TcpStream&, Bytes)> data;  // default: keep everything
  std::function<void(TcpStream&)> connected, eof_hook;
  std::string received;
  std::string events;  // "c" connected, "d" data, "e" eof, "x" closed, in order
  TcpStream::End end = TcpStream::End::kOpen;
  std::unique_ptr<TcpStream>* owner_of = nullptr;  // deleted from on_stream_closed when set

  void on_stream_connected(TcpStream& s) override {
    events += 'c';
    if (connected) connected(s);
  }
  size_t on_stream_data(TcpStream& s, Bytes d) override {
    if (events.empty() || events.back() != 'd') events += 'd';
    if (data) return data(s, d);
    received.append(as_string_view(d));
    return d.size();
  }
  void on_stream_eof(TcpStream& s) override {
    events += 'e';
    if (eof_hook) eof_hook(s);
  }
  void on_stream_closed(TcpStream& s) override {
    events += 'x';
    end = s.end();
    if (owner_of) owner_of->reset();  // the owner may delete the stream here
  }
};

// fds[0] for the stream, fds[1] for the test's peer; both non-blocking, small buffers so the
// kernel fills after a few KB and the stream's own queue has to hold the rest.
struct SocketPair {
  int fds[2] = {-1, -1};
  SocketPair() {
    REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
    int small = 16 * 1024;
    setsockopt(fds[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
    setsockopt(fds[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
  }
  ~SocketPair() {
    if (fds[1] >= 0) close(fds[1]);
  }
  int take_stream_fd() { return std::exchange(fds[0], -1); }
  void send(std::string_view s) { REQUIRE(::send(fds[1], s.data(), s.size(), MSG_NOSIGNAL) == ssize_t(s.size())); }
  // Reads what is there (at most `max`); returns the byte count, or -1 at EOF/error.
  ssize_t drain(size_t max = SIZE_MAX, std::string* into = nullptr) {
    char buf[65536];
    size_t total = 0;
    while (total < max) {
      ssize_t n = ::read(fds[1], buf, std::min(sizeof(buf), max - total));
      if (n == 0) return total ? ssize_t(total) : -1;
      if (n < 0) return errno == EAGAIN ? ssize_t(total) : (total ? ssize_t(total) : -1);
      if (into) into->append(buf, size_t(n));
      total += size_t(n);
    }
    return ssize_t(total);
  }
};

template <class Done>
bool run_until(EventLoop& loop, Done done, int max_iterations = 2000) {
  for (int i = 0; i < max_iterations && !done(); ++i) loop.run_once(Duration::zero());
  return done();
}

TcpStream::Limits small_limits() {
  TcpStream::Limits l;
  l.high_water = 128 * 1024;
  l.low_water = 32 * 1024;
  l.max_output = 1024 * 1024;
  l.stall_timeout = seconds(30);
  return l;
}

}  // namespace

TEST_CASE("tcp stream: reading stops while output is above the high-water mark, resumes below low") {
  ManualTimeSource time;
  EventLoop loop(time);
  SocketPair pair;
  TestOwner owner;
  auto limits = small_limits();
  size_t chunks = 0;
  owner.data = [&](TcpStream& s, Bytes d) {
    ++chunks;
    s.write(std::string(200 * 1024, 'r'));  // each input answered with more than high_water
    return d.size();
  };
  auto stream = std::make_unique<TcpStream>(loop, owner, pair.take_stream_fd(), SocketAddress(), std::nullopt, limits);
  pair.send("a");
  REQUIRE(run_until(loop, [&] { return chunks == 1; }));
  CHECK_FALSE(stream->reading());
  CHECK(stream->output_bytes() >= limits.high_water);
  // More input arrives but is not read while the peer takes nothing.
  pair.send("b");
  for (int i = 0; i < 50; ++i) loop.run_once(Duration::zero());
  CHECK(chunks == 1);
  // The peer reads: output drains below low_water, reading resumes and "b" is answered.
  size_t got = 0;
  REQUIRE(run_until(loop, [&] {
    ssize_t n = pair.drain();
    if (n > 0) got += size_t(n);
    return chunks == 2;
  }));
  CHECK(got >= 200 * 1024 - limits.low_water);
  CHECK(owner.end == TcpStream::End::kOpen);
}

TEST_CASE("tcp stream: pipelined input is used a piece at a time and output stays bounded") {
  ManualTimeSource time;
  EventLoop loop(time);
  SocketPair pair;
  TestOwner owner;
  auto limits = small_limits();
  constexpr size_t kRequests = 400, kResponse = 16 * 1024;
  size_t answered = 0, most_waiting = 0;
  std::unique_ptr<TcpStream> stream;
  // Like HttpConnection: one request per call (here one byte), each with a response.
  owner.data = [&](TcpStream& s, Bytes) {
    ++answered;
    s.write(std::string(kResponse, 'r'));
    most_waiting = std::max(most_waiting, s.output_bytes());
    return size_t(1);
  };
  stream = std::make_unique<TcpStream>(loop, owner, pair.take_stream_fd(), SocketAddress(), std::nullopt, limits);
  pair.send(std::string(kRequests, 'q'));  // all at once, and the peer does not read
  for (int i = 0; i < 200; ++i) loop.run_once(Duration::zero());
  CHECK(answered < kRequests);
  CHECK(answered > 0);
  CHECK_FALSE(stream->reading());
  CHECK(stream->held_input_bytes() == kRequests - answered);
  CHECK(most_waiting <= limits.high_water + kResponse);
  // Once the peer reads, every request is answered, in full, and the bound held throughout.
  size_t got = 0;
  REQUIRE(run_until(
      loop,
      [&] {
        ssize_t n = pair.drain();
        if (n > 0) got += size_t(n);
        return got == kRequests * kResponse;
      },
      100000));
  CHECK(answered == kRequests);
  CHECK(most_waiting <= limits.high_water + kResponse);
  CHECK(stream->reading());
}

TEST_CASE("tcp stream: a peer that takes nothing for the stall timeout is closed; progress restarts it") {
  ManualTimeSource time;
  EventLoop loop(time);
  SocketPair pair;
  TestOwner owner;
  auto limits = small_limits();
  std::unique_ptr<TcpStream> stream;
  owner.owner_of = &stream;
  owner.data = [&](TcpStream& s, Bytes d) {
    s.write(std::string(512 * 1024, 'r'));
    return d.size();
  };
  stream = std::make_unique<TcpStream>(loop, owner, pair.take_stream_fd(), SocketAddress(), std::nullopt, limits);
  pair.send("go");
  REQUIRE(run_until(loop, [&] { return stream->output_bytes() > 0; }));
  size_t timers = loop.pending_timers();
  CHECK(timers == 1);  // one stall timer per connection, whatever the output
  time.advance(seconds(29));
  loop.run_once(Duration::zero());
  CHECK(owner.events.find('x') == std::string::npos);
  // The peer takes a little: that is progress, so the 30 s count again from here.
  REQUIRE(pair.drain() > 0);
  size_t before = stream->output_bytes();
  REQUIRE(run_until(loop, [&] { return stream->output_bytes() < before; }));
  time.advance(seconds(29));
  loop.run_once(Duration::zero());
  CHECK(owner.events.find('x') == std::string::npos);
  CHECK(loop.pending_timers() == timers);
  time.advance(seconds(2));
  loop.run_once(Duration::zero());
  CHECK(owner.end == TcpStream::End::kStalled);
  CHECK(stream == nullptr);  // deleted inside on_stream_closed
  CHECK(loop.pending_timers() == 0);
  // The socket is closed: the peer sees the end after the bytes that made it.
  REQUIRE(run_until(loop, [&] { return pair.drain() < 0; }));
}

TEST_CASE("tcp stream: writes onto more than max_output waiting bytes end the stream") {
  ManualTimeSource time;
  EventLoop loop(time);
  SocketPair pair;
  TestOwner owner;
  auto limits = small_limits();
  TcpStream stream(loop, owner, pair.take_stream_fd(), SocketAddress(), std::nullopt, limits);
  int flushes = 0;
  while (stream.flush() && flushes < 100) {
    stream.write(std::string(100 * 1024, 'w'));
    ++flushes;
  }
  CHECK(stream.end() == TcpStream::End::kOverflow);
  CHECK(flushes * 100 * 1024 <= int(limits.max_output + 2 * 100 * 1024));
  CHECK(owner.events.empty());  // no callback from inside the owner's own call
  CHECK(stream.describe().find("not reading") != std::string::npos);
}

TEST_CASE("tcp stream: input, then EOF, then the answer is sent before the close") {
  ManualTimeSource time;
  EventLoop loop(time);
  SocketPair pair;
  TestOwner owner;
  std::unique_ptr<TcpStream> stream;
  owner.owner_of = &stream;
  owner.data = [&](TcpStream& s, Bytes d) {
    std::string up(as_string_view(d));
    for (auto& ch : up) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    s.write(std::move(up));
    return d.size();
  };
  owner.eof_hook = [&](TcpStream& s) { s.close_when_sent(); };
  stream = std::make_unique<TcpStream>(loop, owner, pair.take_stream_fd(), SocketAddress(), std::nullopt,
                                       small_limits());
  pair.send("hello");
  REQUIRE(shutdown(pair.fds[1], SHUT_WR) == 0);
  REQUIRE(run_until(loop, [&] { return owner.end != TcpStream::End::kOpen; }));
  CHECK(owner.events == "dex");
  CHECK(owner.end == TcpStream::End::kDone);
  std::string answer;
  pair.drain(SIZE_MAX, &answer);
  CHECK(answer == "HELLO");
}

TEST_CASE("tcp stream: connect over loopback, both directions, and a refused connect") {
  ManualTimeSource time;
  EventLoop loop(time);
  auto listener = stream::TcpListener::listen("127.0.0.1", 0, "test");
  REQUIRE(listener);
  auto addr = *SocketAddress::parse("127.0.0.1", listener->port());
  TestOwner client_owner, server_owner;
  client_owner.connected = [](TcpStream& s) { s.write(as_bytes(std::string_view("ping"))); };
  server_owner.data = [](TcpStream& s, Bytes d) {
    s.write(std::string("pong:") + std::string(as_string_view(d)));
    return d.size();
  };
  auto client = TcpStream::connect(loop, client_owner, addr, std::nullopt, small_limits());
  REQUIRE(client);
  CHECK((*client)->connecting());
  std::unique_ptr<TcpStream> accepted;
  REQUIRE(run_until(loop, [&] {
    SocketAddress peer;
    int fd = accepted ? -1 : listener->accept(peer);
    if (fd >= 0) accepted = std::make_unique<TcpStream>(loop, server_owner, fd, peer, std::nullopt, small_limits());
    return client_owner.received == "pong:ping";
  }));
  CHECK(client_owner.events.front() == 'c');

  // Nothing listens on a port just released: the connect fails through on_stream_closed.
  uint16_t closed_port = listener->port();
  accepted.reset();
  client->reset();
  *listener = stream::TcpListener();
  TestOwner refused_owner;
  auto refused = TcpStream::connect(loop, refused_owner, *SocketAddress::parse("127.0.0.1", closed_port),
                                    std::nullopt, small_limits());
  if (!refused) {
    CHECK(refused.error() == ECONNREFUSED);
  } else {
    REQUIRE(run_until(loop, [&] { return refused_owner.end != TcpStream::End::kOpen; }));
    CHECK(refused_owner.end == TcpStream::End::kConnectFailed);
    CHECK((*refused)->sys_error() == ECONNREFUSED);
  }
}

TEST_CASE("tcp stream: TLS both ways over a socketpair, and garbage instead of TLS ends it") {
  ManualTimeSource time;
  EventLoop loop(time);
  auto cert = tls::Certificate::generate_self_signed("sfu.test", {"sfu.test"}, {}, 30);
  REQUIRE(cert);
  auto server_config = tls::TlsServerConfig::create(std::move(*cert));
  REQUIRE(server_config);
  auto client_config = tls::TlsClientConfig::insecure();
  REQUIRE(client_config);

  int fds[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds) == 0);
  TestOwner client_owner, server_owner;
  server_owner.data = [](TcpStream& s, Bytes d) {
    std::string up(as_string_view(d));
    for (auto& ch : up) ch = char(std::toupper(static_cast<unsigned char>(ch)));
    s.write(std::move(up));
    return d.size();
  };
  TcpStream server(loop, server_owner, fds[0], SocketAddress(), tls::TlsSession::server(*server_config),
                   small_limits());
  TcpStream client(loop, client_owner, fds[1], SocketAddress(), tls::TlsSession::client(*client_config, "sfu.test"),
                   small_limits());
  client.write(as_bytes(std::string_view("hello over tls")));  // held by TLS until the handshake
  REQUIRE(client.flush());  // sends the ClientHello
  REQUIRE(run_until(loop, [&] { return client_owner.received == "HELLO OVER TLS"; }));
  REQUIRE(client.tls());
  CHECK(client.tls()->handshake_complete());

  int raw[2];
  REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, raw) == 0);
  TestOwner victim_owner;
  TcpStream victim(loop, victim_owner, raw[0], SocketAddress(), tls::TlsSession::server(*server_config),
                   small_limits());
  std::string junk = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  REQUIRE(::send(raw[1], junk.data(), junk.size(), MSG_NOSIGNAL) == ssize_t(junk.size()));
  REQUIRE(run_until(loop, [&] { return victim_owner.end != TcpStream::End::kOpen; }));
  CHECK(victim_owner.end == TcpStream::End::kTlsFailed);
  CHECK_FALSE(victim.describe().empty());
  CHECK(victim_owner.events == "x");  // nothing reached the owner as data
  close(raw[1]);
}
