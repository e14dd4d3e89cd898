#include "ringpipe/ring.hpp"

#include <new>
#include <stdexcept>
#include <string>
#include <system_error>

#include "ringpipe/error.hpp"

namespace ringpipe {

struct ring::state {
  state(core::ring_memory ring_memory, core::ring_header* ring_header)
      : memory(std::move(ring_memory)), header(ring_header) {}

  core::ring_memory memory;
  core::ring_header* header;
  // Atomics, changed through const handles: parking is not a change of the ring's identity.
  mutable core::waiter_slots slots{};
};

namespace {

void claim(std::atomic<std::uint32_t>& attached, error taken) {
  // acq_rel: the winner's endpoint must see the state a previous owner published, and the
  // exchange decides a race between two would-be owners.
  if (attached.exchange(1, std::memory_order_acq_rel) != 0) throw std::system_error(make_error_code(taken));
}

} // namespace

std::size_t ring::capacity() const noexcept { return state_ ? state_->memory.capacity() : 0; }
bool ring::mirrored() const noexcept { return state_ && state_->memory.mirrored(); }
core::ring_header& ring::header() const noexcept { return *state_->header; }
std::byte* ring::data() const noexcept { return state_->memory.data(); }
core::waiter_slots& ring::waiter_slots() const noexcept { return state_->slots; }
void ring::claim_writer() const { claim(state_->header->writer_attached, error::writer_already_attached); }
void ring::claim_reader() const { claim(state_->header->reader_attached, error::reader_already_attached); }

ring create_ring(std::size_t capacity, ring_options options) {
  const std::uint64_t rounded = core::ring_memory::round_capacity(capacity);
  if (rounded == 0)
    throw std::invalid_argument("ringpipe: capacity " + std::to_string(capacity) +
                                " is invalid: it must be between 1 and " + std::to_string(core::max_capacity) +
                                " bytes");
  core::ring_memory memory = core::ring_memory::create(rounded, options.mapping);
  // The memory is fresh and zero-filled: the atomics start at zero, only the identity needs writing.
  auto* header = new (memory.header()) core::ring_header{};
  header->magic = core::ring_magic;
  header->version = core::layout_version;
  header->header_size = static_cast<std::uint32_t>(core::header_region_size);
  header->capacity = rounded;
  return ring(std::make_shared<const ring::state>(std::move(memory), header));
}

} // namespace ringpipe
