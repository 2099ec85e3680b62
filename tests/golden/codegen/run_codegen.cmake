# Runs `mapsmith codegen --name NAME INPUT` and compares the source it prints on standard output,
# byte for byte, with EXPECTED (warnings on standard error are not part of the source). Set
# UPDATE=1 in the environment to rewrite EXPECTED instead.
execute_process(COMMAND ${EXE} codegen --name ${NAME} ${INPUT}
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "mapsmith codegen ${INPUT} exited with ${rc}:\n${err}")
endif()
if(DEFINED ENV{UPDATE})
  file(WRITE ${EXPECTED} "${out}")
  return()
endif()
if(NOT EXISTS ${EXPECTED})
  message(FATAL_ERROR "missing ${EXPECTED}; set UPDATE=1 to create it")
endif()
file(READ ${EXPECTED} expected)
if(NOT out STREQUAL expected)
  message(FATAL_ERROR "the generated source differs from ${EXPECTED}; run the test with UPDATE=1 "
                      "to accept the new source after reading the difference:\n${out}")
endif()
