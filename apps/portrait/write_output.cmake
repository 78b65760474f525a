# cmake -DEXE=portrait -DARGS="help;--man" -DOUT=file -P write_output.cmake
# Runs EXE ARGS... and writes its standard output to OUT; fails with its messages.
# PORTRAIT_CACHE is set to its default's spelling, so the texts that name the cache say
# ~/.cache/portrait and not the builder's home.
set(ENV{PORTRAIT_CACHE} "~/.cache/portrait")
unset(ENV{PORTRAIT_PYTHON})
execute_process(COMMAND ${EXE} ${ARGS} OUTPUT_FILE ${OUT}.tmp ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${EXE} ${ARGS}: exit ${rc}\n${err}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
