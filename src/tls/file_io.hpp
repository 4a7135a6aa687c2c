// Whole-file reads and atomic writes with errors as "cannot read <path>: <strerror>".
#pragma once

#include <string>
#include <sys/types.h>

#include "core/result.hpp"

namespace umbrella::tls {

Result<std::string, std::string> read_file(const std::string& path);
// Writes via "<path>.tmp" and rename, so readers never see half a file; sets `mode`.
Result<bool, std::string> write_file(const std::string& path, const std::string& data, mode_t mode);

}  // namespace umbrella::tls
