// The writer and reader endpoints on one thread: data path, zero-copy, errors and close.
#include <catch2/catch.hpp>

#include <array>
#include <chrono>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include <asio/io_context.hpp>
#include <asio/strand.hpp>
#include <asio/system_executor.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

namespace {

ringpipe::mapping_mode any_mapping() {
  return GENERATE(ringpipe::mapping_mode::mirrored, ringpipe::mapping_mode::split);
}

auto make_test_pipe(std::size_t capacity, ringpipe::mapping_mode mode) {
  return ringpipe::make_pipe(asio::system_executor(), capacity, {mode});
}

std::string read_string(ringpipe::reader& r, std::size_t n) {
  std::string out(n, '\0');
  REQUIRE(r.read_some(asio::buffer(out)) == n);
  return out;
}

template <class Function>
std::error_code error_of(Function&& f) {
  try {
    f();
  } catch (const std::system_error& e) {
    return e.code();
  }
  return {};
}

} // namespace

TEST_CASE("bytes written come out of the reader in order, across many wraps") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  std::vector<std::byte> out(3000), in(3000);
  std::uint64_t position = 0;
  for (int round = 0; round < 50; ++round) {
    ringpipe::test::fill_stream(out, position);
    REQUIRE(w.write_some(asio::buffer(out)) == out.size());
    REQUIRE(r.read_some(asio::buffer(in)) == in.size());
    REQUIRE(ringpipe::test::first_mismatch(in, position) == in.size());
    position += in.size();
  }
}

TEST_CASE("write_some takes what fits and returns the count") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  std::vector<char> big(5000, 'x');
  CHECK(w.write_some(asio::buffer(big)) == 4096);
  std::array<char, 100> small{};
  CHECK(r.read_some(asio::buffer(small)) == 100);
  CHECK(w.write_some(asio::buffer(big)) == 100);
}

TEST_CASE("write_some and read_some of empty buffers return 0 at once, even when full or empty") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  CHECK(r.read_some(asio::mutable_buffer()) == 0);
  std::vector<char> fill(4096, 'f');
  REQUIRE(w.write_some(asio::buffer(fill)) == 4096);
  CHECK(w.write_some(asio::const_buffer()) == 0);
}

TEST_CASE("a gather write and a scatter read move buffer sequences") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  const std::array<asio::const_buffer, 3> parts{asio::buffer("ab", 2), asio::buffer("cde", 3),
                                                asio::buffer("f", 1)};
  CHECK(w.write_some(parts) == 6);
  std::array<char, 4> first{};
  std::array<char, 2> second{};
  const std::array<asio::mutable_buffer, 2> targets{asio::buffer(first), asio::buffer(second)};
  CHECK(r.read_some(targets) == 6);
  CHECK(std::string_view(first.data(), 4) == "abcd");
  CHECK(std::string_view(second.data(), 2) == "ef");
}

TEST_CASE("prepare and commit write straight into ring memory; data and consume read from it") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  asio::mutable_buffer space = w.prepare(5);
  REQUIRE(space.size() == 5);
  std::memcpy(space.data(), "hello", 5);
  CHECK(r.data().size() == 0);
  w.commit(5);
  asio::const_buffer bytes = r.data();
  REQUIRE(bytes.size() == 5);
  CHECK(std::string_view(static_cast<const char*>(bytes.data()), 5) == "hello");
  r.consume(2);
  CHECK(read_string(r, 3) == "llo");
}

TEST_CASE("prepare spans the wrap in one piece when mirrored, stops at the end when split") {
  const auto mode = any_mapping();
  auto [w, r] = make_test_pipe(4096, mode);
  std::vector<char> fill(3000, 'a');
  w.write_some(asio::buffer(fill));
  r.read_some(asio::buffer(fill));
  // The write position is now 3000 bytes into a 4096-byte area, with the whole ring free.
  const asio::mutable_buffer space = w.prepare();
  CHECK(space.size() == (mode == ringpipe::mapping_mode::mirrored ? 4096u : 1096u));
  std::memset(space.data(), 'z', space.size());
  w.commit(space.size());
  CHECK(r.data().size() == space.size());
}

TEST_CASE("the ring's memory is fixed: a full ring prepares nothing") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  w.commit(w.prepare().size());
  CHECK(w.prepare().size() == 0);
  CHECK(r.data().size() == 4096);
}

TEST_CASE("committing more than is writable is an error and publishes nothing") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  std::error_code ec;
  w.prepare();
  w.commit(4097, ec);
  CHECK(ec == ringpipe::error::commit_too_large);
  CHECK(r.data().size() == 0);
  CHECK(error_of([&w = w] { w.commit(5000); }) == ringpipe::error::commit_too_large);
  w.commit(w.prepare().size());
  CHECK(error_of([&w = w] { w.commit(1); }) == ringpipe::error::commit_too_large);
  CHECK(r.data().size() == 4096);
}

