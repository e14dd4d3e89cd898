// A completion handler together with the arguments it will be called with: what an operation that
// completes at once posts to the handler's associated executor.
//
// It is posted straight there (see post_completion), so it declares no executor of its own and Asio
// wraps it in no work dispatcher: one hop through that executor's queue, not a post to the I/O executor
// and a dispatch from there with a tracked-work executor made, counted and destroyed in between (the
// asynchronous stream's per-operation cost, bench/README.md section 2). It declares the handler's
// allocator, which Asio uses for the posted function's memory.
#pragma once

#include <tuple>
#include <utility>

#include <asio/associated_allocator.hpp>

namespace ringpipe::detail {

template <class Handler, class... Args>
struct bound_handler {
  using allocator_type = asio::associated_allocator_t<Handler>;

  Handler handler;
  std::tuple<Args...> arguments;

  void operator()() { std::apply(std::move(handler), std::move(arguments)); }

  allocator_type get_allocator() const noexcept { return asio::get_associated_allocator(handler); }
};

} // namespace ringpipe::detail
