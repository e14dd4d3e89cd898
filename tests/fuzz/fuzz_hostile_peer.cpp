// (b) A hostile peer: random values written into the shared header's positions, flags and geometry
// between the operations of a live writer and reader. Every call reports success or a clear error;
// every span it returns lies inside the mapping; nothing crashes or blocks.
//
// The input is a script: each step picks an operation of either endpoint or a write into the header.
// Only calls that cannot block are made: zero-copy calls, zero-timeout waits, asynchronous operations
// run by io_context::poll().
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <system_error>
#include <vector>

#include <asio/io_context.hpp>

#include "fuzz_input.hpp"
#include "inside_mapping.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/ringpipe.hpp"

namespace {

using ringpipe::fuzz::check_inside;

using ringpipe::fuzz::fuzz_input;

// Overwrites one field of the shared header, as a peer in another process could.
void tamper(ringpipe::core::ring_header& header, fuzz_input& in) {
  const auto value = in.take<std::uint64_t>();
  const auto narrow = static_cast<std::uint32_t>(value);
  // relaxed throughout: the fuzzer is the hostile peer; it promises no order.
  switch (in.below(10)) {
  case 0: header.write_position.store(value, std::memory_order_relaxed); break;
  case 1: header.read_position.store(value, std::memory_order_relaxed); break;
  case 2: header.writer_closed.store(narrow, std::memory_order_relaxed); break;
  case 3: header.reader_closed.store(narrow, std::memory_order_relaxed); break;
  case 4: header.writer_attached.store(narrow, std::memory_order_relaxed); break;
  case 5: header.reader_attached.store(narrow, std::memory_order_relaxed); break;
  case 6: header.reader_sleep.store(narrow, std::memory_order_relaxed); break;
  case 7: header.writer_sleep.store(narrow, std::memory_order_relaxed); break;
  case 8: header.identity.capacity = value; break;
  default: header.identity.fill_limit = value; break;
  }
}

struct hostile_session {
  ringpipe::ring memory;
  asio::io_context io;
  std::optional<ringpipe::writer> w;
  std::optional<ringpipe::reader> r;
  std::vector<char> out = std::vector<char>(3 * 4096, 'w');
  std::vector<char> in = std::vector<char>(3 * 4096);

  // Runs the handlers that are ready. An io_context that ran out of work stops, and would run nothing
  // more until restarted.
  void run_ready() {
    io.restart();
    io.poll();
  }

  void step(fuzz_input& script) {
    std::error_code ec;
    const std::size_t n = script.below(3 * 4096 + 1);
    switch (script.below(12)) {
    case 0: tamper(ringpipe::detail::ring_access::header(memory), script); break;
    case 1: {
      const asio::mutable_buffer room = w->prepare(n, ec);
      check_inside(memory, room.data(), room.size());
      if (!ec && room.size() > 0) std::memset(room.data(), 'p', room.size());
      w->commit(std::min(n, room.size()), ec);
      break;
    }
    case 2: w->commit(n, ec); break;
    case 3: {
      const asio::const_buffer readable = r->data(ec);
      check_inside(memory, readable.data(), readable.size());
      r->consume(std::min(n, readable.size()), ec);
      break;
    }
    case 4: r->consume(n, ec); break;
    case 5: w->async_write_some(asio::buffer(out, n), [](std::error_code, std::size_t) {}); break;
    case 6: r->async_read_some(asio::buffer(in, n), [](std::error_code, std::size_t) {}); break;
    case 7: w->wait_for(std::chrono::steady_clock::duration::zero(), ec); break;
    case 8: r->wait_for(std::chrono::steady_clock::duration::zero(), ec); break;
    case 9: (script.below(2) == 0 ? w->cancel() : r->cancel()); break;
    case 10: (script.below(2) == 0 ? w->close() : r->close()); break;
    default: run_ready(); break;
    }
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_input script(data, size);
  const std::size_t capacity = 4096 * (1 + script.below(4));
  hostile_session session{.memory = ringpipe::create_ring(capacity)};
  try {
    session.w.emplace(session.io, session.memory);
    session.r.emplace(session.io, session.memory);
  } catch (const std::system_error&) {
    std::abort(); // a fresh ring takes both roles
  }
  for (int steps = 0; steps < 256 && !script.empty(); ++steps)
    session.step(script);
  // Closing completes whatever is parked; the handlers run here.
  session.w->close();
  session.r->close();
  session.run_ready();
  return 0;
}
