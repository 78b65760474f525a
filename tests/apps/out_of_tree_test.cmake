# ctest apps.out_of_tree_plugin: what a third-party plugin author does, end to end.
#   1. `cmake --install` this build into a fresh prefix and check what landed there;
#   2. configure and build tests/out_of_tree_plugin against that prefix (find_package);
#   3. run the *installed* portrait CLI with the new plugin, found once through a
#      pipeline's plugin_paths and once through PORTRAIT_PLUGIN_PATH, and check pixels.
# Run as: cmake -DPORTRAIT_BUILD_DIR=... -DPLUGIN_SOURCE_DIR=... -DWORK_DIR=...
#               -DIMAGE_TOOL=... [-DGENERATOR=...] [-DCXX_COMPILER=...] -P out_of_tree_test.cmake
cmake_minimum_required(VERSION 3.22)
foreach(v PORTRAIT_BUILD_DIR PLUGIN_SOURCE_DIR WORK_DIR IMAGE_TOOL)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "${v} is not set")
  endif()
endforeach()

# Runs a command; stops the test with its output when it fails.
function(step name)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${name} failed (${rc}):\n${ARGN}\n--- stdout\n${out}\n--- stderr\n${err}")
  endif()
  message(STATUS "${name}: ok")
  set(STEP_OUT "${out}" PARENT_SCOPE)
endfunction()

set(prefix ${WORK_DIR}/prefix)
set(build ${WORK_DIR}/plugin-build)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR}/in)

