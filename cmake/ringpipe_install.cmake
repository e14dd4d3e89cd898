# Installs the library, its headers, a CMake package so that find_package(ringpipe) works from the
# install prefix, and a pkg-config file for builds without CMake. Asio, header-only, comes from the
# system's include path (Debian's libasio-dev has no .pc file to require).
include(CMakePackageConfigHelpers)

set(ringpipe_cmake_dir "${CMAKE_INSTALL_LIBDIR}/cmake/ringpipe")

install(TARGETS ringpipe EXPORT ringpipe-targets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY include/ringpipe DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(EXPORT ringpipe-targets NAMESPACE ringpipe:: DESTINATION ${ringpipe_cmake_dir})

configure_package_config_file(cmake/ringpipe-config.cmake.in
  "${CMAKE_CURRENT_BINARY_DIR}/ringpipe-config.cmake" INSTALL_DESTINATION ${ringpipe_cmake_dir})
write_basic_package_version_file("${CMAKE_CURRENT_BINARY_DIR}/ringpipe-config-version.cmake"
  COMPATIBILITY SameMinorVersion)
install(FILES
  "${CMAKE_CURRENT_BINARY_DIR}/ringpipe-config.cmake"
  "${CMAKE_CURRENT_BINARY_DIR}/ringpipe-config-version.cmake"
  cmake/ringpipe_dependencies.cmake
  DESTINATION ${ringpipe_cmake_dir})

set(ringpipe_pkgconfig_dir "${CMAKE_INSTALL_LIBDIR}/pkgconfig")
# From the .pc file's directory back up to the prefix: one ".." per directory level.
file(RELATIVE_PATH ringpipe_pc_to_prefix "/prefix/${ringpipe_pkgconfig_dir}" "/prefix")
string(REGEX REPLACE "/$" "" ringpipe_pc_to_prefix "${ringpipe_pc_to_prefix}")
configure_file(cmake/ringpipe.pc.in "${CMAKE_CURRENT_BINARY_DIR}/ringpipe.pc" @ONLY)
install(FILES "${CMAKE_CURRENT_BINARY_DIR}/ringpipe.pc" DESTINATION ${ringpipe_pkgconfig_dir})
