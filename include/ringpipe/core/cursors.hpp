// Each side's view of the ring's positions: the producer's write cursor and the consumer's read
// cursor. Positions run free on 64 bits (they never wrap in practice), so "full" and "empty" are never
// ambiguous and no slot is wasted. Each side keeps a private copy of the peer's position and rereads
// the shared one only when that copy says full (producer) or empty (consumer).
//
// A position read from shared memory is validated before it is used: a peer that is buggy, hostile or
// reading a corrupted header makes the cursor report `corrupt`, never an out-of-range region.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/wait.hpp"

namespace ringpipe::core {

// A run of bytes in the data area: [offset, offset + size) taken modulo the capacity.
struct region {
  std::size_t offset;
  std::size_t size;
};

template <class Platform>
class basic_producer {
public:
  using header_type = basic_ring_header<typename Platform::atomics>;
  using waiter_slots_type = basic_waiter_slots<typename Platform::atomics>;

  basic_producer(header_type& header, waiter_slots_type& slots)
      : header_(&header), slots_(&slots), capacity_(header.identity.capacity),
        fill_limit_(header.identity.fill_limit),
        // relaxed: only the producer writes it; attaching already synchronised with the creator.
        write_position_(header.write_position.load(std::memory_order_relaxed)),
        lap_start_(capacity_ == 0 ? write_position_ : write_position_ - write_position_ % capacity_),
        // acquire: bytes the consumer released must be done being read before we overwrite them.
        cached_read_position_(header.read_position.load(std::memory_order_acquire)),
        // relaxed: stored by the claim of our own role, earlier on this thread.
        own_process_(slots.writer_process.load(std::memory_order_relaxed)) {
    if (capacity_ == 0 || fill_limit_ > capacity_ || cached_read_position_ > write_position_ ||
        write_position_ - cached_read_position_ > fill_limit_)
      mark_corrupt();
  }

  std::uint64_t capacity() const noexcept { return capacity_; }
  std::uint64_t fill_limit() const noexcept { return fill_limit_; }
  std::uint64_t position() const noexcept { return write_position_; }
  bool corrupt() const noexcept { return corrupt_; }

  // The free run starting at the write position (size 0 when full). Never blocks. Rereads the
  // consumer's position only when the cached copy shows less than `wanted` bytes free.
  // It and commit() are always inlined: they are the data path, and at -O2 GCC leaves them as calls.
  [[gnu::always_inline]] region writable(std::uint64_t wanted = 1) noexcept {
    if (free_space() < wanted) refresh(std::memory_order_acquire);
    return {static_cast<std::size_t>(write_position_ - lap_start_), static_cast<std::size_t>(free_space())};
  }

  // Publishes n bytes already written at the write position; n must not exceed writable().size.
  // Returns whether the reader had to be woken with a system call.
  [[gnu::always_inline]] bool commit(std::size_t n) noexcept {
    write_position_ += n;
    // The offset is the position less the lap's start, which moves once a lap: a push stores one private
    // field, not two (see lap_start_).
    if (write_position_ - lap_start_ >= capacity_) [[unlikely]]
      lap_start_ += capacity_;
    // release: publishes the bytes to the consumer's acquire; wake_peer's fence orders it before the
    // load of the reader's sleep word (see wait.hpp).
    header_->write_position.store(write_position_, std::memory_order_release);
    return wake_peer<Platform>(header_->reader_sleep, slots_->reader, reader_fences_us());
  }

  bool reader_closed() const noexcept {
    // acquire: nothing to synchronise, but it must not be hoisted out of a waiting loop.
    return header_->reader_closed.load(std::memory_order_acquire) != 0;
  }

  // Blocks until there is room, the reader closed, the deadline passed or the peer broke an invariant.
  // Spins for up to `spin` first; `report` says what the wait did.
  wait_status wait_writable(const deadline& until, std::chrono::nanoseconds spin, wait_report& report) {
    return wait_for_peer<Platform>(
        header_->writer_sleep,
        [this](std::memory_order order) -> std::optional<wait_status> {
          if (free_space() == 0) refresh(order);
          if (corrupt_) return wait_status::corrupt;
          if (header_->reader_closed.load(order) != 0) return wait_status::closed;
          if (free_space() != 0) return wait_status::ready;
          return std::nullopt;
        },
        until, spin, report);
  }

  // As above, with the default spin and no report.
  wait_status wait_writable(const deadline& until = {}) {
    wait_report ignored;
    return wait_writable(until, default_spin, ignored);
  }

  // Marks the writer closed and wakes a sleeping reader, which drains and then sees end of stream.
  void close() noexcept {
    // release: every commit is visible before the close; wake_peer's fence orders it before the
    // load of the reader's sleep word (see wait.hpp).
    header_->writer_closed.store(1, std::memory_order_release);
    wake_peer<Platform>(header_->reader_sleep, slots_->reader, reader_fences_us());
  }

