#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "fuzz_target.hpp"

namespace umbrella::fuzz {

size_t replay_corpus(const char* name, int (*fn)(const uint8_t*, size_t)) {
  namespace fs = std::filesystem;
  fs::path dir = fs::path(FUZZ_CORPUS_DIR) / name;
  if (!fs::is_directory(dir)) return 0;
  size_t count = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    INFO("corpus file: " << entry.path().string());
    fn(data.data(), data.size());
    ++count;
  }
  return count;
}

}  // namespace umbrella::fuzz
