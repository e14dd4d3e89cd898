// A writer thread and a reader thread move a long pseudo-random stream through a small ring with random
// chunk sizes and a random mix of copying and zero-copy calls; every byte is verified.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <thread>
#include <vector>

#include <asio/system_executor.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

namespace {

#ifdef RINGPIPE_UNDER_SANITIZER
constexpr std::uint64_t stream_size = std::uint64_t{256} << 20;
#else
constexpr std::uint64_t stream_size = std::uint64_t{1} << 30;
#endif

void produce(ringpipe::writer& w, std::uint64_t total, unsigned seed) {
  std::mt19937 random(seed);
  std::vector<std::byte> chunk(3 * w.capacity());
  std::uint64_t position = 0;
  while (position < total) {
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(total - position, 1 + random() % chunk.size()));
    if (random() % 2 == 0) {
      ringpipe::test::fill_stream(std::span(chunk).first(want), position);
      position += w.write_some(asio::buffer(chunk.data(), want));
    } else {
      w.wait();
      const asio::mutable_buffer space = w.prepare(want);
      ringpipe::test::fill_stream(std::span(static_cast<std::byte*>(space.data()), space.size()), position);
      w.commit(space.size());
      position += space.size();
    }
  }
  w.close();
}

std::uint64_t consume_and_verify(ringpipe::reader& r, unsigned seed) {
  std::mt19937 random(seed);
  std::vector<std::byte> chunk(3 * r.capacity());
  std::uint64_t position = 0;
  for (;;) {
    std::error_code ec;
    std::size_t n = 0;
    if (random() % 2 == 0) {
      n = r.read_some(asio::buffer(chunk.data(), 1 + random() % chunk.size()), ec);
      if (ec) break;
      REQUIRE(ringpipe::test::first_mismatch(std::span(chunk).first(n), position) == n);
    } else {
      r.wait(ec);
      if (ec) break;
      const asio::const_buffer bytes = r.data();
      n = std::min<std::size_t>(bytes.size(), 1 + random() % chunk.size());
      REQUIRE(ringpipe::test::first_mismatch({static_cast<const std::byte*>(bytes.data()), n}, position) ==
              n);
      r.consume(n);
    }
    position += n;
  }
  return position;
}

} // namespace

TEST_CASE("a long random stream crosses a small ring intact, in both mappings") {
  const auto mode = GENERATE(ringpipe::mapping_mode::mirrored, ringpipe::mapping_mode::split);
  // The split ring gets a tenth of the stream: it exercises the same protocol with two-part copies.
  const std::uint64_t total = mode == ringpipe::mapping_mode::mirrored ? stream_size : stream_size / 10;
  const unsigned seed = std::random_device()();
  INFO("seed " << seed);
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 16 * 1024, {mode});
  std::thread producer([&w = w, total, seed] { produce(w, total, seed); });
  const std::uint64_t received = consume_and_verify(r, seed + 1);
  producer.join();
  CHECK(received == total);
  CHECK(ringpipe::core::late_wakeup_count() == 0);
}
