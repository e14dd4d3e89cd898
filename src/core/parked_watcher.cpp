#include "ringpipe/core/parked_watcher.hpp"

#include <utility>

namespace ringpipe::core {

parked_watcher::parked_watcher(std::atomic<std::uint32_t>& sleep_word, std::atomic<parked_waiter*>& slot,
                               std::function<bool()> peer_alive, std::function<void()> peer_died)
    : watch_(sleep_word, slot, std::move(peer_alive), std::move(peer_died)),
      thread_([this] { watch_.run(); }) {}

parked_watcher::~parked_watcher() {
  watch_.stop();
  thread_.join();
}

} // namespace ringpipe::core
