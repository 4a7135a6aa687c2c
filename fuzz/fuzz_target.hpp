// One macro declares a fuzz target. Built with -DUMBRELLA_LIBFUZZER (clang, libFuzzer) it is
// the fuzzer's entry point; in the normal test build it becomes a doctest case that replays
// every file of fuzz/corpus/<name>/ through the same function.
#pragma once

#include <cstddef>
#include <cstdint>

#ifdef UMBRELLA_LIBFUZZER
#define UMBRELLA_FUZZ_TARGET(name)                                                   \
  static int fuzz_##name(const uint8_t* data, size_t size);                          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {          \
    return fuzz_##name(data, size);                                                  \
  }                                                                                  \
  static int fuzz_##name(const uint8_t* data, size_t size)
#else
#include <doctest/doctest.h>
namespace umbrella::fuzz {
// Runs fn over every file in the corpus folder; returns how many files it ran.
size_t replay_corpus(const char* name, int (*fn)(const uint8_t*, size_t));
}  // namespace umbrella::fuzz
#define UMBRELLA_FUZZ_TARGET(name)                                                   \
  static int fuzz_##name(const uint8_t* data, size_t size);                          \
  TEST_CASE("fuzz corpus replay: " #name) {                                          \
    CHECK(umbrella::fuzz::replay_corpus(#name, fuzz_##name) > 0);                    \
  }                                                                                  \
  static int fuzz_##name(const uint8_t* data, size_t size)
#endif
