// The writing end of a ring: a SyncWriteStream that blocks while the ring is full.
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
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

// Owns the writer role of a ring. Movable, not copyable; not safe for concurrent use from several
// threads (like an Asio socket). Destroying or closing it ends the stream: the reader drains what was
// committed and then gets asio::error::eof.
template <class Executor = asio::any_io_executor>
class basic_writer {
public:
  using executor_type = Executor;

  template <class OtherExecutor>
  struct rebind_executor {
    using other = basic_writer<OtherExecutor>;
  };

  // Takes the writer role of `memory`; throws std::system_error(error::writer_already_attached) when
  // the ring already has a writer, std::invalid_argument for an empty ring handle.
  basic_writer(const executor_type& executor, ring memory) : executor_(executor), ring_(std::move(memory)) {
    attach();
  }

  template <detail::execution_context_ref ExecutionContext>
  basic_writer(ExecutionContext& context, ring memory)
      : basic_writer(detail::executor_of<executor_type>(context), std::move(memory)) {}

  basic_writer(basic_writer&& other) noexcept
      : executor_(other.executor_), ring_(std::move(other.ring_)), producer_(std::exchange(other.producer_, {})) {}

  // Converting move, so that rebind_executor / as_default_on can wrap an existing endpoint.
  template <class OtherExecutor>
    requires std::constructible_from<Executor, const OtherExecutor&>
  basic_writer(basic_writer<OtherExecutor>&& other) noexcept
      : executor_(other.executor_), ring_(std::move(other.ring_)), producer_(std::exchange(other.producer_, {})) {}

  basic_writer& operator=(basic_writer&& other) noexcept {
    if (this != &other) {
      close();
      executor_ = other.executor_;
      ring_ = std::move(other.ring_);
      producer_ = std::exchange(other.producer_, {});
    }
    return *this;
  }

  basic_writer(const basic_writer&) = delete;
  basic_writer& operator=(const basic_writer&) = delete;

  ~basic_writer() { close(); }

  executor_type get_executor() const noexcept { return executor_; }

  // False once closed or moved from; every operation then fails with asio::error::bad_descriptor.
  bool is_open() const noexcept { return producer_.has_value(); }

  // The ring's data capacity in bytes (0 when not open).
  std::size_t capacity() const noexcept { return ring_.capacity(); }

  // Copies bytes from `buffers` into the ring, blocking while it is full. Returns the number copied,
  // at least 1 unless `buffers` is empty (then 0, at once). Errors: asio::error::broken_pipe once the
  // reader closed, error::corrupt, asio::error::bad_descriptor.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, std::error_code& ec) {
    const std::size_t wanted = asio::buffer_size(buffers);
    if (!check_open(ec) || wanted == 0) return 0;
    for (;;) {
      if (producer_->reader_closed()) {
        ec = asio::error::broken_pipe;
        return 0;
      }
      const core::region run = producer_->writable(wanted);
      if (run.size != 0) {
        const std::size_t copied = asio::buffer_copy(detail::ring_buffers(ring_, run), buffers);
        producer_->commit(copied);
        return copied;
      }
      if (!await_writable({}, ec)) return 0;
    }
  }

  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    std::error_code ec;
    const std::size_t written = write_some(buffers, ec);
    throw_if(ec, "write_some");
    return written;
  }

  // Zero-copy: the writable run of ring memory, at most `max_size` bytes, as one span. It is empty when
  // the ring is full; without a mirrored mapping it stops at the end of the data area. Never blocks.
  asio::mutable_buffer prepare(std::size_t max_size = std::numeric_limits<std::size_t>::max()) {
    std::error_code ec;
    check_open(ec);
    throw_if(ec, "prepare");
    return detail::first_span(ring_, producer_->writable(max_size), max_size);
  }

  // Publishes `n` bytes written into prepared memory to the reader. Errors: error::commit_too_large
  // when n exceeds the writable space (nothing is published), asio::error::broken_pipe once the reader
  // closed, asio::error::bad_descriptor.
  void commit(std::size_t n, std::error_code& ec) {
    if (!check_open(ec)) return;
    if (producer_->reader_closed()) {
      ec = asio::error::broken_pipe;
      return;
    }
    const core::region run = producer_->writable(n);
    if (producer_->corrupt())
      ec = error::corrupt;
    else if (n > run.size)
      ec = error::commit_too_large;
    else if (n != 0)
      producer_->commit(n);
  }

  void commit(std::size_t n) {
    std::error_code ec;
    commit(n, ec);
    throw_if(ec, "commit");
  }

  // Blocks until at least one byte can be written. Errors: asio::error::broken_pipe once the reader
  // closed, error::corrupt, asio::error::bad_descriptor.
  void wait(std::error_code& ec) { await_writable({}, ec); }

  void wait() {
    std::error_code ec;
    wait(ec);
    throw_if(ec, "wait");
  }

  // As wait(), giving up after `timeout`: returns false when it timed out (ec stays clear).
  bool wait_for(std::chrono::steady_clock::duration timeout, std::error_code& ec) {
    return await_writable(detail::deadline_after(timeout), ec);
  }

  bool wait_for(std::chrono::steady_clock::duration timeout) {
    std::error_code ec;
    const bool ready = wait_for(timeout, ec);
    throw_if(ec, "wait_for");
    return ready;
  }

  // Ends the stream: the reader gets every committed byte, then asio::error::eof. Wakes a sleeping
  // reader at once. Closing a closed writer does nothing.
  void close() noexcept {
    if (producer_) producer_->close();
    producer_.reset();
    ring_ = ring();
  }

  void close(std::error_code& ec) noexcept {
    ec.clear();
    close();
  }

private:
  template <class>
  friend class basic_writer;

  void attach() {
    if (!ring_) throw std::invalid_argument("ringpipe: basic_writer needs a ring");
    ring_.claim_writer();
    producer_.emplace(ring_.header());
  }

  bool check_open(std::error_code& ec) const noexcept {
    ec = producer_ ? std::error_code() : std::error_code(asio::error::bad_descriptor);
    return producer_.has_value();
  }

  // Returns true when writable; false with ec set on error, false with ec clear on timeout.
  bool await_writable(const core::deadline& until, std::error_code& ec) {
    if (!check_open(ec)) return false;
    const core::wait_status status = producer_->wait_writable(until);
    ec = detail::wait_error(status, asio::error::broken_pipe);
    return status == core::wait_status::ready;
  }

  static void throw_if(const std::error_code& ec, const char* operation) {
    if (ec) throw std::system_error(ec, std::string("ringpipe::writer::") + operation);
  }

  Executor executor_;
  ring ring_;
  std::optional<core::producer> producer_;
};

} // namespace ringpipe
