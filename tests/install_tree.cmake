# tests/install_tree.cmake: `cmake --install` from the build directory into a fresh prefix puts
# bin/trawl (which runs) and share/man/man1/trawl.1 there. Needs no root and no network.
# Run as: cmake -DBUILD_DIR=... -DPREFIX=... -P install_tree.cmake
cmake_minimum_required(VERSION 3.20)

file(REMOVE_RECURSE ${PREFIX})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${PREFIX}
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install exited ${rc}")
endif()
foreach(f bin/trawl share/man/man1/trawl.1)
  if(NOT EXISTS ${PREFIX}/${f})
    message(FATAL_ERROR "cmake --install did not put ${f} under ${PREFIX}")
  endif()
endforeach()
execute_process(COMMAND ${PREFIX}/bin/trawl --version OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT rc EQUAL 0 OR NOT out MATCHES "^trawl [0-9]")
  message(FATAL_ERROR "the installed trawl --version: exit ${rc}, '${out}'")
endif()
file(READ ${PREFIX}/share/man/man1/trawl.1 page)
if(NOT page MATCHES "\n\\.TH TRAWL 1 [^\n]*trawl [0-9]")
  message(FATAL_ERROR "the installed manual page has no .TH line with the version")
endif()
file(REMOVE_RECURSE ${PREFIX})
