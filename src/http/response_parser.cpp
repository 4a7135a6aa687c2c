#include "http/response_parser.hpp"

namespace umbrella::http {
namespace {

ResponseParser* self(llhttp_t* p) { return static_cast<ResponseParser*>(p->data); }

}  // namespace

// llhttp's callbacks; -1 (HPE_USER) when a bound is crossed.
struct ResponseCallbacks {
  static int over(llhttp_t* p) {
    self(p)->error_ = "response over its size bounds";
    return -1;
  }
  static int head(llhttp_t* p, size_t len) {
    auto* s = self(p);
    s->head_bytes_ += len;
    return s->head_bytes_ > s->max_head_bytes_ ? over(p) : 0;
  }
  static int on_header_field(llhttp_t* p, const char* at, size_t len) {
    auto* s = self(p);
    if (head(p, len)) return -1;
    if (!s->in_field_) {
      if (s->response_.headers.size() >= 64) return over(p);
      s->response_.headers.emplace_back();
      s->in_field_ = true;
    }
    s->response_.headers.back().first.append(at, len);
    return 0;
  }
  static int on_header_value(llhttp_t* p, const char* at, size_t len) {
    auto* s = self(p);
    if (head(p, len) || s->response_.headers.empty()) return -1;
    s->response_.headers.back().second.append(at, len);
    return 0;
  }
  static int on_header_value_complete(llhttp_t* p) {
    self(p)->in_field_ = false;
    return 0;
  }
  static int on_headers_complete(llhttp_t* p) {
    auto* s = self(p);
    s->response_.status = p->status_code;
    if (p->status_code < 100 || p->status_code > 599) {
      s->error_ = "malformed response (status code)";
      return -1;
    }
    for (auto& [name, value] : s->response_.headers) {
      to_lower(name);
      value = std::string(trim(value));
      if (name == "content-type") s->response_.content_type = value;
    }
    return 0;
  }
  static int on_body(llhttp_t* p, const char* at, size_t len) {
    auto* s = self(p);
    if (s->response_.body.size() + len > s->max_body_bytes_) return over(p);
    s->response_.body.append(at, len);
    return 0;
  }
  static int on_message_complete(llhttp_t* p) {
    self(p)->state_ = ResponseParser::State::kComplete;
    return HPE_PAUSED;
  }
};

const llhttp_settings_t& ResponseParser::settings() {
  static const llhttp_settings_t s = [] {
    llhttp_settings_t v;
    llhttp_settings_init(&v);
    v.on_status = [](llhttp_t* p, const char*, size_t len) { return ResponseCallbacks::head(p, len); };
    v.on_header_field = &ResponseCallbacks::on_header_field;
    v.on_header_value = &ResponseCallbacks::on_header_value;
    v.on_header_value_complete = &ResponseCallbacks::on_header_value_complete;
    v.on_headers_complete = &ResponseCallbacks::on_headers_complete;
    v.on_body = &ResponseCallbacks::on_body;
    v.on_message_complete = &ResponseCallbacks::on_message_complete;
    return v;
  }();
  return s;
}

ResponseParser::ResponseParser(size_t max_head_bytes, size_t max_body_bytes)
    : max_head_bytes_(max_head_bytes), max_body_bytes_(max_body_bytes) {
  response_.status = 0;
  llhttp_init(&parser_, HTTP_RESPONSE, &settings());
}

ResponseParser::State ResponseParser::fail(const char* why) {
  error_ = why;
  return state_ = State::kError;
}

ResponseParser::State ResponseParser::feed(Bytes data) {
  if (state_ != State::kNeedMore || data.empty()) return state_;
  parser_.data = this;
  llhttp_errno_t err = llhttp_execute(&parser_, reinterpret_cast<const char*>(data.data()), data.size());
  if (state_ == State::kComplete) return state_;  // paused at its end; what follows is ignored
  if (err == HPE_OK) return state_;
  if (err == HPE_USER) return fail(error_);
  return fail("malformed response");
}

ResponseParser::State ResponseParser::finish() {
  if (state_ != State::kNeedMore) return state_;
  parser_.data = this;
  llhttp_finish(&parser_);  // completes a close-delimited body (paused by on_message_complete)
  return state_ == State::kComplete ? state_ : fail("connection closed mid-response");
}

}  // namespace umbrella::http
