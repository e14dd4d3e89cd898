// The writing end of a ring: an Asio SyncWriteStream and AsyncWriteStream. Blocking calls sleep while
// the ring is full; asynchronous operations suspend instead, without a thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <limits>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>

#include "ringpipe/detail/basic_endpoint.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe {

/// Owns the writer role of a ring. Movable, not copyable. Like an Asio socket it is not safe for
/// concurrent use, and it runs one asynchronous operation at a time, of any kind: one started while
/// another is outstanding completes at once with asio::error::in_progress, and the other goes on. Destroying
/// or closing it ends the stream: the reader drains what was committed and then gets asio::error::eof.
///
/// Errors, common to every call: asio::error::broken_pipe once the reader closed,
/// asio::error::bad_descriptor on a closed or moved-from writer, error::corrupt when the shared
/// positions break an invariant, asio::error::operation_aborted for a cancelled operation.
template <class Executor = asio::any_io_executor>
class basic_writer : public detail::basic_endpoint<Executor, detail::writer_state> {
  using base = detail::basic_endpoint<Executor, detail::writer_state>;

public:
  using typename base::executor_type;

  /// This type on another executor type (what asio::as_default_on uses).
  template <class OtherExecutor>
  struct rebind_executor {
    using other = basic_writer<OtherExecutor>; ///< The rebound type.
  };

  // Members every endpoint has (detail/basic_endpoint.hpp), as they apply here:

  /// The executor that asynchronous operations without one of their own complete on.
  using base::get_executor;
  /// False once closed or moved from; every call then fails with asio::error::bad_descriptor.
  using base::is_open;
  /// The ring's data capacity in bytes; 0 once closed.
  using base::capacity;
  /// wait(), wait(ec): blocks until at least one byte can be written, or until that will never happen
  /// (asio::error::broken_pipe once the reader closed or died).
  using base::wait;
  /// wait_for(timeout), wait_for(timeout, ec): as wait(), for at most `timeout` (any std::chrono
  /// duration); false when it timed out. A timeout past the steady clock's range has no deadline.
  using base::wait_for;
  /// async_wait(token): as wait(), suspending instead of blocking; completes with an error_code. With
  /// the zero-copy calls it gives zero-copy asynchronous I/O.
  using base::async_wait;
  /// cancel(), cancel(ec): ends this endpoint's parked asynchronous operation, if any, with
  /// asio::error::operation_aborted; one that already moved data is not affected.
  using base::cancel;
  /// close(), close(ec): closes this side at once. A parked operation ends with operation_aborted and
  /// the peer is woken. Closing a closed endpoint does nothing. The destructor closes.
  using base::close;
  /// This endpoint's counters (bytes, operations, waits on a full ring, spins, sleeps, parks, futex calls,
  /// late wake-ups) as a plain struct; read from any thread while it is open.
  /// Once closed, they stay as they stood at the close.
  using base::statistics;
  /// How this endpoint waits on a full ring: the spin before sleeping or parking, the liveness interval.
  using base::get_wait_options;
  /// Changes how this endpoint waits, from its next wait on; its ring handle's options until then.
  using base::set_wait_options;

  /// A writer is the lowest layer of any stream built on it (asio::buffered_write_stream<ringpipe::writer&>,
  /// say), as a socket is.
  using lowest_layer_type = basic_writer;
  /// This object itself.
  lowest_layer_type& lowest_layer() noexcept { return *this; }
  /// This object itself.
  const lowest_layer_type& lowest_layer() const noexcept { return *this; }

  /// Takes the writer role of `ring_handle`: throws std::system_error(error::writer_already_attached) when
  /// the ring has (or had) a writer, std::system_error(error::element_mismatch) for a queue's ring,
  /// std::invalid_argument for an empty ring handle.
  basic_writer(const executor_type& executor, ring ring_handle)
      : base(executor, detail::checked_for_bytes(std::move(ring_handle))) {}

