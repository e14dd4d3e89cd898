// A completion handler together with the arguments it will be called with, keeping the handler's
// associated executor, allocator and cancellation slot, so Asio's post/dispatch treat it as the
// handler itself.
#pragma once

#include <tuple>
#include <utility>

#include <asio/associator.hpp>

namespace ringpipe::detail {

template <class Handler, class... Args>
struct bound_handler {
  Handler handler;
  std::tuple<Args...> arguments;

  void operator()() { std::apply(std::move(handler), std::move(arguments)); }
};

} // namespace ringpipe::detail

template <template <class, class> class Associator, class Handler, class... Args, class DefaultCandidate>
struct asio::associator<Associator, ringpipe::detail::bound_handler<Handler, Args...>, DefaultCandidate>
    : Associator<Handler, DefaultCandidate> {
  static typename Associator<Handler, DefaultCandidate>::type
  get(const ringpipe::detail::bound_handler<Handler, Args...>& bound,
      const DefaultCandidate& candidate = DefaultCandidate()) noexcept {
    return Associator<Handler, DefaultCandidate>::get(bound.handler, candidate);
  }
};
