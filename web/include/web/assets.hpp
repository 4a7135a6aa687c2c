// The web app (web/), compiled into the binary: web_assets.cpp is generated at build time
// by web/tools/embed.py from the esbuild output.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace umbrella::web {

struct Asset {
  std::string_view path;          // "/index.html", "/static/app.js", ... (without any prefix)
  std::string_view content_type;  // ready for the Content-Type header
  std::string_view etag;          // quoted strong ETag, e.g. "\"3f2a9c0b1d4e5f60\""
  size_t size = 0;                     // of the content, uncompressed
  std::span<const uint8_t> body;       // the content, when gzip would not be smaller; else empty
  std::span<const uint8_t> gzip_body;  // the content gzipped, when that is smaller; else empty
};

// The app shell: the server answers <prefix>/sfu, <prefix>/trunk and <prefix>/status with it.
inline constexpr std::string_view kAppShellPath = "/index.html";

// nullptr when unknown. `path` is relative to the server's prefix.
const Asset* find_asset(std::string_view path);
std::span<const Asset> all_assets();

}  // namespace umbrella::web
