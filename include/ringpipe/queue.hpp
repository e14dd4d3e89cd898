// Object mode: a typed single-producer / single-consumer queue over the same ring, in one process or
// across two. The capacity counts elements and is the exact backpressure limit; an element is never
// split or torn (the ring's fill limit is a whole number of elements and every transfer moves whole
// elements). A queue across processes checks that both sides agree on sizeof(T) and alignof(T).
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <optional>
#include <span>
#include <string_view>
#include <system_error>
#include <tuple>
#include <type_traits>
#include <utility>

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>

#include "ringpipe/core/identity.hpp"
#include "ringpipe/detail/basic_endpoint.hpp"
#include "ringpipe/detail/blocking_calls.hpp"
#include "ringpipe/detail/element_attempts.hpp"
#include "ringpipe/detail/queue_operations.hpp"
#include "ringpipe/detail/ring_access.hpp"
#include "ringpipe/detail/throw_on_error.hpp"
#include "ringpipe/ring.hpp"
#include "ringpipe/shared_ring.hpp"

namespace ringpipe {

/// The sending end of a queue of T. Errors as for basic_writer: broken_pipe once the receiver closed
/// (or its process died), bad_descriptor when closed, operation_aborted when cancelled.
template <class T, class Executor = asio::any_io_executor>
class basic_queue_sender : public detail::basic_endpoint<Executor, detail::writer_state> {
  using base = detail::basic_endpoint<Executor, detail::writer_state>;

public:
  using typename base::executor_type;
  /// The element type.
  using value_type = T;

  /// This type on another executor type (what asio::as_default_on uses).
  template <class OtherExecutor>
  struct rebind_executor {
    using other = basic_queue_sender<T, OtherExecutor>; ///< The rebound type.
  };

  // Members every endpoint has (detail/basic_endpoint.hpp), as they apply here:

  /// The executor that asynchronous operations without one of their own complete on.
  using base::get_executor;
  /// False once closed or moved from; every call then fails with asio::error::bad_descriptor.
  using base::is_open;
  /// wait(), wait(ec): blocks until one element can be pushed, or until that will never happen
  /// (asio::error::broken_pipe once the receiver closed or died).
  using base::wait;
  /// wait_for(timeout), wait_for(timeout, ec): as wait(), for at most `timeout` (any std::chrono
  /// duration); false when it timed out. A timeout past the steady clock's range has no deadline.
  using base::wait_for;
  /// async_wait(token): as wait(), suspending instead of blocking; completes with an error_code.
  using base::async_wait;
  /// cancel(), cancel(ec): ends this endpoint's parked asynchronous operation, if any, with
  /// asio::error::operation_aborted; one that already moved data is not affected.
  using base::cancel;
  /// close(), close(ec): closes this side at once. A parked operation ends with operation_aborted and
  /// the peer is woken. Closing a closed endpoint does nothing. The destructor closes.
  using base::close;
  /// This endpoint's counters (bytes, operations, waits on a full queue, spins, sleeps, parks, futex calls,
  /// late wake-ups) as a plain struct; read from any thread while it is open.
  /// Once closed, they stay as they stood at the close.
  using base::statistics;
  /// How this endpoint waits on a full queue: the spin before sleeping or parking, the liveness interval.
  using base::get_wait_options;
  /// Changes how this endpoint waits, from its next wait on; its ring handle's options until then.
  using base::set_wait_options;

  /// Takes the writer role of a queue ring; std::system_error(error::element_mismatch) when the ring
  /// was made for another element type.
  basic_queue_sender(const executor_type& executor, ring ring_handle)
      : base(executor, detail::checked_for_elements<T>(std::move(ring_handle))) {}

  /// As the constructor taking an executor, with the context's executor.
  template <detail::execution_context_ref ExecutionContext>
  basic_queue_sender(ExecutionContext& context, ring ring_handle)
      : basic_queue_sender(detail::executor_of<executor_type>(context), std::move(ring_handle)) {}

  /// Takes over the other's role; the moved-from one is closed (is_open() is false).
  basic_queue_sender(basic_queue_sender&&) noexcept = default;
  /// Closes this endpoint, then takes over the other's; the moved-from one is closed.
  basic_queue_sender& operator=(basic_queue_sender&&) noexcept = default;

  /// Converting move, so that rebind_executor and as_default_on can wrap an existing one.
  template <class OtherExecutor>
  requires std::constructible_from<Executor, const OtherExecutor&>
  basic_queue_sender(basic_queue_sender<T, OtherExecutor>&& other)
  noexcept : base(std::move(other)) {}

