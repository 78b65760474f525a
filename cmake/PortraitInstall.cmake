# Install CLI, runtime, plugins, SDK headers, data and a CMake package so that
# find_package(portrait) builds a plugin out of tree.
include(CMakePackageConfigHelpers)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/portrait
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/generated/include/portrait/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/portrait)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/pipelines DESTINATION ${PORTRAIT_DATA_INSTALL_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models DESTINATION ${PORTRAIT_DATA_INSTALL_DIR}
        PATTERN "__pycache__" EXCLUDE)
install(EXPORT portraitTargets NAMESPACE portrait::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/portrait)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/portraitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/portraitConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/portrait
  PATH_VARS PORTRAIT_PLUGIN_INSTALL_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/portraitConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/portraitConfig.cmake
              ${PROJECT_BINARY_DIR}/portraitConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/PortraitPlugin.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/portrait)
