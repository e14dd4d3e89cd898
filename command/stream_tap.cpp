#include "stream_tap.hpp"

#include <cstdio>

#include <xxhash.h>

namespace ringpipe_cmd {

struct stream_tap::state {
  XXH3_state_t* hash = nullptr;
};

stream_tap::stream_tap(bool hash) : state_(std::make_unique<state>()) {
  if (!hash) return;
  state_->hash = XXH3_createState();
  if (state_->hash == nullptr) throw std::bad_alloc();
  XXH3_128bits_reset(state_->hash);
}

stream_tap::~stream_tap() {
  if (state_->hash != nullptr) XXH3_freeState(state_->hash);
}

void stream_tap::add(const void* bytes, std::size_t size) {
  if (state_->hash != nullptr) XXH3_128bits_update(state_->hash, bytes, size);
}

std::string stream_tap::digest() const {
  if (state_->hash == nullptr) return {};
  XXH128_canonical_t canonical;
  XXH128_canonicalFromHash(&canonical, XXH3_128bits_digest(state_->hash));
  std::string hex;
  for (const unsigned char byte : canonical.digest) {
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", byte);
    hex += pair;
  }
  return hex;
}

} // namespace ringpipe_cmd
