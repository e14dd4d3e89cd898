// What the writer and the reader have in common: the executor, the shared state, moving, closing,
// cancelling, timed and untimed waiting, and the initiation of asynchronous operations.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <utility>

#include <asio/async_result.hpp>
#include <asio/error.hpp>

#include "ringpipe/detail/attempts.hpp"
#include "ringpipe/detail/blocking_calls.hpp"
#include "ringpipe/detail/endpoint_state.hpp"
#include "ringpipe/detail/operations.hpp"
#include "ringpipe/detail/pending_operation.hpp"
#include "ringpipe/detail/throw_on_error.hpp"
#include "ringpipe/endpoint_statistics.hpp"
#include "ringpipe/ring.hpp"
#include "ringpipe/wait_options.hpp"

namespace ringpipe::detail {

template <class Executor, class State>
class basic_endpoint {
public:
  using executor_type = Executor;

  executor_type get_executor() const noexcept { return executor_; }

  // False once closed or moved from; every operation then fails with asio::error::bad_descriptor.
  bool is_open() const noexcept { return state_ != nullptr; }

  // The ring's data capacity in bytes (0 when not open).
  std::size_t capacity() const noexcept { return state_ ? state_->ring_handle.capacity() : 0; }

  // This endpoint's counters so far; once closed, as they stood at the close.
  endpoint_statistics statistics() const noexcept {
    return state_ ? state_->statistics() : final_statistics_;
  }

  // How this endpoint waits: its ring handle's ring_options::waiting unless set here.
  wait_options get_wait_options() const noexcept { return state_ ? state_->waiting() : wait_options{}; }

  // Changes how this endpoint waits, from its next wait on (a relay thread already started for a peer
  // in another process keeps its liveness interval). Does nothing once closed.
  void set_wait_options(const wait_options& options) noexcept {
    if (state_) state_->set_waiting(options);
  }

  // Ends this endpoint's parked asynchronous operation, if any, with asio::error::operation_aborted.
  // An operation that already moved bytes is not affected.
  void cancel() noexcept {
    if (!state_) return;
    if (core::async_waiter* parked = state_->cursor.take_parked()) parked->abort();
  }

  void cancel(std::error_code& ec) noexcept {
    ec.clear();
    cancel();
  }

  // Closes this side: a parked operation ends with asio::error::operation_aborted, and the peer is
  // woken at once. Closing a closed endpoint does nothing.
  void close() noexcept {
    if (!state_) return;
    // release: a resuming operation that reads the flag sees the endpoint closed (see resume()).
    state_->open.store(false, std::memory_order_release);
    cancel();
    state_->cursor.close();
    final_statistics_ = state_->statistics();
    state_.reset();
  }

  void close(std::error_code& ec) noexcept {
    ec.clear();
    close();
  }

  // Blocks until this side can make progress: at least one byte can be written (writer) or read
  // (reader), or it never will (the error says why: broken_pipe, eof, ...).
  void wait(std::error_code& ec) { block_until_ready({}, ec); }

  void wait() {
    std::error_code ec;
    wait(ec);
    throw_on_error(ec, "wait");
  }

  // As wait(), giving up after `timeout`, of any std::chrono::duration type: returns false when it
  // timed out (ec stays clear). A timeout too long for the steady clock waits without a deadline.
  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout, std::error_code& ec) {
    return block_until_ready(deadline_after(timeout), ec);
  }

  template <class Rep, class Period>
  bool wait_for(const std::chrono::duration<Rep, Period>& timeout) {
    std::error_code ec;
    const bool ready = wait_for(timeout, ec);
    throw_on_error(ec, "wait_for");
    return ready;
  }

  // As wait(), suspending instead of blocking: completes with an error_code on the handler's
  // associated executor. With prepare/commit or data/consume it gives zero-copy asynchronous I/O.
  template <asio::completion_token_for<void(std::error_code)> WaitToken =
                asio::default_completion_token_t<executor_type>>
  auto async_wait(WaitToken&& token = asio::default_completion_token_t<executor_type>()) {
    return initiate<wait_operation, void(std::error_code)>({}, std::forward<WaitToken>(token));
  }

  // For ringpipe's composed operations: the ring this endpoint works on, or an empty handle when it is
  // closed. An operation that lends ring memory to a kernel operation keeps it, so that the memory
  // stays mapped even if the endpoint is closed meanwhile.
  friend ring ring_of(const basic_endpoint& endpoint) noexcept {
    return endpoint.state_ ? endpoint.state_->ring_handle : ring();
  }

protected:
  basic_endpoint(const Executor& executor, ring ring_handle) : executor_(executor) {
    if (!ring_handle) throw std::invalid_argument("ringpipe: an endpoint needs a ring");
    state_ = std::make_shared<State>(std::move(ring_handle));
  }

  template <class OtherExecutor>
  basic_endpoint(basic_endpoint<OtherExecutor, State>&& other) noexcept
      : executor_(other.executor_), state_(std::move(other.state_)) {}

  basic_endpoint(basic_endpoint&& other) noexcept
      : executor_(other.executor_), state_(std::move(other.state_)) {}

  basic_endpoint& operator=(basic_endpoint&& other) noexcept {
    if (this != &other) {
      close();
      executor_ = other.executor_;
      state_ = std::move(other.state_);
    }
    return *this;
  }

  ~basic_endpoint() { close(); }

  bool check_open(std::error_code& ec) const noexcept {
    ec = state_ ? std::error_code() : std::error_code(asio::error::bad_descriptor);
    return state_ != nullptr;
  }

  // Blocks until the endpoint is ready (true), fails for good (false, ec set) or the deadline passes
  // (false, ec clear).
  bool block_until_ready(const core::deadline& until, std::error_code& ec) {
    if (!check_open(ec)) return false;
    for (;;) {
      if (try_wait(*state_, ec)) return !ec;
      if (!sleep_until_ready(*state_, until, ec)) return false;
    }
  }

  template <class Operation, class Signature, class CompletionToken>
  auto initiate(Operation operation, CompletionToken&& token) {
    return asio::async_initiate<CompletionToken, Signature>(initiation(this), token, std::move(operation));
  }

  Executor executor_;
  std::shared_ptr<State> state_;
  // What statistics() reports once closed: the counters as close() found them.
  endpoint_statistics final_statistics_{};

private:
  template <class, class>
  friend class basic_endpoint;

  // Asio's initiation object: async_initiate calls it with the completion handler.
  class initiation {
  public:
    using executor_type = Executor;
    explicit initiation(basic_endpoint* self) noexcept : self_(self) {}
    executor_type get_executor() const noexcept { return self_->executor_; }

    template <class Handler, class Operation>
    void operator()(Handler&& handler, Operation operation) const {
      start_operation(self_->state_, std::move(operation), std::forward<Handler>(handler), self_->executor_);
    }

  private:
    basic_endpoint* self_;
  };
};

} // namespace ringpipe::detail
