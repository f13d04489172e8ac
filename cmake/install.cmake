# cmake/install.cmake — what `make install` (PREFIX, DESTDIR) puts on a machine: the binary,
# tradeauth(1) and the example INI (both printed by the binary from its own tables), and
# the systemd unit. Paths follow the install-time prefix (cmake --install --prefix).
include(GNUInstallDirs)
set(TA_SYSCONFDIR /etc CACHE PATH "where tradeauth/tradeauth.ini goes")
set(TA_SYSTEMD_UNITDIR lib/systemd/system CACHE PATH "systemd units (relative: under PREFIX)")

set(ta_man ${CMAKE_BINARY_DIR}/tradeauth.1)
set(ta_ini ${CMAKE_BINARY_DIR}/tradeauth.ini)
add_custom_command(OUTPUT ${ta_man} ${ta_ini}
  COMMAND tradeauth man > ${ta_man}
  COMMAND tradeauth example-config > ${ta_ini}
  DEPENDS tradeauth COMMENT "tradeauth(1) and the example INI from the binary's tables")
add_custom_target(tradeauth_docs ALL DEPENDS ${ta_man} ${ta_ini})

install(TARGETS tradeauth RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${ta_man} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# The unit names the binary where it is installed: filled in at install time.
install(CODE "
  set(TA_BINDIR \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}\")
  set(TA_SYSCONFDIR \"${TA_SYSCONFDIR}\")
  configure_file(\"${CMAKE_SOURCE_DIR}/packaging/tradeauth.service.in\"
    \"${CMAKE_BINARY_DIR}/tradeauth.service\" @ONLY)")
install(FILES ${CMAKE_BINARY_DIR}/tradeauth.service DESTINATION ${TA_SYSTEMD_UNITDIR})
# An operator's edited settings survive a reinstall; the example is always there beside it.
install(FILES ${ta_ini} DESTINATION ${TA_SYSCONFDIR}/tradeauth RENAME tradeauth.ini.example)
install(CODE "
  set(ini \"\$ENV{DESTDIR}${TA_SYSCONFDIR}/tradeauth/tradeauth.ini\")
  if(NOT EXISTS \"\${ini}\")
    message(STATUS \"Installing: \${ini}\")
    file(COPY_FILE \"${ta_ini}\" \"\${ini}\")
  endif()")
