#include "server/trunks.hpp"

#include "core/log.hpp"
#include "signal/codec.hpp"

namespace umbrella::server {

class Trunks::Dialled final : public TrunkLink::Listener, public SignalChannel {
 public:
  Dialled(Trunks& owner, TrunkLink::Options options)
      : owner_(owner), link_(owner.loop_, std::move(options), *this) {}
  ~Dialled() override {
    if (key_) owner_.hub_.on_closed(key_);
  }
  void start() { link_.start(); }
  const TrunkLink& link() const { return link_; }
  uint64_t key() const { return key_; }

  void on_trunk_open(TrunkLink&) override { key_ = owner_.hub_.open_dialled(this); }
  void on_trunk_message(TrunkLink&, Bytes frame) override {
    if (key_) owner_.hub_.on_frame(key_, frame, owner_.loop_.now());
  }
  void on_trunk_closed(TrunkLink&, const std::string&) override {
    // May arrive from inside the hub (a send that failed): leave it from the loop.
    uint64_t key = std::exchange(key_, 0);
    if (!key) return;
    TrunkHub& hub = owner_.hub_;
    owner_.defer_([&hub, key] { hub.on_closed(key); });
  }

  void send(const umbrella_Envelope& env) override {
    static thread_local std::vector<uint8_t> buf(signal::kMaxEnvelopeSize);
    size_t n = signal::encode(env, buf);
    if (n) link_.send(Bytes(buf.data(), n));
  }
  void close(uint16_t, std::string_view reason) override {
    std::string why(reason);
    TrunkLink* link = &link_;
    owner_.defer_([link, why] { link->close_and_retry(why); });
  }

 private:
  Trunks& owner_;
  TrunkLink link_;
  uint64_t key_ = 0;
};

Trunks::Trunks(EventLoop& loop, const Config& config, TrunkHub& hub,
               std::function<void(std::function<void()>)> defer)
    : loop_(loop), config_(config), hub_(hub), defer_(std::move(defer)) {
  set_urls(config.trunk_urls);
}

Trunks::~Trunks() = default;

void Trunks::set_urls(const std::vector<std::string>& urls) {
  std::vector<std::unique_ptr<Dialled>> keep;
  for (auto& url : urls) {
    if (url.empty()) continue;
    bool found = false;
    for (auto& l : links_)
      if (l && l->link().url() == url) {
        keep.push_back(std::move(l));
        found = true;
        break;
      }
    if (found) continue;
    if (auto parsed = parse_trunk_url(url); !parsed) {
      LOG_WARN("trunk", "ignoring trunk URL ", url, ": ", parsed.error());
      continue;
    }
    TrunkLink::Options o{url, config_.trunk_ca_file, config_.trunk_pin, config_.trunk_insecure};
    auto d = std::make_unique<Dialled>(*this, o);
    LOG_INFO("trunk", "dialling ", url);
    d->start();
    keep.push_back(std::move(d));
  }
  for (auto& l : links_)
    if (l) LOG_INFO("trunk", "stopping trunk ", l->link().url());
  links_ = std::move(keep);  // dropped links close; the hub removes their tracks
}

void Trunks::describe(std::vector<signal::TrunkSnapshot>& out) const {
  for (auto& l : links_) {
    signal::TrunkSnapshot t;
    t.url = l->link().url();
    switch (l->link().state()) {
      case TrunkLink::State::kIdle: t.state = umbrella_TrunkState_State_STATE_IDLE; break;
      case TrunkLink::State::kConnecting: t.state = umbrella_TrunkState_State_STATE_CONNECTING; break;
      case TrunkLink::State::kConnected: t.state = umbrella_TrunkState_State_STATE_CONNECTED; break;
      case TrunkLink::State::kRetrying: t.state = umbrella_TrunkState_State_STATE_RETRYING; break;
    }
    t.last_error = l->link().last_error();
    if (l->key()) t.peer_site_id = hub_.far_site(l->key());
    out.push_back(std::move(t));
  }
}

}  // namespace umbrella::server