  /// As the constructor taking an executor, with the context's executor.
  template <detail::execution_context_ref ExecutionContext>
  basic_writer(ExecutionContext& context, ring ring_handle)
      : basic_writer(detail::executor_of<executor_type>(context), std::move(ring_handle)) {}

  /// Takes over the other's role; the moved-from one is closed (is_open() is false).
  basic_writer(basic_writer&&) noexcept = default;
  /// Closes this endpoint, then takes over the other's; the moved-from one is closed.
  basic_writer& operator=(basic_writer&&) noexcept = default;

  /// Converting move, so that rebind_executor and as_default_on can wrap an existing writer.
  template <class OtherExecutor>
  requires std::constructible_from<Executor, const OtherExecutor&>
  basic_writer(basic_writer<OtherExecutor>&& other)
  noexcept : base(std::move(other)) {}

  /// Copies bytes from `buffers` into the ring, blocking while it is full. Returns the number copied:
  /// at least 1, or 0 at once for empty buffers.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers, std::error_code& ec) {
    return this->check_open(ec) ? detail::blocking_write_some(*this->state_, buffers, ec) : 0;
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  template <class ConstBufferSequence>
  std::size_t write_some(const ConstBufferSequence& buffers) {
    std::error_code ec;
    const std::size_t written = write_some(buffers, ec);
    detail::throw_on_error(ec, "write_some");
    return written;
  }

  /// As write_some, suspending instead of blocking: completes with (error_code, bytes written) on the
  /// handler's associated executor, never inside this call. Empty buffers complete at once with 0.
  /// A cancelled write moved nothing.
  template <class ConstBufferSequence, asio::completion_token_for<void(std::error_code, std::size_t)>
                                           WriteToken = asio::default_completion_token_t<executor_type>>
  auto async_write_some(const ConstBufferSequence& buffers,
                        WriteToken&& token = asio::default_completion_token_t<executor_type>()) {
    return this->template initiate<detail::write_some_operation<ConstBufferSequence>,
                                   void(std::error_code, std::size_t)>({buffers},
                                                                       std::forward<WriteToken>(token));
  }

  /// Zero-copy: the writable run of ring memory, at most `max_size` bytes, as one span. Empty when the
  /// ring is full; without a mirrored mapping it stops at the end of the data area. Never blocks. The
  /// span is what commit() may publish, until the next prepare() or any other write.
  asio::mutable_buffer prepare(std::size_t max_size, std::error_code& ec) {
    if (!this->check_open(ec)) return {};
    detail::writer_state& state = *this->state_;
    const asio::mutable_buffer span =
        detail::first_span(state.area, state.cursor.writable(max_size), max_size);
    if (state.cursor.corrupt()) ec = error::corrupt;
    state.prepared = span.size();
    return span;
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  asio::mutable_buffer prepare(std::size_t max_size = std::numeric_limits<std::size_t>::max()) {
    std::error_code ec;
    const asio::mutable_buffer span = prepare(max_size, ec);
    detail::throw_on_error(ec, "prepare");
    return span;
  }

  /// Publishes the first `n` bytes of the span the last prepare() returned, once written.
  /// error::commit_too_large when n exceeds what is left of that span (nothing prepared since the last
  /// write counts as 0): nothing is published, so no byte the caller did not write ever reaches the reader.
  void commit(std::size_t n, std::error_code& ec) {
    if (!this->check_open(ec)) return;
    detail::writer_state& state = *this->state_;
    if (state.cursor.reader_closed()) {
      ec = asio::error::broken_pipe;
      return;
    }
    if (n > state.prepared) {
      ec = error::commit_too_large;
      return;
    }
    if (n == 0) return;
    state.prepared -= n;
    state.counters.moved(n, state.cursor.commit(n));
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  void commit(std::size_t n) {
    std::error_code ec;
    commit(n, ec);
    detail::throw_on_error(ec, "commit");
  }
};

/// A basic_writer on Asio's type-erased I/O executor.
using writer = basic_writer<asio::any_io_executor>;

} // namespace ringpipe
