// The one place that sees every byte of the stream once, in order: it counts them and, with
// --hash xxh3, hashes them.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

namespace ringpipe_cmd {

class stream_tap {
public:
  explicit stream_tap(bool hash);
  stream_tap(const stream_tap&) = delete;
  stream_tap& operator=(const stream_tap&) = delete;
  ~stream_tap();

  void add(const void* bytes, std::size_t size);

  // The XXH3-128 of every byte added, as 32 hexadecimal digits (xxhsum -H2's form); empty without hashing.
  std::string digest() const;

private:
  struct state;
  std::unique_ptr<state> state_;
};

} // namespace ringpipe_cmd