  // Parks an asynchronous operation that found the ring full (see park_for_peer): returns true when
  // the ring changed meanwhile and the caller must resume `waiter` itself.
  bool park(async_waiter* waiter) {
    const std::uint64_t full_at = write_position_ - fill_limit_;
    return park_for_peer<Platform>(
        header_->writer_sleep, slots_->writer, waiter, [header = header_, full_at](std::memory_order order) {
          return header->read_position.load(order) != full_at || header->reader_closed.load(order) != 0;
        });
  }

  // Takes back `waiter` if it is still parked: true when the caller now owns it.
  bool unpark(async_waiter* waiter) { return core::unpark<Platform>(slots_->writer, waiter); }

  // Takes whatever operation this side has parked (for cancel and close), or nullptr.
  async_waiter* take_parked() {
    // acq_rel: the same race as in unpark().
    return slots_->writer.exchange(nullptr, std::memory_order_acq_rel);
  }

private:
  // Whether the reader's heavy_fence reaches us (see wake_peer): it is a thread of this process, which
  // registered its fences. Once it does, it stays so (a role is handed out once, a registration is
  // never undone), and the one flag tested on every commit is ours.
  [[gnu::always_inline]] bool reader_fences_us() noexcept {
    // relaxed: a stale "no" only costs a full fence; a "yes" names a reader whose sleeps fence us.
    if (!reader_fences_us_) [[unlikely]]
      reader_fences_us_ = own_process_ != 0 &&
                          slots_->reader_process.load(std::memory_order_relaxed) == own_process_ &&
                          Platform::asymmetric_fences();
    return reader_fences_us_;
  }

  std::uint64_t free_space() const noexcept {
    return fill_limit_ - (write_position_ - cached_read_position_);
  }

  void refresh(std::memory_order order) noexcept {
    if (corrupt_) return;
    const std::uint64_t read_position = header_->read_position.load(order);
    // The consumer's position only moves forward and never passes what we published.
    if (read_position < cached_read_position_ || read_position > write_position_) return mark_corrupt();
    cached_read_position_ = read_position;
  }

  // Nothing is ever handed out from a ring whose shared state broke an invariant: the cached position
  // is set to show no free space, and refresh() no longer changes it, so the data path needs no test of
  // its own (modular arithmetic: fill_limit_ - (w - (w - fill_limit_)) is 0 for any w and limit).
  void mark_corrupt() noexcept {
    corrupt_ = true;
    cached_read_position_ = write_position_ - fill_limit_;
  }

  header_type* header_;
  waiter_slots_type* slots_;
  std::uint64_t capacity_;   // where offsets wrap: the data area's size
  std::uint64_t fill_limit_; // the most bytes in flight: the capacity, or a whole number of elements
  std::uint64_t write_position_;
  // Where the current lap of the data area began: the write offset is write_position_ - lap_start_.
  // Derived rather than stored beside the position because every store of a push waits in the CPU's
  // store buffer behind the store that publishes the position, which waits for the consumer's copy of
  // its line to be invalidated: fewer stores per element, more elements before the producer stalls.
  std::uint64_t lap_start_;
  std::uint64_t cached_read_position_;
  std::int32_t own_process_;
  bool reader_fences_us_ = false;
  bool corrupt_ = false;
};

template <class Platform>
class basic_consumer {
public:
  using header_type = basic_ring_header<typename Platform::atomics>;
  using waiter_slots_type = basic_waiter_slots<typename Platform::atomics>;

  basic_consumer(header_type& header, waiter_slots_type& slots)
      : header_(&header), slots_(&slots), capacity_(header.identity.capacity),
        fill_limit_(header.identity.fill_limit),
        // relaxed: only the consumer writes it.
        read_position_(header.read_position.load(std::memory_order_relaxed)),
        lap_start_(capacity_ == 0 ? read_position_ : read_position_ - read_position_ % capacity_),
        cached_write_position_(read_position_),
        // relaxed: stored by the claim of our own role, earlier on this thread.
        own_process_(slots.reader_process.load(std::memory_order_relaxed)) {
    if (capacity_ == 0 || fill_limit_ > capacity_) mark_corrupt();
  }

  std::uint64_t capacity() const noexcept { return capacity_; }
  std::uint64_t fill_limit() const noexcept { return fill_limit_; }
  std::uint64_t position() const noexcept { return read_position_; }
  bool corrupt() const noexcept { return corrupt_; }

  // The committed run starting at the read position (size 0 when empty). Never blocks. Rereads the
  // producer's position only when the cached copy shows less than `wanted` bytes.
  // It and consume() are always inlined, as writable() and commit() are.
  [[gnu::always_inline]] region readable(std::uint64_t wanted = 1) noexcept {
    if (available() < wanted) refresh(std::memory_order_acquire);
    return {static_cast<std::size_t>(read_position_ - lap_start_), static_cast<std::size_t>(available())};
  }

