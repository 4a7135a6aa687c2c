#include "sctp/data_channels.hpp"

#include <algorithm>

#include "core/log.hpp"

namespace umbrella::sctp {
namespace {

const SendOptions kControl{};  // DCEP: ordered, reliable

SendOptions options_of(const ChannelParameters& p, bool acknowledged) {
  SendOptions o;
  o.unordered = !p.ordered && acknowledged;
  o.reliability = uint8_t(p.reliability);
  o.reliability_parameter = p.reliability_parameter;
  return o;
}

}  // namespace

Result<std::unique_ptr<DataChannels>, std::string> DataChannels::create(Stack& stack, const AssociationConfig& config,
                                                                         bool dtls_client,
                                                                         AssociationListener* listener) {
  auto a = Association::create(stack, config, listener);
  if (!a) return Err{a.error()};
  return std::unique_ptr<DataChannels>(new DataChannels(std::move(*a), dtls_client));
}

void publish(const DataChannelDrops& now, DataChannelDrops& seen, DataChannelDrops& totals) {
  using D = DataChannelDrops;
  for (uint64_t D::*f : {&D::outbox_dropped, &D::messages_too_large, &D::packets_refused, &D::dcep_refused,
                         &D::unknown_channel, &D::unknown_ppid, &D::packets_unsent, &D::stray_application_data})
    totals.*f += now.*f - seen.*f;
  seen = now;
}

DataChannelDrops DataChannels::drops() const {
  const AssociationCounters& a = association_->counters();
  return {a.outbox_dropped, a.messages_too_large, a.packets_refused, counters_.dcep_refused, counters_.unknown_channel,
          counters_.unknown_ppid, 0, 0};
}

void DataChannels::receive(Bytes packet) { association_->receive(packet); }

bool DataChannels::is_open(uint16_t id) const {
  auto it = channels_.find(id);
  return it != channels_.end() && !it->second.closing;
}

Result<uint16_t, std::string> DataChannels::open(const ChannelInfo& info) {
  if (!association_->up()) return Err{std::string("SCTP association not up")};
  uint16_t limit = association_->streams();
  for (uint16_t id = ours_even_ ? 0 : 1; id < limit; id += 2) {
    if (channels_.count(id)) continue;
    DcepOpen o{info.parameters, info.label, info.protocol};
    std::vector<uint8_t> message(dcep_open_size(o));
    if (build_dcep_open(o, message) == 0) return Err{std::string("label or protocol too long")};
    SendResult r = association_->send(id, kPpidDcep, message, kControl);
    if (r != SendResult::kOk) return Err{std::string(to_string(r))};
    channels_[id] = Channel{info, false, true, false};
    return id;
  }
  return Err{std::string("no free data channel id")};
}

SendResult DataChannels::send(uint16_t id, bool binary, Bytes data) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.closing) return SendResult::kNotConnected;
  uint32_t ppid = binary ? (data.empty() ? kPpidBinaryEmpty : kPpidBinary)
                         : (data.empty() ? kPpidStringEmpty : kPpidString);
  return association_->send(id, ppid, data, options_of(it->second.info.parameters, it->second.acknowledged));
}

void DataChannels::close(uint16_t id) {
  auto it = channels_.find(id);
  if (it == channels_.end() || it->second.closing) return;
  it->second.closing = true;
  association_->reset_stream(id);
}

std::vector<ChannelEvent> DataChannels::take_events() {
  std::vector<ChannelEvent> out;
  for (auto& e : association_->take_events()) {
    if (std::holds_alternative<AssociationUp>(e)) {
      out.emplace_back(ChannelsUp{});
    } else if (auto* d = std::get_if<AssociationDown>(&e)) {
      channels_.clear();
      out.emplace_back(ChannelsDown{d->reason});
    } else if (auto* m = std::get_if<StreamMessage>(&e)) {
      on_stream_message(*m, out);
    } else if (auto* c = std::get_if<StreamClosed>(&e)) {
      auto it = channels_.find(c->stream);
      if (it == channels_.end()) continue;
      // RFC 8831 6.7: the peer closed it: reset ours too (unless this answers our reset).
      if (!it->second.closing) association_->reset_stream(c->stream);
      channels_.erase(it);
      out.emplace_back(ChannelClosed{c->stream});
    }
  }
  return out;
}

void DataChannels::on_stream_message(StreamMessage& m, std::vector<ChannelEvent>& out) {
  if (m.ppid == kPpidDcep) return on_dcep(m, out);
  auto it = channels_.find(m.stream);
  if (it == channels_.end()) {
    ++counters_.unknown_channel;
    return;
  }
  // Any user message implies the peer saw our OPEN (RFC 8832 6).
  if (it->second.ours && !it->second.acknowledged) {
    it->second.acknowledged = true;
    out.emplace_back(ChannelOpened{m.stream, it->second.info, false});
  }
  switch (m.ppid) {
    case kPpidString: out.emplace_back(ChannelMessage{m.stream, false, std::move(m.data)}); break;
    case kPpidBinary: out.emplace_back(ChannelMessage{m.stream, true, std::move(m.data)}); break;
    case kPpidStringEmpty: out.emplace_back(ChannelMessage{m.stream, false, {}}); break;
    case kPpidBinaryEmpty: out.emplace_back(ChannelMessage{m.stream, true, {}}); break;
    default: ++counters_.unknown_ppid; break;
  }
}

void DataChannels::on_dcep(const StreamMessage& m, std::vector<ChannelEvent>& out) {
  if (is_dcep_ack(m.data)) {
    auto it = channels_.find(m.stream);
    if (it == channels_.end() || !it->second.ours || it->second.acknowledged) {
      ++counters_.dcep_refused;
      return;
    }
    it->second.acknowledged = true;
    out.emplace_back(ChannelOpened{m.stream, it->second.info, false});
    return;
  }
  auto open = parse_dcep_open(m.data);
  if (!open || channels_.count(m.stream) || m.stream >= association_->streams()) {
    LOG_DEBUG("sctp", "DCEP refused on stream ", m.stream, ": ", open ? "id taken or too high" : to_string(open.error()));
    ++counters_.dcep_refused;
    return;
  }
  // RFC 8832 6 gives the DTLS client the even ids, but aiortc picks by its ICE role: a
  // peer that opens on "our" parity before we opened anything gets it, and we take the other.
  if ((m.stream % 2 == 0) == ours_even_) {
    bool any_ours = std::any_of(channels_.begin(), channels_.end(), [](const auto& c) { return c.second.ours; });
    if (any_ours) {
      ++counters_.dcep_refused;
      return;
    }
    ours_even_ = !ours_even_;
  }
  ChannelInfo info{std::string(open->label), std::string(open->protocol), open->parameters};
  static const uint8_t kAck[] = {kDcepAck};
  if (association_->send(m.stream, kPpidDcep, kAck, kControl) != SendResult::kOk) {
    ++counters_.dcep_refused;
    return;
  }
  channels_[m.stream] = Channel{info, true, false, false};
  out.emplace_back(ChannelOpened{m.stream, std::move(info), true});
}

}  // namespace umbrella::sctp
