#include "ws/random.hpp"

#include <sys/random.h>

#include <cerrno>
#include <cstdlib>

namespace umbrella::ws {

void fill_random(MutableBytes out) {
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = getrandom(out.data() + done, out.size() - done, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      std::abort();  // no entropy source at all: predictable masks would be worse
    }
    done += size_t(n);
  }
}

}  // namespace umbrella::ws
