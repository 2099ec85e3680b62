# Checks `mapsmith check --dialect published` against the published DSL mapper's own parser on
# every FILE of DIR. Each file carries the parser's verdict (recorded by running it: DSLMapper
# c13b92e's Flex/Bison front end) in a line
#   # Published DSL mapper's parser (DSLMapper c13b92e): OK | Error at line N: MESSAGE
# A file it accepts must check clean: no diagnostic at all. A file it rejects must get a
# diagnostic (error or warning) whose first line, in order of the file, is at that line N. A line
#   # Expect: the first diagnostic at line N
# names the line for a construct its parser takes but its mapper reads otherwise.
#
#   cmake -DEXE=mapsmith -DDIR=tests/published/corpus -P run_published.cmake
file(GLOB files ${DIR}/*.mapping)
set(failures "")
set(clean 0)
set(rejected 0)
foreach(f ${files})
  file(READ ${f} text)
  string(REGEX MATCH "# Published DSL mapper's parser \\(DSLMapper c13b92e\\): ([^\n]*)" m "${text}")
  if(NOT m)
    list(APPEND failures "${f}: no verdict of the published parser in its header")
    continue()
  endif()
  set(verdict "${CMAKE_MATCH_1}")
  set(expect_line "")
  if(verdict MATCHES "^Error at line ([0-9]+):")
    set(expect_line ${CMAKE_MATCH_1})
  endif()
  if(text MATCHES "# Expect: the first diagnostic at line ([0-9]+)")
    set(expect_line ${CMAKE_MATCH_1})
  endif()
  execute_process(COMMAND ${EXE} check --dialect published --json ${f}
    RESULT_VARIABLE rc OUTPUT_VARIABLE json ERROR_VARIABLE err)
  string(JSON n ERROR_VARIABLE jerr LENGTH "${json}")
  if(jerr)
    list(APPEND failures "${f}: no JSON from mapsmith check (${rc}): ${err}")
    continue()
  endif()
  if(NOT expect_line)
    if(NOT rc EQUAL 0 OR NOT n EQUAL 0)
      list(APPEND failures "${f}: the published parser accepts it, but mapsmith check --dialect "
                           "published reports ${n} diagnostics (exit ${rc}):\n${json}")
    endif()
    math(EXPR clean "${clean} + 1")
    continue()
  endif()
  if(n EQUAL 0)
    list(APPEND failures "${f}: the published parser rejects it at line ${expect_line}, but "
                         "mapsmith check --dialect published reports nothing")
    continue()
  endif()
  # The first diagnostic in the order of the file.
  math(EXPR last "${n} - 1")
  set(first 999999999)
  set(first_message "")
  foreach(i RANGE ${last})
    string(JSON line GET "${json}" ${i} line)
    if(line LESS first)
      set(first ${line})
      string(JSON first_message GET "${json}" ${i} message)
    endif()
  endforeach()
  if(NOT first EQUAL expect_line)
    list(APPEND failures "${f}: first diagnostic at line ${first} (${first_message}), the "
                         "published parser's at line ${expect_line} (${verdict})")
  endif()
  math(EXPR rejected "${rejected} + 1")
endforeach()
if(failures)
  list(JOIN failures "\n" text)
  message(FATAL_ERROR "${text}")
endif()
message(STATUS "${clean} files the published parser accepts check clean; ${rejected} it rejects "
               "(or reads otherwise) get their first diagnostic at its line")
