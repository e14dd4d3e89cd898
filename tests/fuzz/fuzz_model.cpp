// (c) Random sequences of synchronous, zero-copy, asynchronous, cancel and close calls on a writer and
// a reader, checked against a model: a std::deque of the bytes written and not yet read. Every byte
// read must be the model's next one, byte for byte; the end drains what is left and compares it all.
//
// One thread runs everything, so a call that blocks would hang the fuzzer (and -timeout reports it):
// blocking calls are made only when the model says they return at once. An endpoint with an
// asynchronous operation outstanding is left to it until it completes. Its bytes may move before its
// handler runs: an outstanding read only makes the model's room an underestimate, and bytes read ahead
// of an outstanding write's handler must be the front of that write's buffer.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <system_error>
#include <vector>

#include <asio/error.hpp>
#include <asio/io_context.hpp>

#include "fuzz_input.hpp"
#include "ringpipe/ringpipe.hpp"

namespace {

using ringpipe::fuzz::fuzz_input;

// A disagreement with the model, reported by the line that found it.
[[noreturn]] void fail(int line = __builtin_LINE()) {
  std::fprintf(stderr, "fuzz_model: the ring disagrees with the model (fuzz_model.cpp:%d)\n", line);
  std::abort();
}

struct model_session {
  asio::io_context io;
  ringpipe::ring memory;
  std::optional<ringpipe::writer> w;
  std::optional<ringpipe::reader> r;
  std::deque<std::uint8_t> model; // written, not yet read
  std::uint8_t next_value = 0;    // the content of the next byte written
  bool writer_open = true;
  bool reader_open = true;
  bool write_outstanding = false;
  bool read_outstanding = false;
  std::vector<std::uint8_t> write_buffer;
  std::size_t read_ahead_of_write = 0; // bytes of write_buffer read before its handler ran
  std::vector<std::uint8_t> read_buffer;

  // Room the ring has at least: the model holds at least what the ring holds (an outstanding read may
  // have taken some of it already).
  std::size_t room() const {
    return model.size() >= memory.fill_limit() ? 0 : memory.fill_limit() - model.size();
  }

  std::vector<std::uint8_t> next_bytes(std::size_t n) {
    std::vector<std::uint8_t> bytes(n);
    for (std::uint8_t& byte : bytes)
      byte = next_value++;
    return bytes;
  }

  // Bytes a call wrote (the first `already_read` of them read already): the model takes the rest. The
  // bytes after them were never written: rewind.
  void wrote(const std::vector<std::uint8_t>& bytes, std::size_t n, std::size_t already_read = 0) {
    // An outstanding read may have taken up to its buffer's size of the model's bytes already.
    const std::size_t may_be_gone = read_outstanding ? std::min(read_buffer.size(), model.size()) : 0;
    if (n > bytes.size() || n < already_read ||
        model.size() - may_be_gone + n - already_read > memory.fill_limit())
      fail();
    model.insert(model.end(), bytes.begin() + static_cast<std::ptrdiff_t>(already_read),
                 bytes.begin() + static_cast<std::ptrdiff_t>(n));
    next_value = static_cast<std::uint8_t>(next_value - (bytes.size() - n));
  }

  // Bytes a call read: exactly the model's next ones, then the front of an outstanding write's buffer.
  void read(const std::uint8_t* bytes, std::size_t n) {
    const std::size_t known = std::min(n, model.size());
    for (std::size_t i = 0; i < known; ++i)
      if (bytes[i] != model[i]) fail();
    model.erase(model.begin(), model.begin() + static_cast<std::ptrdiff_t>(known));
    for (std::size_t i = known; i < n; ++i) {
      if (!write_outstanding || read_ahead_of_write == write_buffer.size()) fail(); // invented bytes
      if (bytes[i] != write_buffer[read_ahead_of_write++]) fail();
    }
  }

  void sync_write(std::size_t n) {
    if (write_outstanding || (room() == 0 && reader_open && writer_open)) return; // would block
    const std::vector<std::uint8_t> bytes = next_bytes(n);
    std::error_code ec;
    const std::size_t written = w->write_some(asio::buffer(bytes), ec);
    wrote(bytes, written);
    if (!writer_open) {
      if (ec != asio::error::bad_descriptor) fail();
    } else if (n == 0) { // empty buffers: 0 at once, whatever the reader did
      if (ec || written != 0) fail();
    } else if (!reader_open) {
      if (ec != asio::error::broken_pipe) fail();
    } else if (ec || (n > 0 && written == 0)) {
      fail();
    }
  }

  void sync_read(std::size_t n) {
    if (read_outstanding || (model.empty() && writer_open && reader_open)) return; // would block
    std::vector<std::uint8_t> bytes(n);
    std::error_code ec;
    const std::size_t got = r->read_some(asio::buffer(bytes), ec);
    read(bytes.data(), got);
    if (!reader_open) {
      if (ec != asio::error::bad_descriptor) fail();
    } else if (n == 0) {
      if (got != 0 || (ec && ec != asio::error::eof)) fail();
    } else if (got == 0) {
      if (writer_open || !model.empty() || ec != asio::error::eof) fail();
    } else if (ec) {
      fail();
    }
  }

