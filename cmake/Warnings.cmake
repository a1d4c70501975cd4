# Project-wide compile flags: warnings, optional -Werror and sanitizers.
add_library(ats_options INTERFACE)
target_compile_options(ats_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                             -Wnull-dereference -Wformat=2)
if(ATS_WARNINGS_AS_ERRORS)
  target_compile_options(ats_options INTERFACE -Werror)
endif()
if(ATS_SANITIZE)
  target_compile_options(ats_options INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all
                                               -fno-omit-frame-pointer)
  target_link_options(ats_options INTERFACE -fsanitize=address,undefined)
endif()
