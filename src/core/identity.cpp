#include "ringpipe/core/identity.hpp"

#include <atomic>
#include <cstdint>
#include <new>
#include <stdexcept>
#include <string>

namespace ringpipe::core {
namespace {

std::uint64_t rounded_capacity(std::uint64_t requested, const char* what) {
  const std::uint64_t rounded = ring_memory::round_capacity(requested);
  if (rounded == 0)
    throw std::invalid_argument(std::string("ringpipe: ") + what + " " + std::to_string(requested) +
                                " is invalid: it must be between 1 and " + std::to_string(max_capacity) +
                                " bytes");
  return rounded;
}

} // namespace

ring_identity byte_ring_identity(std::uint64_t capacity) {
  const std::uint64_t rounded = rounded_capacity(capacity, "capacity");
  return {ring_magic, layout_version, header_region_size, rounded, rounded, 1, 1};
}

ring_identity queue_identity(std::uint64_t elements, std::uint32_t size, std::uint32_t align) {
  if (elements == 0 || elements > max_capacity / size)
    throw std::invalid_argument("ringpipe: queue capacity " + std::to_string(elements) +
                                " is invalid: it must be between 1 and " +
                                std::to_string(max_capacity / size) + " elements");
  const std::uint64_t rounded = rounded_capacity(elements * size, "queue capacity in bytes");
  return {ring_magic, layout_version, header_region_size, rounded, elements * size, size, align};
}

void write_identity(ring_memory& memory, const ring_identity& identity) {
  // The memory is fresh and zero-filled: the atomics start at zero, only the identity needs writing.
  auto* header = new (memory.header()) ring_header{};
  ring_identity unmarked = identity;
  unmarked.magic = 0;
  header->identity = unmarked;
  // The magic last, and release: a process that opens the object by name while we are still making it
  // sees no magic until every other field is there, and waits (see read_checked_identity).
  std::atomic_ref<std::uint64_t>(header->identity.magic).store(identity.magic, std::memory_order_release);
}

identity_fault check_identity(const ring_identity& identity, std::uint64_t object_size) noexcept {
  if (object_size < header_region_size || identity.magic != ring_magic) return identity_fault::not_a_ring;
  if (identity.version != layout_version) return identity_fault::version_mismatch;
  const std::uint64_t capacity = identity.capacity;
  const bool sizes_agree = identity.header_size == header_region_size && capacity != 0 &&
                           ring_memory::round_capacity(capacity) == capacity &&
                           object_size == header_region_size + capacity && identity.fill_limit != 0 &&
                           identity.fill_limit <= capacity && identity.element_size != 0 &&
                           identity.fill_limit % identity.element_size == 0 && identity.element_align != 0 &&
                           (identity.element_align & (identity.element_align - 1)) == 0 &&
                           header_region_size % identity.element_align == 0;
  return sizes_agree ? identity_fault::none : identity_fault::size_mismatch;
}

} // namespace ringpipe::core
