#include "ringpipe/error.hpp"

namespace ringpipe {
namespace {

class ringpipe_category final : public std::error_category {
public:
  const char* name() const noexcept override { return "ringpipe"; }

  std::string message(int value) const override {
    switch (static_cast<error>(value)) {
    case error::writer_already_attached: return "the ring already has a writer";
    case error::reader_already_attached: return "the ring already has a reader";
    case error::corrupt: return "the ring's shared state is corrupt";
    case error::commit_too_large: return "commit of more bytes than were prepared";
    case error::consume_too_large: return "consume of more bytes than are readable";
    case error::not_a_ring: return "the object is not a ringpipe ring";
    case error::version_mismatch: return "the ring was made by an incompatible ringpipe layout version";
    case error::size_mismatch: return "the ring's recorded sizes do not match the object";
    case error::element_mismatch: return "the queue's element size or alignment differs from the ring's";
    case error::peer_dead: return "the peer process died without closing the ring";
    }
    return "unknown ringpipe error";
  }
};

} // namespace

const std::error_category& error_category() noexcept {
  static const ringpipe_category category;
  return category;
}

} // namespace ringpipe
