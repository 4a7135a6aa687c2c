// The status as Prometheus metrics (GET /metrics, text exposition format 0.0.4): the status
// counters as umbrella_<area>_<name>_total, the aggregates as gauges, forward delays as a
// histogram, and per trunk (bounded: at most 8 dialled, one per far site accepted) its state
// and bitrate. Nothing per client: a label per participant or address would grow without bound
// and leak who is connected.
#pragma once

#include <string>
#include <string_view>

#include "core/delay_histogram.hpp"
#include "signal/status.hpp"

namespace umbrella::signal {

inline constexpr std::string_view kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";

// `status` needs its clients and trunks (the detailed snapshot) for the bitrate and trunk series.
std::string to_prometheus(const StatusSnapshot& status, const DelayHistogram& forward_delays);

}  // namespace umbrella::signal
