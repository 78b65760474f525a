# portrait_add_stage_plugin(NAME SOURCES ... [LIBRARIES ...])
# A stage plugin: a MODULE library with hidden visibility, so it exports only its
# entry point, placed where the host looks for plugins. Installed with the package
# too, so out-of-tree plugins get the same rules.
function(portrait_add_stage_plugin name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBRARIES" ${ARGN})
  add_library(${name} MODULE ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE portrait::sdk ${ARG_LIBRARIES})
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    OUTPUT_NAME "portrait_${name}"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    CXX_STANDARD 17
    CXX_STANDARD_REQUIRED ON)
  if(DEFINED PORTRAIT_PLUGIN_OUTPUT_DIR)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${PORTRAIT_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED PORTRAIT_PLUGIN_INSTALL_DIR AND PROJECT_NAME STREQUAL "portrait")
    install(TARGETS ${name} LIBRARY DESTINATION ${PORTRAIT_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
