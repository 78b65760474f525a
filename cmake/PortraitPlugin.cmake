# portrait_add_stage_plugin(NAME SOURCES ... [LIBRARIES ...] [OUTPUT_DIRECTORY DIR])
# A stage plugin: a MODULE library with hidden visibility, so it exports only its
# entry point, named portrait_<NAME>.so. Installed with the package too, so out-of-tree
# plugins get the same rules.
# Inside this project, the bundled plugins (plugins/<name>/) go to the build's plugin
# folder, where the CLI finds them, and are installed with the host; plugins defined
# anywhere else (test plugins) are never installed, and OUTPUT_DIRECTORY keeps them out
# of the plugin folder. Out of tree, the library goes to OUTPUT_DIRECTORY or the build
# folder, and installing it is up to the plugin's project.
function(portrait_add_stage_plugin name)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE portrait::sdk ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "portrait_${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  elseif(DEFINED PORTRAIT_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PORTRAIT_PLUGIN_OUTPUT_DIR})
  endif()
  if(PROJECT_NAME STREQUAL "portrait" AND DEFINED PORTRAIT_PLUGIN_INSTALL_DIR)
    string(FIND "${CMAKE_CURRENT_SOURCE_DIR}/" "${PROJECT_SOURCE_DIR}/plugins/" _at)
    if(_at EQUAL 0)
      install(TARGETS ${name} LIBRARY DESTINATION ${PORTRAIT_PLUGIN_INSTALL_DIR})
    endif()
  endif()
endfunction()