  /// The queue's capacity in elements (not bytes, unlike a byte endpoint's): the exact number push()
  /// accepts before blocking; 0 once closed.
  std::size_t capacity() const noexcept {
    return base::is_open() ? this->state_->ring_handle.fill_limit() / sizeof(T) : 0;
  }

  /// Blocks while the queue is full.
  [[gnu::always_inline]] void push(const T& value, std::error_code& ec) {
    if (pushed_at_once(value)) return detail::clear_error(ec);
    push_slowly(value, ec);
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  [[gnu::always_inline]] void push(const T& value) {
    if (pushed_at_once(value)) return;
    std::error_code ec;
    push_slowly(value, ec);
    detail::throw_on_error(ec, "push");
  }

  /// Pushes as many of `values` as fit, blocking only while none fits; returns how many.
  std::size_t push(std::span<const T> values, std::error_code& ec) {
    if (!this->check_open(ec)) return 0;
    return detail::blocking_write_some(*this->state_, asio::buffer(values.data(), values.size_bytes()), ec) /
           sizeof(T);
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  std::size_t push(std::span<const T> values) {
    std::error_code ec;
    const std::size_t pushed = push(values, ec);
    detail::throw_on_error(ec, "push");
    return pushed;
  }

  /// Never blocks: false when the queue is full.
  [[gnu::always_inline]] bool try_push(const T& value, std::error_code& ec) {
    if (pushed_at_once(value)) {
      detail::clear_error(ec);
      return true;
    }
    return try_push_slowly(value, ec);
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  [[gnu::always_inline]] bool try_push(const T& value) {
    if (pushed_at_once(value)) return true;
    std::error_code ec;
    const bool pushed = try_push_slowly(value, ec);
    detail::throw_on_error(ec, "try_push");
    return pushed;
  }

  /// Suspends while the queue is full; completes with an error_code.
  template <asio::completion_token_for<void(std::error_code)> PushToken =
                asio::default_completion_token_t<executor_type>>
  auto async_push(const T& value, PushToken&& token = asio::default_completion_token_t<executor_type>()) {
    return this->template initiate<detail::push_operation<T>, void(std::error_code)>(
        {value}, std::forward<PushToken>(token));
  }

private:
  // Every push starts here: the common case, always inlined with the public call around it, with no
  // error_code made (element_attempts.hpp); the slow halves stay out of line. GCC at -O2 left these
  // calls out of line, with the element passed through memory: a few nanoseconds per push that made the
  // producer no faster than its consumer, which then met every element as it arrived and paid a
  // cache-line transfer for each (2.4x fewer elements per second between pinned threads; bench/README.md,
  // section 3).
  [[gnu::always_inline]] bool pushed_at_once(const T& value) noexcept {
    return this->state_ && detail::write_element_if_room<sizeof(T)>(*this->state_, &value);
  }

  // After pushed_at_once failed: the attempts that tell full, closed, dead and corrupt apart, and wait.
  // The element by value: a reference would make the caller keep its variable in memory for the out-of-
  // line call, and reload it after every store of the fast path (any of which may alias it).
  [[gnu::noinline]] void push_slowly(const T value, std::error_code& ec) {
    if (!this->check_open(ec)) return;
    while (!detail::try_write_element(*this->state_, &value, sizeof(T), ec) && !ec &&
           detail::sleep_until_ready(*this->state_, {}, ec)) {
    }
  }

  [[gnu::noinline]] bool try_push_slowly(const T value, std::error_code& ec) {
    return this->check_open(ec) && detail::try_write_element(*this->state_, &value, sizeof(T), ec);
  }
};

/// The receiving end of a queue of T. Errors as for basic_reader: eof once the sender closed and the
/// queue drained, error::peer_dead when the sender's process died, bad_descriptor, operation_aborted.
template <class T, class Executor = asio::any_io_executor>
class basic_queue_receiver : public detail::basic_endpoint<Executor, detail::reader_state> {
  using base = detail::basic_endpoint<Executor, detail::reader_state>;

public:
  using typename base::executor_type;
  /// The element type.
  using value_type = T;

  /// This type on another executor type (what asio::as_default_on uses).
  template <class OtherExecutor>
  struct rebind_executor {
    using other = basic_queue_receiver<T, OtherExecutor>; ///< The rebound type.
  };

  // Members every endpoint has (detail/basic_endpoint.hpp), as they apply here:

  /// The executor that asynchronous operations without one of their own complete on.
  using base::get_executor;
  /// False once closed or moved from; every call then fails with asio::error::bad_descriptor.
  using base::is_open;
  /// wait(), wait(ec): blocks until one element can be popped, or until that will never happen
  /// (asio::error::eof once the sender closed and the queue drained, error::peer_dead when its process died).
  using base::wait;
  /// wait_for(timeout), wait_for(timeout, ec): as wait(), for at most `timeout` (any std::chrono
  /// duration); false when it timed out. A timeout past the steady clock's range has no deadline.
  using base::wait_for;
  /// async_wait(token): as wait(), suspending instead of blocking; completes with an error_code.
  using base::async_wait;
  /// cancel(), cancel(ec): ends this endpoint's parked asynchronous operation, if any, with
  /// asio::error::operation_aborted; one that already moved data is not affected.
  using base::cancel;
  /// close(), close(ec): closes this side at once. A parked operation ends with operation_aborted and
  /// the peer is woken. Closing a closed endpoint does nothing. The destructor closes.
  using base::close;
  /// This endpoint's counters (bytes, operations, waits on an empty queue, spins, sleeps, parks, futex calls,
  /// late wake-ups) as a plain struct; read from any thread while it is open.
  /// Once closed, they stay as they stood at the close.
  using base::statistics;
  /// How this endpoint waits on an empty queue: the spin before sleeping or parking, the liveness interval.
  using base::get_wait_options;
  /// Changes how this endpoint waits, from its next wait on; its ring handle's options until then.
  using base::set_wait_options;

  /// Takes the reader role of a queue ring: std::system_error(error::element_mismatch) when the ring was
  /// made for another element type, error::reader_already_attached when it has (or had) a receiver.
  basic_queue_receiver(const executor_type& executor, ring ring_handle)
      : base(executor, detail::checked_for_elements<T>(std::move(ring_handle))) {}

  /// As the constructor taking an executor, with the context's executor.
  template <detail::execution_context_ref ExecutionContext>
  basic_queue_receiver(ExecutionContext& context, ring ring_handle)
      : basic_queue_receiver(detail::executor_of<executor_type>(context), std::move(ring_handle)) {}

  /// Takes over the other's role; the moved-from one is closed (is_open() is false).
  basic_queue_receiver(basic_queue_receiver&&) noexcept = default;
  /// Closes this endpoint, then takes over the other's; the moved-from one is closed.
  basic_queue_receiver& operator=(basic_queue_receiver&&) noexcept = default;

  /// Converting move, so that rebind_executor and as_default_on can wrap an existing one.
  template <class OtherExecutor>
  requires std::constructible_from<Executor, const OtherExecutor&>
  basic_queue_receiver(basic_queue_receiver<T, OtherExecutor>&& other)
  noexcept : base(std::move(other)) {}

  /// The queue's capacity in elements (not bytes, unlike a byte endpoint's); 0 once closed.
  std::size_t capacity() const noexcept {
    return base::is_open() ? this->state_->ring_handle.fill_limit() / sizeof(T) : 0;
  }

  /// Blocks while the queue is empty. On error the returned value is all zero bytes.
  [[gnu::always_inline]] T pop(std::error_code& ec) {
    std::array<std::byte, sizeof(T)> bytes;
    if (!popped_at_once(bytes)) return pop_slowly(ec);
    detail::clear_error(ec);
    return detail::from_bytes<T>(bytes);
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  [[gnu::always_inline]] T pop() {
    std::array<std::byte, sizeof(T)> bytes;
    if (popped_at_once(bytes)) return detail::from_bytes<T>(bytes);
    std::error_code ec;
    const T value = pop_slowly(ec);
    detail::throw_on_error(ec, "pop");
    return value;
  }

  /// Pops as many elements as are there, up to out.size(), blocking only while there are none.
  std::size_t pop(std::span<T> out, std::error_code& ec) {
    if (!this->check_open(ec)) return 0;
    return detail::blocking_read_some(*this->state_, asio::buffer(out.data(), out.size_bytes()), ec) /
           sizeof(T);
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  std::size_t pop(std::span<T> out) {
    std::error_code ec;
    const std::size_t popped = pop(out, ec);
    detail::throw_on_error(ec, "pop");
    return popped;
  }

  /// Never blocks: nullopt when the queue is empty (or on error, with ec set).
  [[gnu::always_inline]] std::optional<T> try_pop(std::error_code& ec) {
    std::array<std::byte, sizeof(T)> bytes;
    if (!popped_at_once(bytes)) return try_pop_slowly(ec);
    detail::clear_error(ec);
    return detail::from_bytes<T>(bytes);
  }

  /// As the overload taking a std::error_code, throwing std::system_error instead.
  [[gnu::always_inline]] std::optional<T> try_pop() {
    std::array<std::byte, sizeof(T)> bytes;
    if (popped_at_once(bytes)) return detail::from_bytes<T>(bytes);
    std::error_code ec;
    const std::optional<T> popped = try_pop_slowly(ec);
    detail::throw_on_error(ec, "try_pop");
    return popped;
  }

  /// Suspends while the queue is empty; completes with (error_code, T).
  template <asio::completion_token_for<void(std::error_code, T)> PopToken =
                asio::default_completion_token_t<executor_type>>
  auto async_pop(PopToken&& token = asio::default_completion_token_t<executor_type>()) {
    return this->template initiate<detail::pop_operation<T>, void(std::error_code, T)>(
        {}, std::forward<PopToken>(token));
  }

private:
  // Every pop starts here: the common case, always inlined, as pushed_at_once is.
  [[gnu::always_inline]] bool popped_at_once(std::array<std::byte, sizeof(T)>& bytes) noexcept {
    return this->state_ && detail::read_element_if_there<sizeof(T)>(*this->state_, bytes.data());
  }

  // After popped_at_once failed: the attempts that tell empty, ended, dead and corrupt apart, and wait.
  // They return the element rather than fill the caller's bytes, which would then live in memory for
  // the out-of-line call (see push_slowly). On error, pop's element is all zero bytes.
  [[gnu::noinline]] T pop_slowly(std::error_code& ec) {
    std::array<std::byte, sizeof(T)> bytes{};
    if (!this->check_open(ec)) return detail::from_bytes<T>(bytes);
    while (!detail::try_read_element(*this->state_, bytes.data(), sizeof(T), ec) && !ec &&
           detail::sleep_until_ready(*this->state_, {}, ec)) {
    }
    return detail::from_bytes<T>(bytes);
  }

  [[gnu::noinline]] std::optional<T> try_pop_slowly(std::error_code& ec) {
    std::array<std::byte, sizeof(T)> bytes;
    if (!this->check_open(ec) || !detail::try_read_element(*this->state_, bytes.data(), sizeof(T), ec))
      return std::nullopt;
    return detail::from_bytes<T>(bytes);
  }
};

/// A basic_queue_sender on Asio's type-erased I/O executor.
template <class T>
using queue_sender = basic_queue_sender<T>;
/// A basic_queue_receiver on Asio's type-erased I/O executor.
template <class T>
using queue_receiver = basic_queue_receiver<T>;

/// A ring for a queue of exactly `capacity` elements of T, in fresh memory of this process.
template <class T>
ring create_queue_ring(std::size_t capacity, ring_options options = {}) {
  return detail::ring_access::create(core::queue_identity(capacity, sizeof(T), alignof(T)), options);
}

/// A named ring for a queue of exactly `capacity` elements of T; attach with open_shared_ring.
template <class T>
ring create_shared_queue(std::string_view name, std::size_t capacity, const shared_ring_options& options,
                         std::error_code& ec) {
  return detail::ring_access::create_shared(name, core::queue_identity(capacity, sizeof(T), alignof(T)),
                                            options, ec);
}

/// As the overload taking a std::error_code, throwing std::system_error instead.
template <class T>
ring create_shared_queue(std::string_view name, std::size_t capacity,
                         const shared_ring_options& options = {}) {
  std::error_code ec;
  ring ring_handle = create_shared_queue<T>(name, capacity, options, ec);
  detail::throw_on_error(ec, "create_shared_queue");
  return ring_handle;
}

/// A queue of exactly `capacity` elements of T, with its two ends. Throws std::invalid_argument for a
/// capacity of 0 or one too large.
template <class T>
std::pair<queue_sender<T>, queue_receiver<T>> make_queue(const asio::any_io_executor& sender_executor,
                                                         const asio::any_io_executor& receiver_executor,
                                                         std::size_t capacity, ring_options options = {}) {
  ring ring_handle = create_queue_ring<T>(capacity, options);
  queue_sender<T> sender(sender_executor, ring_handle);
  queue_receiver<T> receiver(receiver_executor, std::move(ring_handle));
  return {std::move(sender), std::move(receiver)};
}

/// As the overload taking two executors, with one executor for both ends.
template <class T>
std::pair<queue_sender<T>, queue_receiver<T>> make_queue(const asio::any_io_executor& executor,
                                                         std::size_t capacity, ring_options options = {}) {
  return make_queue<T>(executor, executor, capacity, options);
}

/// As the overload taking one executor, with the context's executor.
template <class T, detail::execution_context_ref ExecutionContext>
std::pair<queue_sender<T>, queue_receiver<T>> make_queue(ExecutionContext& context, std::size_t capacity,
                                                         ring_options options = {}) {
  return make_queue<T>(context.get_executor(), capacity, options);
}

} // namespace ringpipe
