// Model check of the ring's real protocol with Relacy: the core's header layout, producer, consumer,
// wait/wake and parking code, instantiated on a platform whose atomics, futex and data bytes Relacy
// simulates (relacy_platform.hpp). Relacy runs the threads of each suite through many interleavings and
// weak-memory outcomes: a lost wake-up or resumption shows as a deadlock (a side asleep, or its
// operation parked, with nobody left to wake it), a missing happens-before on the data bytes or on a
// parked operation as a data race, and a wrong byte or end of stream, or an operation resumed twice, as
// a failed RL_ASSERT.
//
// Without arguments every suite runs; with suite names, only those. Built with
// RINGPIPE_MODEL_CHECK_PLANT_BUG set, the check must fail: 1 plants a lost wake-up (the sleeper's fence
// missing), 2 a data race on the bytes, 3 a lost resumption of a parked operation, 4 a double
// resumption, 5 a parked operation handed over without happens-before, 6 a lost wake-up (the waker's
// fence missing), 7 a relay that misses an operation parked as it finishes, 8 a relay left asleep
// after its stop (see relacy_platform.hpp).

#include <algorithm>
#include <cstddef>
#include <iostream>
#include <limits>
#include <span>
#include <string_view>

#include "model_ring.hpp" // Includes Relacy, whose macros break any header after it.

using namespace ringpipe::model_check;

// Relacy names each suite by its type: the names below say what they check.

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

// As writer_streams_to_reader, with an asynchronous reader: each parking of its read is resumed
// exactly once, by the writer's commit or close or by the reader itself.
struct writer_streams_to_parked_reader : rl::test_suite<writer_streams_to_parked_reader, 2> {
  ring_fixture ring;
  consumer reader = ring.reader();
  model_operation read;

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message() == core::wait_status::ready);
    } else {
      RL_ASSERT(ring.read_message_async(reader, read, std::numeric_limits<std::size_t>::max()) ==
                message.size());
      reader.close();
    }
  }
};

// An asynchronous writer fills the ring and parks, several times within the message: each parking is
// resumed exactly once, by the reader's consume or by the writer itself.
struct parked_writer_streams_to_reader : rl::test_suite<parked_writer_streams_to_reader, 2> {
  ring_fixture ring;
  producer writer = ring.writer();
  model_operation write;

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message_async(writer, write) == core::wait_status::ready);
    } else {
      RL_ASSERT(ring.read_message(std::numeric_limits<std::size_t>::max()) == message.size());
    }
  }
};

// As reader_closes_early, with an asynchronous writer: the reader's close resumes its parked write.
struct reader_closes_on_parked_writer : rl::test_suite<reader_closes_on_parked_writer, 2> {
  static constexpr std::size_t taken = 1;
  static_assert(taken + capacity < message.size(), "the writer must run out of room");
  ring_fixture ring;
  producer writer = ring.writer();
  model_operation write;

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message_async(writer, write) == core::wait_status::closed);
    } else {
      RL_ASSERT(ring.read_message(taken) == taken);
    }
  }
};

// A third thread cancels the asynchronous reader's read, by unpark() as a per-operation cancellation
// does and by take_parked() as the endpoint's cancel() does, while the writer's commits and close try to
// wake it. Each parking is resumed exactly once, woken or aborted; an aborted read is issued again and
// the reader still gets the whole message, then end of stream.
struct cancel_races_with_wake : rl::test_suite<cancel_races_with_wake, 3> {
  ring_fixture ring;
  consumer reader = ring.reader();
  model_operation read;

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message() == core::wait_status::ready);
    } else if (index == 1) {
      RL_ASSERT(ring.read_message_async(reader, read, std::numeric_limits<std::size_t>::max()) ==
                message.size());
      reader.close();
    } else {
      if (reader.unpark(&read)) read.abort();
      if (core::async_waiter* parked = reader.take_parked()) parked->abort();
    }
  }
};

// The asynchronous reader takes the writer's first commit, issues another read and, if that read
// parks, closes as basic_endpoint::close() does: it takes the operation back and closes the cursor,
// racing with the writer's next commit, which may take it first. The read is resumed exactly once, and
// the writer, blocked on a full ring, learns of the close.
struct reader_closes_with_read_parked : rl::test_suite<reader_closes_with_read_parked, 2> {
  // What the writer's first commit brings: the next read finds the ring empty until the second one.
  static constexpr std::size_t taken = capacity;
  static_assert(taken + capacity < message.size(), "the writer must run out of room");
  ring_fixture ring;
  consumer reader = ring.reader();
  model_operation read;

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message() == core::wait_status::closed);
      return;
    }
    RL_ASSERT(ring.read_message_async(reader, read, taken) == taken);
    // The next read's attempt: it parks only when there is nothing to read yet.
    const bool parks = reader.readable().size == 0 && !reader.at_end();
    if (parks) read.park(reader);
    if (core::async_waiter* parked = reader.take_parked()) parked->abort();
    reader.close();
    if (parks) read.run();
  }
};

