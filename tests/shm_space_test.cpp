// A ring whose memory is not there is refused when it is created, with a clear error, instead of
// killing its writer with SIGBUS on the first page past the limit (issue 10). Named rings live in
// /dev/shm, a tmpfs that is often small (64 MiB in Docker).
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include <sched.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <asio/system_executor.hpp>

#include "ringpipe/ringpipe.hpp"

namespace {

std::string unique_name(const char* what) {
  return std::string("ringpipe-test-") + what + "-" + std::to_string(::getpid());
}

bool shm_object_exists(const std::string& name) { return ::access(("/dev/shm/" + name).c_str(), F_OK) == 0; }

// In a child with a private mount namespace and a 64 MiB tmpfs on /dev/shm: a 256 MiB ring must be
// refused with no_space_on_device, and a 32 MiB one must take every byte written through it.
// Exit status: 0 passed, 77 no namespace may be made here, anything else failed.
int check_in_small_shm() {
  if (::unshare(CLONE_NEWNS) != 0 || ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0 ||
      ::mount("tmpfs", "/dev/shm", "tmpfs", 0, "size=64m") != 0)
    return 77;
  std::error_code ec;
  const ringpipe::ring too_big = ringpipe::create_shared_ring(unique_name("too-big"), 256 << 20, {}, ec);
  if (too_big || ec != std::errc::no_space_on_device || shm_object_exists(unique_name("too-big"))) return 1;
  const std::string name = unique_name("fits");
  const ringpipe::ring fits = ringpipe::create_shared_ring(name, 32 << 20, {}, ec);
  if (!fits || ec) return 2;
  ringpipe::writer w(asio::system_executor(), fits);
  const std::vector<char> bytes(32 << 20, 'b');
  if (w.write_some(asio::buffer(bytes)) != bytes.size()) return 3;
  ringpipe::remove_shared_ring(name);
  return 0;
}

} // namespace

TEST_CASE("a named ring larger than /dev/shm can hold is refused at creation, leaving nothing behind") {
  struct statvfs shm {};
  REQUIRE(::statvfs("/dev/shm", &shm) == 0);
  const std::uint64_t size = std::uint64_t(shm.f_blocks) * shm.f_frsize;
  if (size == 0 || size >= ringpipe::core::max_capacity) {
    WARN("/dev/shm has no size limit here");
    return;
  }
  std::error_code ec;
  const std::string name = unique_name("beyond");
  const ringpipe::ring memory = ringpipe::create_shared_ring(name, size + (64 << 20), {}, ec);
  CHECK_FALSE(memory);
  CHECK(ec == std::errc::no_space_on_device);
  CHECK_FALSE(shm_object_exists(name));
  try {
    ringpipe::create_shared_ring(name, size + (64 << 20));
    FAIL("no exception");
  } catch (const std::system_error& e) {
    CHECK(e.code() == std::errc::no_space_on_device);
  }
}

TEST_CASE("in a 64 MiB /dev/shm, a 256 MiB ring is refused and a 32 MiB one holds every byte") {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) ::_exit(check_in_small_shm());
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("no private mount namespace here (needs CAP_SYS_ADMIN): the small-tmpfs case is not run");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}
