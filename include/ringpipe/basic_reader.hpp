// The reading end of a ring: an Asio SyncReadStream and AsyncReadStream. Blocking calls sleep while
// the ring is empty; asynchronous operations suspend instead, without a thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <system_error>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/buffer.hpp>

#include "ringpipe/detail/basic_endpoint.hpp"
#include "ringpipe/ring.hpp"

namespace ringpipe {

/// Owns the reader role of a ring. Movable, not copyable. Like an Asio socket it is not safe for
/// concurrent use, and it runs one asynchronous operation at a time, of any kind: one started while
/// another is outstanding completes at once with asio::error::in_progress, and the other goes on. Destroying
/// or closing it makes the writer's waiting and later writes fail with asio::error::broken_pipe.
///
/// Errors, common to every call: asio::error::eof once the writer closed and every committed byte was
/// read, asio::error::bad_descriptor on a closed or moved-from reader, error::corrupt when the shared
/// positions break an invariant, asio::error::operation_aborted for a cancelled operation.
template <class Executor = asio::any_io_executor>
class basic_reader : public detail::basic_endpoint<Executor, detail::reader_state> {
  using base = detail::basic_endpoint<Executor, detail::reader_state>;

public:
  using typename base::executor_type;

  /// This type on another executor type (what asio::as_default_on uses).
  template <class OtherExecutor>
  struct rebind_executor {
    using other = basic_reader<OtherExecutor>; ///< The rebound type.
  };

  // Members every endpoint has (detail/basic_endpoint.hpp), as they apply here:

  /// The executor that asynchronous operations without one of their own complete on.
  using base::get_executor;
  /// False once closed or moved from; every call then fails with asio::error::bad_descriptor.
  using base::is_open;
  /// The ring's data capacity in bytes; 0 once closed.
  using base::capacity;
  /// wait(), wait(ec): blocks until at least one byte can be read, or until that will never happen
  /// (asio::error::eof once the writer closed and the ring drained, error::peer_dead when its process died).
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
  /// This endpoint's counters (bytes, operations, waits on an empty ring, spins, sleeps, parks, futex calls,
  /// late wake-ups) as a plain struct; read from any thread while it is open.
  /// Once closed, they stay as they stood at the close.
  using base::statistics;
  /// How this endpoint waits on an empty ring: the spin before sleeping or parking, the liveness interval.
  using base::get_wait_options;
  /// Changes how this endpoint waits, from its next wait on; its ring handle's options until then.
  using base::set_wait_options;

  /// A reader is the lowest layer of any stream built on it (asio::buffered_read_stream<ringpipe::reader&>,
  /// say), as a socket is.
  using lowest_layer_type = basic_reader;
  /// This object itself.
  lowest_layer_type& lowest_layer() noexcept { return *this; }
  /// This object itself.
  const lowest_layer_type& lowest_layer() const noexcept { return *this; }

  /// Takes the reader role of `ring_handle`: throws std::system_error(error::reader_already_attached) when
  /// the ring has (or had) a reader, std::system_error(error::element_mismatch) for a queue's ring,
  /// std::invalid_argument for an empty ring handle.
  basic_reader(const executor_type& executor, ring ring_handle)
      : base(executor, detail::checked_for_bytes(std::move(ring_handle))) {}

  /// As the constructor taking an executor, with the context's executor.
  template <detail::execution_context_ref ExecutionContext>
  basic_reader(ExecutionContext& context, ring ring_handle)
      : basic_reader(detail::executor_of<executor_type>(context), std::move(ring_handle)) {}

  /// Takes over the other's role; the moved-from one is closed (is_open() is false).
  basic_reader(basic_reader&&) noexcept = default;
  /// Closes this endpoint, then takes over the other's; the moved-from one is closed.
  basic_reader& operator=(basic_reader&&) noexcept = default;

  /// Converting move, so that rebind_executor and as_default_on can wrap an existing reader.
  template <class OtherExecutor>
  requires std::constructible_from<Executor, const OtherExecutor&>
  basic_reader(basic_reader<OtherExecutor>&& other)
  noexcept : base(std::move(other)) {}

  /// Copies bytes from the ring into `buffers`, blocking while it is empty. Returns the number copied:
  /// at least 1, or 0 at once for empty buffers.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers, std::error_code& ec) {
    return this->check_open(ec) ? detail::blocking_read_some(*this->state_, buffers, ec) : 0;
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  template <class MutableBufferSequence>
  std::size_t read_some(const MutableBufferSequence& buffers) {
    std::error_code ec;
    const std::size_t read = read_some(buffers, ec);
    detail::throw_on_error(ec, "read_some");
    return read;
  }

  /// As read_some, suspending instead of blocking: completes with (error_code, bytes read) on the
  /// handler's associated executor, never inside this call. Never completes with success and 0 bytes
  /// for non-empty buffers; empty buffers complete at once with 0. A cancelled read moved nothing.
  template <class MutableBufferSequence, asio::completion_token_for<void(std::error_code, std::size_t)>
                                             ReadToken = asio::default_completion_token_t<executor_type>>
  auto async_read_some(const MutableBufferSequence& buffers,
                       ReadToken&& token = asio::default_completion_token_t<executor_type>()) {
    return this->template initiate<detail::read_some_operation<MutableBufferSequence>,
                                   void(std::error_code, std::size_t)>({buffers},
                                                                       std::forward<ReadToken>(token));
  }

  /// Zero-copy: the readable run of ring memory as one span. Empty when the ring is empty; without a
  /// mirrored mapping it stops at the end of the data area. Never blocks. Valid until consumed.
  asio::const_buffer data(std::error_code& ec) {
    if (!this->check_open(ec)) return {};
    detail::reader_state& state = *this->state_;
    const std::size_t whole = state.ring_handle.capacity();
    const asio::const_buffer span = detail::first_span(state.area, state.cursor.readable(whole), whole);
    if (state.cursor.corrupt()) ec = error::corrupt;
    return span;
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  asio::const_buffer data() {
    std::error_code ec;
    const asio::const_buffer span = data(ec);
    detail::throw_on_error(ec, "data");
    return span;
  }

  /// Releases `n` bytes at the front of the readable data to the writer. error::consume_too_large when
  /// n exceeds what is readable: nothing is released.
  void consume(std::size_t n, std::error_code& ec) {
    if (!this->check_open(ec)) return;
    core::consumer& cursor = this->state_->cursor;
    const core::region run = cursor.readable(n);
    if (cursor.corrupt())
      ec = error::corrupt;
    else if (n > run.size)
      ec = error::consume_too_large;
    else if (n != 0)
      this->state_->counters.moved(n, cursor.consume(n));
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  void consume(std::size_t n) {
    std::error_code ec;
    consume(n, ec);
    detail::throw_on_error(ec, "consume");
  }
};

/// A basic_reader on Asio's type-erased I/O executor.
using reader = basic_reader<asio::any_io_executor>;

} // namespace ringpipe