# 1. Install.
step("install" ${CMAKE_COMMAND} --install ${PORTRAIT_BUILD_DIR} --prefix ${prefix})
file(GLOB libdir LIST_DIRECTORIES true ${prefix}/lib ${prefix}/lib/*-linux-gnu)
list(GET libdir -1 libdir)
foreach(f bin/portrait include/portrait/sdk.hpp include/portrait/version.hpp include/portrait/plugin.hpp
          include/portrait/runtime/runner.hpp share/portrait/pipelines/default.yaml
          share/portrait/models/catalogue.yaml)
  if(NOT EXISTS ${prefix}/${f})
    message(FATAL_ERROR "not installed: ${prefix}/${f}")
  endif()
endforeach()
foreach(f portrait/plugins/portrait_tone.so cmake/portrait/portraitConfig.cmake
          cmake/portrait/portraitConfigVersion.cmake cmake/portrait/PortraitPlugin.cmake)
  if(NOT EXISTS ${libdir}/${f})
    message(FATAL_ERROR "not installed: ${libdir}/${f}")
  endif()
endforeach()
file(GLOB runtime_lib ${libdir}/libportrait.so.*)
if(NOT runtime_lib)
  message(FATAL_ERROR "runtime library libportrait.so.* not installed in ${libdir}")
endif()
file(GLOB test_plugins ${libdir}/portrait/plugins/portrait_spine_* ${libdir}/portrait/plugins/portrait_batch_test*)
if(test_plugins)
  message(FATAL_ERROR "test plugins were installed: ${test_plugins}")
endif()

# 2. Configure and build the plugin against the install only.
set(gen_args)
if(GENERATOR)
  list(APPEND gen_args -G ${GENERATOR})
endif()
if(CXX_COMPILER)
  list(APPEND gen_args -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
endif()
step("configure the plugin" ${CMAKE_COMMAND} -S ${PLUGIN_SOURCE_DIR} -B ${build} ${gen_args}
     -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
step("build the plugin" ${CMAKE_COMMAND} --build ${build})
if(NOT EXISTS ${build}/portrait_vignette.so)
  message(FATAL_ERROR "the build did not make ${build}/portrait_vignette.so")
endif()
step("the plugin's own test (stage harness, installed runtime)" ${CMAKE_COMMAND} -E env
     PORTRAIT_CACHE=${WORK_DIR}/cache ${build}/vignette_test)

# 2b. The same plugin against the build tree, not installed (-Dportrait_DIR=<build>): what
#     an author does while working on portrait itself. The build's CLI lists it.
step("configure the plugin against the build tree" ${CMAKE_COMMAND} -S ${PLUGIN_SOURCE_DIR}
     -B ${WORK_DIR}/plugin-build-tree ${gen_args} -DCMAKE_BUILD_TYPE=Release -Dportrait_DIR=${PORTRAIT_BUILD_DIR}
     -DCMAKE_FIND_PACKAGE_NO_PACKAGE_REGISTRY=ON)
step("build the plugin against the build tree" ${CMAKE_COMMAND} --build ${WORK_DIR}/plugin-build-tree)
step("the plugin's own test against the build tree" ${CMAKE_COMMAND} -E env
     PORTRAIT_CACHE=${WORK_DIR}/cache ${WORK_DIR}/plugin-build-tree/vignette_test)
step("the build's CLI loads it" ${CMAKE_COMMAND} -E env PORTRAIT_PLUGIN_PATH=${WORK_DIR}/plugin-build-tree
     PORTRAIT_CACHE=${WORK_DIR}/cache NO_COLOR=1 ${PORTRAIT_BUILD_DIR}/bin/portrait plugins)
if(NOT STEP_OUT MATCHES "vignette 1.0.0 \\(MIT\\)")
  message(FATAL_ERROR "the build tree's CLI does not list the plugin built against the build tree:\n${STEP_OUT}")
endif()

# 3. Run it with the installed CLI (a private cache; no plugin folder from the caller).
step("make the input" ${IMAGE_TOOL} make ${WORK_DIR}/in/grey.png 300 200 128)
file(WRITE ${WORK_DIR}/vignette.yaml
"version: 1
name: vignette
resources: {max_size: 0}
plugin_paths: [plugin-build]   # relative to this file
stages:
  - stage: vignette
    params: {strength: 0.5}
")
set(env ${CMAKE_COMMAND} -E env --unset=PORTRAIT_PLUGIN_PATH --unset=PORTRAIT_MODELS
        PORTRAIT_CACHE=${WORK_DIR}/cache NO_COLOR=1)
# A pipeline's plugin_paths are native code: refused unless the user opts in.
execute_process(COMMAND ${env} ${prefix}/bin/portrait validate ${WORK_DIR}/vignette.yaml
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 2 OR NOT err MATCHES "--allow-pipeline-plugins" OR NOT err MATCHES "unknown stage 'vignette'")
  message(FATAL_ERROR "validate without --allow-pipeline-plugins must refuse plugin_paths (rc ${rc}):\n${out}${err}")
endif()
step("validate" ${env} ${prefix}/bin/portrait validate --allow-pipeline-plugins ${WORK_DIR}/vignette.yaml)
step("run through plugin_paths" ${env} ${prefix}/bin/portrait run ${WORK_DIR}/in -o ${WORK_DIR}/out1
     -p ${WORK_DIR}/vignette.yaml --allow-pipeline-plugins --progress never)
step("check the pixels (strength 0.5)" ${IMAGE_TOOL} check-vignette ${WORK_DIR}/out1/grey.png 128 0.5)
message(STATUS "${STEP_OUT}")

file(WRITE ${WORK_DIR}/plain.yaml "version: 1\nresources: {max_size: 0}\nstages:\n  - stage: vignette\n")
set(env_path ${CMAKE_COMMAND} -E env --unset=PORTRAIT_MODELS PORTRAIT_PLUGIN_PATH=${build}
             PORTRAIT_CACHE=${WORK_DIR}/cache NO_COLOR=1)
step("plugins" ${env_path} ${prefix}/bin/portrait plugins)
if(NOT STEP_OUT MATCHES "vignette 1.0.0 \\(MIT\\)" OR NOT STEP_OUT MATCHES "portrait_vignette.so")
  message(FATAL_ERROR "`portrait plugins` does not list the vignette plugin:\n${STEP_OUT}")
endif()
step("run through PORTRAIT_PLUGIN_PATH" ${env_path} ${prefix}/bin/portrait run ${WORK_DIR}/in/grey.png
     -o ${WORK_DIR}/out2 -p ${WORK_DIR}/plain.yaml --set vignette.strength=1.0 --progress never)
step("check the pixels (strength 1.0)" ${IMAGE_TOOL} check-vignette ${WORK_DIR}/out2/grey.png 128 1.0)
message(STATUS "${STEP_OUT}")

# The installed pipelines validate with the installed CLI and plugins.
step("validate the installed tone pipeline" ${env} ${prefix}/bin/portrait validate
     ${prefix}/share/portrait/pipelines/tone.yaml)
file(REMOVE_RECURSE ${WORK_DIR})
