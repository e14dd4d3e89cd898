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
    case error::commit_too_large: return "commit of more bytes than are writable";
    case error::consume_too_large: return "consume of more bytes than are readable";
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
