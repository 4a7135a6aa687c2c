#include "net/resolv_conf.hpp"

#include <algorithm>
#include <charconv>

#include "net/text_lines.hpp"

namespace umbrella::net {

namespace {

// "key:N" options; values are clamped as glibc does.
bool option_value(std::string_view opt, std::string_view key, int max, int& out) {
  if (opt.substr(0, key.size()) != key) return false;
  int v = 0;
  auto text = opt.substr(key.size());
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v < 0) return true;
  out = std::min(v, max);
  return true;
}

}  // namespace

ResolvConf parse_resolv_conf(std::string_view text) {
  ResolvConf conf;
  for_each_line(text, "#;", [&](std::string_view line) {
    auto key = next_field(line);
    if (key == "nameserver") {
      auto ip_text = next_field(line);
      auto ip = SocketAddress::parse_ip(ip_text.substr(0, ip_text.find('%')));
      if (ip && conf.nameservers.size() < kMaxNameservers) {
        ip->set_port(53);
        conf.nameservers.push_back(*ip);
      }
    } else if (key == "search" || key == "domain") {
      conf.search.clear();
      for (auto d = next_field(line); !d.empty(); d = next_field(line)) {
        if (d.back() == '.') d.remove_suffix(1);
        if (!d.empty()) conf.search.emplace_back(d);
        if (key == "domain") break;
      }
    } else if (key == "options") {
      for (auto opt = next_field(line); !opt.empty(); opt = next_field(line)) {
        int timeout_s = int(std::chrono::duration_cast<seconds>(conf.timeout).count());
        if (option_value(opt, "timeout:", 30, timeout_s)) conf.timeout = seconds(std::max(timeout_s, 1));
        option_value(opt, "ndots:", 15, conf.ndots);
        if (option_value(opt, "attempts:", 5, conf.attempts)) conf.attempts = std::max(conf.attempts, 1);
      }
    }
  });
  if (conf.nameservers.empty()) conf.nameservers.push_back(*SocketAddress::parse("127.0.0.1:53"));
  return conf;
}

std::vector<std::string> candidate_names(std::string_view name, const ResolvConf& conf) {
  if (name.empty()) return {};
  if (name.back() == '.') return {std::string(name.substr(0, name.size() - 1))};
  std::vector<std::string> names;
  auto dots = std::count(name.begin(), name.end(), '.');
  if (dots >= conf.ndots) names.emplace_back(name);
  for (const auto& domain : conf.search) names.push_back(std::string(name) + "." + domain);
  if (dots < conf.ndots) names.emplace_back(name);
  return names;
}

}  // namespace umbrella::net
