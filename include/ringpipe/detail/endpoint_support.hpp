// What the writer and the reader share: ring runs as buffers, deadlines, and the constraints on
// executors and execution contexts.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <system_error>
#include <utility>

#include <asio/buffer.hpp>
#include <asio/execution_context.hpp>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/error.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe::detail {

// The ring, checked to be made for elements of `size` bytes aligned to `align`: refused with
// error::element_mismatch otherwise, since a receiver would only later find part of an element and
// report the ring corrupt.
inline ring checked_for_elements_of(ring ring_handle, std::uint32_t size, std::uint32_t align) {
  const core::ring_identity* identity = ring_handle ? &ring_access::identity(ring_handle) : nullptr;
  if (identity && (identity->element_size != size || identity->element_align != align))
    throw std::system_error(make_error_code(error::element_mismatch));
  return ring_handle;
}

// A ring for a byte endpoint: one made for bytes, not for a queue's elements.
inline ring checked_for_bytes(ring ring_handle) {
  return checked_for_elements_of(std::move(ring_handle), 1, 1);
}

template <class T>
concept execution_context_ref = std::convertible_to<T&, asio::execution_context&>;

// The data area as an endpoint uses it, read from the ring once so that the data path makes no call
// for it.
struct data_area {
  explicit data_area(const ring& ring_handle) noexcept
      : bytes(ring_access::data(ring_handle)), capacity(ring_handle.capacity()),
        mirrored(ring_handle.mirrored()) {}

  std::byte* bytes;
  std::size_t capacity;
  bool mirrored; // see mapping_mode
};

// The run as ring memory: one span when mirrored, else up to two (the second starts at the data
// area's beginning and is empty when the run does not cross the end).
inline std::array<asio::mutable_buffer, 2> ring_buffers(const data_area& area, core::region run) noexcept {
  if (area.mirrored) return {asio::mutable_buffer(area.bytes + run.offset, run.size), asio::mutable_buffer()};
  const std::size_t first = std::min(run.size, area.capacity - run.offset);
  return {asio::mutable_buffer(area.bytes + run.offset, first),
          asio::mutable_buffer(area.bytes, run.size - first)};
}

// The first contiguous piece of the run: all of it when mirrored.
inline asio::mutable_buffer first_span(const data_area& area, core::region run,
                                       std::size_t max_size) noexcept {
  return asio::buffer(ring_buffers(area, run)[0], max_size);
}

// Copies n bytes (n at most the run's size) in or out at the run's offset. Written for a small n known
// at compile time (a queue's element), which becomes a plain load and store when it does not wrap: always
// inlined, as GCC at -O2 kept it a call that called memcpy for 4 bytes (3 ns of a 5 ns push).
[[gnu::always_inline]] inline void copy_into_ring(const data_area& area, std::size_t offset, const void* from,
                                                  std::size_t n) noexcept {
  if (n <= area.capacity - offset || area.mirrored) [[likely]] {
    std::memcpy(area.bytes + offset, from, n);
    return;
  }
  const std::size_t first = area.capacity - offset;
  std::memcpy(area.bytes + offset, from, first);
  std::memcpy(area.bytes, static_cast<const std::byte*>(from) + first, n - first);
}

[[gnu::always_inline]] inline void copy_out_of_ring(const data_area& area, std::size_t offset, void* to,
                                                    std::size_t n) noexcept {
  if (n <= area.capacity - offset || area.mirrored) [[likely]] {
    std::memcpy(to, area.bytes + offset, n);
    return;
  }
  const std::size_t first = area.capacity - offset;
  std::memcpy(to, area.bytes + offset, first);
  std::memcpy(static_cast<std::byte*>(to) + first, area.bytes, n - first);
}

// `timeout` from now, in any duration type. A zero, negative or NaN timeout is now; one longer than the
// steady clock can count from now (hours::max(), say) is no deadline at all, not an overflow.
template <class Rep, class Period>
core::deadline deadline_after(const std::chrono::duration<Rep, Period>& timeout) {
  using clock = std::chrono::steady_clock;
  const clock::time_point now = clock::now();
  if (!(timeout > timeout.zero())) return now;
  // Compared in floating-point seconds, where neither side can overflow.
  using seconds = std::chrono::duration<double>;
  if (seconds(timeout) >= seconds(clock::time_point::max() - now)) return std::nullopt;
  return now + std::chrono::ceil<clock::duration>(timeout);
}

template <class Executor, class ExecutionContext>
Executor executor_of(ExecutionContext& context) {
  return Executor(context.get_executor());
}

} // namespace ringpipe::detail
