#include "tls/file_io.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace umbrella::tls {

Result<std::string, std::string> read_file(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return Err{"cannot read " + path + ": " + std::strerror(errno)};
  std::string data;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
  bool bad = std::ferror(f);
  int err = errno;
  std::fclose(f);
  if (bad) return Err{"cannot read " + path + ": " + std::strerror(err)};
  return data;
}

// Writes `data` to path atomically (temporary file + rename) with the given mode.
Result<bool, std::string> write_file(const std::string& path, const std::string& data, mode_t mode) {
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return Err{"cannot write " + path + ": " + std::strerror(errno)};
  // open() leaves an existing temporary's mode alone; the key must not stay world-readable.
  if (::fchmod(fd, mode) != 0) {
    int err = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    return Err{"cannot write " + path + ": " + std::strerror(err)};
  }
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd, data.data() + done, data.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return Err{"cannot write " + path + ": " + std::strerror(err)};
    }
    done += size_t(w);
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    return Err{"cannot write " + path + ": " + std::strerror(err)};
  }
  return true;
}

}  // namespace umbrella::tls
