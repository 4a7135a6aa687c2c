#include "http/request_parser.hpp"

#include <utility>

namespace umbrella::http {

namespace {
RequestParser* self(llhttp_t* p) { return static_cast<RequestParser*>(p->data); }

// RFC 9110 tchar. llhttp 8 in its default (non-strict) mode lets spaces into field names;
// "Name : v" must be refused (RFC 9112 5.1) since other parsers may read it differently.
bool is_token(std::string_view s) {
  if (s.empty()) return false;
  for (unsigned char c : s) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}
}  // namespace

const llhttp_settings_t& RequestParser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t v;
    llhttp_settings_init(&v);
    v.on_message_begin = &RequestParser::on_message_begin;
    v.on_url = &RequestParser::on_url;
    v.on_header_field = &RequestParser::on_header_field;
    v.on_header_field_complete = &RequestParser::on_header_field_complete;
    v.on_header_value = &RequestParser::on_header_value;
    v.on_header_value_complete = &RequestParser::on_header_value_complete;
    v.on_headers_complete = &RequestParser::on_headers_complete;
    v.on_body = &RequestParser::on_body;
    v.on_message_complete = &RequestParser::on_message_complete;
    return v;
  }();
  return s;
}

RequestParser::RequestParser(const Limits& limits) : limits_(limits) {
  llhttp_init(&parser_, HTTP_REQUEST, &settings());
}

RequestParser::FeedResult RequestParser::feed(Bytes data) {
  if (failed_) return {0, State::kError};
  if (upgraded_) return {0, State::kUpgrade};
  if (complete_) return {0, State::kRequest};
  if (data.empty()) return {0, State::kNeedMore};
  parser_.data = this;  // the parser may have moved since the last call
  const char* begin = reinterpret_cast<const char*>(data.data());
  chunk_start_ = begin;
  llhttp_errno_t err = llhttp_execute(&parser_, begin, data.size());
  auto position = [&] {
    const char* pos = llhttp_get_error_pos(&parser_);
    return pos && pos >= begin && pos <= begin + data.size() ? size_t(pos - begin) : data.size();
  };
  switch (err) {
    case HPE_OK:
      if (!headers_done_) {
        // Also catches bytes llhttp swallows without a callback (whitespace, blank lines).
        header_bytes_before_ += data.size();
        if (header_bytes_before_ > limits_.max_header_bytes) {
          fail(431, "header block too large");
          failed_ = true;
          return {data.size(), State::kError};
        }
      }
      return {data.size(), State::kNeedMore};
    case HPE_PAUSED:
      return {position(), State::kRequest};
    case HPE_PAUSED_UPGRADE:
      upgraded_ = true;
      complete_ = true;
      return {position(), State::kUpgrade};
    default:
      failed_ = true;
      if (error_.status == 0) {
        if (err == HPE_INVALID_VERSION)
          error_ = {505, "unsupported HTTP version"};
        else
          error_ = {400, "malformed request"};
      }
      return {position(), State::kError};
  }
}

Request RequestParser::take_request() {
  Request r = std::move(current_);
  reset_message();
  if (!upgraded_ && !failed_) llhttp_resume(&parser_);
  return r;
}

bool RequestParser::take_expect_continue() { return std::exchange(expect_continue_, false); }

void RequestParser::reset_message() {
  current_ = Request{};
  header_bytes_before_ = 0;
  in_message_ = false;
  in_field_ = false;
  headers_done_ = false;
  complete_ = false;
  expect_continue_ = false;
}

int RequestParser::fail(int status, const char* reason) {
  if (error_.status == 0) error_ = {status, reason};
  return -1;
}

bool RequestParser::header_bytes_ok(const char* end) {
  return header_bytes_before_ + size_t(end - chunk_start_) <= limits_.max_header_bytes;
}

int RequestParser::on_message_begin(llhttp_t* p) {
  self(p)->in_message_ = true;
  return 0;
}

