// The administrator secret: UMBRELLA_ADMIN_SECRET, or admin.secret beside the certificate,
// made (128 random bits) and printed once at first start, readable by the owner only.
#pragma once

#include <string>

#include "core/result.hpp"
#include "server/config.hpp"

namespace umbrella::server {

std::string admin_secret_path(const Config& config);
Result<std::string, std::string> load_or_create_admin_secret(const Config& config);

// "token --room R --identity I [--name N] [--ttl 1h] [--viewer]": prints one room access token.
int token_command(const CommandLine& command_line);

}  // namespace umbrella::server
