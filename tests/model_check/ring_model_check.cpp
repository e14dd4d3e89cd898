// Model check of the ring's real protocol with Relacy: the core's header layout, producer, consumer and
// wait/wake code, instantiated on a platform whose atomics, futex and data bytes Relacy simulates.
// Relacy runs two threads through many interleavings and weak-memory outcomes: a lost wake-up shows
// as a deadlock (a side asleep with nobody left to wake it), a missing happens-before on the data
// bytes as a data race, and a wrong byte or end of stream as a failed RL_ASSERT.
//
// With RINGPIPE_MODEL_CHECK_PLANT_BUG set, the adapter below weakens some of the orders the core asks
// for, and the check must fail: 1 plants a lost wake-up, 2 plants a data race.

// Relacy defines new, delete, assert, $, memory_order_relaxed and more as macros, so every other
// header, the core's included, comes first.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <iostream>
#include <limits>
#include <memory>
#include <source_location>

#include "ringpipe/core/cursors.hpp"
#include "ringpipe/core/layout.hpp"
#include "ringpipe/core/wait.hpp"

#include <relacy/relacy.hpp>

namespace core = ringpipe::core;

namespace {

// Written as std::memory_order::x: the macros make std::memory_order_x unusable from here on.
rl::memory_order relacy_order(std::memory_order order) {
  switch (order) {
  case std::memory_order::relaxed: return rl::mo_relaxed;
  case std::memory_order::consume: return rl::mo_consume;
  case std::memory_order::acquire: return rl::mo_acquire;
  case std::memory_order::release: return rl::mo_release;
  case std::memory_order::acq_rel: return rl::mo_acq_rel;
  case std::memory_order::seq_cst: return rl::mo_seq_cst;
  }
  RL_ASSERT(!"unknown memory order");
  return rl::mo_seq_cst;
}

// Relacy's history names the core's line that made each access, not this adapter's.
rl::debug_info caller(const std::source_location& where) { return {"", where.file_name(), where.line()}; }

// The part of std::atomic the core uses, forwarding to Relacy's checked atomic.
template <class T>
class relacy_atomic {
public:
  // Zero, like a value-initialised std::atomic: the creator's `ring_header{}` relies on it.
  relacy_atomic() : atomic_(T{}) {}

  T load(std::memory_order order, std::source_location where = std::source_location::current()) const {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 2
    // Planted data race: acquire demoted to relaxed, so a side can see the peer's new position without
    // the peer's accesses to the bytes that position hands over.
    if (order == std::memory_order::acquire) order = std::memory_order::relaxed;
#endif
    return atomic_.load(relacy_order(order), caller(where));
  }

  void store(T value, std::memory_order order, std::source_location where = std::source_location::current()) {
#if RINGPIPE_MODEL_CHECK_PLANT_BUG == 1
    // Planted lost wake-up: seq_cst demoted to release. The bytes are still published, but the sleeper's
    // announce and the waker's publication leave the single total order, so each side's following
    // seq_cst load may miss the other's store (store buffering) and nobody wakes the sleeper.
    if (order == std::memory_order::seq_cst) order = std::memory_order::release;
#endif
    atomic_.store(value, relacy_order(order), caller(where));
  }

  T exchange(T value, std::memory_order order, std::source_location where = std::source_location::current()) {
    return atomic_.exchange(value, relacy_order(order), caller(where));
  }

private:
  rl::atomic<T> atomic_;
};

struct relacy_atomics {
  template <class T>
  using atomic = relacy_atomic<T>;
};

// The kernel's side of the futexes, reduced to what the protocol relies on: futex_wait compares the
// word and queues the caller atomically with respect to futex_wake. One lock and one queue serve both
// sleep words; a wake meant for the other word is a spurious wake-up, which futex_wait allows anyway.
struct simulated_futex {
  rl::mutex lock;
  rl::condition_variable sleepers;
};

struct relacy_platform {
  using atomics = relacy_atomics;

  // No spinning: every wait goes through the announce, recheck and sleep, where a wake-up can be lost.
  static constexpr unsigned spin_limit = 0;
  static void cpu_relax() noexcept {}

  // Deadlines are not modelled: the tests never pass one, so this never times out.
  static bool futex_wait(relacy_atomic<std::uint32_t>& word, std::uint32_t expected, const core::deadline&) {
    futex->lock.lock($);
    if (word.load(std::memory_order::seq_cst) == expected) futex->sleepers.wait(futex->lock, $);
    futex->lock.unlock($);
    return true;
  }

  static void futex_wake(relacy_atomic<std::uint32_t>&) {
    futex->lock.lock($);
    futex->sleepers.notify_all($);
    futex->lock.unlock($);
  }

