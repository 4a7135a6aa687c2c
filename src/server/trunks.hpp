// The trunks this SFU dials (UMBRELLA_TRUNK_URL, or the /trunk page): each is a TrunkLink
// (the WebSocket to the far SFU) bridged into the trunk hub as a signalling channel.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/config.hpp"
#include "server/conference.hpp"
#include "server/trunk_hub.hpp"
#include "server/trunk_link.hpp"
#include "signal/status.hpp"

namespace umbrella::server {

class Trunks final : public TrunkControl {
 public:
  Trunks(EventLoop& loop, const Config& config, TrunkHub& hub,
         std::function<void(std::function<void()>)> defer);
  ~Trunks() override;

  // TrunkControl (the /trunk page through /wsb)
  void set_urls(const std::vector<std::string>& urls) override;
  void describe(std::vector<signal::TrunkSnapshot>& out) const override;

 private:
  class Dialled;
  EventLoop& loop_;
  const Config& config_;
  TrunkHub& hub_;
  std::function<void(std::function<void()>)> defer_;
  std::vector<std::unique_ptr<Dialled>> links_;
};

}  // namespace umbrella::server
