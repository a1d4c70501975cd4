# Project-wide compile flags: warnings, optional -Werror and sanitizers.
add_library(ats_options INTERFACE)
target_compile_options(ats_options INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                             -Wold-style-cast -Wcast-align -Wunused -Woverloaded-virtual
                                             -Wformat=2)
# (-Wnull-dereference is left out: at -O2 GCC 12 reports impossible paths in std::map lookups.)
if(ATS_WARNINGS_AS_ERRORS)
  target_compile_options(ats_options INTERFACE -Werror)
endif()
if(ATS_SANITIZE)
  target_compile_options(ats_options INTERFACE -fsanitize=address,undefined -fno-sanitize-recover=all
                                               -fno-omit-frame-pointer)
  target_link_options(ats_options INTERFACE -fsanitize=address,undefined)
endif()
