// The core's cursors and wait protocol on a header in plain memory: no mapping, no Asio.
#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

#include "ringpipe/core/platform.hpp"

using namespace ringpipe::core;

namespace {

struct header_fixture {
  std::unique_ptr<ring_header> header = std::make_unique<ring_header>();
  waiter_slots slots{};
  explicit header_fixture(std::uint64_t capacity) {
    header->identity.capacity = capacity;
    header->identity.fill_limit = capacity;
  }
};

} // namespace

TEST_CASE("a fresh ring is empty and wholly writable") {
  header_fixture ring(64);
  producer writer(*ring.header, ring.slots);
  consumer reader(*ring.header, ring.slots);
  CHECK(writer.writable().size == 64);
  CHECK(writer.writable().offset == 0);
  CHECK(reader.readable().size == 0);
}

TEST_CASE("positions run free while offsets wrap at the capacity") {
  header_fixture ring(48);
  producer writer(*ring.header, ring.slots);
  consumer reader(*ring.header, ring.slots);
  std::uint64_t expected_offset = 0;
  for (int round = 0; round < 1000; ++round) {
    const std::size_t n = 1 + static_cast<std::size_t>(round * 7) % 48;
    REQUIRE(writer.writable().offset == expected_offset);
    REQUIRE(writer.writable(48).size == 48);
    writer.commit(n);
    REQUIRE(reader.readable().offset == expected_offset);
    REQUIRE(reader.readable().size == n);
    reader.consume(n);
    expected_offset = (expected_offset + n) % 48;
  }
  CHECK(writer.position() == reader.position());
  CHECK(writer.position() > 48 * 100);
}

TEST_CASE("the producer rereads the consumer's position only when its copy says full") {
  header_fixture ring(16);
  producer writer(*ring.header, ring.slots);
  writer.commit(10);
  // The consumer "consumes" behind the producer's back: the cached copy still says 6 are free.
  ring.header->read_position.store(10);
  CHECK(writer.writable().size == 6);
  writer.commit(6);
  // Full by the cached copy, so now it looks again.
  CHECK(writer.writable().size == 10);
}

TEST_CASE("a consumer position that runs backwards or passes the writer is corrupt") {
  header_fixture ring(16);
  producer writer(*ring.header, ring.slots);
  writer.commit(16);
  SECTION("past the write position") { ring.header->read_position.store(17); }
  SECTION("backwards") {
    ring.header->read_position.store(8);
    writer.writable();
    writer.commit(8);
    ring.header->read_position.store(4);
  }
  CHECK(writer.writable().size == 0);
  CHECK(writer.corrupt());
  CHECK(writer.wait_writable() == wait_status::corrupt);
}

TEST_CASE("a write position more than a capacity ahead or running backwards is corrupt") {
  header_fixture ring(16);
  consumer reader(*ring.header, ring.slots);
  SECTION("too far ahead") { ring.header->write_position.store(17); }
  SECTION("backwards") {
    ring.header->write_position.store(8);
    REQUIRE(reader.readable().size == 8);
    reader.consume(8);
    ring.header->write_position.store(4);
  }
  CHECK(reader.readable().size == 0);
  CHECK(reader.corrupt());
  CHECK(reader.wait_readable() == wait_status::corrupt);
}

TEST_CASE("attaching to positions that are already inconsistent is corrupt") {
  header_fixture ring(16);
  ring.header->read_position.store(5);
  ring.header->write_position.store(3);
  CHECK(producer(*ring.header, ring.slots).corrupt());
}

