// (a) Arbitrary bytes as a ring object: open_ring returns an error or a ring, and never crashes. An
// object it accepts then carries a writer and a reader through one round of zero-copy calls, which
// report errors and never touch memory outside the mapping.
//
// The input is the object's content. Its last byte also says whether the object is then extended to
// the size its header claims (capped), so that the fuzzer reaches past the size check.
#include <sys/mman.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include <asio/io_context.hpp>

#include "inside_mapping.hpp"
#include "ringpipe/ringpipe.hpp"

namespace {

using ringpipe::fuzz::check_inside;

constexpr std::uint64_t largest_object = std::uint64_t{64} << 20;

// A descriptor closed on every path out of the fuzz target.
struct descriptor {
  int fd;
  ~descriptor() { ::close(fd); }
};

bool write_all(int fd, const std::uint8_t* data, std::size_t size) {
  while (size > 0) {
    const ssize_t written = ::write(fd, data, size);
    if (written <= 0) return false;
    data += written;
    size -= static_cast<std::size_t>(written);
  }
  return true;
}

// Extends the object to the header's capacity claim when asked to and when it is small enough to make.
void extend_to_claim(int fd, const std::uint8_t* data, std::size_t size) {
  ringpipe::core::ring_identity claimed{};
  if (size < sizeof claimed || (data[size - 1] & 1) == 0) return;
  std::memcpy(&claimed, data, sizeof claimed);
  const std::uint64_t wanted = ringpipe::core::header_region_size + (claimed.capacity % largest_object);
  if (wanted > size) (void)::ftruncate(fd, static_cast<off_t>(wanted));
}

void exercise(const ringpipe::ring& memory) {
  asio::io_context io;
  std::error_code ec;
  try {
    ringpipe::writer w(io, memory);
    ringpipe::reader r(io, memory);
    const asio::mutable_buffer room = w.prepare(64, ec);
    check_inside(memory, room.data(), room.size());
    if (!ec && room.size() > 0) {
      std::memset(room.data(), 0x5a, room.size());
      w.commit(room.size(), ec);
    }
    const asio::const_buffer readable = r.data(ec);
    check_inside(memory, readable.data(), readable.size());
    r.consume(readable.size(), ec);
    r.wait_for(std::chrono::steady_clock::duration::zero(), ec);
  } catch (const std::system_error&) {
    // A refused role or a geometry that no longer matches: a clear error, as wanted.
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const descriptor object{::memfd_create("ringpipe-fuzz", MFD_CLOEXEC)};
  if (object.fd < 0 || !write_all(object.fd, data, size)) std::abort();
  extend_to_claim(object.fd, data, size);
  std::error_code ec;
  const ringpipe::ring memory = ringpipe::open_ring(object.fd, {}, ec);
  if (ec) {
    if (memory) std::abort(); // an error must come with no ring
    return 0;
  }
  exercise(memory);
  return 0;
}