  // The futexes of the ring under test; set by ring_fixture for the length of one Relacy iteration.
  static inline simulated_futex* futex = nullptr;
};

using header = core::basic_ring_header<relacy_atomics>;
using waiter_slots = core::basic_waiter_slots<relacy_atomics>;
using producer = core::basic_producer<relacy_platform>;
using consumer = core::basic_consumer<relacy_platform>;

// Small enough that the writer fills the ring and waits several times within one message.
constexpr std::size_t capacity = 2;
constexpr std::array<unsigned char, 6> message{'r', 'i', 'n', 'g', 'p', 'p'};

// A ring as create_ring leaves it. The data area is Relacy variables, so a byte read without a
// happens-before edge to its write is reported as a data race.
class ring_fixture {
public:
  ring_fixture() {
    relacy_platform::futex = &futex_;
    // Relacy allocates the test suite with malloc, which ignores the header's 128-byte alignment.
    void* place = header_storage_.data();
    std::size_t space = header_storage_.size();
    header_ =
        std::construct_at(static_cast<header*>(std::align(alignof(header), sizeof(header), place, space)));
    header_->magic = core::ring_magic;
    header_->version = core::layout_version;
    header_->header_size = static_cast<std::uint32_t>(core::header_region_size);
    header_->capacity = capacity;
  }
  ~ring_fixture() {
    std::destroy_at(header_);
    relacy_platform::futex = nullptr;
  }

  // Writes the message, as much per commit as fits, then closes. Returns `ready` once all of it was
  // committed, otherwise why the wait for room stopped.
  core::wait_status write_message() {
    producer writer(*header_, slots_);
    core::wait_status status = core::wait_status::ready;
    for (std::size_t written = 0; written < message.size() && status == core::wait_status::ready;) {
      const core::region room = writer.writable();
      if (room.size == 0) {
        status = writer.wait_writable();
        continue;
      }
      const std::size_t n = std::min(room.size, message.size() - written);
      for (std::size_t i = 0; i != n; ++i)
        data_[(room.offset + i) % capacity]($) = message[written + i];
      writer.commit(n);
      written += n;
    }
    writer.close();
    return status;
  }

  // Reads up to `limit` bytes or until the writer closed, checking each against the message, then
  // closes. Returns how many bytes it read.
  std::size_t read_message(std::size_t limit) {
    consumer reader(*header_, slots_);
    std::size_t read = 0;
    while (read < limit) {
      const core::region committed = reader.readable();
      if (committed.size == 0) {
        const core::wait_status status = reader.wait_readable();
        if (status == core::wait_status::closed) break;
        RL_ASSERT(status == core::wait_status::ready);
        continue;
      }
      const std::size_t n = std::min(committed.size, limit - read);
      for (std::size_t i = 0; i != n; ++i)
        RL_ASSERT(data_[(committed.offset + i) % capacity]($) == message[read + i]);
      reader.consume(n);
      read += n;
    }
    reader.close();
    return read;
  }

private:
  simulated_futex futex_;
  std::array<std::byte, sizeof(header) + alignof(header)> header_storage_;
  header* header_;
  // Never used here: only asynchronous operations park, and these threads sleep.
  waiter_slots slots_{};
  std::array<rl::var<unsigned char>, capacity> data_;
};

} // namespace

// Outside the anonymous namespace so that Relacy's report names the suites readably.

// The reader gets the whole message in order, then end of stream; neither side sleeps forever.
struct writer_streams_to_reader : rl::test_suite<writer_streams_to_reader, 2> {
  ring_fixture ring;

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message() == core::wait_status::ready);
    } else {
      RL_ASSERT(ring.read_message(std::numeric_limits<std::size_t>::max()) == message.size());
    }
  }
};

// The reader takes one byte and closes: the writer, blocked on a full ring, learns of the close.
struct reader_closes_early : rl::test_suite<reader_closes_early, 2> {
  static constexpr std::size_t taken = 1;
  static_assert(taken + capacity < message.size(), "the writer must run out of room");
  ring_fixture ring;

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message() == core::wait_status::closed);
    } else {
      RL_ASSERT(ring.read_message(taken) == taken);
    }
  }
};

// Every interleaving with up to four preemptions, then random ones: the context-bound scheduler lets a
// load see only the latest or the previous store, the random one goes deeper into each atomic's history.
template <class Suite>
bool check() {
  rl::test_params bounded;
  bounded.search_type = rl::sched_bound;
  bounded.context_bound = 4;
  rl::test_params random;
  random.iteration_count = 1000000;
  std::cout << "[context bound " << bounded.context_bound << "] ";
  if (!rl::simulate<Suite>(bounded)) return false;
  std::cout << "[random, " << random.iteration_count << " iterations] ";
  return rl::simulate<Suite>(random);
}

int main() {
  // Both run even if the first fails, so that a planted bug is reported by every suite it breaks.
  const bool streams = check<writer_streams_to_reader>();
  const bool closes = check<reader_closes_early>();
  return streams && closes ? 0 : 1;
}
