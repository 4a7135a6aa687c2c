// A value or an error, for parsers and other code on the packet path where
// exceptions are not used. (std::expected is C++23; this is the small subset we need.)
#pragma once

#include <utility>
#include <variant>

namespace umbrella {

template <typename E>
struct Err {
  // A constructor (not an aggregate) so Err(x) also works on compilers without C++20
  // parenthesised aggregate initialisation (clang 14, used for the fuzzers).
  explicit Err(E e) : error(std::move(e)) {}
  E error;
};
template <typename E>
Err(E) -> Err<E>;

template <typename T, typename E>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  template <typename G>
  Result(Err<G> e) : v_(std::in_place_index<1>, E(std::move(e.error))) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  E error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace umbrella
