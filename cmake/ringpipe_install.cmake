# Installs the library, its headers and a CMake package so that find_package(ringpipe) works from the
# install prefix.
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
