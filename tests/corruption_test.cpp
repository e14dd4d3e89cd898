// A hostile or buggy peer writing garbage into the shared header: every position is validated before
// use, so this process reports error::corrupt (or sees in-range bytes), and never touches memory
// outside the ring. Seeded random corruption, many rounds.
#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <vector>

#include <asio/system_executor.hpp>

#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/ringpipe.hpp"

using namespace std::chrono_literals;

namespace {

// One of the values a hostile peer might write: random, near the truth, or at the edges.
std::uint64_t hostile_value(std::mt19937_64& random, std::uint64_t truth, std::uint64_t capacity) {
  switch (random() % 6) {
  case 0: return random();
  case 1: return truth + 1 + random() % 3;
  case 2: return truth - 1 - random() % 3;
  case 3: return truth + capacity + random() % 3;
  case 4: return ~std::uint64_t{0} - random() % 3;
  default: return 0;
  }
}

bool inside(const asio::const_buffer& b, const std::byte* begin, const std::byte* end) {
  const auto* first = static_cast<const std::byte*>(b.data());
  return b.size() == 0 || (first >= begin && first + b.size() <= end);
}

bool acceptable(const std::error_code& ec) {
  return !ec || ec == ringpipe::error::corrupt || ec == asio::error::eof || ec == asio::error::broken_pipe ||
         ec == ringpipe::error::commit_too_large || ec == ringpipe::error::consume_too_large;
}

} // namespace

TEST_CASE("garbage positions and flags from a hostile peer never lead outside the ring") {
  const auto mode = GENERATE(ringpipe::mapping_mode::mirrored, ringpipe::mapping_mode::split);
  const unsigned seed = GENERATE(take(4, random(0u, 1000000u)));
  INFO("seed " << seed);
  std::mt19937_64 random(seed);
  std::vector<std::byte> scratch(3 * 4096);
  for (int round = 0; round < 500; ++round) {
    const ringpipe::ring memory = ringpipe::create_ring(4096, {mode});
    ringpipe::writer w(asio::system_executor(), memory);
    ringpipe::reader r(asio::system_executor(), memory);
    const std::byte* begin = ringpipe::detail::ring_access::data(memory);
    const std::byte* end = begin + (memory.mirrored() ? 2 : 1) * memory.capacity();
    // Some bytes in flight and both positions away from zero; no call here can block.
    const std::size_t written = 1 + random() % 4096;
    w.write_some(asio::buffer(scratch.data(), written));
    r.read_some(asio::buffer(scratch.data(), 1 + random() % written));
    w.write_some(asio::buffer(scratch.data(), random() % 4096));

    ringpipe::core::ring_header& header = ringpipe::detail::ring_access::header(memory);
    switch (random() % 5) {
    case 0: header.write_position.store(hostile_value(random, header.write_position.load(), 4096)); break;
    case 1: header.read_position.store(hostile_value(random, header.read_position.load(), 4096)); break;
    case 2: header.identity.capacity = random(); break;   // read once at attach: ignored after
    case 3: header.identity.fill_limit = random(); break; // likewise
    default: header.reader_sleep.store(static_cast<std::uint32_t>(random())); break;
    }

    for (int step = 0; step < 6; ++step) {
      std::error_code ec;
      switch (random() % 6) {
      case 0: REQUIRE(inside(r.data(ec), begin, end)); break;
      case 1: REQUIRE(inside(w.prepare(random() % 8192, ec), begin, end)); break;
      case 2:
        if (r.wait_for(0ms, ec)) r.read_some(asio::buffer(scratch), ec);
        break;
      case 3:
        if (w.wait_for(0ms, ec)) w.write_some(asio::buffer(scratch), ec);
        break;
      case 4: r.consume(random() % 8192, ec); break;
      default: w.commit(random() % 8192, ec); break;
      }
      REQUIRE(acceptable(ec));
    }
  }
}

TEST_CASE("an endpoint refuses a ring whose geometry changed in shared memory after it was checked") {
  const ringpipe::ring memory = ringpipe::create_ring(4096);
  ringpipe::detail::ring_access::header(memory).identity.fill_limit = 1 << 30;
  try {
    ringpipe::reader r(asio::system_executor(), memory);
    FAIL("accepted a tampered ring");
  } catch (const std::system_error& e) {
    CHECK(e.code() == ringpipe::error::corrupt);
  }
}

TEST_CASE("a read position that runs backwards is reported as corrupt to the writer") {
  const ringpipe::ring memory = ringpipe::create_ring(4096);
  ringpipe::writer w(asio::system_executor(), memory);
  ringpipe::reader r(asio::system_executor(), memory);
  std::array<std::byte, 4096> bytes{};
  w.write_some(asio::buffer(bytes));
  r.read_some(asio::buffer(bytes));
  w.write_some(asio::buffer(bytes));
  ringpipe::detail::ring_access::header(memory).read_position.store(0);
  std::error_code ec;
  w.write_some(asio::buffer(bytes), ec);
  CHECK(ec == ringpipe::error::corrupt);
  w.wait(ec);
  CHECK(ec == ringpipe::error::corrupt);
}

TEST_CASE("a queue peer that publishes part of an element is reported as corrupt, never a torn element") {
  const ringpipe::ring memory = ringpipe::create_queue_ring<std::uint64_t>(16);
  ringpipe::queue_sender<std::uint64_t> tx(asio::system_executor(), memory);
  ringpipe::queue_receiver<std::uint64_t> rx(asio::system_executor(), memory);
  // In range for a byte ring, but not a whole element: only a broken or hostile writer publishes it.
  ringpipe::detail::ring_access::header(memory).write_position.store(3);
  std::error_code ec;
  CHECK_FALSE(rx.try_pop(ec));
  CHECK(ec == ringpipe::error::corrupt);
  rx.pop(ec);
  CHECK(ec == ringpipe::error::corrupt);

  // The same from the reader's side: three bytes consumed from a full queue leave room for less than
  // one element.
  for (std::uint64_t value = 0; value < 16; ++value)
    tx.push(value);
  ringpipe::detail::ring_access::header(memory).read_position.store(3);
  CHECK_FALSE(tx.try_push(99, ec));
  CHECK(ec == ringpipe::error::corrupt);
  tx.push(99, ec);
  CHECK(ec == ringpipe::error::corrupt);
}

TEST_CASE("queue ends attached at a position that is not a whole number of elements keep each element whole "
          "across the wrap") {
  const auto mode = GENERATE(ringpipe::mapping_mode::mirrored, ringpipe::mapping_mode::split);
  const ringpipe::ring memory = ringpipe::create_queue_ring<std::uint32_t>(1024, {mode});
  REQUIRE(memory.capacity() == 4096);
  // Left there by a broken or hostile peer: an empty ring whose next element starts 2 bytes before the
  // end of the data area, so that it must be split between the end and the start.
  auto& header = ringpipe::detail::ring_access::header(memory);
  header.write_position.store(4094);
  header.read_position.store(4094);
  ringpipe::queue_sender<std::uint32_t> tx(asio::system_executor(), memory);
  ringpipe::queue_receiver<std::uint32_t> rx(asio::system_executor(), memory);
  bool intact = true;
  for (std::uint32_t value = 0; value < 3000; ++value) {
    REQUIRE(tx.try_push(0xA5A50000U + value));
    const std::optional<std::uint32_t> popped = rx.try_pop();
    intact &= popped == 0xA5A50000U + value;
  }
  CHECK(intact);
}
