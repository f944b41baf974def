#ifndef C_EXPORTER_SHIMS_H
#define C_EXPORTER_SHIMS_H

// Typed wrappers for the variadic C calls of libcurl, for CurlClient. Swift code imports only this module
// (see the stack notes: importing CCurl next to it splits the curl declarations across modules). Every function
// is a one-line forward; nothing else belongs here. The server's wrappers are in CServerShims.
#include <curl/curl.h>

// MARK: - libcurl: curl_easy_setopt, one wrapper per argument type

/// curl_easy_setopt for options taking a `long`.
CURLcode CExporterShims_curl_easy_setopt_long(CURL *handle, CURLoption option, long value);
/// curl_easy_setopt for options taking a `curl_off_t`.
CURLcode CExporterShims_curl_easy_setopt_off_t(CURL *handle, CURLoption option, curl_off_t value);
/// curl_easy_setopt for options taking a C string (libcurl copies it, except CURLOPT_POSTFIELDS).
CURLcode CExporterShims_curl_easy_setopt_string(CURL *handle, CURLoption option, const char *value);
/// curl_easy_setopt for options taking an opaque pointer (CURLOPT_WRITEDATA, CURLOPT_HEADERDATA,
/// CURLOPT_ERRORBUFFER, CURLOPT_COPYPOSTFIELDS, ...).
CURLcode CExporterShims_curl_easy_setopt_pointer(CURL *handle, CURLoption option, void *value);
/// curl_easy_setopt for options taking a `struct curl_slist *` (CURLOPT_HTTPHEADER).
CURLcode CExporterShims_curl_easy_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value);
/// curl_easy_setopt for CURLOPT_WRITEFUNCTION and CURLOPT_HEADERFUNCTION.
CURLcode CExporterShims_curl_easy_setopt_write_callback(CURL *handle, CURLoption option, curl_write_callback value);

// MARK: - libcurl: curl_easy_getinfo and curl_multi_setopt

/// curl_easy_getinfo for CURLINFO_LONG items.
CURLcode CExporterShims_curl_easy_getinfo_long(CURL *handle, CURLINFO info, long *value);
/// curl_easy_getinfo for CURLINFO_STRING items (the string belongs to the handle).
CURLcode CExporterShims_curl_easy_getinfo_string(CURL *handle, CURLINFO info, const char **value);
/// curl_multi_setopt for options taking a `long`.
CURLMcode CExporterShims_curl_multi_setopt_long(CURLM *handle, CURLMoption option, long value);

#endif
