# Command-line cases: exit codes and exact messages for bad invocations and hostile files.
# Runs in WORK, where it writes the inputs it needs (binary garbage, a 100 MB file, deep nesting).
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

set(failures 0)
# expect(RC EXPECTED_STDERR_REGEX ARGS...)
function(expect rc pattern)
  execute_process(COMMAND ${EXE} ${ARGN} WORKING_DIRECTORY ${WORK}
    RESULT_VARIABLE got OUTPUT_VARIABLE out ERROR_VARIABLE err)
  string(REPLACE ";" " " shown "${ARGN}")
  if(NOT got EQUAL rc)
    message(SEND_ERROR "mapsmith ${shown}: exit ${got}, expected ${rc}\nstdout: ${out}\nstderr: ${err}")
  elseif(NOT "${out}${err}" MATCHES "${pattern}")
    message(SEND_ERROR "mapsmith ${shown}: output does not match '${pattern}':\n${out}${err}")
  endif()
endfunction()

file(WRITE ${WORK}/ok.mapping "Task * GPU,CPU;\n")
file(WRITE ${WORK}/messy.mapping "Task *   GPU , CPU ;\n")

# Usage errors exit 2.
expect(2 "A subcommand is required")
expect(2 "The following argument was not expected: --bogus|--bogus" check --bogus ok.mapping)
expect(2 "files is required" check)
expect(2 "excludes" fmt --check -i ok.mapping)
# Help and version exit 0.
expect(0 "^mapsmith [0-9]+\\.[0-9]+\\.[0-9]+\n$" --version)
expect(0 "Usage: mapsmith check" check --help)
expect(0 "Usage: mapsmith fmt" fmt --help)
expect(0 "check.*fmt" --help)
# A file that does not exist.
expect(1 "^missing.mapping: error: cannot read: No such file or directory\n1 error, 0 warnings\n$" check missing.mapping)
# A directory.
expect(1 "^\\.: error: cannot read: Is a directory\n1 error, 0 warnings\n$" check .)
# Not UTF-8 (Latin-1 'é'): one line.
string(ASCII 233 e_acute)
file(WRITE ${WORK}/latin1.mapping "# caf${e_acute}\nTask * GPU;\n")
file(WRITE ${WORK}/empty.mapping "")
expect(1 "^latin1.mapping: error: not a text file \\(invalid UTF-8 at offset 5\\)\nhint: mapping files are plain text in UTF-8\n1 error, 0 warnings\n$" check latin1.mapping)
# NUL bytes: a tar archive (CMake strings cannot hold NUL, but its archiver writes them).
file(ARCHIVE_CREATE OUTPUT ${WORK}/binary.mapping PATHS ${WORK}/ok.mapping FORMAT gnutar)
expect(1 "^binary.mapping: error: not a text file" check binary.mapping)
# An empty file is a valid (empty) mapper.
expect(0 "empty.mapping: ok \\(0 statements, 0 warnings\\)" check empty.mapping)
# A 100 MB file: refused at once, in one line.
string(REPEAT "# a comment line that makes the file large enough to refuse...................\n" 13108 chunk)
file(WRITE ${WORK}/big.mapping "")
foreach(i RANGE 1 100)
  file(APPEND ${WORK}/big.mapping "${chunk}")
endforeach()
expect(1 "^big.mapping: error: file is larger than the limit of 16777216 bytes for a mapping file\n1 error, 0 warnings\n$" check big.mapping)
# 10,000 nested parentheses: one error, no crash.
string(REPEAT "(" 10000 open)
string(REPEAT ")" 10000 close)
file(WRITE ${WORK}/deep.mapping "x = ${open}1${close};\n")
expect(1 "^deep.mapping:1:205: error: expression nested too deeply \\(more than 200 levels\\)\n" check deep.mapping)
# fmt: canonical output, --check, -i.
expect(0 "^Task \\* GPU,CPU;\n$" fmt messy.mapping)
expect(1 "messy.mapping: not in canonical form \\(run: mapsmith fmt -i messy.mapping\\)" fmt --check messy.mapping)
expect(0 "^$" fmt -i messy.mapping)
expect(0 "^$" fmt --check messy.mapping)
# --json prints an array even when there is nothing to say.
expect(0 "^\\[\\]\n$" check --json ok.mapping)
