#ifndef C_EXPORTER_SHIMS_H
#define C_EXPORTER_SHIMS_H

// Typed wrappers for the variadic C calls of libcurl and libmicrohttpd. Swift code imports only this
// module (see the stack notes: importing CCurl next to it splits the curl declarations across modules).
#include <curl/curl.h>
#include <microhttpd.h>

#endif
