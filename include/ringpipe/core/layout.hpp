// The ring's header: what lives at the start of the memory region, at fixed offsets.
//
// The header may be shared between processes built by different compilers or with different
// flags, so every field sits at an offset fixed by constants, never by
// std::hardware_destructive_interference_size. It holds offsets and positions only, never addresses.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace ringpipe::core {

// Distance between fields written by different sides. 128 rather than 64 because adjacent-line
// prefetchers on x86 pull cache lines in pairs, which would make 64-byte neighbours false-share.
inline constexpr std::size_t cache_line_stride = 128;

// "ringpipe" in ASCII, read as a little-endian 64-bit number.
inline constexpr std::uint64_t ring_magic = 0x65706970676e6972ull;
// 2: the wait/wake protocol's fences became asymmetric (wait.hpp); a version 1 peer would miss wake-ups.
// 3: a waker whose peer is in another process runs a full fence, and a sleeper's membarrier(2) covers
//    only its own process (docs/design.md, "The lost wake-up of version 2"); a version 2 waker would
//    rely on a barrier a version 3 sleeper no longer sends.
inline constexpr std::uint32_t layout_version = 3;

// The header occupies the first page of the region; the data area starts right after it, so that the
// data area can be mapped (twice) at a page-aligned file offset.
inline constexpr std::size_t header_region_size = 4096;

// The largest data area we accept: 1 TiB. Mirroring needs twice that in address space, and a
// position counter of 64 bits then still takes centuries to wrap at memory bandwidth.
inline constexpr std::uint64_t max_capacity = std::uint64_t{1} << 40;

// Values of a side's sleep word. The word doubles as the futex a blocked thread sleeps on.
enum class sleep_state : std::uint32_t {
  awake = 0,    // nobody on this side waits: the peer makes no system call
  sleeping = 1, // a thread of this side announced it is about to sleep on the futex
  parked = 2,   // an asynchronous operation of this side waits in the process's waiter slot
};

// The ring's identity: written once by the creator before any peer can see the region, immutable
// after, and plain data, so that an attaching process can read and check it (with pread) before it
// maps anything. fill_limit is the most bytes the ring holds at once: the capacity for a byte ring,
// a whole number of elements for a queue (see make_queue), which may be less than the mapping.
struct ring_identity {
  std::uint64_t magic;
  std::uint32_t version;
  std::uint32_t header_size;
  std::uint64_t capacity;
  std::uint64_t fill_limit;
  std::uint32_t element_size;
  std::uint32_t element_align;
};

// Atomics is a policy: Atomics::atomic<T> is std::atomic<T> in production and a checked atomic
// under the model checker, so the checker runs this very layout and the code that uses it.
template <class Atomics>
struct basic_ring_header {
  template <class T>
  using atomic = typename Atomics::template atomic<T>;

  alignas(cache_line_stride) ring_identity identity;

  // Lifecycle: rarely written, read by the writer on every write (a shared, clean line).
  alignas(cache_line_stride) atomic<std::uint32_t> writer_attached;
  atomic<std::uint32_t> reader_attached;
  atomic<std::uint32_t> writer_closed;
  atomic<std::uint32_t> reader_closed;

  // Written only by the producer on every commit.
  alignas(cache_line_stride) atomic<std::uint64_t> write_position;

  // Written only by the consumer on every consume.
  alignas(cache_line_stride) atomic<std::uint64_t> read_position;

  // Written by the reader when it goes to sleep and by the writer when it wakes it: both rare.
  alignas(cache_line_stride) atomic<std::uint32_t> reader_sleep;

  // The same for the writer, which sleeps when the ring is full.
  alignas(cache_line_stride) atomic<std::uint32_t> writer_sleep;
};

struct std_atomics {
  template <class T>
  using atomic = std::atomic<T>;
};

using ring_header = basic_ring_header<std_atomics>;

static_assert(std::atomic<std::uint64_t>::is_always_lock_free &&
                  std::atomic<std::uint32_t>::is_always_lock_free,
              "a ring shared between processes needs address-free, lock-free atomics");
static_assert(sizeof(std::atomic<std::uint64_t>) == 8 && sizeof(std::atomic<std::uint32_t>) == 4,
              "the shared layout assumes atomics the size of their value");
static_assert(std::is_trivially_copyable_v<ring_identity> && sizeof(ring_identity) == 40);
static_assert(offsetof(ring_header, identity) == 0);
static_assert(offsetof(ring_header, writer_attached) == 1 * cache_line_stride);
static_assert(offsetof(ring_header, write_position) == 2 * cache_line_stride);
static_assert(offsetof(ring_header, read_position) == 3 * cache_line_stride);
static_assert(offsetof(ring_header, reader_sleep) == 4 * cache_line_stride);
static_assert(offsetof(ring_header, writer_sleep) == 5 * cache_line_stride);
static_assert(sizeof(ring_header) == 6 * cache_line_stride);
static_assert(sizeof(ring_header) <= header_region_size);

} // namespace ringpipe::core
