#ifndef C_EXPORTER_SHIMS_H
#define C_EXPORTER_SHIMS_H

// Typed wrappers for the variadic C calls of libcurl and libmicrohttpd. Swift code imports only this
// module (see the stack notes: importing CCurl next to it splits the curl declarations across modules).
// Every function is a one-line forward; nothing else belongs here.
#include <crypt.h>
#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>

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

// MARK: - libmicrohttpd

/// MHD_start_daemon with every option given as one MHD_OPTION_ARRAY (terminated by an MHD_OPTION_END item).
struct MHD_Daemon *CExporterShims_MHD_start_daemon(unsigned int flags,
                                                  uint16_t port,
                                                  MHD_AcceptPolicyCallback accept_policy,
                                                  void *accept_policy_cls,
                                                  MHD_AccessHandlerCallback handler,
                                                  void *handler_cls,
                                                  struct MHD_OptionItem *options);
/// MHD_get_daemon_info for the info types that take no extra argument (MHD_DAEMON_INFO_BIND_PORT, ...).
const union MHD_DaemonInfo *CExporterShims_MHD_get_daemon_info(struct MHD_Daemon *daemon,
                                                              enum MHD_DaemonInfoType info_type);
/// MHD_get_connection_info(MHD_CONNECTION_INFO_GNUTLS_SESSION): the connection's GnuTLS session, or NULL
/// when the daemon does not use TLS.
gnutls_session_t CExporterShims_MHD_connection_gnutls_session(struct MHD_Connection *connection);
/// MHD_get_connection_info(MHD_CONNECTION_INFO_CONNECTION_FD): the connection's socket, or -1.
int CExporterShims_MHD_connection_socket(struct MHD_Connection *connection);

#endif
