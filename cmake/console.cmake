# cmake/console.cmake — the /console/ page (src/http/console/console.html) compiled into
# ta_http as the C array console_page (http/console.h).
set(ta_console_c ${CMAKE_BINARY_DIR}/generated/console_page.c)
add_custom_command(OUTPUT ${ta_console_c}
  COMMAND ${CMAKE_COMMAND} -DIN=${CMAKE_SOURCE_DIR}/src/http/console/console.html
    -DOUT=${ta_console_c} -DNAME=console_page -P ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  DEPENDS ${CMAKE_SOURCE_DIR}/src/http/console/console.html ${CMAKE_SOURCE_DIR}/cmake/embed.cmake
  COMMENT "Embedding the console page")
target_sources(ta_http PRIVATE ${ta_console_c})
