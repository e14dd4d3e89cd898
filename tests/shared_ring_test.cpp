// Rings shared between processes: naming, attaching, the checks on attach, and real peer processes
// streaming, dying and being killed.
#include <catch2/catch.hpp>

#include <chrono>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <asio/redirect_error.hpp>
#include <asio/system_executor.hpp>
#include <asio/use_awaitable.hpp>

#include "child_process.hpp"
#include "ringpipe/ringpipe.hpp"
#include "test_support.hpp"

using namespace std::chrono_literals;

namespace {

// A ring name unique to this test run, removed at the end of the test.
struct scoped_name {
  std::string value = "ringpipe-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++);
  ~scoped_name() {
    std::error_code ignored;
    ringpipe::remove_shared_ring(value, ignored);
  }
  static inline int counter = 0;
};

std::error_code open_error(const std::string& name) {
  std::error_code ec;
  ringpipe::open_shared_ring(name, {}, ec);
  return ec;
}

// Writes raw bytes as a shared-memory object, as a foreign program (or an attacker) might.
void write_object(const std::string& name, const void* bytes, std::size_t size, std::size_t object_size) {
  const int fd = ::shm_open(("/" + name).c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  REQUIRE(::ftruncate(fd, static_cast<off_t>(object_size)) == 0);
  REQUIRE(::pwrite(fd, bytes, size, 0) == static_cast<ssize_t>(size));
  ::close(fd);
}

ringpipe::core::ring_identity valid_identity(std::uint64_t capacity) {
  return {ringpipe::core::ring_magic,
          ringpipe::core::layout_version,
          ringpipe::core::header_region_size,
          capacity,
          capacity,
          1,
          1};
}

} // namespace

TEST_CASE("a named ring created here is attached to by name, and carries bytes between the handles") {
  scoped_name name;
  const ringpipe::ring created = ringpipe::create_shared_ring(name.value, 8192);
  const ringpipe::ring attached = ringpipe::open_shared_ring(name.value);
  CHECK(attached.capacity() == 8192);
  CHECK(attached.mirrored());
  ringpipe::writer w(asio::system_executor(), created);
  ringpipe::reader r(asio::system_executor(), attached);
  w.write_some(asio::buffer("across", 6));
  std::array<char, 6> in{};
  CHECK(r.read_some(asio::buffer(in)) == 6);
  CHECK(std::string(in.data(), 6) == "across");
  // The role is taken for every handle on the ring, not just this one.
  CHECK_THROWS_AS(ringpipe::writer(asio::system_executor(), attached), std::system_error);
}

TEST_CASE("creating a name that exists fails; the object is created with mode 0600") {
  scoped_name name;
  const ringpipe::ring created = ringpipe::create_shared_ring(name.value, 4096);
  std::error_code ec;
  ringpipe::create_shared_ring(name.value, 4096, {}, ec);
  CHECK(ec == std::errc::file_exists);
  struct stat status {};
  REQUIRE(::fstat(created.native_handle(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0600);
  scoped_name other;
  const ringpipe::ring group_readable =
      ringpipe::create_shared_ring(other.value, 4096, {.permissions = 0640});
  REQUIRE(::fstat(group_readable.native_handle(), &status) == 0);
  CHECK((status.st_mode & 0777) == 0640);
}

TEST_CASE("unknown and malformed names are clear errors") {
  CHECK(open_error("ringpipe-no-such-ring-" + std::to_string(::getpid())) ==
        std::errc::no_such_file_or_directory);
  CHECK(open_error("") == std::errc::invalid_argument);
  CHECK(open_error("a/b") == std::errc::invalid_argument);
  std::error_code ec;
  ringpipe::remove_shared_ring("ringpipe-no-such-ring-" + std::to_string(::getpid()), ec);
  CHECK(ec == std::errc::no_such_file_or_directory);
}

TEST_CASE(
    "opening a name while another thread is still creating its ring waits for the ring, never refuses it") {
  // What `ringpipe --create` on both ends of a transfer does: one side creates, the other opens the
  // name as soon as it exists, which may be before its size and header are written.
  int refused = 0, opened = 0;
  for (int round = 0; round < 40; ++round) {
    scoped_name name;
    std::thread creator([&name] { ringpipe::create_shared_ring(name.value, 4 << 20); });
    std::error_code ec;
    const auto give_up = std::chrono::steady_clock::now() + 5s;
    do
      ringpipe::open_shared_ring(name.value, {}, ec);
    while (ec == std::errc::no_such_file_or_directory && std::chrono::steady_clock::now() < give_up);
    creator.join();
    if (ec == ringpipe::error::not_a_ring || ec == ringpipe::error::size_mismatch) ++refused;
    if (!ec) ++opened;
  }
  CHECK(refused == 0);
  CHECK(opened == 40);
}

TEST_CASE("attaching checks the header and never crashes on a foreign, truncated or lying object") {
  scoped_name name;
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  SECTION("garbage") {
    std::vector<unsigned char> garbage(8192);
    std::mt19937 random(7);
    for (auto& b : garbage)
      b = static_cast<unsigned char>(random());
    write_object(name.value, garbage.data(), garbage.size(), garbage.size());
    CHECK(open_error(name.value) == ringpipe::error::not_a_ring);
  }
  SECTION("truncated below the header") {
    const auto identity = valid_identity(page);
    write_object(name.value, &identity, sizeof identity, 100);
    CHECK(open_error(name.value) == ringpipe::error::not_a_ring);
  }
  SECTION("empty") {
    write_object(name.value, "", 0, 0);
    CHECK(open_error(name.value) == ringpipe::error::not_a_ring);
  }
  SECTION("another layout version") {
    auto identity = valid_identity(page);
    identity.version = 99;
    write_object(name.value, &identity, sizeof identity, ringpipe::core::header_region_size + page);
    CHECK(open_error(name.value) == ringpipe::error::version_mismatch);
  }
  SECTION("a capacity larger than the object") {
    const auto identity = valid_identity(1 << 20);
    write_object(name.value, &identity, sizeof identity, ringpipe::core::header_region_size + page);
    CHECK(open_error(name.value) == ringpipe::error::size_mismatch);
  }
  SECTION("a fill limit beyond the capacity") {
    auto identity = valid_identity(page);
    identity.fill_limit = 2 * page;
    write_object(name.value, &identity, sizeof identity, ringpipe::core::header_region_size + page);
    CHECK(open_error(name.value) == ringpipe::error::size_mismatch);
  }
  SECTION("a capacity that is not a whole number of pages") {
    auto identity = valid_identity(page + 1);
    write_object(name.value, &identity, sizeof identity, ringpipe::core::header_region_size + page + 1);
    CHECK(open_error(name.value) == ringpipe::error::size_mismatch);
  }
}

TEST_CASE("a ring's file descriptor attaches in another place with the same checks") {
  const ringpipe::ring original = ringpipe::create_ring(4096);
  const ringpipe::ring attached = ringpipe::open_ring(original.native_handle());
  ringpipe::writer w(asio::system_executor(), original);
  ringpipe::reader r(asio::system_executor(), attached);
  w.write_some(asio::buffer("fd", 2));
  std::array<char, 2> in{};
  CHECK(r.read_some(asio::buffer(in)) == 2);
  std::error_code ec;
  ringpipe::open_ring(STDIN_FILENO, {}, ec);
  CHECK(ec);
}