  // Releases n bytes already read; n must not exceed readable().size. Returns whether the writer had
  // to be woken with a system call.
  [[gnu::always_inline]] bool consume(std::size_t n) noexcept {
    read_position_ += n;
    // As the producer's (see lap_start_ there).
    if (read_position_ - lap_start_ >= capacity_) [[unlikely]]
      lap_start_ += capacity_;
    // release: orders our reads of the bytes before the producer reuses them; wake_peer's fence
    // orders it before the load of the writer's sleep word (see wait.hpp).
    header_->read_position.store(read_position_, std::memory_order_release);
    return wake_peer<Platform>(header_->writer_sleep, slots_->writer, writer_fences_us());
  }

  // True once the writer closed and every committed byte has been consumed.
  bool at_end() noexcept {
    // acquire: pairs with the close's release, so the final write position is visible below.
    if (header_->writer_closed.load(std::memory_order_acquire) == 0) return false;
    refresh(std::memory_order_acquire);
    return !corrupt_ && available() == 0;
  }

  // Blocks until data arrives, the writer closed, the deadline passed or the peer broke an invariant.
  // `closed` is reported only once the writer closed and every committed byte was read.
  // Spins for up to `spin` first; `report` says what the wait did.
  wait_status wait_readable(const deadline& until, std::chrono::nanoseconds spin, wait_report& report) {
    return wait_for_peer<Platform>(
        header_->reader_sleep,
        [this](std::memory_order order) -> std::optional<wait_status> {
          if (available() == 0) refresh(order);
          if (corrupt_) return wait_status::corrupt;
          if (available() != 0) return wait_status::ready;
          if (header_->writer_closed.load(order) != 0) {
            // The close was published after the last commit: look once more before reporting it.
            refresh(std::memory_order_acquire);
            if (corrupt_) return wait_status::corrupt;
            return available() != 0 ? wait_status::ready : wait_status::closed;
          }
          return std::nullopt;
        },
        until, spin, report);
  }

  // As above, with the default spin and no report.
  wait_status wait_readable(const deadline& until = {}) {
    wait_report ignored;
    return wait_readable(until, default_spin, ignored);
  }

  // Marks the reader closed and wakes a sleeping writer, whose writes then fail.
  void close() noexcept {
    // release: the writer that sees it has seen every consume before it; wake_peer's fence orders it
    // before the load of the writer's sleep word (see wait.hpp).
    header_->reader_closed.store(1, std::memory_order_release);
    wake_peer<Platform>(header_->writer_sleep, slots_->writer, writer_fences_us());
  }

  // Parks an asynchronous operation that found the ring empty (see park_for_peer): returns true when
  // the ring changed meanwhile and the caller must resume `waiter` itself.
  bool park(async_waiter* waiter) {
    const std::uint64_t empty_at = read_position_;
    return park_for_peer<Platform>(
        header_->reader_sleep, slots_->reader, waiter, [header = header_, empty_at](std::memory_order order) {
          return header->write_position.load(order) != empty_at || header->writer_closed.load(order) != 0;
        });
  }

  // Takes back `waiter` if it is still parked: true when the caller now owns it.
  bool unpark(async_waiter* waiter) { return core::unpark<Platform>(slots_->reader, waiter); }

  // Takes whatever operation this side has parked (for cancel and close), or nullptr.
  async_waiter* take_parked() {
    // acq_rel: the same race as in unpark().
    return slots_->reader.exchange(nullptr, std::memory_order_acq_rel);
  }

private:
  // Whether the writer's heavy_fence reaches us (see reader_fences_us on the producer).
  [[gnu::always_inline]] bool writer_fences_us() noexcept {
    // relaxed: a stale "no" only costs a full fence; a "yes" names a writer whose sleeps fence us.
    if (!writer_fences_us_) [[unlikely]]
      writer_fences_us_ = own_process_ != 0 &&
                          slots_->writer_process.load(std::memory_order_relaxed) == own_process_ &&
                          Platform::asymmetric_fences();
    return writer_fences_us_;
  }

  std::uint64_t available() const noexcept { return cached_write_position_ - read_position_; }

  void refresh(std::memory_order order) noexcept {
    if (corrupt_) return;
    const std::uint64_t write_position = header_->write_position.load(order);
    // The producer's position only moves forward and is never more than the fill limit ahead of ours.
    if (write_position < cached_write_position_ || write_position - read_position_ > fill_limit_)
      return mark_corrupt();
    cached_write_position_ = write_position;
  }

  // As the producer's: the cached position shows nothing to read, for good.
  void mark_corrupt() noexcept {
    corrupt_ = true;
    cached_write_position_ = read_position_;
  }

  header_type* header_;
  waiter_slots_type* slots_;
  std::uint64_t capacity_;
  std::uint64_t fill_limit_;
  std::uint64_t read_position_;
  std::uint64_t lap_start_; // the read offset is read_position_ - lap_start_ (see the producer's)
  std::uint64_t cached_write_position_;
  std::int32_t own_process_;
  bool writer_fences_us_ = false;
  bool corrupt_ = false;
};

} // namespace ringpipe::core
