// The ring under test and what the suites do with it: write or read a message, blocking as the
// endpoints' synchronous calls do, or asynchronously as their parked operations do.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>

#include "relacy_platform.hpp"

namespace ringpipe::model_check {

// Small enough that the writer fills the ring and waits several times within one message.
inline constexpr std::size_t capacity = 2;
inline constexpr std::array<unsigned char, 6> message{'r', 'i', 'n', 'g', 'p', 'p'};

// An asynchronous operation as detail::pending_operation runs it, reduced to what the parking protocol
// sees. wake() and abort() post its resumption to its executor, which the thread that owns the operation
// plays: after parking, that thread blocks in run() until the resumption is posted. A parking that
// nobody resumes leaves it blocked forever, which Relacy reports as a DEADLOCK; a second resumption
// of one parking fails an RL_ASSERT.
class model_operation final : public core::async_waiter {
public:
  enum class outcome { woken, aborted };

  // As pending_operation::park(): offers the operation to whoever takes it out of `cursor`'s slot, and
  // resumes it itself when park() says the ring changed meanwhile; once parked, arms `relay` if the
  // peer is in another process.
  template <class Cursor>
  void park(Cursor& cursor, remote_wake_relay* relay = nullptr) {
    executor_.lock($);
    RL_ASSERT(state_($).load() == state::running);
    state_($).store(state::parked);
    executor_.unlock($);
    // After the unlock, so that only the slot orders this write before the taker's read in post().
    parkings_($).store(parkings_($).load() + 1);
    if (cursor.park(this))
      wake();
    else if (relay)
      relay->arm();
  }

  // The executor running the posted resumption: blocks until there is one, then says which it was.
  outcome run() {
    executor_.lock($);
    while (state_($).load() == state::parked)
      posted_.wait(executor_, $);
    const state resumption = state_($).load();
    state_($).store(state::running);
    executor_.unlock($);
    return resumption == state::aborted ? outcome::aborted : outcome::woken;
  }

  void wake() noexcept override { post(state::woken); }
  void abort() noexcept override { post(state::aborted); }

private:
  enum class state { running, parked, woken, aborted };

  // For Relacy's history of the operation's state.
  friend std::ostream& operator<<(std::ostream& out, state s) {
    constexpr const char* names[] = {"running", "parked", "woken", "aborted"};
    return out << names[static_cast<int>(s)];
  }

  void post(state resumption) {
    // asio::post reads the operation (its executor) in the thread that took it out of the slot: a data
    // race unless the slot handed it over with a happens-before edge.
    RL_ASSERT(parkings_($).load() != 0);
    executor_.lock($);
    // Only the one who took the operation out of the slot may resume it, and only once per parking.
    const bool first_resumption = state_($).load() == state::parked;
    RL_ASSERT(first_resumption);
    state_($).store(resumption);
    posted_.notify_one($);
    executor_.unlock($);
  }

