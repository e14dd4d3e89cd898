// One non-blocking attempt at a queue's element: written or read whole, or not at all. A queue's sender
// has no prepare(), so its state's `prepared` is always 0 and nothing here voids it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <system_error>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/detail/attempts.hpp"
#include "ringpipe/detail/endpoint_state.hpp"
#include "ringpipe/detail/endpoint_support.hpp"
#include "ringpipe/error.hpp"

namespace ringpipe::detail {

// Where one whole element of `size` bytes starts in `run` (from writable_run or readable_run), or
// nullopt: none there yet, or ec set. A queue's positions move by whole elements, so a non-empty run
// shorter than one element means the peer broke the queue: error::corrupt.
inline std::optional<std::size_t> offset_of_whole_element(const std::optional<core::region>& run,
                                                          std::size_t size, std::error_code& ec) {
  if (!run || ec) return std::nullopt;
  if (run->size < size) {
    ec = error::corrupt;
    return std::nullopt;
  }
  return run->offset;
}

// Reports success to a caller's ec without a call into the standard library (clear() makes a new
// system_category() each time): an ec that holds no error already says so.
inline void clear_error(std::error_code& ec) noexcept {
  if (ec) ec.clear();
}

// An unsigned integer type exactly `Size` bytes wide, where there is one, aligned to 1 so that a hostile
// peer's unaligned position cannot make a store through it undefined.
template <std::size_t Size>
struct element_word {
  static constexpr bool exists = false;
};
template <>
struct element_word<2> {
  static constexpr bool exists = true;
  using type [[gnu::aligned(1)]] = std::uint16_t;
};
template <>
struct element_word<4> {
  static constexpr bool exists = true;
  using type [[gnu::aligned(1)]] = std::uint32_t;
};
template <>
struct element_word<8> {
  static constexpr bool exists = true;
  using type [[gnu::aligned(1)]] = std::uint64_t;
};

// Stores a queue's element into the ring as one integer when one is that wide and the element does not
// wrap. Not with memcpy: a store of bytes may alias anything, so after it the compiler reloaded every
// field of the cursor and the state for the commit, which made a push cost more than a pop. The cost of
// the two sides decides the throughput between two threads: a consumer cheaper than its producer
// catches up with it and then takes each element as it comes, paying a cache-line transfer for each
// (bench/README.md, section 3: 0.3x the reference at 8192 elements, 0.9x with this store).
template <std::size_t Size>
[[gnu::always_inline]] inline void store_element(const data_area& area, std::size_t offset,
                                                 const void* element) noexcept {
  if constexpr (element_word<Size>::exists) {
    using word = typename element_word<Size>::type;
    if (Size <= area.capacity - offset) [[likely]] {
      word bits;
      std::memcpy(&bits, element, Size);
      *reinterpret_cast<word*>(area.bytes + offset) = bits;
      return;
    }
  }
  copy_into_ring(area, offset, element, Size);
}

// The common case of a queue's one-element attempt, with nothing to report: the reader open and room for
// a whole element (writer), or a whole element there (reader). False sends the caller to try_write_element
// / try_read_element, which tell full, closed, dead and corrupt apart. Always inlined, with the element's
// size known to the compiler, so that the copy is a move and -O2 makes the same code as -O3: no
// std::error_code is made or cleared here (each of those calls into the standard library).
template <std::size_t Size>
[[gnu::always_inline]] inline bool write_element_if_room(writer_state& state, const void* element) noexcept {
  if (state.cursor.reader_closed()) return false;
  const core::region run = state.cursor.writable(Size);
  if (run.size < Size) return false; // full, or corrupt (an empty run)
  store_element<Size>(state.area, run.offset, element);
  state.counters.moved_one_element(state.cursor.commit(Size));
  return true;
}

template <std::size_t Size>
[[gnu::always_inline]] inline bool read_element_if_there(reader_state& state, void* element) noexcept {
  const core::region run = state.cursor.readable(Size);
  if (run.size < Size) return false; // empty, ended, or corrupt
  copy_out_of_ring(state.area, run.offset, element, Size);
  state.counters.moved_one_element(state.cursor.consume(Size));
  return true;
}

// One element of a queue, written whole or not at all: true when written; false when the ring is full
// or, with ec set, when no write will ever succeed (error::corrupt for part of an element's room).
inline bool try_write_element(writer_state& state, const void* element, std::size_t size,
                              std::error_code& ec) {
  ec.clear();
  const std::optional<std::size_t> offset = offset_of_whole_element(writable_run(state, size, ec), size, ec);
  if (!offset) return false;
  copy_into_ring(state.area, *offset, element, size);
  state.counters.moved(size, state.cursor.commit(size));
  return true;
}

// The same for reading: true when an element was read into `element`.
inline bool try_read_element(reader_state& state, void* element, std::size_t size, std::error_code& ec) {
  ec.clear();
  const std::optional<std::size_t> offset = offset_of_whole_element(readable_run(state, size, ec), size, ec);
  if (!offset) return false;
  copy_out_of_ring(state.area, *offset, element, size);
  state.counters.moved(size, state.cursor.consume(size));
  return true;
}

} // namespace ringpipe::detail
