# Runs a Legion program with -mapsmith:log and checks that every point of the given launches ran
# where `mapsmith explain` says the mapper puts it on the same machine shape.
#
#   cmake -DPROGRAM=exe "-DPROGRAM_ARGS=a;b" -DMAPSMITH=mapsmith -DMACHINE=m.json -DMAPPER=f.mapping
#         "-DLAUNCHES=task:8;check" [-DEXPECT=regex] -P check_placements.cmake
#
# The program prints "mapsmith: TASK POINT -> node N KIND I" for every task it maps; each launch
# TASK:E (or TASK alone, a single launch) is explained with --json and every point it lists must
# appear with the same node and processor, and no other placement of TASK may appear.
execute_process(COMMAND ${PROGRAM} ${PROGRAM_ARGS} -mapsmith:log
  RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 600)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${rc}\n--- stdout\n${out}\n--- stderr\n${err}")
endif()
if(DEFINED EXPECT AND NOT out MATCHES "${EXPECT}")
  message(FATAL_ERROR "${PROGRAM}: output does not match '${EXPECT}':\n${out}")
endif()

# The placements Legion's run recorded, one entry per distinct line.
string(REGEX MATCHALL "mapsmith: [^\n]*" logged "${out}")
list(REMOVE_DUPLICATES logged)

set(failures "")
set(report "")
foreach(launch ${LAUNCHES})
  string(REPLACE ":" ";" parts "${launch}")
  list(GET parts 0 task)
  execute_process(COMMAND ${MAPSMITH} explain --machine ${MACHINE} --mapper ${MAPPER}
                          --launch ${launch} --json
    RESULT_VARIABLE erc OUTPUT_VARIABLE json ERROR_VARIABLE eerr)
  if(NOT erc EQUAL 0)
    message(FATAL_ERROR "mapsmith explain --launch ${launch} failed (${erc}):\n${eerr}")
  endif()
  set(expected "")
  string(JSON count LENGTH "${json}" points)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON node GET "${json}" points ${i} node)
    string(JSON kind GET "${json}" points ${i} kind)
    string(JSON proc GET "${json}" points ${i} proc)
    string(JSON dims LENGTH "${json}" points ${i} point)
    if(dims EQUAL 0)
      set(point "-")
    else()
      set(coords "")
      math(EXPR dlast "${dims} - 1")
      foreach(d RANGE ${dlast})
        string(JSON c GET "${json}" points ${i} point ${d})
        list(APPEND coords ${c})
      endforeach()
      list(JOIN coords ", " point)
      if(dims EQUAL 1)
        set(point "(${point},)")
      else()
        set(point "(${point})")
      endif()
    endif()
    list(APPEND expected "mapsmith: ${task} ${point} -> node ${node} ${kind} ${proc}")
  endforeach()
  # Every explained point ran where explain says ...
  foreach(line ${expected})
    list(FIND logged "${line}" found)
    if(found EQUAL -1)
      list(APPEND failures "expected but not logged: ${line}")
    endif()
    string(APPEND report "  ${line}\n")
  endforeach()
  # ... and no point of that task ran anywhere else.
  foreach(line ${logged})
    if(line MATCHES "^mapsmith: ${task} ")
      list(FIND expected "${line}" found)
      if(found EQUAL -1)
        list(APPEND failures "logged but not explained: ${line}")
      endif()
    endif()
  endforeach()
endforeach()

if(failures)
  list(JOIN failures "\n" text)
  message(FATAL_ERROR "placements differ from mapsmith explain:\n${text}\n--- program output\n${out}")
endif()
message(STATUS "every placement matches mapsmith explain:\n${report}")
