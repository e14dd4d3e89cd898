# Standalone Asio ships no CMake package: find its header and wrap it in an imported target. The same
# file is installed with ringpipe's package, so consumers resolve Asio the same way.
include(GNUInstallDirs)
find_package(Threads REQUIRED)

if(NOT TARGET ringpipe::asio)
  find_path(RINGPIPE_ASIO_INCLUDE_DIR asio.hpp DOC "Directory holding standalone Asio's asio.hpp")
  if(NOT RINGPIPE_ASIO_INCLUDE_DIR)
    message(FATAL_ERROR "ringpipe needs standalone Asio (Debian: apt-get install libasio-dev)")
  endif()
  add_library(ringpipe::asio INTERFACE IMPORTED)
  set_target_properties(ringpipe::asio PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${RINGPIPE_ASIO_INCLUDE_DIR}")
  # clang 14 does not announce coroutine support the way Asio 1.22 detects it.
  target_compile_definitions(ringpipe::asio INTERFACE $<$<CXX_COMPILER_ID:Clang>:ASIO_HAS_CO_AWAIT=1>)
  target_link_libraries(ringpipe::asio INTERFACE Threads::Threads)
endif()
