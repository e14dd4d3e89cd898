// Reads a fuzzer's input as a script: small integers and byte runs taken from the front, zeros once it
// runs out, so that every input, however short, is a valid script.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>

namespace ringpipe::fuzz {

class fuzz_input {
public:
  fuzz_input(const std::uint8_t* data, std::size_t size) noexcept : rest_(data, size) {}

  bool empty() const noexcept { return rest_.empty(); }

  template <class Integer>
  Integer take() noexcept {
    Integer value{};
    const std::size_t n = std::min(sizeof(Integer), rest_.size());
    std::memcpy(&value, rest_.data(), n);
    rest_ = rest_.subspan(n);
    return value;
  }

  // A number in [0, bound): bound must be > 0.
  std::size_t below(std::size_t bound) noexcept { return take<std::uint16_t>() % bound; }

private:
  std::span<const std::uint8_t> rest_;
};

} // namespace ringpipe::fuzz
