// Uses the umbrella header as a consumer would; exits 0 only if a message crosses the ring.
#include <ringpipe/ringpipe.hpp>

#include <asio/read.hpp>
#include <asio/system_executor.hpp>
#include <asio/write.hpp>

#include <string>

int main() {
  auto [w, r] = ringpipe::make_pipe(asio::system_executor(), 4096);
  const std::string message = "hello from an installed ringpipe";
  asio::write(w, asio::buffer(message));
  w.close();
  std::string received(message.size(), '\0');
  asio::read(r, asio::buffer(received));
  return received == message ? 0 : 1;
}
