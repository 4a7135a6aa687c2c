// umbrella.Status on the wire, written from the generated structs through their visit():
// the field numbers come from the .proto with the fields themselves. nanopb is not used
// here because the lists are unbounded (FT_CALLBACK in umbrella.options) and the server
// only ever encodes this message.
#include <type_traits>

#include "signal/proto_writer.hpp"
#include "signal/status.hpp"

namespace umbrella::signal {
namespace {

template <class T>
concept Varint = std::is_integral_v<T> || std::is_enum_v<T>;

class ProtobufWriter;
template <class T>
concept Message = requires(const T& m, ProtobufWriter& w) { m.visit(w); };

// Negative int32/int64 and enum values are sign-extended to ten bytes, as protobuf does.
template <Varint T>
uint64_t varint_value(T v) {
  if constexpr (std::is_enum_v<T> || std::is_signed_v<T>) return uint64_t(int64_t(v));
  else return uint64_t(v);
}

class ProtobufWriter {
 public:
  explicit ProtobufWriter(ProtoWriter& out) : out_(out) {}

  // A field of a message: proto3 leaves zero scalars and empty strings out.
  template <class T>
  void field(uint32_t number, std::string_view /*name*/, const T& v) {
    put(number, v, false);
  }

  template <Message M>
  static std::string encode(const M& m) {
    ProtoWriter w;
    ProtobufWriter writer(w);
    m.visit(writer);
    return w.take();
  }

 private:
  // `always`: written even when zero or empty (repeated elements, map keys and values).
  void put(uint32_t number, const std::string& v, bool always) {
    if (always) out_.message(number, v);
    else out_.bytes(number, v);
  }
  template <Varint T>
  void put(uint32_t number, T v, bool always) {
    if (!always) return out_.uint(number, varint_value(v));
    out_.varint(uint64_t{number} << 3 | 0);
    out_.varint(varint_value(v));
  }
  template <Message M>
  void put(uint32_t number, const M& m, bool) {
    out_.message(number, encode(m));
  }
  template <class T>
  void put(uint32_t number, const std::vector<T>& list, bool) {
    if constexpr (Varint<T>) {  // proto3 packs repeated scalars into one length-delimited field
      if (list.empty()) return;
      ProtoWriter packed;
      for (T v : list) packed.varint(varint_value(v));
      out_.message(number, packed.str());
    } else {
      for (const auto& v : list) put(number, v, true);
    }
  }
  // A map is a repeated entry message {key = 1; value = 2}, each entry written in full.
  template <class V>
  void put(uint32_t number, const std::map<std::string, V>& map, bool) {
    for (const auto& [k, v] : map) {
      ProtoWriter entry;
      ProtobufWriter writer(entry);
      writer.put(1, k, true);
      writer.put(2, v, true);
      out_.message(number, entry.str());
    }
  }

  ProtoWriter& out_;
};

}  // namespace

std::string to_protobuf(const StatusSnapshot& s) { return ProtobufWriter::encode(s); }

}  // namespace umbrella::signal