// As writer_streams_to_parked_reader, with the writer in another process: its waiter slots are its own,
// so its wake-ups find no operation to take and call futex_wake, and a third thread runs the reader's
// relay, which takes the parked read out of the reader's slot. Each parking is resumed exactly once;
// once the reader closed, stopping the relay ends its thread.
struct remote_writer_streams_to_watched_reader : rl::test_suite<remote_writer_streams_to_watched_reader, 3> {
  ring_fixture ring;
  consumer reader = ring.reader();
  model_operation read;
  remote_wake_relay relay = ring.reader_relay();

  void thread(unsigned index) {
    if (index == 0) {
      RL_ASSERT(ring.write_message(ring.remote_writer()) == core::wait_status::ready);
    } else if (index == 1) {
      RL_ASSERT(ring.read_message_async(reader, read, std::numeric_limits<std::size_t>::max(), &relay) ==
                message.size());
      reader.close();
      relay.stop();
    } else {
      relay.run();
    }
  }
};

// The writer, in another process, sends what fits and then nothing more, so that the reader's next
// read parks with the reader's relay watching it. The reader then closes, as basic_endpoint::close()
// does (it takes the read back), and stops the relay, as destroying the endpoint's state does: the
// relay's thread ends although no wake-up of the peer will ever come.
struct reader_closes_with_watched_read_parked : rl::test_suite<reader_closes_with_watched_read_parked, 3> {
  ring_fixture ring;
  consumer reader = ring.reader();
  model_operation read;
  remote_wake_relay relay = ring.reader_relay();

  void thread(unsigned index) {
    if (index == 0) return ring.write_and_stay_open(ring.remote_writer(), capacity);
    if (index == 2) return relay.run();
    RL_ASSERT(ring.read_message_async(reader, read, capacity, &relay) == capacity);
    read.park(reader, &relay);
    if (core::async_waiter* parked = reader.take_parked()) parked->abort();
    reader.close();
    read.run();
    relay.stop();
  }
};

// Every interleaving with up to `ContextBound` preemptions, then random ones: the context-bound
// scheduler lets a load see only the latest or the previous store, the random one goes deeper into each
// atomic's history.
template <class Suite, unsigned ContextBound, rl::iteration_t RandomIterations>
bool check() {
  rl::test_params bounded;
  bounded.search_type = rl::sched_bound;
  bounded.context_bound = ContextBound;
  rl::test_params random;
  random.iteration_count = RandomIterations;
  std::cout << "[context bound " << bounded.context_bound << "] ";
  if (!rl::simulate<Suite>(bounded)) return false;
  std::cout << "[random, " << random.iteration_count << " iterations] ";
  return rl::simulate<Suite>(random);
}

struct suite_check {
  std::string_view name;
  bool (*run)();
};

constexpr suite_check suites[] = {
    {"writer_streams_to_reader", check<writer_streams_to_reader, 4, 1000000>},
    {"reader_closes_early", check<reader_closes_early, 4, 1000000>},
    // Parking adds a few steps per wait: one preemption less, and fewer random runs, keep the whole
    // check within a minute on two cores.
    {"writer_streams_to_parked_reader", check<writer_streams_to_parked_reader, 3, 300000>},
    {"parked_writer_streams_to_reader", check<parked_writer_streams_to_reader, 3, 300000>},
    {"reader_closes_on_parked_writer", check<reader_closes_on_parked_writer, 4, 300000>},
    {"cancel_races_with_wake", check<cancel_races_with_wake, 3, 200000>},
    {"reader_closes_with_read_parked", check<reader_closes_with_read_parked, 4, 300000>},
    {"remote_writer_streams_to_watched_reader", check<remote_writer_streams_to_watched_reader, 2, 300000>},
    {"reader_closes_with_watched_read_parked", check<reader_closes_with_watched_read_parked, 2, 300000>},
};

int main(int argc, char** argv) {
  const std::span<char*> selected(argv + 1, static_cast<std::size_t>(argc - 1));
  const auto is_selected = [&](std::string_view name) {
    return selected.empty() || std::ranges::any_of(selected, [&](std::string_view s) { return s == name; });
  };
  for (std::string_view name : selected)
    if (std::ranges::none_of(suites, [&](const suite_check& suite) { return suite.name == name; })) {
      std::cerr << "no suite named " << name << '\n';
      return 2;
    }
  // Every selected suite runs even if one fails, so that a planted bug is reported by each suite it breaks.
  bool passed = true;
  for (const suite_check& suite : suites)
    if (is_selected(suite.name)) passed = suite.run() && passed;
  return passed ? 0 : 1;
}