TEST_CASE("a corrupt ring stays corrupt to its cursor, even once the positions look right again") {
  header_fixture ring(16);
  producer writer(*ring.header, ring.slots);
  consumer reader(*ring.header, ring.slots);
  writer.commit(8);
  SECTION("the producer") {
    ring.header->read_position.store(12); // past the write position
    REQUIRE(writer.writable(16).size == 0);
    ring.header->read_position.store(8); // consistent again: all 16 bytes would be free
    CHECK(writer.writable(16).size == 0);
    CHECK(writer.writable().size == 0);
    CHECK(writer.wait_writable() == wait_status::corrupt);
  }
  SECTION("the consumer") {
    ring.header->write_position.store(40); // more than a capacity ahead
    REQUIRE(reader.readable(16).size == 0);
    ring.header->write_position.store(8); // consistent again: 8 bytes would be there
    CHECK(reader.readable(8).size == 0);
    CHECK(reader.readable().size == 0);
    CHECK(reader.wait_readable() == wait_status::corrupt);
  }
}

TEST_CASE("a cursor attached to an impossible geometry hands nothing out") {
  header_fixture ring(16);
  SECTION("no capacity") { ring.header->identity.capacity = 0; }
  SECTION("a fill limit above the capacity") { ring.header->identity.fill_limit = 32; }
  producer writer(*ring.header, ring.slots);
  consumer reader(*ring.header, ring.slots);
  CHECK(writer.corrupt());
  CHECK(writer.writable().size == 0);
  ring.header->write_position.store(4);
  CHECK(reader.corrupt());
  CHECK(reader.readable().size == 0);
}

TEST_CASE("a commit makes a wake system call only when the reader announced a sleep") {
  header_fixture ring(64);
  producer writer(*ring.header, ring.slots);
  const auto before = futex_call_count();
  CHECK_FALSE(writer.commit(1));
  CHECK(futex_call_count() == before);
  ring.header->reader_sleep.store(static_cast<std::uint32_t>(sleep_state::sleeping));
  CHECK(writer.commit(1));
  CHECK(futex_call_count() == before + 1);
  CHECK(ring.header->reader_sleep.load() == static_cast<std::uint32_t>(sleep_state::awake));
  CHECK_FALSE(writer.commit(1));
  CHECK(futex_call_count() == before + 1);
}

TEST_CASE("a consume makes a wake system call only when the writer announced a sleep") {
  header_fixture ring(64);
  producer writer(*ring.header, ring.slots);
  consumer reader(*ring.header, ring.slots);
  writer.commit(4);
  REQUIRE(reader.readable().size == 4);
  const auto before = futex_call_count();
  CHECK_FALSE(reader.consume(1));
  ring.header->writer_sleep.store(static_cast<std::uint32_t>(sleep_state::sleeping));
  CHECK(reader.consume(1));
  CHECK(futex_call_count() == before + 1);
}

TEST_CASE("a wait on a full ring times out at its deadline and leaves the sleep word clear") {
  header_fixture ring(8);
  producer writer(*ring.header, ring.slots);
  writer.commit(8);
  const auto start = std::chrono::steady_clock::now();
  CHECK(writer.wait_writable(start + std::chrono::milliseconds(20)) == wait_status::timed_out);
  CHECK(std::chrono::steady_clock::now() - start >= std::chrono::milliseconds(20));
  CHECK(ring.header->writer_sleep.load() == static_cast<std::uint32_t>(sleep_state::awake));
}

TEST_CASE("the reader sees closed only after every committed byte") {
  header_fixture ring(8);
  producer writer(*ring.header, ring.slots);
  consumer reader(*ring.header, ring.slots);
  writer.commit(3);
  writer.close();
  CHECK(reader.wait_readable() == wait_status::ready);
  CHECK_FALSE(reader.at_end());
  reader.consume(reader.readable().size);
  CHECK(reader.at_end());
  CHECK(reader.wait_readable() == wait_status::closed);
}

TEST_CASE("the writer sees closed once the reader closes, even with room") {
  header_fixture ring(8);
  producer writer(*ring.header, ring.slots);
  consumer reader(*ring.header, ring.slots);
  CHECK(writer.wait_writable() == wait_status::ready);
  reader.close();
  CHECK(writer.reader_closed());
  CHECK(writer.wait_writable() == wait_status::closed);
}
