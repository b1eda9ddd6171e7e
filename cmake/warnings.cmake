add_library(cairn_warnings INTERFACE)
target_compile_options(cairn_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
if(CAIRN_WERROR)
  target_compile_options(cairn_warnings INTERFACE -Werror)
endif()
add_library(cairn::warnings ALIAS cairn_warnings)

# cairn_test(NAME LABEL SOURCES...) builds one Boost.Test executable and registers it with CTest.
function(cairn_test name label)
  add_executable(${name} ${ARGN})
  target_link_libraries(${name} PRIVATE cairn::test_support Boost::unit_test_framework cairn::warnings)
  target_compile_definitions(${name} PRIVATE BOOST_TEST_DYN_LINK)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS ${label})
endfunction()
