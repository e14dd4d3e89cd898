#include "ringpipe/core/remote_wake_thread.hpp"

#include <utility>

namespace ringpipe::core {

remote_wake_thread::remote_wake_thread(std::atomic<std::uint32_t>& sleep_word,
                                       std::atomic<async_waiter*>& slot, std::function<bool()> peer_alive,
                                       std::function<void()> peer_died,
                                       std::chrono::milliseconds check_interval)
    : relay_(sleep_word, slot, std::move(peer_alive), std::move(peer_died), check_interval),
      thread_([this] { relay_.run(); }) {}

remote_wake_thread::~remote_wake_thread() {
  relay_.stop();
  thread_.join();
}

} // namespace ringpipe::core