  void zero_copy_write(std::size_t n, std::size_t extra) {
    if (write_outstanding) return;
    std::error_code ec;
    const asio::mutable_buffer span = w->prepare(n, ec);
    if (ec) {
      if (writer_open && reader_open) fail();
      return;
    }
    if (span.size() > n || span.size() > memory.fill_limit()) fail();
    const std::vector<std::uint8_t> bytes = next_bytes(span.size());
    if (!bytes.empty()) std::memcpy(span.data(), bytes.data(), bytes.size());
    if (!reader_open) { // the reader's close voids the prepared span: nothing is published
      w->commit(span.size(), ec);
      if (span.size() > 0 && ec != asio::error::broken_pipe) fail();
      wrote(bytes, 0);
      return;
    }
    // Committing more than prepared is refused and publishes nothing.
    if (extra > 0) {
      w->commit(span.size() + extra, ec);
      if (ec != ringpipe::error::commit_too_large) fail();
    }
    w->commit(span.size(), ec);
    if (ec) fail();
    wrote(bytes, span.size());
  }

  void zero_copy_read(std::size_t n) {
    if (read_outstanding) return;
    std::error_code ec;
    const asio::const_buffer span = r->data(ec);
    if (ec) {
      if (reader_open) fail();
      return;
    }
    const std::size_t take = std::min(n, span.size());
    read(static_cast<const std::uint8_t*>(span.data()), take);
    r->consume(take, ec);
    if (ec) fail();
    // Consuming more than is readable is refused and releases nothing. (An outstanding write may have
    // put bytes there that the model does not hold yet.)
    if (write_outstanding) return;
    r->consume(model.size() + 1, ec);
    if (ec != ringpipe::error::consume_too_large) fail();
  }

  void async_write(std::size_t n) {
    if (write_outstanding) return;
    write_buffer = next_bytes(n); // no other write takes values until the handler has run
    read_ahead_of_write = 0;
    write_outstanding = true;
    w->async_write_some(asio::buffer(write_buffer), [this](std::error_code ec, std::size_t written) {
      write_outstanding = false;
      wrote(write_buffer, written, read_ahead_of_write);
      if (!ec && written == 0 && !write_buffer.empty()) fail();
      if (ec && written != 0) fail(); // a failed or cancelled write moved nothing
    });
  }

  void async_read(std::size_t n) {
    if (read_outstanding) return;
    read_buffer.assign(n, 0);
    read_outstanding = true;
    r->async_read_some(asio::buffer(read_buffer), [this](std::error_code ec, std::size_t got) {
      read_outstanding = false;
      read(read_buffer.data(), got);
      if (!ec && got == 0 && !read_buffer.empty()) fail();
      if (ec && got != 0) fail();
      if (ec == asio::error::eof && !model.empty()) fail(); // end of stream before the end of the bytes
    });
  }

  // Runs the handlers that are ready. An io_context that ran out of work stops, and would run nothing
  // more until restarted.
  void run_ready() {
    io.restart();
    io.poll();
  }

  void step(fuzz_input& script) {
    const std::size_t n = script.below(2 * 4096 + 2);
    const std::size_t call = script.below(12);
    // RINGPIPE_FUZZ_TRACE=1 prints the script as it runs, to replay a finding by hand.
    static const bool trace = std::getenv("RINGPIPE_FUZZ_TRACE") != nullptr;
    if (trace)
      std::fprintf(stderr, "call %zu n %zu; model %zu, write %d read %d outstanding\n", call, n, model.size(),
                   write_outstanding, read_outstanding);
    switch (call) {
    case 0: sync_write(n); break;
    case 1: sync_read(n); break;
    case 2: zero_copy_write(n, script.below(3)); break;
    case 3: zero_copy_read(n); break;
    case 4: async_write(n); break;
    case 5: async_read(n); break;
    case 6: w->cancel(); break;
    case 7: r->cancel(); break;
    case 8:
      w->close();
      writer_open = false;
      break;
    case 9:
      r->close();
      reader_open = false;
      break;
    default: run_ready(); break;
    }
  }

  // Whatever is still readable is the model's content, all of it.
  void drain() {
    run_ready();
    if (!reader_open) return;
    w->close();
    run_ready();
    if (read_outstanding) fail(); // the writer's close ends every read
    // Without a mirrored mapping the readable bytes may come as two spans.
    for (std::error_code ec;;) {
      const asio::const_buffer span = r->data(ec);
      if (ec) fail();
      if (span.size() == 0) break;
      read(static_cast<const std::uint8_t*>(span.data()), span.size());
      r->consume(span.size(), ec);
    }
    if (!model.empty()) fail(); // bytes written that the reader never saw
  }
};

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fuzz_input script(data, size);
  model_session session;
  session.memory = ringpipe::create_ring(4096 * (1 + script.below(3)));
  session.w.emplace(session.io, session.memory);
  session.r.emplace(session.io, session.memory);
  for (int steps = 0; steps < 512 && !script.empty(); ++steps)
    session.step(script);
  session.drain();
  return 0;
}
