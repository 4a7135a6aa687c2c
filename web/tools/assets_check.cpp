// Build-time check that the embedded app is complete: `meson test web_assets`.
#include <cstdio>
#include <string>
#include <string_view>

#include "http/gunzip.hpp"
#include "web/assets.hpp"

int main() {
  using namespace umbrella;
  using namespace umbrella::web;
  int failures = 0, passes = 0;
  auto expect = [&](bool ok, const char* what) {
    passes += ok;
    if (!ok) {
      std::fprintf(stderr, "FAIL: %s\n", what);
      ++failures;
    }
  };
  // Each asset is stored once, raw or gzipped, and its content is what it says it is.
  auto content = [&](const Asset* a) -> std::string {
    if (!a) return {};
    if (a->gzip_body.empty()) return std::string(reinterpret_cast<const char*>(a->body.data()), a->body.size());
    auto raw = http::gunzip(a->gzip_body, a->size);
    return raw ? std::string(raw->begin(), raw->end()) : std::string();
  };
  size_t stored = 0;
  for (const Asset& a : all_assets()) {
    expect(a.body.empty() != a.gzip_body.empty(), "stored once, raw or gzipped");
    expect(content(&a).size() == a.size && a.size > 0, "content decompresses to its size");
    stored += a.body.size() + a.gzip_body.size();
  }
  const Asset* shell = find_asset(kAppShellPath);
  expect(shell && shell->content_type.starts_with("text/html"), "app shell is HTML");
  expect(content(shell).find("static/app.js") != std::string::npos, "app shell loads static/app.js");
  const Asset* js = find_asset("/static/app.js");
  expect(js && js->content_type.starts_with("text/javascript"), "app.js present");
  expect(js && !js->gzip_body.empty() && js->gzip_body.size() < js->size, "app.js is stored gzipped");
  expect(js && js->etag.size() == 18 && js->etag.front() == '"', "ETag is quoted 16 hex digits");
  expect(find_asset("/static/app.css") != nullptr, "app.css present");
  expect(find_asset("/nope") == nullptr, "unknown path is nullptr");
  std::printf("%zu assets, %zu bytes stored\n", all_assets().size(), stored);
  expect(stored < 80 * 1024, "bundle under 80 KB gzipped");
  std::printf("%d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
