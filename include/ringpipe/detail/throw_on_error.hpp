// How every throwing overload reports: the error_code overload's code in a std::system_error, whose
// message names the call, as Asio's throwing overloads do.
#pragma once

#include <string>
#include <system_error>

namespace ringpipe::detail {

inline void throw_on_error(const std::error_code& ec, const char* operation) {
  if (ec) throw std::system_error(ec, std::string("ringpipe: ") + operation);
}

} // namespace ringpipe::detail
