# Install CLI, runtime, plugins, SDK headers, data and a CMake package so that
# find_package(portrait) builds a plugin out of tree (tests/out_of_tree_plugin checks it).
#   bin/portrait, bin/portrait-studio    the CLI and the Qt app (RUNPATH $ORIGIN/../lib)
#   lib/libportrait.so.*                 the runtime
#   lib/portrait/plugins/portrait_*.so   bundled stage plugins (portrait_add_stage_plugin)
#   include/portrait/...                 SDK and runtime headers, generated version.hpp
#   share/portrait/{pipelines,models}    pipelines, model catalogue and converters
#   lib/cmake/portrait/                  portraitConfig.cmake, targets, PortraitPlugin.cmake
include(CMakePackageConfigHelpers)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/framework/include/portrait
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR} FILES_MATCHING PATTERN "*.hpp")
install(FILES ${PROJECT_BINARY_DIR}/generated/include/portrait/version.hpp
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/portrait)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/pipelines DESTINATION ${PORTRAIT_DATA_INSTALL_DIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/models DESTINATION ${PORTRAIT_DATA_INSTALL_DIR}
        PATTERN "__pycache__" EXCLUDE)

# The installed CLI finds the installed runtime wherever the prefix is moved.
file(RELATIVE_PATH _portrait_bin_to_lib ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}
     ${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBDIR})
foreach(_exe portrait portrait-studio)
  if(TARGET ${_exe})
    set_target_properties(${_exe} PROPERTIES INSTALL_RPATH "$ORIGIN/${_portrait_bin_to_lib}")
  endif()
endforeach()

install(EXPORT portraitTargets NAMESPACE portrait::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/portrait)
# portrait::torch (LibTorch stages) in its own file: only find_package(portrait COMPONENTS
# torch) pays for finding LibTorch.
set_target_properties(portrait_torch PROPERTIES EXPORT_NAME torch)
install(TARGETS portrait_torch EXPORT portraitTorchTargets)
install(EXPORT portraitTorchTargets NAMESPACE portrait::
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/portrait)
# The installed package's config (lib/cmake/portrait), made under install-config/ so that it
# does not take the place of the build tree's own, below.
set(PORTRAIT_CONFIG_INCLUDE_DIR ${CMAKE_INSTALL_INCLUDEDIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/portraitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/install-config/portraitConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/portrait
  PATH_VARS PORTRAIT_PLUGIN_INSTALL_DIR PORTRAIT_CONFIG_INCLUDE_DIR)
# The build tree is a package too: -Dportrait_DIR=<build folder> builds a plugin against it
# without installing (SDK headers from the source tree, version.hpp and the plugin folder
# from the build).
export(EXPORT portraitTargets NAMESPACE portrait:: FILE ${PROJECT_BINARY_DIR}/portraitTargets.cmake)
export(EXPORT portraitTorchTargets NAMESPACE portrait:: FILE ${PROJECT_BINARY_DIR}/portraitTorchTargets.cmake)
configure_file(${PROJECT_SOURCE_DIR}/cmake/PortraitPlugin.cmake ${PROJECT_BINARY_DIR}/PortraitPlugin.cmake COPYONLY)
set(PORTRAIT_CONFIG_INCLUDE_DIR generated/include)
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/portraitConfig.cmake.in
  ${PROJECT_BINARY_DIR}/portraitConfig.cmake
  INSTALL_DESTINATION ${PROJECT_BINARY_DIR} INSTALL_PREFIX ${PROJECT_BINARY_DIR}
  PATH_VARS PORTRAIT_PLUGIN_INSTALL_DIR PORTRAIT_CONFIG_INCLUDE_DIR)
write_basic_package_version_file(${PROJECT_BINARY_DIR}/portraitConfigVersion.cmake
  COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/install-config/portraitConfig.cmake
              ${PROJECT_BINARY_DIR}/portraitConfigVersion.cmake
              ${PROJECT_SOURCE_DIR}/cmake/PortraitPlugin.cmake
        DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/portrait)
