# chimera_add_plugin(<name> SOURCES <files>... [OUTPUT_DIRECTORY <dir>])
#
# Builds a Chimera plugin: a MODULE library with hidden visibility that exports only the entry
# symbol (chm_plugin_entry), is linked with -z defs so every symbol it needs is resolved at link
# time, and never links against the framework. Used alike by the built-in plugins and by
# out-of-tree authors through find_package(ChimeraSDK).
include_guard(GLOBAL)

function(chimera_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "OUTPUT_DIRECTORY" "SOURCES")
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "chimera_add_plugin(${name}): SOURCES is required")
  endif()
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "chimera_add_plugin(${name}): unknown arguments ${arg_UNPARSED_ARGUMENTS}")
  endif()
  set(map "${CMAKE_CURRENT_FUNCTION_LIST_DIR}/chimera_plugin.map")
  add_library(${name} MODULE ${arg_SOURCES})
  target_link_libraries(${name} PRIVATE ChimeraSDK::sdk)
  set_target_properties(${name} PROPERTIES
    PREFIX ""
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LINK_DEPENDS "${map}")
  if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
    target_link_options(${name} PRIVATE
      "LINKER:-z,defs" "LINKER:--version-script=${map}")
  endif()
  if(arg_OUTPUT_DIRECTORY)
    set_target_properties(${name} PROPERTIES LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIRECTORY}")
  endif()
endfunction()
