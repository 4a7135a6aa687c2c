// Linked into the static builds only (the access point's flash budget): the C++ runtime's
// terminate handler names an escaping exception's type through __cxa_demangle, and that
// pulls 46 KB of demangler into the binary. The mangled name serves as well in the one line
// such a crash prints.
#include <cstddef>

extern "C" char* __cxa_demangle(const char*, char*, std::size_t*, int* status) {
  if (status) *status = -2;  // "not a mangled name": the caller prints it as it is
  return nullptr;
}
