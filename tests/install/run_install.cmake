# `cmake --install` gives a mapsmith that works from any directory: it finds the expert mappers
# installed beside it (PREFIX/share/mapsmith/examples), and no path of the source or build tree
# is compiled into it. Run with -DBUILD=<build dir> -DSOURCE=<source dir> -DWORK=<scratch dir>.
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK}/elsewhere)
# --strip, as the README says: the debug information a build may carry names the files it was
# compiled from; the program itself must not.
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD} --prefix ${WORK}/prefix --strip
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed (${rc}):\n${out}${err}")
endif()
set(exe ${WORK}/prefix/bin/mapsmith)
if(NOT EXISTS ${exe} OR NOT EXISTS ${WORK}/prefix/share/mapsmith/examples/circuit/expert.mapping)
  message(FATAL_ERROR "the install lacks bin/mapsmith or share/mapsmith/examples")
endif()
# From another directory, with nothing of the build around: the expert mapper is found.
execute_process(COMMAND ${exe} simulate --app circuit --machine sapling --json
  WORKING_DIRECTORY ${WORK}/elsewhere RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "the installed mapsmith failed (${rc}):\n${out}${err}")
endif()
file(REAL_PATH ${WORK}/prefix prefix)
string(FIND "${out}" "\"mapper\": \"${prefix}/share/mapsmith/examples/circuit/expert.mapping\""
       at)
if(at EQUAL -1)
  message(FATAL_ERROR "the installed mapsmith did not use its own expert mapper:\n${out}")
endif()
# No absolute path of the source or build tree in the program (it would show in its output).
# Not in a sanitizer build (-DMAPSMITH_SANITIZE=ON, never installed for use): UBSan compiles the
# absolute path of every file it checks into its reports, and GCC's -ffile-prefix-map does not
# reach them (the check passes there only where ccache's base_dir makes the paths relative).
if(SANITIZE)
  message(STATUS "sanitizer build: the check for compiled-in source paths is skipped")
  return()
endif()
foreach(dir ${SOURCE} ${BUILD})
  file(STRINGS ${exe} found REGEX "${dir}")
  if(found)
    list(JOIN found "\n  " all)
    message(FATAL_ERROR "the installed mapsmith contains the path ${dir}:\n  ${all}")
  endif()
endforeach()
