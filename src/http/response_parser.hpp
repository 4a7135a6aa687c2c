// Incremental HTTP/1.1 response parser over llhttp, for the clients in this project (the load
// generator's WHIP/WHEP and Janus requests): a body by Content-Length, chunked, or ending with
// the connection; head and body bounded while the bytes arrive. One response per parser.
#pragma once

#include <llhttp.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/bytes.hpp"
#include "http/response.hpp"

namespace umbrella::http {

// Fills a Response: status, headers (names lower-cased, values trimmed; Content-Type also in
// content_type) and the de-chunked body.
class ResponseParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  explicit ResponseParser(size_t max_head_bytes = 16 * 1024, size_t max_body_bytes = 1024 * 1024);
  ResponseParser(const ResponseParser&) = delete;
  ResponseParser& operator=(const ResponseParser&) = delete;

  State feed(Bytes data);
  // The connection ended: completes a body delimited by the close, else an error.
  State finish();
  State state() const { return state_; }
  const Response& response() const { return response_; }
  Response take_response() { return std::move(response_); }
  const char* error() const { return error_; }

 private:
  friend struct ResponseCallbacks;
  static const llhttp_settings_t& settings();
  State fail(const char* why);

  llhttp_t parser_;
  Response response_;
  size_t max_head_bytes_, max_body_bytes_;
  size_t head_bytes_ = 0;
  bool in_field_ = false;
  State state_ = State::kNeedMore;
  const char* error_ = "";
};

}  // namespace umbrella::http
