// How an asynchronous operation waits for the peer without a thread: it parks in the ring's
// single-slot handoff, and whoever takes it out of the slot — the peer's commit, consume or close, a
// cancellation, this side's close — resumes it exactly once by posting it to its executor.
//
// An Operation supplies `result_type` (the completion arguments as a tuple), `attempt(State&)` (one
// non-blocking try: a result, or nullopt to keep waiting) and `failed(error_code)`.
#pragma once

#include <atomic>
#include <memory>
#include <optional>
#include <system_error>
#include <tuple>
#include <utility>

#include <asio/associated_allocator.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/associated_executor.hpp>
#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>

#include "ringpipe/core/platform.hpp"
#include "ringpipe/core/wait.hpp"
#include "ringpipe/detail/bound_handler.hpp"
#include "ringpipe/detail/operation_memory.hpp"

namespace ringpipe::detail {

// Runs a parked operation's next attempt. It is posted straight to the handler's associated executor
// (a strand, say), so it declares no executor of its own and Asio wraps it in no work dispatcher: one
// hop, not a post to the I/O executor and a dispatch from there. It carries a copy of the handler's
// allocator, which Asio may ask a moved-from object for. It owns the operation until run: if its
// executor is shut down first, the operation is destroyed without calling the handler, as Asio destroys
// its own pending operations.
template <class Operation>
class resume_handler {
public:
  using allocator_type = typename Operation::handler_allocator_type;

  explicit resume_handler(Operation* operation) noexcept
      : operation_(operation), allocator_(operation->handler_allocator()) {}
  resume_handler(resume_handler&& other) noexcept
      : operation_(std::exchange(other.operation_, nullptr)), allocator_(other.allocator_) {}
  resume_handler& operator=(resume_handler&&) = delete;
  ~resume_handler() {
    if (operation_) operation_->destroy();
  }

  void operator()() { std::exchange(operation_, nullptr)->resume(); }

  allocator_type get_allocator() const noexcept { return allocator_; }

private:
  Operation* operation_;
  [[no_unique_address]] allocator_type allocator_;
};

template <class Operation>
struct cancellation_handler {
  // A constructor, not an aggregate: cancellation_slot::emplace constructs with parentheses, which
  // clang 14 does not accept for aggregates.
  explicit cancellation_handler(Operation* target) noexcept : operation(target) {}

  Operation* operation;
  void operator()(asio::cancellation_type type) const {
    if (type != asio::cancellation_type::none) operation->cancel();
  }
};

// An attempt, repeated over the endpoint's spin (wait_options::spin) while it must wait: a peer that
// is running usually moves within a few microseconds, and parking then being woken costs a thread
// wake-up or two (bench/README.md: ~20 µs across processes), far more than the spin.
template <class Operation, class State>
std::optional<typename Operation::result_type> attempt_briefly(const Operation& operation, State& state) {
  if (std::optional<typename Operation::result_type> result = operation.attempt(state)) return result;
  state.counters.must_wait();
  std::optional<typename Operation::result_type> result;
  auto attempt = [&](std::memory_order) -> std::optional<core::wait_status> {
    result = operation.attempt(state);
    return result ? std::optional<core::wait_status>(core::wait_status::ready) : std::nullopt;
  };
  if (core::spin_for_peer<core::linux_platform>(attempt, state.waiting().spin))
    state.counters.spin_succeeded();
  return result;
}

template <class State, class Operation, class Handler, class IoExecutor>
class pending_operation final : public core::async_waiter {
public:
  using result_type = typename Operation::result_type;
  using handler_executor_type = asio::associated_executor_t<Handler, IoExecutor>;
  using handler_allocator_type = asio::associated_allocator_t<Handler>;

  // Allocates with the handler's associated allocator; by default, the endpoint's reused block (see
  // operation_memory.hpp), so that steady state allocates nothing.
  static pending_operation* create(std::shared_ptr<State> state, Operation operation, Handler handler,
                                   const IoExecutor& io_executor) {
    allocator_type allocator = allocator_for(handler, *state);
    pending_operation* memory = std::allocator_traits<allocator_type>::allocate(allocator, 1);
    try {
      return ::new (static_cast<void*>(memory))
          pending_operation(std::move(state), std::move(operation), std::move(handler), io_executor);
    } catch (...) {
      std::allocator_traits<allocator_type>::deallocate(allocator, memory, 1);
      throw;
    }
  }

  // Offers the operation to the peer. If the peer's state changed while parking, takes it back and
  // resumes it through the executor: never runs the handler inside the caller.
  void park() {
    install_cancellation();
    // Once parked, the operation may be resumed and freed on another thread: only the local copy of
    // the state is used after that.
    const std::shared_ptr<State> state = state_;
    state->sweep_entry.before_park();
    state->counters.parked();
    if (state->cursor.park(this))
      wake();
    else
      state->relay_remote_wakes();
  }

  // The handler's executor, not the I/O one: the attempt and the handler run where the handler must
  // run (a strand), in one hop, and io_work_ keeps the I/O executor busy meanwhile.
  void wake() noexcept override {
    asio::post(handler_work_.get_executor(), resume_handler<pending_operation>(this));
  }

  void abort() noexcept override {
    aborted_ = true;
    wake();
  }

  // Per-operation cancellation: only a parked operation can be cancelled, and it has moved no byte.
  void cancel() {
    if (state_->cursor.unpark(this)) abort();
  }

