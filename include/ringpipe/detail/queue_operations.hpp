// The queue's element checks and its two asynchronous operations (see pending_operation.hpp): a push and
// a pop of one whole element each.
#pragma once

#include <array>
#include <bit>
#include <optional>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include "ringpipe/detail/element_attempts.hpp"
#include "ringpipe/detail/endpoint_state.hpp"
#include "ringpipe/detail/endpoint_support.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe {

namespace detail {

// The ring, checked to be made for elements of T: std::system_error(error::element_mismatch) if not.
template <class T>
ring checked_for_elements(ring ring_handle) {
  static_assert(std::is_trivially_copyable_v<T>, "queue elements are copied as bytes, across processes too");
  return checked_for_elements_of(std::move(ring_handle), sizeof(T), alignof(T));
}

// A T made of the given bytes (or of zeros): T need not be default-constructible.
template <class T>
T from_bytes(const std::array<std::byte, sizeof(T)>& bytes) noexcept {
  return std::bit_cast<T>(bytes);
}

template <class T>
struct push_operation {
  using result_type = std::tuple<std::error_code>;
  T value;

  std::optional<result_type> attempt(writer_state& state) const {
    std::error_code ec;
    if (try_write_element(state, &value, sizeof(T), ec) || ec) return result_type{ec};
    return std::nullopt;
  }

  static result_type failed(std::error_code ec) { return {ec}; }
};

template <class T>
struct pop_operation {
  using result_type = std::tuple<std::error_code, T>;

  std::optional<result_type> attempt(reader_state& state) const {
    std::array<std::byte, sizeof(T)> bytes{};
    std::error_code ec;
    if (try_read_element(state, bytes.data(), sizeof(T), ec) || ec)
      return result_type{ec, from_bytes<T>(bytes)};
    return std::nullopt;
  }

  static result_type failed(std::error_code ec) { return {ec, from_bytes<T>({})}; }
};

} // namespace detail

} // namespace ringpipe