int RequestParser::on_url(llhttp_t* p, const char* at, size_t len) {
  auto* s = self(p);
  if (s->current_.target.size() + len > s->limits_.max_target_bytes) return s->fail(414, "request target too long");
  if (!s->header_bytes_ok(at + len)) return s->fail(431, "header block too large");
  s->current_.target.append(at, len);
  return 0;
}

int RequestParser::on_header_field(llhttp_t* p, const char* at, size_t len) {
  auto* s = self(p);
  if (!s->header_bytes_ok(at + len)) return s->fail(431, "header block too large");
  if (!s->in_field_) {
    if (s->current_.headers.size() >= s->limits_.max_headers) return s->fail(431, "too many headers");
    s->current_.headers.emplace_back();
    s->in_field_ = true;
  }
  s->current_.headers.back().first.append(at, len);
  return 0;
}

int RequestParser::on_header_field_complete(llhttp_t* p) {
  auto* s = self(p);
  s->in_field_ = false;
  if (s->current_.headers.empty() || !is_token(s->current_.headers.back().first))
    return s->fail(400, "invalid header name");
  to_lower(s->current_.headers.back().first);
  return 0;
}

int RequestParser::on_header_value(llhttp_t* p, const char* at, size_t len) {
  auto* s = self(p);
  if (!s->header_bytes_ok(at + len)) return s->fail(431, "header block too large");
  if (s->current_.headers.empty()) return s->fail(400, "header value without name");
  s->current_.headers.back().second.append(at, len);
  return 0;
}

int RequestParser::on_header_value_complete(llhttp_t* p) {
  auto* s = self(p);
  if (!s->current_.headers.empty()) {
    std::string& v = s->current_.headers.back().second;
    std::string_view t = trim(v);
    if (t.size() != v.size()) v = std::string(t);
  }
  return 0;
}

int RequestParser::on_headers_complete(llhttp_t* p) {
  auto* s = self(p);
  s->headers_done_ = true;
  return s->check_headers();
}

int RequestParser::check_headers() {
  Request& r = current_;
  if (parser_.http_major != 1) return fail(505, "unsupported HTTP version");
  r.http_minor = parser_.http_minor;
  r.method = llhttp_method_name(llhttp_method_t(parser_.method));
  if (r.target.empty()) return fail(400, "empty request target");
  split_target(r.target, r.path, r.query);
  if (r.http_minor >= 1 && !r.header("host")) return fail(400, "missing Host");
  if (parser_.flags & F_TRANSFER_ENCODING) {
    // Only plain "chunked" is supported: any other coding would hand the handler encoded bytes.
    for (const auto& [name, value] : r.headers)
      if (name == "transfer-encoding" && !iequals(value, "chunked"))
        return fail(501, "unsupported transfer coding");
  }
  if ((parser_.flags & F_CONTENT_LENGTH) && parser_.content_length > limits_.max_body_bytes)
    return fail(413, "body too large");
  // HTTP/1.0 keep-alive would need "Connection: keep-alive" echoed; not worth it here.
  r.keep_alive = r.http_minor >= 1 && llhttp_should_keep_alive(&parser_);
  r.upgrade = parser_.upgrade != 0;
  auto expect = r.header("expect");
  bool has_body = (parser_.flags & F_CHUNKED) || parser_.content_length > 0;
  expect_continue_ = r.http_minor >= 1 && has_body && expect && iequals(*expect, "100-continue");
  return 0;
}

int RequestParser::on_body(llhttp_t* p, const char* at, size_t len) {
  auto* s = self(p);
  if (s->current_.body.size() + len > s->limits_.max_body_bytes) return s->fail(413, "body too large");
  s->current_.body.append(at, len);
  return 0;
}

int RequestParser::on_message_complete(llhttp_t* p) {
  auto* s = self(p);
  s->complete_ = true;
  s->in_message_ = false;
  // An upgrade must not pause here: llhttp then returns HPE_PAUSED_UPGRADE with the position
  // of the first byte of the new protocol.
  return p->upgrade ? 0 : HPE_PAUSED;
}

}  // namespace umbrella::http