  // On the handler's executor: one more attempt, then completion or parking again.
  void resume() {
    // acquire: pairs with close()'s release; a closed endpoint's cursor is not touched again.
    if (aborted_ || !state_->open.load(std::memory_order_acquire))
      return complete(Operation::failed(asio::error::operation_aborted));
    if (std::optional<result_type> result = attempt_briefly(operation_, *state_))
      return complete(std::move(*result));
    park();
  }

  handler_allocator_type handler_allocator() const noexcept {
    return asio::get_associated_allocator(handler_);
  }

  // Frees the operation without completing it: its executor was shut down with it still queued.
  // Like Asio's own operations at shutdown, it leaves the cancellation slot alone: the signal that
  // owns it may be gone already.
  void destroy() noexcept {
    // Kept until the memory is released: it may own the block being given back.
    const std::shared_ptr<State> state = state_;
    release(allocator_for(handler_, *state));
    // release: the next initiation on this endpoint sees this operation's accesses done.
    state->operation_outstanding.store(false, std::memory_order_release);
  }

private:
  using allocator_type =
      typename std::allocator_traits<asio::associated_allocator_t<Handler, operation_allocator<void>>>::
          template rebind_alloc<pending_operation>;

  static allocator_type allocator_for(const Handler& handler, State& state) {
    return allocator_type(
        asio::get_associated_allocator(handler, operation_allocator<void>(state.operation_blocks)));
  }

  pending_operation(std::shared_ptr<State> state, Operation operation, Handler handler,
                    const IoExecutor& io_executor)
      : state_(std::move(state)), operation_(std::move(operation)), handler_(std::move(handler)),
        io_work_(io_executor), handler_work_(asio::get_associated_executor(handler_, io_executor)) {}

  void install_cancellation() {
    if (cancellation_installed_) return;
    asio::associated_cancellation_slot_t<Handler> slot = asio::get_associated_cancellation_slot(handler_);
    if (!slot.is_connected()) return;
    slot.template emplace<cancellation_handler<pending_operation>>(this);
    cancellation_installed_ = true;
  }

  // Runs on the handler's executor (resume() was posted there), so the handler is called directly,
  // after the operation's memory is released for reuse.
  void complete(result_type result) {
    if (cancellation_installed_) asio::get_associated_cancellation_slot(handler_).clear();
    // Kept until the memory is released: it may own the block being given back.
    const std::shared_ptr<State> state = state_;
    allocator_type allocator = allocator_for(handler_, *state);
    Handler handler(std::move(handler_));
    asio::executor_work_guard<IoExecutor> io_work(std::move(io_work_));
    asio::executor_work_guard<handler_executor_type> handler_work(std::move(handler_work_));
    release(allocator);
    // release: the next initiation, which the handler may start, sees this operation's accesses done
    // and its memory given back.
    state->operation_outstanding.store(false, std::memory_order_release);
    std::apply(std::move(handler), std::move(result));
  }

  void release(allocator_type allocator) noexcept {
    this->~pending_operation();
    std::allocator_traits<allocator_type>::deallocate(allocator, this, 1);
  }

  std::shared_ptr<State> state_;
  Operation operation_;
  Handler handler_;
  // Outstanding work on both executors while the operation waits, as Asio's own operations keep.
  asio::executor_work_guard<IoExecutor> io_work_;
  asio::executor_work_guard<handler_executor_type> handler_work_;
  bool cancellation_installed_ = false;
  bool aborted_ = false;
};

// Completes at once, never inside the initiating function: posted to the handler's associated executor
// (the I/O executor when it has none), as asio::post(handler) would.
template <class IoExecutor, class Handler, class... Args>
void post_completion(const IoExecutor& io_executor, Handler&& handler, std::tuple<Args...> result) {
  const asio::associated_executor_t<std::decay_t<Handler>, IoExecutor> handler_executor =
      asio::get_associated_executor(handler, io_executor);
  asio::post(handler_executor, bound_handler<std::decay_t<Handler>, Args...>{std::forward<Handler>(handler),
                                                                             std::move(result)});
}

// Starts an asynchronous operation on an endpoint's state (null when the endpoint is closed). An
// endpoint runs one asynchronous operation at a time, of any kind (its side has one waiter slot): one
// started while another is outstanding completes at once with asio::error::in_progress, moving
// nothing, and the outstanding one is unaffected.
template <class State, class Operation, class Handler, class IoExecutor>
void start_operation(const std::shared_ptr<State>& state, Operation operation, Handler&& handler,
                     const IoExecutor& io_executor) {
  if (!state)
    return post_completion(io_executor, std::forward<Handler>(handler),
                           Operation::failed(asio::error::bad_descriptor));
  // acquire: pairs with the release that ended the previous operation (complete, destroy).
  if (state->operation_outstanding.load(std::memory_order_acquire))
    return post_completion(io_executor, std::forward<Handler>(handler),
                           Operation::failed(asio::error::in_progress));
  if (auto result = attempt_briefly(operation, *state))
    return post_completion(io_executor, std::forward<Handler>(handler), std::move(*result));
  using operation_type = pending_operation<State, Operation, std::decay_t<Handler>, IoExecutor>;
  operation_type* parked =
      operation_type::create(state, std::move(operation), std::forward<Handler>(handler), io_executor);
  // relaxed: read by later initiations on this endpoint, which its user orders after this one.
  state->operation_outstanding.store(true, std::memory_order_relaxed);
  parked->park();
}

} // namespace ringpipe::detail
