// HTTP routes under the configured prefix: the web app, its assets, status, health, and the
// /wsb signalling WebSocket (bridged to the Conference).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/event_loop.hpp"
#include "http/connection.hpp"
#include "server/access.hpp"
#include "server/conference.hpp"
#include "server/config.hpp"
#include "server/recordings.hpp"
#include "signal/status.hpp"

namespace umbrella::server {

class Routes : public http::Handler {
 public:
  using StatusSource = std::function<signal::StatusSnapshot()>;
  // The /metrics text (signal::to_prometheus of the status and what only the server has).
  using MetricsSource = std::function<std::string()>;
  // flush: ask the HTTP server to send output produced outside an I/O callback.
  // defer: run a function soon from the event loop (safe deletion).
  Routes(EventLoop& loop, const Config& config, const Access& access, Conference& conference, StatusSource status,
         MetricsSource metrics, std::function<void()> flush, std::function<void(std::function<void()>)> defer);
  ~Routes() override;

  // Recording control (POST /record); none: answered 409.
  void set_recordings(Recordings* recordings) { recordings_ = recordings; }

  http::Response handle(const http::Request& request) override;
  std::optional<http::UpgradeResult> upgrade(const http::Request& request, Instant now) override;

  class Bridge;

 private:
  // Strips the prefix; nullopt when the path is outside it.
  std::optional<std::string> route_path(const http::Request& request) const;
  http::Response handle_whip(const http::Request& request, const std::string& path);
  http::Response serve_asset(const http::Request& request, std::string_view path) const;
  http::Response serve_status(const http::Request& request, bool protobuf) const;
  http::Response serve_metrics(const http::Request& request) const;
  http::Response issue_token(const http::Request& request) const;
  http::Response control_recording(const http::Request& request);

  EventLoop& loop_;
  const Config& config_;
  const Access& access_;
  Conference& conference_;
  StatusSource status_;
  MetricsSource metrics_;
  std::function<void()> flush_;
  std::function<void(std::function<void()>)> defer_;
  std::map<uint64_t, std::unique_ptr<Bridge>> bridges_;
  Recordings* recordings_ = nullptr;
};

}  // namespace umbrella::server
