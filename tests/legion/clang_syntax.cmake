# Compiles every generated mapper pinned in DIR with clang++ (-fsyntax-only) at -Wall -Wextra
# -Werror, Legion's headers as system headers, as the link test does with the project's compiler.
#
#   cmake -DCLANGXX=clang++ "-DINCLUDES=dir;dir" "-DDEFINES=X=1;Y" -DDIR=tests/golden/codegen
#         -P clang_syntax.cmake
file(GLOB sources ${DIR}/*.cc)
set(flags -std=c++17 -fsyntax-only -Wall -Wextra -Werror)
foreach(inc ${INCLUDES})
  list(APPEND flags -isystem ${inc})
endforeach()
foreach(def ${DEFINES})
  list(APPEND flags -D${def})
endforeach()
set(failures "")
foreach(src ${sources})
  execute_process(COMMAND ${CLANGXX} ${flags} ${src} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    list(APPEND failures "${src}:\n${err}")
  endif()
endforeach()
list(LENGTH sources n)
if(failures)
  list(JOIN failures "\n" text)
  message(FATAL_ERROR "clang++ rejects generated mappers:\n${text}")
endif()
message(STATUS "clang++ compiles all ${n} generated mappers without a warning")
