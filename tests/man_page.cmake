# tests/man_page.cmake: the manual page says what --help says. Every long option that
# `trawl crawl --help` prints is in the page's CRAWL OPTIONS section and the other way round;
# the same for `trawl orders --help` and ORDERS OPTIONS, `trawl status --help` and STATUS
# OPTIONS, and for `trawl --help` and GENERAL
# OPTIONS. Run as: cmake -DTRAWL=path/to/trawl -DMAN=path/to/trawl.1 -P man_page.cmake
cmake_minimum_required(VERSION 3.20)

# The long options in text, sorted and without repeats, into out.
function(long_options text out)
  string(REGEX MATCHALL "--[a-z][a-z0-9-]*" opts "${text}")
  list(REMOVE_DUPLICATES opts)
  list(SORT opts)
  set(${out} "${opts}" PARENT_SCOPE)
endfunction()

# The page's text from the line ".SH <from>" up to the next ".SH", into out.
function(man_section text from out)
  string(FIND "${text}" "\n.SH ${from}\n" start)
  if(start EQUAL -1)
    message(FATAL_ERROR "${MAN}: no section ${from}")
  endif()
  string(SUBSTRING "${text}" ${start} -1 rest)
  string(LENGTH "\n.SH ${from}\n" skip)
  string(SUBSTRING "${rest}" ${skip} -1 rest)
  string(FIND "${rest}" "\n.SH " end)
  string(SUBSTRING "${rest}" 0 ${end} section)
  set(${out} "${section}" PARENT_SCOPE)
endfunction()

set(failures "")
# Compare one command's --help with its section of the page.
function(check what help_args section)
  execute_process(COMMAND ${TRAWL} ${help_args} OUTPUT_VARIABLE help RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "trawl ${help_args} exited ${rc}")
  endif()
  long_options("${help}" in_help)
  man_section("${page}" "${section}" text)
  long_options("${text}" in_man)
  if(NOT what STREQUAL "trawl")
    list(REMOVE_ITEM in_help --help) # -h, --help is documented once, under GENERAL OPTIONS
  endif()
  if(NOT in_help)
    message(FATAL_ERROR "no long options in `${what} --help`")
  endif()
  foreach(o ${in_help})
    if(NOT o IN_LIST in_man)
      string(APPEND failures "  ${o} is in `${what} --help` but not under ${section}\n")
    endif()
  endforeach()
  foreach(o ${in_man})
    if(NOT o IN_LIST in_help)
      string(APPEND failures "  ${o} is under ${section} but not in `${what} --help`\n")
    endif()
  endforeach()
  list(LENGTH in_help n)
  message(STATUS "${what}: ${n} long options checked")
  set(failures "${failures}" PARENT_SCOPE)
endfunction()

file(READ ${MAN} page)
string(REPLACE "\\-" "-" page "${page}") # roff writes a hyphen-minus as \-
check("trawl" "--help" "GENERAL OPTIONS")
check("trawl crawl" "crawl;--help" "CRAWL OPTIONS")
check("trawl orders" "orders;--help" "ORDERS OPTIONS")
check("trawl status" "status;--help" "STATUS OPTIONS")
if(failures)
  message(FATAL_ERROR "${MAN} and --help disagree:\n${failures}")
endif()