TEST_CASE("a commit beyond the last prepare is refused and publishes nothing") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  REQUIRE(w.prepare(10).size() == 10);
  std::error_code ec;
  w.commit(100, ec);
  CHECK(ec == ringpipe::error::commit_too_large);
  CHECK(error_of([&w = w] { w.commit(11); }) == ringpipe::error::commit_too_large);
  CHECK(r.data().size() == 0);
  w.commit(4);
  w.commit(6);
  CHECK(r.data().size() == 10);
  w.commit(1, ec);
  CHECK(ec == ringpipe::error::commit_too_large);
  CHECK(r.data().size() == 10);
}

TEST_CASE("a write between prepare and commit voids the preparation") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  w.prepare(10);
  w.write_some(asio::buffer("ab", 2));
  std::error_code ec;
  w.commit(1, ec);
  CHECK(ec == ringpipe::error::commit_too_large);
  CHECK(read_string(r, 2) == "ab");
}

TEST_CASE("prepare and data report a closed endpoint through error_code as well") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  w.close();
  r.close();
  std::error_code ec;
  CHECK(w.prepare(10, ec).size() == 0);
  CHECK(ec == asio::error::bad_descriptor);
  ec.clear();
  CHECK(r.data(ec).size() == 0);
  CHECK(ec == asio::error::bad_descriptor);
  CHECK(error_of([&w = w] { w.prepare(); }) == asio::error::bad_descriptor);
  CHECK(error_of([&r = r] { r.data(); }) == asio::error::bad_descriptor);
}

TEST_CASE("a byte writer or reader on a queue's ring is refused with element_mismatch, taking no role") {
  const ringpipe::ring queue = ringpipe::create_queue_ring<long>(16);
  CHECK(error_of([&] { ringpipe::writer w(asio::system_executor(), queue); }) ==
        ringpipe::error::element_mismatch);
  CHECK(error_of([&] { ringpipe::reader r(asio::system_executor(), queue); }) ==
        ringpipe::error::element_mismatch);
  ringpipe::queue_sender<long> sender(asio::system_executor(), queue);
  ringpipe::queue_receiver<long> receiver(asio::system_executor(), queue);
  sender.push(7);
  CHECK(receiver.pop() == 7);
}

TEST_CASE("consuming more than is readable is an error and releases nothing") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  w.write_some(asio::buffer("abc", 3));
  std::error_code ec;
  r.consume(4, ec);
  CHECK(ec == ringpipe::error::consume_too_large);
  CHECK(read_string(r, 3) == "abc");
}

TEST_CASE("after the writer closes the reader gets every committed byte, then eof") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  w.write_some(asio::buffer("tail", 4));
  w.close();
  CHECK_FALSE(w.is_open());
  CHECK(read_string(r, 4) == "tail");
  std::array<char, 8> rest{};
  std::error_code ec;
  CHECK(r.read_some(asio::buffer(rest), ec) == 0);
  CHECK(ec == asio::error::eof);
  r.wait(ec);
  CHECK(ec == asio::error::eof);
  CHECK(error_of([&r = r, &rest] { r.read_some(asio::buffer(rest)); }) == asio::error::eof);
}

TEST_CASE("destroying the writer closes the stream") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  {
    ringpipe::writer gone = std::move(w);
    gone.write_some(asio::buffer("x", 1));
  }
  CHECK(read_string(r, 1) == "x");
  std::error_code ec;
  r.wait(ec);
  CHECK(ec == asio::error::eof);
}

TEST_CASE("after the reader closes, writes, commits and waits fail with broken_pipe") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  r.close();
  std::error_code ec;
  CHECK(w.write_some(asio::buffer("x", 1), ec) == 0);
  CHECK(ec == asio::error::broken_pipe);
  w.commit(0, ec);
  CHECK(ec == asio::error::broken_pipe);
  w.wait(ec);
  CHECK(ec == asio::error::broken_pipe);
  CHECK(error_of([&w = w] { w.write_some(asio::buffer("x", 1)); }) == asio::error::broken_pipe);
}

TEST_CASE("a closed or moved-from endpoint reports bad_descriptor") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  ringpipe::writer w2 = std::move(w);
  ringpipe::reader r2 = std::move(r);
  CHECK_FALSE(w.is_open());
  CHECK_FALSE(r.is_open());
  CHECK(w2.is_open());
  std::error_code ec;
  w.write_some(asio::buffer("x", 1), ec);
  CHECK(ec == asio::error::bad_descriptor);
  std::array<char, 1> one{};
  r.read_some(asio::buffer(one), ec);
  CHECK(ec == asio::error::bad_descriptor);
  CHECK(error_of([&w = w] { (void)w.prepare(); }) == asio::error::bad_descriptor);
  CHECK(error_of([&r = r] { (void)r.data(); }) == asio::error::bad_descriptor);
  r2.close();
  CHECK(error_of([&r2 = r2] { r2.consume(0); }) == asio::error::bad_descriptor);
}

