#include "server/direct_path.hpp"

#include <algorithm>

namespace umbrella::server {

void DirectPath::bridge_up(Instant now) {
  if (up_) return;
  up_ = true;
  eligible_at_ = now + config_.settle;
  if (fell_back_) eligible_at_ = std::max(eligible_at_, fell_back_at_ + hold_down_);
}

void DirectPath::bridge_down(Instant now) {
  if (!up_) return;
  up_ = false;
  eligible_at_ = kNever;
  if (path_ != Path::kDirect) return;
  // A direct period that did not hold is a flap: wait longer before the next move back.
  if (now - direct_since_ < config_.stable_after) hold_down_ = std::min(hold_down_ * 2, config_.hold_down_max);
  else hold_down_ = config_.hold_down_first;
  fell_back_ = true;
  fell_back_at_ = now;
  move(Path::kCloud, now);
}

Instant DirectPath::next_deadline() const { return up_ && path_ == Path::kCloud ? eligible_at_ : kNever; }

void DirectPath::on_timeout(Instant now) {
  if (up_ && path_ == Path::kCloud && now >= eligible_at_) {
    direct_since_ = now;
    move(Path::kDirect, now);
  }
}

void DirectPath::move(Path to, Instant now) {
  (void)now;
  path_ = to;
  // Two moves between takes (down and up again) cancel out: report where the tracks are.
  moved_ = moved_ && *moved_ != to ? std::nullopt : std::optional<Path>(to);
  ++(to == Path::kDirect ? counters_.to_direct : counters_.to_cloud);
}

}  // namespace umbrella::server
