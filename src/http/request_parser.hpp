// Incremental HTTP/1.1 request parser over llhttp. It stops after each complete request so
// pipelined requests are handed out one at a time, enforces size limits while the bytes
// arrive (never buffering more than the limits allow), and maps every failure to the HTTP
// status the server should answer with.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <string>

#include "core/bytes.hpp"
#include "http/request.hpp"

namespace umbrella::http {

struct Limits {
  size_t max_header_bytes = 8 * 1024;  // request line + header block (431)
  size_t max_target_bytes = 4 * 1024;  // request-target alone (414)
  size_t max_headers = 64;             // header field count (431)
  size_t max_body_bytes = 64 * 1024;   // de-chunked body (413)
};

struct ParseError {
  int status = 0;            // 400, 413, 414, 431, 501 or 505
  const char* reason = "";   // static text for logs
};

class RequestParser {
 public:
  enum class State {
    kNeedMore,  // all input consumed, no complete request yet
    kRequest,   // a request is complete: take_request(), then feed the unconsumed rest
    kUpgrade,   // an upgrade request (or CONNECT) is complete; bytes after `consumed` belong
                // to the new protocol. The parser is finished.
    kError,     // see error(); the parser is finished
  };
  struct FeedResult {
    size_t consumed = 0;
    State state = State::kNeedMore;
  };

  explicit RequestParser(const Limits& limits = {});
  RequestParser(const RequestParser&) = delete;
  RequestParser& operator=(const RequestParser&) = delete;

  FeedResult feed(Bytes data);
  // The completed request; parsing resumes with the next one (unless it was an upgrade).
  Request take_request();

  ParseError error() const { return error_; }
  // Bytes of a request have arrived but the request is not complete yet.
  bool in_message() const { return in_message_; }
  bool headers_complete() const { return headers_done_; }
  // True once per request that asked "Expect: 100-continue" and passed the header checks.
  bool take_expect_continue();

 private:
  static int on_message_begin(llhttp_t* p);
  static int on_url(llhttp_t* p, const char* at, size_t len);
  static int on_header_field(llhttp_t* p, const char* at, size_t len);
  static int on_header_field_complete(llhttp_t* p);
  static int on_header_value(llhttp_t* p, const char* at, size_t len);
  static int on_header_value_complete(llhttp_t* p);
  static int on_headers_complete(llhttp_t* p);
  static int on_body(llhttp_t* p, const char* at, size_t len);
  static int on_message_complete(llhttp_t* p);
  static const llhttp_settings_t& settings();

  int fail(int status, const char* reason);
  // Header-phase size check for a callback whose data ends at `end`.
  bool header_bytes_ok(const char* end);
  int check_headers();
  void reset_message();

  llhttp_t parser_;
  Limits limits_;
  Request current_;
  ParseError error_;
  const char* chunk_start_ = nullptr;  // start of the buffer being executed
  size_t header_bytes_before_ = 0;     // header-phase bytes seen in earlier feed() calls
  bool in_message_ = false;
  bool in_field_ = false;
  bool headers_done_ = false;
  bool complete_ = false;   // a request waits in current_
  bool upgraded_ = false;
  bool failed_ = false;
  bool expect_continue_ = false;
};

}  // namespace umbrella::http