TEST_CASE("a second writer or reader on the same ring is refused") {
  const auto memory = ringpipe::create_ring(4096);
  ringpipe::writer w(asio::system_executor(), memory);
  ringpipe::reader r(asio::system_executor(), memory);
  CHECK(error_of([&] { ringpipe::writer(asio::system_executor(), memory); }) ==
        ringpipe::error::writer_already_attached);
  CHECK(error_of([&] { ringpipe::reader(asio::system_executor(), memory); }) ==
        ringpipe::error::reader_already_attached);
  CHECK_THROWS_AS(ringpipe::writer(asio::system_executor(), ringpipe::ring()), std::invalid_argument);
}

TEST_CASE("timed waits give up at the deadline and succeed when ready") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  CHECK_FALSE(r.wait_for(10ms));
  CHECK(w.wait_for(10ms));
  std::vector<char> fill(4096, 'f');
  w.write_some(asio::buffer(fill));
  CHECK_FALSE(w.wait_for(10ms));
  CHECK(r.wait_for(10ms));
}

TEST_CASE("timed waits take any std::chrono::duration, without overflow at the extremes") {
  auto [w, r] = make_test_pipe(4096, any_mapping());
  // Floating-point and coarse durations, as std::condition_variable::wait_for takes them.
  CHECK_FALSE(r.wait_for(std::chrono::duration<double>(0.005)));
  CHECK_FALSE(r.wait_for(std::chrono::duration<float, std::milli>(-1.0f)));
  CHECK_FALSE(r.wait_for(std::chrono::duration<double>(std::numeric_limits<double>::quiet_NaN())));
  std::error_code ec;
  CHECK_FALSE(r.wait_for(std::chrono::duration<long double>(0.001L), ec));
  CHECK_FALSE(ec);
  // Longer than the steady clock can count from now: no deadline, and no overflow (UBSan would
  // report a signed one) when the endpoint is ready at once.
  CHECK(w.wait_for(std::chrono::hours::max()));
  CHECK(w.wait_for(std::chrono::duration<double>(1e300)));
  CHECK(w.wait_for(std::chrono::nanoseconds::max()));
}

TEST_CASE("endpoints carry their executor the way Asio I/O objects do") {
  asio::io_context io;
  auto [w, r] = ringpipe::make_pipe(io, 4096);
  CHECK(w.get_executor() == asio::any_io_executor(io.get_executor()));
  CHECK(w.capacity() == 4096);

  auto strand = asio::make_strand(io);
  auto [w2, r2] = ringpipe::make_pipe(strand, io.get_executor(), 4096);
  CHECK(w2.get_executor() == asio::any_io_executor(strand));
  CHECK(r2.get_executor() == asio::any_io_executor(io.get_executor()));

  using typed_writer = ringpipe::writer::rebind_executor<asio::io_context::executor_type>::other;
  static_assert(std::is_same_v<typed_writer, ringpipe::basic_writer<asio::io_context::executor_type>>);
  const auto memory = ringpipe::create_ring(4096);
  typed_writer typed(io, memory);
  ringpipe::writer erased(std::move(typed));
  CHECK(erased.is_open());
  CHECK_FALSE(typed.is_open());
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<ringpipe::writer>);
  STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<ringpipe::reader>);
}

TEST_CASE("while nobody sleeps the data path makes no system call") {
  auto [w, r] = make_test_pipe(64 * 1024, any_mapping());
  std::vector<std::byte> chunk(16 * 1024);
  const auto before = ringpipe::core::futex_call_count();
  for (int i = 0; i < 4096; ++i) {
    w.write_some(asio::buffer(chunk));
    w.commit(w.prepare(100).size());
    r.read_some(asio::buffer(chunk));
    r.consume(r.data().size());
  }
  CHECK(ringpipe::core::futex_call_count() == before);
}

TEST_CASE("an idle side whose peer is in this process sleeps one system call per recheck, with no liveness "
          "polling") {
  auto [w, r] = make_test_pipe(4096, ringpipe::mapping_mode::mirrored);
  const auto before = ringpipe::core::futex_call_count();
  // Two whole recheck intervals, then half of one to the deadline: three sleeps, where liveness
  // polling (every liveness_interval) would have made six.
  CHECK_FALSE(r.wait_for(ringpipe::core::recheck_interval * 5 / 2));
  CHECK(ringpipe::core::futex_call_count() == before + 3);
  CHECK(ringpipe::core::late_wakeup_count() == 0);
}