  rl::mutex executor_;
  rl::condition_variable posted_;
  rl::var<state> state_{state::running};
  rl::var<unsigned> parkings_{0u};
};

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
    // A byte ring: it may fill its whole data area.
    header_->identity = {.magic = core::ring_magic,
                         .version = core::layout_version,
                         .header_size = static_cast<std::uint32_t>(core::header_region_size),
                         .capacity = capacity,
                         .fill_limit = capacity,
                         .element_size = 1,
                         .element_align = 1};
    // Which process took each role, as ring::claim records it: this one (1) holds both roles on its
    // slots; the remote writer's process (2) holds only the writer role on its own.
    slots_.writer_process.store(1, std::memory_order::relaxed);
    slots_.reader_process.store(1, std::memory_order::relaxed);
    remote_slots_.writer_process.store(2, std::memory_order::relaxed);
  }
  ~ring_fixture() {
    std::destroy_at(header_);
    relacy_platform::futex = nullptr;
  }

  producer writer() { return producer(*header_, slots_); }
  consumer reader() { return consumer(*header_, slots_); }
  // A writer in another process: its waiter slots are not ours.
  producer remote_writer() { return producer(*header_, remote_slots_); }
  // The reader's relay, for a reader whose writer is remote; the peer never dies here.
  remote_wake_relay reader_relay() {
    return remote_wake_relay(
        header_->reader_sleep, slots_.reader, [] { return true; }, [] {});
  }

  // Writes the message, as much per commit as fits, then closes. Returns `ready` once all of it was
  // committed, otherwise why the wait for room stopped.
  core::wait_status write_message() { return write_message(writer()); }

  core::wait_status write_message(producer writer) {
    core::wait_status status = core::wait_status::ready;
    for (std::size_t written = 0; written < message.size() && status == core::wait_status::ready;) {
      const core::region room = writer.writable();
      if (room.size == 0) {
        status = writer.wait_writable();
        continue;
      }
      written += write_bytes(writer, room, written);
    }
    writer.close();
    return status;
  }

  // Writes the first n bytes of the message (no more than fit at once) and stays open, as a peer that
  // has nothing more to send yet: it makes no further wake-up.
  void write_and_stay_open(producer writer, std::size_t n) {
    RL_ASSERT(n <= capacity);
    RL_ASSERT(write_bytes(writer, writer.writable(n), 0) == n);
  }

  // write_message by an asynchronous writer: each attempt as try_write_some makes it; where
  // write_message sleeps, `operation` parks and this thread runs it once resumed.
  core::wait_status write_message_async(producer& writer, model_operation& operation) {
    core::wait_status status = core::wait_status::ready;
    for (std::size_t written = 0; written < message.size();) {
      if (writer.reader_closed()) {
        status = core::wait_status::closed;
        break;
      }
      const core::region room = writer.writable(message.size() - written);
      RL_ASSERT(!writer.corrupt());
      if (room.size == 0) {
        operation.park(writer);
        RL_ASSERT(operation.run() == model_operation::outcome::woken);
        continue;
      }
      written += write_bytes(writer, room, written);
    }
    writer.close();
    return status;
  }

  // Reads up to `limit` bytes or until the writer closed, checking each against the message, then
  // closes. Returns how many bytes it read.
  std::size_t read_message(std::size_t limit) {
    consumer reader = this->reader();
    std::size_t read = 0;
    while (read < limit) {
      const core::region committed = reader.readable();
      if (committed.size == 0) {
        const core::wait_status status = reader.wait_readable();
        if (status == core::wait_status::closed) break;
        RL_ASSERT(status == core::wait_status::ready);
        continue;
      }
      read += read_bytes(reader, committed, read, limit);
    }
    reader.close();
    return read;
  }

  // read_message by an asynchronous reader, without the close: each attempt as try_read_some makes it;
  // where read_message sleeps, `operation` parks (watched by `relay` if given) and this thread runs it
  // once resumed. A cancelled read has moved no byte and is issued again.
  std::size_t read_message_async(consumer& reader, model_operation& operation, std::size_t limit,
                                 remote_wake_relay* relay = nullptr) {
    std::size_t read = 0;
    while (read < limit) {
      const core::region committed = reader.readable();
      if (committed.size != 0) {
        read += read_bytes(reader, committed, read, limit);
        continue;
      }
      if (reader.at_end()) break;
      RL_ASSERT(!reader.corrupt());
      operation.park(reader, relay);
      operation.run();
    }
    return read;
  }

private:
  std::size_t write_bytes(producer& writer, core::region room, std::size_t written) {
    const std::size_t n = std::min(room.size, message.size() - written);
    for (std::size_t i = 0; i != n; ++i)
      data_[(room.offset + i) % capacity]($) = message[written + i];
    writer.commit(n);
    return n;
  }

  std::size_t read_bytes(consumer& reader, core::region committed, std::size_t read, std::size_t limit) {
    const std::size_t n = std::min(committed.size, limit - read);
    for (std::size_t i = 0; i != n; ++i)
      RL_ASSERT(data_[(committed.offset + i) % capacity]($) == message[read + i]);
    reader.consume(n);
    return n;
  }

  simulated_futex futex_;
  std::array<std::byte, sizeof(header) + alignof(header)> header_storage_;
  header* header_;
  // Process-local, as in an endpoint's ring: only asynchronous operations use it.
  waiter_slots slots_{};
  // The slots of the process a remote writer runs in.
  waiter_slots remote_slots_{};
  std::array<rl::var<unsigned char>, capacity> data_;
};

} // namespace ringpipe::model_check
