// What /status shows and its two encodings: JSON (status.json, read by the web page) and
// protobuf (umbrella.Status, status.pb). The structs are generated from the status messages
// in proto/umbrella.proto (proto/gen_status.py -> umbrella_status.hpp); both writers walk
// them field by field through visit(), so a field added to the .proto appears in both
// encodings and in the web app's types with no change here.
#pragma once

#include <string>
#include <string_view>

#include "umbrella_status.hpp"

namespace umbrella::signal {

// The names the server fills (Conference::snapshot, Server::status, Trunks::describe).
using StatusSnapshot = status::Status;
using ClientSnapshot = status::ClientStatus;
using TrackStats = status::TrackCounters;
using TrunkSnapshot = status::TrunkState;

// Appends `s` as a JSON string literal (quotes included). Control characters are escaped
// and invalid UTF-8 becomes U+FFFD, so any byte string yields valid JSON.
void append_json_string(std::string& out, std::string_view s);

std::string to_json(const StatusSnapshot& status);
// Serialized umbrella.Status (application/x-protobuf).
std::string to_protobuf(const StatusSnapshot& status);

}  // namespace umbrella::signal
