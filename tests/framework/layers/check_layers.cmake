# Builds, for each layer but the top, a one-line source that includes one of its own headers and
# then a header of the layer above it, and checks that each fails because the upper header is
# not found: the include directories of a layer show nothing above it.
# -DBUILD=<build dir> -DPROBES=<target>=<header>;...
foreach(probe IN LISTS PROBES)
  string(REPLACE "=" ";" parts ${probe})
  list(GET parts 0 target)
  list(GET parts 1 header)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD} --target ${target}
                  RESULT_VARIABLE result OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(result EQUAL 0)
    message(FATAL_ERROR "${target}: an include of ${header} from the layer below built")
  endif()
  string(FIND "${out}${err}" "${header}: No such file or directory" at)  # gcc
  string(FIND "${out}${err}" "'${header}' file not found" at_clang)        # clang
  if(at EQUAL -1 AND at_clang EQUAL -1)
    message(FATAL_ERROR "${target} failed, but not because ${header} is out of reach:\n${out}${err}")
  endif()
  message(STATUS "${target}: ${header} is out of reach, as it should be")
endforeach()
list(LENGTH PROBES n)
if(n LESS 10)
  message(FATAL_ERROR "only ${n} layers were probed")
endif()
