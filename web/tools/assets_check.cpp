// Build-time check that the embedded app is complete: `meson test web_assets`.
#include <cstdio>
#include <string_view>

#include "web/assets.hpp"

int main() {
  using namespace umbrella::web;
  int failures = 0, passes = 0;
  auto expect = [&](bool ok, const char* what) {
    passes += ok;
    if (!ok) {
      std::fprintf(stderr, "FAIL: %s\n", what);
      ++failures;
    }
  };
  const Asset* shell = find_asset(kAppShellPath);
  expect(shell && shell->content_type.starts_with("text/html"), "app shell is HTML");
  expect(shell && std::string_view(reinterpret_cast<const char*>(shell->body.data()), shell->body.size())
                          .find("static/app.js") != std::string_view::npos,
         "app shell loads static/app.js");
  const Asset* js = find_asset("/static/app.js");
  expect(js && js->content_type.starts_with("text/javascript"), "app.js present");
  expect(js && !js->gzip_body.empty() && js->gzip_body.size() < js->body.size(), "app.js has a smaller gzip body");
  expect(js && js->etag.size() == 18 && js->etag.front() == '"', "ETag is quoted 16 hex digits");
  expect(find_asset("/static/app.css") != nullptr, "app.css present");
  expect(find_asset("/nope") == nullptr, "unknown path is nullptr");
  size_t gz = 0;
  for (const Asset& a : all_assets()) gz += a.gzip_body.empty() ? a.body.size() : a.gzip_body.size();
  std::printf("%zu assets, %zu bytes gzipped\n", all_assets().size(), gz);
  expect(gz < 80 * 1024, "bundle under 80 KB gzipped");
  std::printf("%d passed, %d failed\n", passes, failures);
  return failures == 0 ? 0 : 1;
}
