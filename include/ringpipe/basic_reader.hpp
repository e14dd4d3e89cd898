// The reading end of a ring: a SyncReadStream that blocks while the ring is empty.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/buffer.hpp>
#include <asio/error.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/detail/endpoint_support.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe {

// Owns the reader role of a ring. Movable, not copyable; not safe for concurrent use from several
// threads (like an Asio socket). Destroying or closing it makes the writer's waiting and later writes
// fail with asio::error::broken_pipe.
template <class Executor = asio::any_io_executor>
class basic_reader {
public:
  using executor_type = Executor;

  template <class OtherExecutor>
  struct rebind_executor {
    using other = basic_reader<OtherExecutor>;
  };

  // Takes the reader role of `memory`; throws std::system_error(error::reader_already_attached) when
  // the ring already has a reader, std::invalid_argument for an empty ring handle.
  basic_reader(const executor_type& executor, ring memory) : executor_(executor), ring_(std::move(memory)) {
    attach();
  }

  template <detail::execution_context_ref ExecutionContext>
  basic_reader(ExecutionContext& context, ring memory)
      : basic_reader(detail::executor_of<executor_type>(context), std::move(memory)) {}

  basic_reader(basic_reader&& other) noexcept
      : executor_(other.executor_), ring_(std::move(other.ring_)), consumer_(std::exchange(other.consumer_, {})) {}

  // Converting move, so that rebind_executor / as_default_on can wrap an existing endpoint.
  template <class OtherExecutor>
    requires std::constructible_from<Executor, const OtherExecutor&>
  basic_reader(basic_reader<OtherExecutor>&& other) noexcept
      : executor_(other.executor_), ring_(std::move(other.ring_)), consumer_(std::exchange(other.consumer_, {})) {}

  basic_reader& operator=(basic_reader&& other) noexcept {
    if (this != &other) {
      close();
      executor_ = other.executor_;
      ring_ = std::move(other.ring_);
      consumer_ = std::exchange(other.consumer_, {});
    }
    return *this;
  }

  basic_reader(const basic_reader&) = delete;
  basic_reader& operator=(const basic_reader&) = delete;

  ~basic_reader() { close(); }

  executor_type get_executor() const noexcept { return executor_; }

  // False once closed or moved from; every operation then fails with asio::error::bad_descriptor.
  bool is_open() const noexcept { return consumer_.has_value(); }

  // The ring's data capacity in bytes (0 when not open).
  std::size_t capacity() const noexcept { return ring_.capacity(); }

  // Copies bytes from the ring into `buffers`, blocking while it is empty. Returns the number copied,
  // at least 1 unless `buffers` is empty (then 0, at once). Errors: asio::error::eof once the writer
  // closed and every committed byte was read, error::corrupt, asio::error::bad_descriptor.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, std::error_code& ec) {
    const std::size_t wanted = asio::buffer_size(buffers);
    if (!check_open(ec) || wanted == 0) return 0;
    for (;;) {
      const core::region run = consumer_->readable(wanted);
      if (run.size != 0) {
        const std::size_t copied = asio::buffer_copy(buffers, detail::ring_buffers(ring_, run));
        consumer_->consume(copied);
        return copied;
      }
      if (!await_readable({}, ec)) return 0;
    }
  }

  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    std::error_code ec;
    const std::size_t read = read_some(buffers, ec);
    throw_if(ec, "read_some");
    return read;
  }

  // Zero-copy: the readable run of ring memory as one span. It is empty when the ring is empty; without
  // a mirrored mapping it stops at the end of the data area. Never blocks. The bytes stay valid until
  // consumed.
  asio::const_buffer data() {
    std::error_code ec;
    check_open(ec);
    throw_if(ec, "data");
    return detail::first_span(ring_, consumer_->readable(consumer_->capacity()), consumer_->capacity());
  }

  // Releases `n` bytes at the front of the readable data to the writer. Errors:
  // error::consume_too_large when n exceeds what is readable (nothing is released),
  // asio::error::bad_descriptor.
  void consume(std::size_t n, std::error_code& ec) {
    if (!check_open(ec)) return;
    const core::region run = consumer_->readable(n);
    if (consumer_->corrupt())
      ec = error::corrupt;
    else if (n > run.size)
      ec = error::consume_too_large;
    else if (n != 0)
      consumer_->consume(n);
  }

  void consume(std::size_t n) {
    std::error_code ec;
    consume(n, ec);
    throw_if(ec, "consume");
  }

  // Blocks until at least one byte can be read. Errors: asio::error::eof once the writer closed and
  // the ring is drained, error::corrupt, asio::error::bad_descriptor.
  void wait(std::error_code& ec) { await_readable({}, ec); }

  void wait() {
    std::error_code ec;
    wait(ec);
    throw_if(ec, "wait");
  }

  // As wait(), giving up after `timeout`: returns false when it timed out (ec stays clear).
  bool wait_for(std::chrono::steady_clock::duration timeout, std::error_code& ec) {
    return await_readable(detail::deadline_after(timeout), ec);
  }

  bool wait_for(std::chrono::steady_clock::duration timeout) {
    std::error_code ec;
    const bool ready = wait_for(timeout, ec);
    throw_if(ec, "wait_for");
    return ready;
  }

  // Stops reading: the writer's waiting and later writes fail with asio::error::broken_pipe. Wakes a
  // sleeping writer at once. Closing a closed reader does nothing.
  void close() noexcept {
    if (consumer_) consumer_->close();
    consumer_.reset();
    ring_ = ring();
  }

  void close(std::error_code& ec) noexcept {
    ec.clear();
    close();
  }

private:
  template <class>
  friend class basic_reader;

  void attach() {
    if (!ring_) throw std::invalid_argument("ringpipe: basic_reader needs a ring");
    ring_.claim_reader();
    consumer_.emplace(ring_.header());
  }

  bool check_open(std::error_code& ec) const noexcept {
    ec = consumer_ ? std::error_code() : std::error_code(asio::error::bad_descriptor);
    return consumer_.has_value();
  }

  // Returns true when readable; false with ec set on error (eof included), false with ec clear on
  // timeout.
  bool await_readable(const core::deadline& until, std::error_code& ec) {
    if (!check_open(ec)) return false;
    const core::wait_status status = consumer_->wait_readable(until);
    ec = detail::wait_error(status, asio::error::eof);
    return status == core::wait_status::ready;
  }

  static void throw_if(const std::error_code& ec, const char* operation) {
    if (ec) throw std::system_error(ec, std::string("ringpipe::reader::") + operation);
  }

  Executor executor_;
  ring ring_;
  std::optional<core::consumer> consumer_;
};

} // namespace ringpipe
