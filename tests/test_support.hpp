// Helpers shared by the tests: a reproducible byte stream that can be checked at any offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ringpipe::test {

// splitmix64: every 8-byte word of the stream is a hash of its index, so a reader can verify any
// position without keeping the writer's state.
constexpr std::uint64_t stream_word(std::uint64_t index) noexcept {
  std::uint64_t z = index + 0x9e3779b97f4a7c15ull;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

constexpr std::byte stream_byte(std::uint64_t position) noexcept {
  return static_cast<std::byte>(stream_word(position / 8) >> (8 * (position % 8)));
}

// Fills `out` with the stream's bytes starting at `position`.
inline void fill_stream(std::span<std::byte> out, std::uint64_t position) noexcept {
  std::size_t i = 0;
  for (; i < out.size() && (position + i) % 8 != 0; ++i)
    out[i] = stream_byte(position + i);
  for (; i + 8 <= out.size(); i += 8) {
    const std::uint64_t word = stream_word((position + i) / 8);
    std::memcpy(out.data() + i, &word, 8);
  }
  for (; i < out.size(); ++i)
    out[i] = stream_byte(position + i);
}

// The offset of the first byte of `in` that differs from the stream at `position`, or in.size().
inline std::size_t first_mismatch(std::span<const std::byte> in, std::uint64_t position) noexcept {
  std::size_t i = 0;
  for (; i < in.size() && (position + i) % 8 != 0; ++i)
    if (in[i] != stream_byte(position + i)) return i;
  for (; i + 8 <= in.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, in.data() + i, 8);
    if (word != stream_word((position + i) / 8)) break;
  }
  for (; i < in.size(); ++i)
    if (in[i] != stream_byte(position + i)) return i;
  return in.size();
}

} // namespace ringpipe::test
