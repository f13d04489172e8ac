/* http/console.h — the try-it page (GET /console/, setting console, off by default): one
 * static page embedded at build time from src/http/console/console.html (cmake/console.cmake). */
#ifndef TA_HTTP_CONSOLE_H
#define TA_HTTP_CONSOLE_H

extern const unsigned char console_page[]; /* UTF-8, NUL-terminated */

#endif
