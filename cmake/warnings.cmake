# Warning and sanitizer flags, applied per target so third-party code is untouched.
function(ta_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Werror -Wshadow -Wconversion
    -Wno-sign-conversion -Wformat=2 -Wvla)
  target_compile_definitions(${target} PRIVATE _GNU_SOURCE)
  if(TA_FUZZ) # clang's own warnings differ from gcc's, which gates -Werror in make test
    target_compile_options(${target} PRIVATE -Wno-error)
  endif()
  if(TA_SANITIZE)
    target_compile_options(${target} PUBLIC -fsanitize=address,undefined
      -fno-sanitize-recover=undefined -fno-omit-frame-pointer)
    target_link_options(${target} PUBLIC -fsanitize=address,undefined)
  endif()
endfunction()
