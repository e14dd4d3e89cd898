// A ring: the shared memory both endpoints work on. A cheap, copyable handle; the memory lives until
// the last handle (and the last endpoint built on it) goes away.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/memory.hpp"
#include "ringpipe/core/platform.hpp"

namespace ringpipe {

struct ring_options {
  mapping_mode mapping = mapping_mode::automatic;
};

class ring {
public:
  // An empty handle; endpoints cannot be built on it.
  ring() noexcept = default;

  // The usable size of the data area in bytes: the requested capacity rounded up to the page size.
  std::size_t capacity() const noexcept;

  // Whether every readable/writable run is one contiguous span (see mapping_mode).
  bool mirrored() const noexcept;

  explicit operator bool() const noexcept { return state_ != nullptr; }

  // For endpoints: the header and the first byte of the data area.
  core::ring_header& header() const noexcept;
  std::byte* data() const noexcept;
  // This process's slots for parked asynchronous operations on this ring.
  core::waiter_slots& waiter_slots() const noexcept;

  // Takes the writer or reader role, which a ring hands out once. Throws std::system_error with
  // error::writer_already_attached / error::reader_already_attached.
  void claim_writer() const;
  void claim_reader() const;

private:
  friend ring create_ring(std::size_t capacity, ring_options options);
  struct state;
  explicit ring(std::shared_ptr<const state> state) noexcept : state_(std::move(state)) {}

  std::shared_ptr<const state> state_;
};

// Creates a ring in fresh memory private to this process (a memfd). `capacity` is in bytes, rounded
// up to the page size. Throws std::invalid_argument naming the value when it is 0 or above
// core::max_capacity, and std::system_error when the system refuses the memory.
ring create_ring(std::size_t capacity, ring_options options = {});

} // namespace ringpipe
