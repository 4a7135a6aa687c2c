// An HTTP/1.1 response and its wire form.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "http/request.hpp"

namespace umbrella::http {

struct Response {
  int status = 200;
  std::string content_type;     // sent as Content-Type when non-empty
  std::string body;
  std::vector<Header> headers;  // extra headers, sent as given (no Content-Length/Connection here)
  bool close = false;           // handler asks to close the connection after this response

  static Response text(int status, std::string body);  // text/plain; charset=utf-8
  static Response error(int status);                   // text/plain body "<code> <reason>\n"
};

// Standard reason phrase ("Not Found"), or "Unknown" for unlisted codes.
std::string_view reason_phrase(int status);

// Appends the wire form. Content-Length is always sent except for 1xx and 204 (where it is
// forbidden); head_request sends the length of body but not the body. !keep_alive adds
// "Connection: close". A 101 is written as-is (its Upgrade/Connection headers come in headers).
void serialize_to(std::string& out, const Response& r, bool keep_alive, bool head_request = false);
std::string serialize(const Response& r, bool keep_alive, bool head_request = false);

}  // namespace umbrella::http
