# Runs EXE ARGS INPUT, expects exit code RC and output (stdout then stderr) equal to EXPECTED.
# Set UPDATE=1 in the environment to rewrite EXPECTED from the actual output instead.
execute_process(COMMAND ${EXE} ${ARGS} ${INPUT}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(actual "${out}${err}")
if(DEFINED ENV{UPDATE})
  file(WRITE ${EXPECTED} "${actual}")
  return()
endif()
if(NOT EXISTS ${EXPECTED})
  message(FATAL_ERROR "missing ${EXPECTED}; the output was:\n${actual}")
endif()
file(READ ${EXPECTED} expected)
if(NOT rc EQUAL RC)
  message(FATAL_ERROR "exit code ${rc}, expected ${RC}; output:\n${actual}")
endif()
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "output differs from ${EXPECTED}\n--- expected\n${expected}\n--- actual\n${actual}")
endif()
